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
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from schemas.batch import BatchStatus
from schemas.settings import Settings

app = typer.Typer(help="sohoa: digitize the papers of one-stop offices and reuse them.",
                  no_args_is_help=True, pretty_exceptions_show_locals=False)
console = Console()
errors = Console(stderr=True)


def _prepare_prefect(verbose: bool) -> None:
    """Environment for Prefect before it is imported: no analytics (no network), quiet console."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")


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
    _prepare_prefect(verbose)
    from flows import progress
    from flows.ingest import ingest_batch
    from flows.report import print_batch_report

    if not path.exists():
        errors.print(f"[red]no such batch:[/red] {path}")
        raise typer.Exit(2)
    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=errors, transient=True, disable=as_json)
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
            report = ingest_batch(str(path))
        finally:
            stop()
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        print_batch_report(report, console)
    if report.status is BatchStatus.FAILED:
        raise typer.Exit(1)


@app.command()
def watch(
    once: Annotated[bool, typer.Option(help="process the ready batches once, then exit")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Poll the inbox and ingest each batch once it is ready (manifest present, or files settled)."""
    _prepare_prefect(verbose)
    from flows.watch import watch_inbox

    settings = Settings()
    settings.inbox.mkdir(parents=True, exist_ok=True)
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
    query: Annotated[str, typer.Argument(help="words, with or without diacritics, or an ID number")],
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Find digitized documents by their text."""
    hits = _catalog().search(query, limit=limit)
    if as_json:
        for hit in hits:
            sys.stdout.write(hit.model_dump_json() + "\n")
        return
    for hit in hits:
        console.print(f"[bold]{hit.document_id}[/bold]  {hit.original_name}  {hit.doc_type}  "
                      f"{hit.status}", highlight=False)
        console.print(f"    {hit.snippet}", markup=False, highlight=False)
    console.print(f"{len(hits)} result(s)")


@app.command()
def show(document_id: Annotated[str, typer.Argument(help="document id from search or a report")]) -> None:
    """Show one document: its record, stored objects and text."""
    from flows.report import print_document

    catalog = _catalog()
    document = catalog.get_document(document_id)
    if document is None:
        errors.print(f"[red]no document {document_id}[/red]")
        raise typer.Exit(1)
    print_document(document, catalog.pages(document_id), console)


@app.command()
def export(
    format: Annotated[str, typer.Option("--format", help="only jsonl")] = "jsonl",
    batch: Annotated[str | None, typer.Option("--batch", help="batch id (default: all batches)")] = None,
) -> None:
    """Write pages, file statuses and fields as JSON lines on standard output."""
    if format != "jsonl":
        errors.print("[red]only --format jsonl is supported[/red]")
        raise typer.Exit(2)
    for row in _catalog().export_rows(batch):
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")


@app.command()
def batches(limit: Annotated[int, typer.Option(min=1)] = 20) -> None:
    """List the latest batches with their status."""
    from rich.table import Table

    from schemas.document import FileStatus

    table = Table("batch", "name", "status", "files", *(s.value for s in FileStatus), "finished")
    for report in _catalog().batches(limit=limit):
        table.add_row(report.batch_id, report.name, report.status.value, str(len(report.files)),
                      *(str(report.count(s)) for s in FileStatus),
                      report.finished_at.isoformat(timespec="seconds"))
    console.print(table)


if __name__ == "__main__":
    app()
