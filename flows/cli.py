"""`sohoa`: the command line of scanning staff and operators.

Prefect is imported only by the commands that run flows, so `search`, `show` and `export` answer at
once. Prefect's own console logging is quietened so the progress bar and report stay readable; the
flow's logs still reach the Prefect server (`--verbose` shows them here too).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from schemas.batch import AttemptState, BatchReport, BatchStatus
from schemas.settings import Settings
from web.commands import register as register_web_commands

app = typer.Typer(help="sohoa: digitize the papers of one-stop offices and reuse them.",
                  no_args_is_help=True, pretty_exceptions_show_locals=False)
console = Console()
errors = Console(stderr=True)
# How Prefect words "no server": the ephemeral one did not start, or the configured one did not answer.
_UNREACHABLE = ("Prefect API server", "Failed to reach API")
_RETRY_PAUSE_SECONDS = 10
T = TypeVar("T")


def _prepare_prefect(verbose: bool) -> None:
    """Environment for Prefect before it is imported: no analytics (no network), quiet console."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")
    # Only for the fallback in-process server: a cold start on two busy cores can take this long.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")


def _with_prefect(verbose: bool, run: Callable[[], T]) -> T:
    """Run flows against the configured Prefect server, else the local one started once and kept up.

    A server that does not answer gets one more chance after a pause (ingest and archive are
    idempotent, so running again is safe); then the command ends with a sentence and exit code 3,
    not a traceback.
    """
    _prepare_prefect(verbose)
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


def _catalog():
    from flows.resources import resources

    return resources(Settings()).catalog


@app.command()
def ingest(
    path: Annotated[Path, typer.Argument(help="batch folder, .zip or single file")],
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="show Prefect's logs")] = False,
) -> None:
    """Digitize a batch now, through the Prefect ingest flow; exit 1 only if the batch itself failed."""
    if not path.exists():
        errors.print(f"[red]no such batch:[/red] {path}")
        raise typer.Exit(2)
    report = _with_prefect(verbose, lambda: _ingest_with_progress(path, quiet=as_json))
    from flows.report import print_batch_report

    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        print_batch_report(report, console)
    if report.status is BatchStatus.FAILED:
        raise typer.Exit(1)


def _ingest_with_progress(path: Path, quiet: bool) -> BatchReport:
    """Run the ingest flow here with a progress bar of pages and files on standard error."""
    from flows import progress
    from flows.ingest import ingest_batch

    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=errors, transient=True, disable=quiet)
    with bar:
        pages = bar.add_task("pages", total=0)
        files = bar.add_task("files", total=None)

        def on_event(event: progress.Event, amount: int) -> None:
            if event is progress.Event.PAGES_PLANNED:
                bar.update(pages, total=(bar.tasks[pages].total or 0) + amount)
            elif event is progress.Event.PAGE_DONE:
                bar.advance(pages, amount)
            else:
                bar.advance(files, amount)

        stop = progress.listen(on_event)
        try:
            return ingest_batch(str(path))
        finally:
            stop()


@app.command()
def watch(
    once: Annotated[bool, typer.Option(help="process the ready batches once, then exit")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Poll the inbox and ingest each batch once it is ready (manifest present, or files settled)."""
    settings = Settings()
    settings.inbox.mkdir(parents=True, exist_ok=True)
    _with_prefect(verbose, lambda: _watch_loop(settings, once))


def _watch_loop(settings: Settings, once: bool) -> None:
    from flows.watch import watch_inbox

    console.print(f"watching {settings.inbox} every {settings.watch_interval_seconds:.0f}s")
    while True:
        started = watch_inbox()
        if started:
            console.print(f"ingested: {', '.join(started)}")
        if once:
            return
        time.sleep(settings.watch_interval_seconds)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="ID number, name or words, with or without diacritics")],
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per hit and line")] = False,
) -> None:
    """Find digitized documents of every office, as the officers' search does (an operator's view)."""
    from schemas.search import Scope, SearchRequest

    hits = _catalog().search.find(SearchRequest(q=query, page_size=limit), Scope.everything()).hits
    if as_json:
        for hit in hits:  # `document_id` as well as `id`: what earlier versions printed
            sys.stdout.write(json.dumps({"document_id": hit.id, **hit.model_dump(mode="json")},
                                        ensure_ascii=False) + "\n")
        return
    for hit in hits:
        console.print(f"[bold]{hit.id}[/bold]  {hit.original_name}  {hit.doc_type}  {hit.status}",
                      highlight=False)
        if hit.snippet:
            console.print(f"    {hit.snippet}", markup=False, highlight=False)
    console.print(f"{len(hits)} result(s)")


@app.command()
def show(document_id: Annotated[str, typer.Argument(help="document id from search or a report")]) -> None:
    """Show one document: its record, stored objects and text."""
    from flows.report import print_document

    catalog = _catalog()
    document = catalog.batches.get_document(document_id)
    if document is None:
        errors.print(f"[red]no document {document_id}[/red]")
        raise typer.Exit(1)
    print_document(document, catalog.batches.get_pages(document_id), console)


@app.command()
def export(
    format: Annotated[str, typer.Option("--format", help="only jsonl")] = "jsonl",
    batch: Annotated[str | None, typer.Option("--batch", help="batch id (default: all batches)")] = None,
) -> None:
    """Write pages, file statuses and fields as JSON lines on standard output."""
    if format != "jsonl":
        errors.print("[red]only --format jsonl is supported[/red]")
        raise typer.Exit(2)
    for row in _catalog().batches.export_rows(batch):
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")


@app.command()
def batches(limit: Annotated[int, typer.Option(min=1)] = 20) -> None:
    """List the latest batches with their status."""
    from rich.table import Table

    from schemas.document import FileStatus

    catalog = _catalog()
    table = Table("batch", "name", "status", "files", *(s.value for s in FileStatus), "finished")
    for report in catalog.batches.find_batches(limit=limit):
        table.add_row(report.batch_id, report.name, report.status.value, str(len(report.files)),
                      *(str(report.count(s)) for s in FileStatus),
                      report.finished_at.isoformat(timespec="seconds"))
    console.print(table)
    failed = catalog.batches.find_failed_drops()
    if failed:
        attempts = Settings().ingest_attempts
        drops = Table("lô trong hộp thư", "lần chạy", "lỗi", "tiếp theo", title="Lô chạy lỗi")
        for drop in failed:
            after = "dừng: chạy sohoa retry " + drop.name if drop.attempts >= attempts or drop.retry_at is None \
                else "tự thử lại lúc " + drop.retry_at.isoformat(timespec="seconds")
            drops.add_row(drop.name, f"{drop.attempts}/{attempts}", drop.error or "", after)
        console.print(drops)


@app.command()
def retry(
    batch: Annotated[str, typer.Argument(help="name of the drop in the inbox, or a batch id")],
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Run a failed batch again now (the watcher's retries start afresh)."""
    settings = Settings()
    source = _retry_source(batch, settings)
    if source is None:
        errors.print(f"[red]Không tìm thấy lô {batch}[/red] trong hộp thư hay trong thư mục failed/. "
                     "Xem tên lô bằng [bold]sohoa batches[/bold].")
        raise typer.Exit(2)
    _prepare_prefect(verbose)
    from flows.watch import start_attempt

    attempt = _with_prefect(verbose, lambda: start_attempt(source, 1, settings))
    if attempt.error:
        errors.print(f"[red]Lô {source.name} vẫn lỗi:[/red] {attempt.error}")
        raise typer.Exit(1)
    handed_over = attempt.state is AttemptState.RUNNING
    console.print(f"Lô {source.name}: " + ("đã giao cho máy chủ xử lý" if handed_over else "đã xử lý xong"))


def _retry_source(batch: str, settings: Settings) -> Path | None:
    """The inbox drop to run again: by its name, or by batch id (a failed batch comes back from failed/)."""
    import shutil

    if (settings.inbox / batch).exists() and "/" not in batch and batch not in (".", ".."):
        return settings.inbox / batch
    report = _catalog().batches.get_batch_report(batch)
    if report is None:
        return None
    source = Path(report.source)
    if source.exists():
        return source
    parked = settings.failed_dir / report.batch_id / source.name
    if not parked.exists():
        return None
    target = settings.inbox / source.name
    shutil.move(str(parked), target)
    return target


_DAY = ["%Y-%m-%d"]  # days as ISO dates, e.g. 2025-06-02


@app.command()
def archive(
    date_from: Annotated[datetime | None, typer.Option("--from", formats=_DAY,
                                                       help="first day (default: yesterday, office time)")] = None,
    date_to: Annotated[datetime | None, typer.Option("--to", formats=_DAY, help="last day (default: --from)")] = None,
    office: Annotated[str | None, typer.Option("--office", help="only this office code")] = None,
    fixity: Annotated[bool, typer.Option("--fixity/--no-fixity", help="verify what is stored afterwards")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="print the night report as JSON")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Archive the records of a day range now (the nightly flow by hand); exit 1 if anything failed."""
    _prepare_prefect(verbose)
    from archival.report import print_night
    from flows.archive import nightly_archive

    first, last = _day(date_from), _day(date_to)
    if first and last and first > last:
        errors.print("[red]--from must not be after --to[/red]")
        raise typer.Exit(2)
    report, failed = _run_nightly(nightly_archive, verbose, date_from=first, date_to=last, office=office,
                                  fixity=fixity)
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        print_night(report, console)
        for error in report.errors:
            errors.print(f"[red]{error}[/red]")
    if failed:
        raise typer.Exit(1)


@app.command()
def fixity(
    everything: Annotated[bool, typer.Option("--all", help="read every object now, not tonight's share")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Verify stored objects and archive packages against the catalog; exit 1 on any problem."""
    _prepare_prefect(verbose)
    from archival.report import print_fixity
    from flows.archive import fixity_check

    report, failed = _run_nightly(fixity_check, verbose, everything=everything)
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        print_fixity(report, console)
    if failed:
        raise typer.Exit(1)


@app.command()
def report(
    office: Annotated[str | None, typer.Option("--office", help="office code (default: all offices)")] = None,
    date_from: Annotated[datetime | None, typer.Option("--from", formats=_DAY)] = None,
    date_to: Annotated[datetime | None, typer.Option("--to", formats=_DAY)] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The 766 indicators: for --from/--to, or yesterday, month and year to date (office time)."""
    from datetime import timedelta

    from archival.indicators import measure, periods
    from archival.report import indicators_table
    from schemas.archive import ArchiveSettings

    settings = ArchiveSettings()
    if date_from or date_to:
        first, last = _day(date_from) or _day(date_to), _day(date_to) or _day(date_from)
        spans = [("custom", first, last)]
    else:
        spans = periods(datetime.now(settings.zone).date() - timedelta(days=1))
    items = [measure(_catalog(), office, name, start, end, settings.zone) for name, start, end in spans]
    if as_json:
        sys.stdout.write("[" + ",".join(item.model_dump_json() for item in items) + "]\n")
    else:
        console.print(indicators_table(items))


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def _run_nightly(run_flow: Callable[..., Any], verbose: bool, **parameters: Any) -> tuple[Any, bool]:
    """Run an archive flow here; (its report, whether it failed). A failed run still has its report."""
    from flows.archive import NightlyRunFailed

    outcome = _with_prefect(verbose, lambda: run_flow(**parameters, return_state=True).result(
        raise_on_failure=False))
    if isinstance(outcome, NightlyRunFailed):
        return outcome.report, True
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome, False


server_app = typer.Typer(help="the local Prefect server that ingest, watch and archive reuse", no_args_is_help=True)
app.add_typer(server_app, name="server")


@server_app.command("start")
def server_start() -> None:
    """Start the local Prefect server now (commands otherwise start it on first use)."""
    _prepare_prefect(verbose=False)
    from flows import server

    if server.configured_url():
        console.print(f"PREFECT_API_URL đã chỉ tới máy chủ {server.configured_url()}; không cần máy chủ cục bộ.")
        return
    try:
        local = server.ensure_local(Settings(), say=lambda line: errors.print(line, style="dim"))
    except server.ServerUnavailable as exc:
        errors.print(f"[red]Không khởi động được máy chủ Prefect:[/red] {exc}")
        raise typer.Exit(3) from None
    console.print(f"Máy chủ Prefect đang chạy: {local.url} (tiến trình {local.pid})")


@server_app.command("status")
def server_status() -> None:
    """Which Prefect server the commands use; exit 1 when the local one is not running."""
    _prepare_prefect(verbose=False)
    from flows import server

    if server.configured_url():
        reachable = server.healthy(server.configured_url())
        console.print(f"PREFECT_API_URL={server.configured_url()} "
                      f"({'trả lời' if reachable else 'không trả lời'})")
        raise typer.Exit(0 if reachable else 1)
    local = server.running(Settings())
    if local is None:
        console.print("Máy chủ Prefect cục bộ chưa chạy; lệnh ingest/watch sẽ tự khởi động nó.")
        raise typer.Exit(1)
    console.print(f"Máy chủ Prefect đang chạy: {local.url} (tiến trình {local.pid})")


@server_app.command("stop")
def server_stop() -> None:
    """Stop the local Prefect server of this data folder."""
    from flows import server

    stopped = server.stop(Settings())
    console.print("Đã dừng máy chủ Prefect cục bộ." if stopped else "Máy chủ Prefect cục bộ không chạy.")


register_web_commands(app)  # serve, user add/token/list, audit (web/commands.py)

if __name__ == "__main__":
    app()
