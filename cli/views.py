"""Readable terminal views of batch reports, search hits and documents (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from schemas.batch import BatchReport, BatchStatus
from schemas.document import Document, FileStatus, PageText

_STATUS_STYLE = {
    FileStatus.OK: "green", FileStatus.NEEDS_REVIEW: "yellow", FileStatus.QUARANTINED: "red",
    FileStatus.DUPLICATE: "cyan", FileStatus.FAILED: "magenta",
}
_BATCH_STYLE = {BatchStatus.DONE: "green", BatchStatus.PARTIAL: "yellow", BatchStatus.FAILED: "red"}


def print_batch_report(report: BatchReport, console: Console) -> None:
    """The clerk's summary: one row per file with status, reasons, pages and time."""
    seconds = (report.finished_at - report.started_at).total_seconds()
    style = _BATCH_STYLE[report.status]
    console.print(f"[bold]Batch[/bold] {report.name}  id={report.batch_id}  "
                  f"[{style}]{report.status.value}[/{style}]  {seconds:.1f}s")
    for problem in report.problems:
        console.print(f"  [red]{problem.code.value}[/red]: {problem.message}")
    table = Table(show_lines=False)
    table.add_column("file", overflow="fold")
    for column in ("status", "pages", "seconds", "reason", "document"):
        table.add_column(column, no_wrap=True)
    notes = []
    for file in report.files:
        colour = _STATUS_STYLE[file.status]
        codes = ", ".join(dict.fromkeys(p.code.value for p in file.problems))
        if file.duplicate_of:
            codes = "duplicate"
            notes.append(f"{file.file}: same bytes as {file.duplicate_of}")
        notes.extend(f"{file.file}" + (f" p{p.page}" if p.page else "") + f": {p.message}"
                     for p in file.problems)
        table.add_row(file.file, f"[{colour}]{file.status.value}[/{colour}]", str(file.pages),
                      f"{file.seconds:.1f}", codes, (file.document_id or "")[:12])
    console.print(table)
    for note in notes:
        console.print(f"  • {note}", markup=False, highlight=False)
    counts = ", ".join(f"{report.count(s)} {s.value}" for s in FileStatus if report.count(s))
    console.print(f"{len(report.files)} file(s): {counts or 'none'}")


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
