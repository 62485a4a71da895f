"""Scanning staff's and operators' commands for batches: ingest, watch, retry, batches, search, show, export."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cli.common import app, catalog, console, errors, prepare_prefect, with_prefect
from cli.views import ingest_progress, print_batch_report
from schemas.batch import AttemptState, BatchReport, BatchStatus
from schemas.document import FileStatus
from schemas.settings import ObjectStoreKind, Settings
from storage.inbox import Drop, Inbox
from storage.resources import resources


@app.command()
def ingest(
    path: Annotated[Path, typer.Argument(help="thư mục lô, tệp .zip hoặc một tệp quét")],
    as_json: Annotated[bool, typer.Option("--json", help="in báo cáo dạng JSON")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="hiện nhật ký của Prefect")] = False,
) -> None:
    """Số hóa ngay một lô qua luồng tiếp nhận Prefect; mã thoát 1 chỉ khi chính lô không xử lý được."""
    if not path.exists():
        errors.print(f"[red]Không thấy lô:[/red] {path} — hãy kiểm tra lại đường dẫn tới thư mục, tệp zip hoặc tệp quét.")
        raise typer.Exit(2)
    report = with_prefect(verbose, lambda: _ingest_with_progress(path, quiet=as_json))
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        print_batch_report(report, console)
    from flows import resident, server

    if not server.configured_url():  # the embedded default: the next command need not start up again
        sys.stdout.flush()
        resident.start(Settings())
    if report.status is BatchStatus.FAILED:
        raise typer.Exit(1)


def _ingest_with_progress(path: Path, quiet: bool) -> BatchReport:
    """Run the ingest flow here with a progress bar of pages and files on standard error."""
    from flows import progress
    from flows.ingest import ingest_batch

    with ingest_progress(errors, quiet) as on_event:
        stop = progress.listen(on_event)
        try:
            return ingest_batch(str(path))
        finally:
            stop()


@app.command()
def watch(
    once: Annotated[bool, typer.Option(help="xử lý các lô đã sẵn sàng một lần rồi thoát")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Theo dõi thư mục tiếp nhận và số hóa từng lô khi đã sẵn sàng (có batch.yaml, hoặc tệp không còn thay đổi)."""
    settings = Settings()
    if settings.inbox_kind is ObjectStoreKind.LOCAL:
        settings.inbox.mkdir(parents=True, exist_ok=True)  # so scanning staff see where to drop
    with_prefect(verbose, lambda: _watch_loop(settings, once))


def _watch_loop(settings: Settings, once: bool) -> None:
    from flows.watch import watch_inbox

    inbox = resources(settings).inbox.describe()
    console.print(f"Đang theo dõi hộp thư ({inbox}), {settings.watch_interval_seconds:.0f} giây một lần")
    while True:
        started = watch_inbox()
        if started:
            console.print(f"Đã đưa vào xử lý: {', '.join(started)}")
        if once:
            return
        time.sleep(settings.watch_interval_seconds)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="số định danh, họ tên hoặc từ ngữ, có hoặc không dấu")],
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="mỗi kết quả một đối tượng JSON trên một dòng")] = False,
) -> None:
    """Tìm tài liệu đã số hóa của mọi cơ quan như ô tìm kiếm của cán bộ (dành cho người vận hành)."""
    from schemas.search import Scope, SearchRequest

    hits = catalog().search.find(SearchRequest(q=query, page_size=limit), Scope.everything()).hits
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
    console.print(f"{len(hits)} kết quả")


@app.command()
def show(document_id: Annotated[str, typer.Argument(help="mã tài liệu lấy từ kết quả tìm kiếm hoặc báo cáo")]) -> None:
    """Xem một tài liệu: bản ghi, các đối tượng đã lưu và văn bản."""
    from cli.views import print_document

    opened = catalog()
    document = opened.batches.get_document(document_id)
    if document is None:
        errors.print(f"[red]Không có tài liệu {document_id}[/red]: hãy lấy mã tài liệu từ báo cáo lô hoặc từ `sohoa search`.")
        raise typer.Exit(1)
    print_document(document, opened.batches.get_pages(document_id), console)


@app.command()
def export(
    format: Annotated[str, typer.Option("--format", help="chỉ có jsonl")] = "jsonl",
    batch: Annotated[str | None, typer.Option("--batch", help="mã lô (mặc định: mọi lô)")] = None,
) -> None:
    """Xuất trang, trạng thái tệp và các trường ra đầu ra chuẩn, mỗi dòng một đối tượng JSON."""
    if format != "jsonl":
        errors.print("[red]Chỉ hỗ trợ --format jsonl[/red]")
        raise typer.Exit(2)
    for row in catalog().batches.export_rows(batch):
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")


@app.command()
def batches(limit: Annotated[int, typer.Option(min=1)] = 20) -> None:
    """Liệt kê các lô gần nhất cùng trạng thái."""
    opened = catalog()
    table = Table("batch", "name", "status", "files", *(s.value for s in FileStatus), "finished")
    for report in opened.batches.find_batches(limit=limit):
        table.add_row(report.batch_id, report.name, report.status.value, str(len(report.files)),
                      *(str(report.count(s)) for s in FileStatus),
                      report.finished_at.isoformat(timespec="seconds"))
    console.print(table)
    failed = opened.batches.find_failed_drops()
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
    batch: Annotated[str, typer.Argument(help="tên lô trong thư mục tiếp nhận, hoặc mã lô")],
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Chạy lại ngay một lô không xử lý được (số lần thử lại của trình theo dõi tính lại từ đầu)."""
    settings = Settings()
    drop = _retry_drop(batch, settings)
    if drop is None:
        errors.print(f"[red]Không tìm thấy lô {batch}[/red] trong hộp thư hay trong thư mục failed/. "
                     "Xem tên lô bằng [bold]sohoa batches[/bold].")
        raise typer.Exit(2)
    prepare_prefect(verbose)
    from flows.watch import start_attempt

    attempt = with_prefect(verbose, lambda: start_attempt(drop, 1, settings))
    if attempt.error:
        errors.print(f"[red]Lô {drop.name} vẫn lỗi:[/red] {attempt.error}")
        raise typer.Exit(1)
    handed_over = attempt.state is AttemptState.RUNNING
    console.print(f"Lô {drop.name}: " + ("đã giao cho máy chủ xử lý" if handed_over else "đã xử lý xong"))


def _retry_drop(batch: str, settings: Settings) -> Drop | None:
    """The inbox drop to run again: by its name, or by batch id (a failed batch comes back from failed/)."""
    inbox = resources(settings).inbox
    name = batch
    if not _in_inbox(inbox, name):
        report = catalog().batches.get_batch_report(batch)
        name = inbox.drop_of(report.source) if report is not None else None
        if name is None or not (_in_inbox(inbox, name) or inbox.restore(name, report.batch_id)):
            return None
    return next((drop for drop in inbox.drops() if drop.name == name), None)


def _in_inbox(inbox: Inbox, name: str) -> bool:
    try:
        return inbox.contains(name)
    except ValueError:  # not a drop name at all ('..', '/etc')
        return False
