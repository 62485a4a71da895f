"""What every `sohoa` command shares: the app, the consoles, the catalog, and running flows on Prefect.

Prefect is imported only by the commands that run flows, so `search`, `show` and `export` answer at
once. Prefect's own console logging is quietened so the progress bar and report stay readable; the
flow's logs still reach the Prefect server (`--verbose` shows them here too).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import typer
from rich.console import Console

from cli import vietnamese
from flows.server import prepare_prefect
from schemas.settings import Settings
from storage.catalog import Catalog

vietnamese.install()  # shell completion is left out below: its options only speak English
app = typer.Typer(help="sohoa: số hóa giấy tờ của Bộ phận một cửa và tái sử dụng kết quả số hóa.",
                  no_args_is_help=True, pretty_exceptions_show_locals=False, add_completion=False,
                  context_settings={"help_option_names": ["--help", "-h"]})
console = Console()
errors = Console(stderr=True)
# How Prefect words "no server": the ephemeral one did not start, or the configured one did not answer.
_UNREACHABLE = ("Prefect API server", "Failed to reach API")
_RETRY_PAUSE_SECONDS = 10
T = TypeVar("T")


def with_prefect(verbose: bool, run: Callable[[], T]) -> T:
    """Run flows against the configured Prefect server, else the local one started once and kept up.

    A server that does not answer gets one more chance after a pause (ingest and archive are
    idempotent, so running again is safe); then the command ends with a sentence and exit code 3,
    not a traceback.
    """
    prepare_prefect(verbose)
    from flows import server

    for attempt in (1, 2):
        try:
            with server.api(Settings(), say=lambda line: errors.print(line, style="dim")):
                return run()
        except RuntimeError as exc:
            if not isinstance(exc, server.ServerUnavailable) and not any(s in str(exc) for s in _UNREACHABLE):
                raise
            if attempt == 1:
                errors.print(f"Máy chủ Prefect chưa trả lời; thử lại sau {_RETRY_PAUSE_SECONDS} giây…", style="dim")
                time.sleep(_RETRY_PAUSE_SECONDS)
    errors.print("[red]Không kết nối được máy chủ Prefect[/red] (máy đang quá tải hoặc máy chủ chưa chạy). "
                 "Hãy thử lại sau ít phút; nếu vẫn lỗi, chạy [bold]sohoa server status[/bold].")
    raise typer.Exit(3)


def catalog() -> Catalog:
    """The catalog the settings name, opened (and migrated) once per process."""
    from storage.resources import resources

    return resources(Settings()).catalog
