"""The ingest flow: a dropped batch becomes stored, searchable documents and a batch report.

Thin orchestration: staging, reading, understanding and the outcome rules are pure functions in `ocr/`,
keys come from `storage.layout`, the stores and catalog from `storage.resources`. A document is one
task run (Prefect's own machinery was half the flow process's time with a task per page plus one to
assemble: see the README) and tasks pass object keys, never images. Documents run side by side on a
thread pool and a document's pages side by side inside its task; a semaphore sized to the cores lets
only that many read pages at once, each with one single-threaded Tesseract, so there are never more
busy OCR threads than cores. PDF pages are read in a pool of that many processes instead: their text
layers are parsed by pdfminer, pure Python that holds the interpreter's lock, so threads would read
born-digital pages one at a time whatever the cores (Tesseract and OpenCV let go of it).

With `SOHOA_DASK_SCHEDULER` the documents of one batch run on a Dask cluster's workers instead, on
every OCR machine (Prefect's DaskTaskRunner): a document task needs only its original, which is in the
object store before it starts. Staging, quarantine and the batch's end stay in the flow's process,
where the drop's files are.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import multiprocessing
import os
import shutil
import threading
from collections import deque
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext
from prefect.futures import PrefectFuture
from prefect.states import State
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner
from pydantic import BaseModel

from flows import progress
from ocr import outcome
from ocr.identity.probe import CardEvidence
from ocr.pipeline import PageReading, read_page
from ocr.staging import StagedBatch, StagedFile, stage, within_office
from ocr.understanding import Understanding, understand
from schemas.batch import BatchManifest, BatchReport, FileReport
from schemas.document import FileKind, FileStatus, PageText, Problem, Reason, StoredObject
from schemas.settings import Settings
from storage import cache, layout
from storage.inbox import INBOX_SOURCE
from storage.objects import ObjectStore
from storage.resources import resources


class DocumentPlan(BaseModel):
    """A new document to digitize: which staged file, under which id and object-store folder, in
    which batch. All a document's task needs of its batch: Prefect walks every parameter of every
    task run, so handing each document the whole batch cost time in the batch's size per document."""

    document_id: str
    file: StagedFile
    prefix: str
    batch_id: str
    manifest: BatchManifest


class PageResult(BaseModel):
    """A page's outcome: the text and where its one-page searchable PDF waits to be merged."""

    page: PageText
    pdf_path: str  # in this machine's scratch folder; "" when the page could not be read
    thumbnail_key: str | None = None
    card: CardEvidence | None = None


# Documents handed to the task runner at once, per OCR slot: enough that a slot never waits for
# work, few enough that finished documents are freed as the batch goes on.
_DOCUMENTS_AHEAD_PER_SLOT = 3
_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()
_pdf_readers_lock = threading.Lock()  # one thread replaces a broken pool, the others then use it


def ocr_slots() -> threading.BoundedSemaphore:
    """At most this machine's `SOHOA_OCR_WORKERS` pages are being read at once in this process.

    The task runner has more threads than cores because tasks waiting on upstream futures hold a
    thread while idle; this semaphore is what keeps the busy ones (one Tesseract each) to the cores.
    Read from this process's environment, not from the run's settings: on a Dask cluster a task
    runs on another machine, with its own cores.
    """
    workers = machine_ocr_workers()
    with _slots_lock:
        return _slots.setdefault(workers, threading.BoundedSemaphore(workers))


def _read(path: Path, kind: FileKind, number: int, settings: Settings, *, thumbnail: bool) -> PageReading:
    """`read_page`, in the PDF reading processes for a PDF page (in this thread where there are none).

    A reading process that dies (a PDF that crashes PDFium) breaks the whole pool and every page in it:
    the pool is replaced and the page tried once more in the new one, so only a page that kills its
    reader twice fails (as a failed page, the batch going on).
    """
    reading = partial(read_page, path, kind, number, settings, thumbnail=thumbnail)
    pool = _pdf_readers() if kind is FileKind.PDF else None
    if pool is None:
        return reading()
    try:
        return pool.submit(reading).result()
    except BrokenProcessPool:
        with _pdf_readers_lock:
            if _pdf_readers() is pool:
                _pdf_readers.cache_clear()
        return _pdf_readers().submit(reading).result()


@lru_cache(maxsize=1)
def _pdf_readers() -> ProcessPoolExecutor | None:
    """This machine's `SOHOA_OCR_WORKERS` processes for PDF pages, started on first use and kept.

    None inside a daemonic process (a Dask worker's), which may not start processes of its own.
    """
    if multiprocessing.current_process().daemon:
        return None
    return ProcessPoolExecutor(machine_ocr_workers(), mp_context=multiprocessing.get_context("forkserver"))


@lru_cache(maxsize=1)
def machine_ocr_workers() -> int:
    """This machine's `SOHOA_OCR_WORKERS`, read once per process (settings cost ~1 ms to read)."""
    return Settings().ocr_workers


def task_runner(settings: Settings) -> TaskRunner:
    """Where the documents of a batch are read: this process's threads, or a Dask cluster."""
    if settings.dask_scheduler:
        from prefect_dask import DaskTaskRunner

        return DaskTaskRunner(address=settings.dask_scheduler)
    return ThreadPoolTaskRunner(max_workers=4 * (os.cpu_count() or 1))


@task(name="stage-batch", cache_policy=NO_CACHE)
def stage_batch(source: str, scratch: Path, settings: Settings) -> StagedBatch:
    """Bring an inbox drop to this machine, then extract, preflight and identify the batch's files.

    A drop of the inbox keeps `inbox:<name>` as the batch's source, whichever worker checked it out."""
    if not source.startswith(INBOX_SOURCE):
        return stage(Path(source), settings)
    inbox, drop = resources(settings).inbox, source.removeprefix(INBOX_SOURCE)
    staged = stage(inbox.checkout(drop, scratch), settings).model_copy(update={"source": source})
    return within_office(staged, inbox.office_of(drop))


@task(name="quarantine-file", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def quarantine_file(batch_id: str, file: StagedFile, settings: Settings) -> FileReport:
    """Keep the refused bytes and the reason side by side; the rest of the batch goes on."""
    store = resources(settings).quarantine
    store.put_file(f"{batch_id}/{file.name}", file.path)
    problems = file.preflight.problems
    store.put_bytes(f"{batch_id}/{file.name}.reason.json",
                    json.dumps([p.model_dump(mode="json") for p in problems], ensure_ascii=False,
                               indent=2).encode(), "application/json")
    report = FileReport(file=file.name, status=FileStatus.QUARANTINED, sha256=file.preflight.sha256,
                        size=file.preflight.size, problems=problems)
    resources(settings).catalog.batches.record_file(batch_id, report)
    get_run_logger().warning("file quarantined in batch %s: %s", batch_id,
                             ", ".join(p.code for p in problems))
    progress.emit(progress.Event.FILE_DONE)
    return report


@task(name="store-originals", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def store_originals(plans: list[DocumentPlan], settings: Settings) -> dict[str, StoredObject]:
    """The original bytes go to the store first: every later step can be redone from them.

    One task for a group of documents: a task run per file would cost the server more than the copy.
    """
    store = resources(settings).objects
    stored = {}
    for plan in plans:
        kind = plan.file.preflight.kind
        info = store.put_file(layout.original_key(plan.prefix, kind), plan.file.path, kind.content_type)
        stored[plan.document_id] = StoredObject(role="original", **info.model_dump())
    return stored


@task(name="digitize-document", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def digitize_document(plan: DocumentPlan, original: StoredObject, settings: Settings) -> FileReport:
    """Read every page of one document, its pages side by side on the OCR slots, then assemble it.
    A failure of the stores after the retries leaves the file `failed`, for a later run."""
    pages = range(1, plan.file.preflight.page_count + 1)
    run = contextvars.copy_context()  # each page thread logs into this task run
    try:
        with ThreadPoolExecutor(max(1, min(len(pages), machine_ocr_workers()))) as pool:
            results = list(pool.map(lambda n: run.copy().run(_read_one_page, plan, n, original, settings),
                                    pages))
        return _assemble(plan, original, results, settings)
    finally:
        shutil.rmtree(_scratch(plan, settings), ignore_errors=True)


def _scratch(plan: DocumentPlan, settings: Settings) -> Path:
    """Where a document's one-page PDFs wait to be merged: work in progress, on this machine only,
    never in the object store (whose bucket may refuse deletes under object lock)."""
    return settings.work_dir / "pages" / plan.document_id


def _read_one_page(plan: DocumentPlan, number: int, original: StoredObject, settings: Settings) -> PageResult:
    """Text layer or OCR for one page; an unexpected failure degrades the page, not the batch."""
    store = resources(settings).objects
    log = get_run_logger()
    path = _local_file(store, original, settings)
    try:
        with ocr_slots():
            reading = _read(path, plan.file.preflight.kind, number, settings, thumbnail=number == 1)
        page = reading.page
    except Exception as exc:  # noqa: BLE001 - one bad page must not stop the batch
        log.error("document %s page %d failed: %s", plan.document_id, number, type(exc).__name__)
        page, reading = outcome.failed_page(number, type(exc).__name__), None
    log.info("document %s page %d: %s; %s", plan.document_id, number, page.source, page.decision)
    if reading is None:
        progress.emit(progress.Event.PAGE_DONE)
        return PageResult(page=page, pdf_path="")
    pdf_path = _scratch(plan, settings) / f"{number:04d}.pdf"
    pdf_path.parent.mkdir(parents=True, exist_ok=True)
    pdf_path.write_bytes(reading.pdf)
    thumbnail_key = None
    if reading.thumbnail is not None:
        thumbnail_key = layout.document_key(plan.prefix, "thumbnail.jpg")
        store.put_bytes(thumbnail_key, reading.thumbnail, "image/jpeg")
    progress.emit(progress.Event.PAGE_DONE)
    return PageResult(page=page, pdf_path=str(pdf_path), thumbnail_key=thumbnail_key, card=reading.card)


def _assemble(plan: DocumentPlan, original: StoredObject, results: list[PageResult],
              settings: Settings) -> FileReport:
    """Understand the document, write its searchable PDF, text and words, then commit it."""
    from ocr.searchable import merge  # local import: keeps the flow module light to import

    store, catalog = resources(settings).objects, resources(settings).catalog
    results = sorted(results, key=lambda r: r.page.number)
    pages = [r.page for r in results]
    understood = _understand(plan, original, pages, [r.card for r in results], settings)
    words = [{"page": p.number, "words": [w.model_dump() for w in p.words]} for p in pages]
    objects = [original]
    pdf_parts = [Path(r.pdf_path).read_bytes() for r in results if r.pdf_path]
    if pdf_parts:
        objects.append(_put(store, plan, "searchable.pdf", merge(pdf_parts), "application/pdf", "searchable_pdf"))
    objects.append(_put(store, plan, "text.txt", outcome.document_text(pages).encode(),
                        "text/plain; charset=utf-8", "text"))
    objects.append(_put(store, plan, "words.json", json.dumps(words, ensure_ascii=False).encode(),
                        "application/json", "words"))
    objects.extend(_info(store, r.thumbnail_key, "thumbnail") for r in results if r.thumbnail_key)
    if understood.card_picture is not None:
        objects.append(_put(store, plan, "card.jpg", understood.card_picture, "image/jpeg", "card"))
    document = outcome.build_document(
        document_id=plan.document_id, sha256=plan.file.preflight.sha256, kind=plan.file.preflight.kind,
        name=plan.file.name, batch_id=plan.batch_id, manifest=plan.manifest, pages=pages,
        understood=understood, objects=objects, created_at=datetime.now(UTC))
    report = FileReport(file=plan.file.name, status=document.status, sha256=document.sha256,
                        size=plan.file.preflight.size, pages=len(pages), document_id=document.id,
                        problems=document.problems, seconds=round(sum(p.seconds for p in pages), 3))
    catalog.batches.record_document(document, [p.model_copy(update={"words": []}) for p in pages], report)
    cache.forget(original.sha256, settings.work_dir / "cache")
    progress.emit(progress.Event.FILE_DONE)
    return report


@task(name="finish-batch", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def finish_batch(report: BatchReport, settings: Settings) -> BatchReport:
    """Store the report with the batch and, for inbox batches, move the drop out of the inbox."""
    res = resources(settings)
    key = layout.batch_report_key(report.batch_id)
    res.objects.put_bytes(key, report.model_dump_json(indent=2).encode(), "application/json")
    res.catalog.batches.finish_batch(report, key)
    drop = res.inbox.drop_of(report.source)
    if outcome.retired(report) and drop is not None:
        res.inbox.retire(drop, report)
    return report


@flow(name="ingest-batch", task_runner=task_runner(Settings()))
def ingest_batch(source: str) -> BatchReport:
    """Digitize one batch (a folder, zip or single file, or `inbox:<drop>`) and return its report."""
    settings = Settings()
    scratch = settings.work_dir / "drops" / hashlib.sha256(source.encode()).hexdigest()[:16]
    try:
        return _ingest(source, scratch, settings)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _ingest(source: str, scratch: Path, settings: Settings) -> BatchReport:
    started = datetime.now(UTC)
    batch = stage_batch(source, scratch, settings)
    catalog = resources(settings).catalog
    catalog.batches.begin_batch(batch.batch_id, batch.name, batch.source, batch.manifest)
    if batch.problems or not batch.files:
        problems = batch.problems or [Problem(code=Reason.EMPTY, message="lô không có tệp nào")]
        return finish_batch(_report(batch, started, [], problems), settings)

    done: dict[str, FileReport] = {}
    pending: dict[str, PrefectFuture] = {}
    first_of: dict[str, StagedFile] = {}
    twins: list[StagedFile] = []
    plans: list[DocumentPlan] = []
    for file in batch.files:
        earlier = catalog.batches.get_file_report(batch.batch_id, file.name)
        if earlier is not None:
            done[file.name] = earlier
        elif file.preflight.problems:
            done[file.name] = _settled(quarantine_file(batch.batch_id, file, settings, return_state=True)) \
                or outcome.failed_file(file.name)
        elif file.preflight.sha256 in first_of:
            twins.append(file)
        elif (known := catalog.batches.find_by_sha256(file.preflight.sha256)) is not None:
            done[file.name] = _record_duplicate(batch, file, known.id, known.id, settings)
        else:
            first_of[file.preflight.sha256] = file
            plans.append(DocumentPlan(document_id=layout.document_id(file.preflight.sha256), file=file,
                                      prefix=layout.document_prefix(file.preflight.sha256),
                                      batch_id=batch.batch_id, manifest=batch.manifest))
    for name, problem in batch.rejected:
        done[name] = FileReport(file=name, status=FileStatus.QUARANTINED, problems=[problem])
        catalog.batches.record_file(batch.batch_id, done[name])
    if plans:
        pending.update(_digitize(plans, settings))
    done.update({name: _settled(future) or outcome.failed_file(name) for name, future in pending.items()})
    done.update({plan.file.name: outcome.failed_file(plan.file.name) for plan in plans
                 if plan.file.name not in done})
    for file in twins:
        first = done[first_of[file.preflight.sha256].name]
        done[file.name] = outcome.failed_file(file.name) if first.status is FileStatus.FAILED else \
            _record_duplicate(batch, file, first.file, first.document_id, settings)
    return finish_batch(_report(batch, started, [done[name] for name in sorted(done)], []), settings)


def _digitize(plans: list[DocumentPlan], settings: Settings) -> dict[str, PrefectFuture]:
    """Store each group of originals, then digitize its documents; file name → its task's future.

    Documents are handed to the task runner a few per OCR slot ahead, not all at once: the runner
    queues in order, and a whole large batch queued would hold every document's arguments until the
    end (issue 12). The originals are stored a group of that size at a time, so reading starts after
    the first group, not after the whole batch's copies. A document whose originals or task failed
    after the retries ends `failed`.
    """
    for plan in plans:
        progress.emit(progress.Event.PAGES_PLANNED, plan.file.preflight.page_count)
    cluster = _dask_client(settings)
    ahead = _DOCUMENTS_AHEAD_PER_SLOT * (max(1, sum(cluster.nthreads().values())) if cluster
                                         else settings.ocr_workers)
    running: deque[PrefectFuture] = deque()
    submitted: dict[str, PrefectFuture] = {}
    for group in (plans[start:start + ahead] for start in range(0, len(plans), ahead)):
        originals = _settled(store_originals(group, settings, return_state=True))
        for plan in group if originals is not None else ():
            while len(running) >= ahead:
                running.popleft().wait()
            submitted[plan.file.name] = future = digitize_document.submit(
                plan, originals[plan.document_id], settings)
            if cluster is not None:  # its pages report in a worker's process: count them here
                future.add_done_callback(partial(_document_read_elsewhere, plan.file.preflight.page_count))
            running.append(future)
    return submitted


def _dask_client(settings: Settings) -> Any:
    """The Dask cluster's client when the documents are read on its workers, else None."""
    runner = FlowRunContext.get().task_runner
    return runner.client if settings.dask_scheduler and hasattr(runner, "client") else None


def _document_read_elsewhere(pages: int, _: PrefectFuture) -> None:
    """A document read on a Dask worker has ended: its pages and file advance the progress here."""
    progress.emit(progress.Event.PAGE_DONE, pages)
    progress.emit(progress.Event.FILE_DONE)


def _settled(run: PrefectFuture | State) -> Any:
    """A task's result, or None when it failed after its retries (logged by type, never by content)."""
    if isinstance(run, PrefectFuture):
        run.wait()
        run = run.state
    if run.is_completed():
        return run.result()
    get_run_logger().error("a task did not complete: %s", run.name)
    return None


def _understand(plan: DocumentPlan, original: StoredObject, pages: list[PageText],
                cards: list[CardEvidence | None], settings: Settings) -> Understanding:
    """Type, people and (for ID cards) identity fields; a failure degrades to 'other', never stops."""
    path = _local_file(resources(settings).objects, original, settings)
    try:
        with ocr_slots():
            return understand(path, plan.file.preflight.kind, pages, dpi=settings.ocr_dpi, cards=cards)
    except Exception as exc:  # noqa: BLE001 - understanding is extra value; the text is already safe
        get_run_logger().error("document %s not understood: %s", plan.document_id, type(exc).__name__)
        return outcome.not_understood()


def _record_duplicate(batch: StagedBatch, file: StagedFile, of: str, document: str | None,
                      settings: Settings) -> FileReport:
    """A byte-identical file becomes a link to the existing document, never a second record."""
    report = FileReport(file=file.name, status=FileStatus.DUPLICATE, sha256=file.preflight.sha256,
                        size=file.preflight.size, pages=file.preflight.page_count,
                        document_id=document, duplicate_of=of)
    resources(settings).catalog.batches.record_file(batch.batch_id, report)
    progress.emit(progress.Event.FILE_DONE)
    return report


def _report(batch: StagedBatch, started: datetime, files: list[FileReport],
            problems: list[Problem]) -> BatchReport:
    return BatchReport(batch_id=batch.batch_id, name=batch.name, source=batch.source,
                       status=outcome.batch_status(files, problems), manifest=batch.manifest,
                       started_at=started, finished_at=datetime.now(UTC), problems=problems, files=files)


def _local_file(store: ObjectStore, original: StoredObject, settings: Settings) -> Path:
    return cache.local_file(store, original.key, original.sha256, settings.work_dir / "cache")


def _put(store: ObjectStore, plan: DocumentPlan, name: str, data: bytes, content_type: str,
         role: str) -> StoredObject:
    info = store.put_bytes(layout.document_key(plan.prefix, name), data, content_type)
    return StoredObject(role=role, **info.model_dump())


def _info(store: ObjectStore, key: str, role: str) -> StoredObject:
    info = store.stat(key)
    if info is None:
        raise FileNotFoundError(f"object {key} vanished before the catalog commit")
    return StoredObject(role=role, **info.model_dump())
