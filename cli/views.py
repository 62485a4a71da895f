"""Readable terminal views of batch reports, search hits and documents (rich)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from flows.progress import Event, Listener
from schemas.batch import BatchReport, BatchStatus
from schemas.document import Document, FileStatus, PageText, Problem
from schemas.messages import BATCH_STATUSES, NEXT_STEPS, REASONS, STATUSES

_STATUS_STYLE = {
    FileStatus.OK: "green", FileStatus.NEEDS_REVIEW: "yellow", FileStatus.QUARANTINED: "red",
    FileStatus.DUPLICATE: "cyan", FileStatus.FAILED: "magenta",
}
_BATCH_STYLE = {BatchStatus.DONE: "green", BatchStatus.PARTIAL: "yellow", BatchStatus.FAILED: "red"}


@contextmanager
def ingest_progress(console: Console, quiet: bool) -> Iterator[Listener]:
    """A progress bar of pages and files on `console` (none when `quiet`), and the listener that
    moves it: whichever process reads the batch reports its events there."""
    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=console, transient=True, disable=quiet)
    with bar:
        pages = bar.add_task("pages", total=0)
        files = bar.add_task("files", total=None)

        def on_event(event: Event, amount: int) -> None:
            if event is Event.PAGES_PLANNED:
                bar.update(pages, total=(bar.tasks[pages].total or 0) + amount)
            elif event is Event.PAGE_DONE:
                bar.advance(pages, amount)
            else:
                bar.advance(files, amount)

        yield on_event


def print_batch_report(report: BatchReport, console: Console) -> None:
    """The scanning staff's summary, in Vietnamese: one row per file with status, reason, pages and
    time, then what to do about each reason (the report's JSON keeps the codes and details)."""
    seconds = (report.finished_at - report.started_at).total_seconds()
    style = _BATCH_STYLE[report.status]
    console.print(f"[bold]Lô[/bold] {report.name}  mã lô {report.batch_id}  "
                  f"[{style}]{BATCH_STATUSES[report.status.value]}[/{style}]  {seconds:.1f} giây")
    for problem in report.problems:
        console.print(f"  [red]{_reason(problem)}[/red]", highlight=False)
    table = Table(show_lines=False)
    table.add_column("tệp", overflow="fold")
    for column in ("trạng thái", "số trang", "giây", "lý do", "tài liệu"):
        table.add_column(column, no_wrap=True)
    notes = []
    for file in report.files:
        colour = _STATUS_STYLE[file.status]
        reasons = ", ".join(dict.fromkeys(REASONS.get(p.code.value, p.code.value) for p in file.problems))
        if file.duplicate_of:
            notes.append(f"{file.file}: trùng nội dung với {file.duplicate_of} — đã có trong kho, "
                         "không cần quét lại")
        notes.extend(f"{file.file}" + (f" (trang {p.page})" if p.page else "") + f": {_reason(p)}"
                     for p in file.problems)
        table.add_row(file.file, f"[{colour}]{STATUSES[file.status.value]}[/{colour}]", str(file.pages),
                      f"{file.seconds:.1f}", reasons, (file.document_id or "")[:12])
    console.print(table)
    for note in notes:
        console.print(f"  • {note}", markup=False, highlight=False)
    counts = ", ".join(f"{report.count(s)} {STATUSES[s.value].lower()}" for s in FileStatus if report.count(s))
    console.print(f"{len(report.files)} tệp: {counts or 'không có'}")


def _reason(problem: Problem) -> str:
    """A reason as scanning staff read it: what happened, and what to do next."""
    label = REASONS.get(problem.code.value, problem.code.value)
    step = NEXT_STEPS.get(problem.code.value)
    return f"{label} — {step}" if step else label


def print_document(document: Document, pages: list[PageText], console: Console) -> None:
    """A document's record, its stored objects and its text page by page."""
    console.print(f"[bold]{document.id}[/bold]  {document.original_name}  {document.kind.value}  "
                  f"{document.page_count} page(s)  status={document.status.value}  type={document.doc_type}")
    for label, value in (("batch", document.batch_id), ("dossier", document.dossier_code),
                         ("office", document.office_code), ("procedure", document.procedure_code),
                         ("direction", document.direction), ("component", document.component)):
        if value:
            console.print(f"  {label}: {value}")
    for problem in document.problems:
        console.print(f"  [yellow]{problem.code.value}[/yellow]: {problem.message}")
    objects = Table("role", "key", "size", "sha256")
    for obj in document.objects:
        objects.add_row(obj.role, obj.key, str(obj.size), obj.sha256[:16] + "…")
    console.print(objects)
    for page in pages:
        conf = f", confidence {page.mean_conf:.0f}" if page.mean_conf is not None else ""
        console.rule(f"page {page.number} ({page.source.value}{conf})")
        console.print(page.text, markup=False, highlight=False)
