"""`sohoa`'s entry point: `sohoa ingest PATH [--json]` is handed to the resident ingest process when
one serves this data folder (flows/resident.py); everything else, and every ingest it does not take,
goes to the full command line.

Importing the full command line costs about two seconds before Prefect is even loaded, so this
module imports only what drawing the progress bar and the report needs.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main() -> None:
    if (code := _resident_ingest(sys.argv[1:])) is not None:
        raise SystemExit(code)
    from cli import app

    app(prog_name="sohoa")


def _resident_ingest(args: list[str]) -> int | None:
    """The exit code of an ingest the resident process read, or None to run the command here."""
    if args[:1] != ["ingest"]:
        return None
    options = [arg for arg in args[1:] if arg.startswith("-")]
    paths = [arg for arg in args[1:] if not arg.startswith("-")]
    if len(paths) != 1 or set(options) - {"--json"} or not Path(paths[0]).exists():
        return None  # --verbose shows Prefect's logs here; a missing path is explained there
    from rich.console import Console

    from cli.views import ingest_progress, print_batch_report
    from flows import resident
    from schemas.batch import BatchStatus
    from schemas.settings import Settings

    try:
        settings = Settings()
    except ValueError:
        return None  # the full command line explains a wrong setting
    as_json = "--json" in options
    errors = Console(stderr=True)
    try:
        with ingest_progress(errors, quiet=as_json) as on_event:
            report = resident.ingest(settings, Path(paths[0]), on_event)
    except KeyboardInterrupt:
        errors.print("Đã dừng theo dõi. Lô vẫn đang được xử lý ở tiến trình nền; xem kết quả bằng "
                     "[bold]sohoa batches[/bold].")
        return 130
    if report is None:
        return None
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        print_batch_report(report, Console())
    return 1 if report.status is BatchStatus.FAILED else 0
