"""The ingest flow: a dropped batch becomes stored, searchable documents and a batch report.

Tasks run at document or page granularity only (each task run costs the server tens of milliseconds),
and pass object keys, never images. Page tasks fan out over a thread pool; a semaphore sized to the
cores lets only that many read pages at once, each with one single-threaded Tesseract process, so there
are never more busy OCR threads than cores.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import PrefectFuture
from prefect.task_runners import ThreadPoolTaskRunner
from pydantic import BaseModel

from flows import progress
from flows.resources import resources
from flows.staging import StagedBatch, StagedFile, stage
from ocr.classify import Classification
from ocr.pipeline import read_page
from ocr.understanding import Understanding, understand
from schemas.batch import BatchReport, BatchStatus, FileReport
from schemas.document import (
    DocType,
    Document,
    FileStatus,
    PageText,
    Problem,
    Reason,
    StoredObject,
    TextSource,
)
from schemas.identity import ReviewReason
from schemas.settings import Settings
from storage.objects import ObjectStore

_EXTENSIONS = {"png": ".png", "jpeg": ".jpg", "tiff": ".tif", "pdf": ".pdf", "zip": ".zip"}
# Sentences for the clerk and reviewer; never the values themselves (Decree 13/2023).
_IDENTITY_MESSAGES = {
    ReviewReason.QR_UNREADABLE: "the card's QR code could not be read",
    ReviewReason.MRZ_CHECKSUM_FAILED: "the machine-readable zone fails its check digits",
    ReviewReason.MRZ_UNREADABLE: "the machine-readable zone could not be read",
    ReviewReason.ID_INVALID: "the ID number does not have a valid structure",
    ReviewReason.ID_DOB_MISMATCH: "the ID number does not match the date of birth",
    ReviewReason.ID_SEX_MISMATCH: "the ID number does not match the sex",
    ReviewReason.SOURCES_DISAGREE: "QR code, machine-readable zone and printed text disagree",
    ReviewReason.LOW_CONFIDENCE: "some identity fields were read with low confidence",
    ReviewReason.DATE_INVALID: "a date on the card is not a real date",
    ReviewReason.EXPIRY_BEFORE_ISSUE: "the expiry date is before the issue date",
    ReviewReason.FIELD_MISSING: "a required identity field was not found",
}
_CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "tiff": "image/tiff",
                  "pdf": "application/pdf", "zip": "application/zip"}


class DocumentPlan(BaseModel):
    """A new document to digitize: which staged file, under which id and keys."""

    document_id: str
    file: StagedFile
    prefix: str  # object-store folder of this document

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}"


class PageResult(BaseModel):
    """A page task's outcome: the text and where its one-page searchable PDF was stored."""

    page: PageText
    pdf_key: str
    thumbnail_key: str | None = None


_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


def ocr_slots(settings: Settings) -> threading.BoundedSemaphore:
    """At most `ocr_workers` pages are being read at once in this process.

    The task runner has more threads than cores because tasks waiting on upstream futures hold a
    thread while idle; this semaphore is what keeps the busy ones (one Tesseract each) to the cores.
    """
    with _slots_lock:
        return _slots.setdefault(settings.ocr_workers, threading.BoundedSemaphore(settings.ocr_workers))


def document_id(sha256: str) -> str:
    """Documents are identified by their content: the same bytes are the same document."""
    return sha256[:20]


@task(name="stage-batch", cache_policy=NO_CACHE)
def stage_batch(source: str, settings: Settings) -> StagedBatch:
    """Extract, preflight and identify the batch's files."""
    return stage(Path(source), settings)


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

    One task for the whole batch: a task run per file would cost the server more than the copy.
    """
    store = resources(settings).objects
    stored = {}
    for plan in plans:
        kind = plan.file.preflight.kind.value
        info = store.put_file(plan.key(f"original{_EXTENSIONS[kind]}"), plan.file.path, _CONTENT_TYPES[kind])
        stored[plan.document_id] = StoredObject(role="original", **info.model_dump())
    return stored


@task(name="read-page", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def read_page_task(plan: DocumentPlan, number: int, originals: dict[str, StoredObject],
                   settings: Settings) -> PageResult:
    """Text layer or OCR for one page; an unexpected failure degrades the page, not the batch."""
    store = resources(settings).objects
    log = get_run_logger()
    path = _local_copy(store, originals[plan.document_id], settings)
    try:
        with ocr_slots(settings):
            reading = read_page(path, plan.file.preflight.kind, number, settings, thumbnail=number == 1)
        page = reading.page
    except Exception as exc:  # noqa: BLE001 - one bad page must not stop the batch
        log.error("document %s page %d failed: %s", plan.document_id, number, type(exc).__name__)
        page = PageText(number=number, source=TextSource.NONE, problems=[
            Problem(code=Reason.PAGE_FAILED, message=f"page could not be read ({type(exc).__name__})",
                    page=number)])
        reading = None
    log.info("document %s page %d: %s; %s", plan.document_id, number, page.source, page.decision)
    pdf_key = plan.key(f"pages/{number:04d}.pdf")
    thumbnail_key = None
    if reading is not None:
        store.put_bytes(pdf_key, reading.pdf, "application/pdf")
        if reading.thumbnail is not None:
            thumbnail_key = plan.key("thumbnail.jpg")
            store.put_bytes(thumbnail_key, reading.thumbnail, "image/jpeg")
    progress.emit(progress.Event.PAGE_DONE)
    return PageResult(page=page, pdf_key=pdf_key if reading else "", thumbnail_key=thumbnail_key)


def _understand(plan: DocumentPlan, original: StoredObject, pages: list[PageText],
                settings: Settings) -> Understanding:
    """Type, people and (for ID cards) identity fields; a failure degrades to 'other', never stops."""
    path = _local_copy(resources(settings).objects, original, settings)
    try:
        with ocr_slots(settings):
            return understand(path, plan.file.preflight.kind, pages, dpi=settings.ocr_dpi)
    except Exception as exc:  # noqa: BLE001 - understanding is extra value; the text is already safe
        get_run_logger().error("document %s not understood: %s", plan.document_id, type(exc).__name__)
        return Understanding(classification=Classification(doc_type=DocType.OTHER, score=0.0))


@task(name="assemble-document", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def assemble_document(plan: DocumentPlan, batch: StagedBatch, originals: dict[str, StoredObject],
                      results: list[PageResult], settings: Settings) -> FileReport:
    """Understand the document, write its searchable PDF, text and words, then commit it."""
    from ocr.searchable import merge  # local import: keeps the flow module light to import

    store, catalog = resources(settings).objects, resources(settings).catalog
    original = originals[plan.document_id]
    pages = [r.page for r in sorted(results, key=lambda r: r.page.number)]
    understood = _understand(plan, original, pages, settings)
    text = "\n\n".join(p.text for p in pages)
    words = [{"page": p.number, "words": [w.model_dump() for w in p.words]} for p in pages]
    objects = [original]
    pdf_parts = [store.get_bytes(r.pdf_key) for r in results if r.pdf_key]
    if pdf_parts:
        objects.append(_put(store, plan.key("searchable.pdf"), merge(pdf_parts), "application/pdf",
                            "searchable_pdf"))
    objects.append(_put(store, plan.key("text.txt"), text.encode(), "text/plain; charset=utf-8", "text"))
    objects.append(_put(store, plan.key("words.json"), json.dumps(words, ensure_ascii=False).encode(),
                        "application/json", "words"))
    objects.extend(_info(store, r.thumbnail_key, "thumbnail") for r in results if r.thumbnail_key)

    problems = [p for page in pages for p in page.problems] + _page_count_problems(plan, batch, len(pages))
    if understood.identity is not None:
        problems += [Problem(code=Reason(reason.value), message=_IDENTITY_MESSAGES[reason])
                     for reason in understood.identity.review_reasons]
    status = FileStatus.NEEDS_REVIEW if problems else FileStatus.OK
    manifest = batch.manifest
    entry = manifest.files.get(plan.file.name)
    document = Document(
        id=plan.document_id, sha256=plan.file.preflight.sha256, kind=plan.file.preflight.kind,
        original_name=plan.file.name, batch_id=batch.batch_id, page_count=len(pages), status=status,
        problems=problems, dossier_code=manifest.dossier_code, office_code=manifest.office_code,
        procedure_code=manifest.procedure_code, direction=manifest.direction.value,
        component=entry.component if entry else None, text=text,
        doc_type=understood.classification.doc_type, doc_type_score=understood.classification.score,
        identity=understood.identity, people=understood.people,
        created_at=datetime.now(UTC), objects=objects,
    )
    report = FileReport(file=plan.file.name, status=status, sha256=document.sha256,
                        size=plan.file.preflight.size, pages=len(pages), document_id=document.id,
                        problems=problems, seconds=round(sum(p.seconds for p in pages), 3))
    catalog.batches.record_document(document, [p.model_copy(update={"words": []}) for p in pages], report)
    (settings.work_dir / "cache" / original.sha256).unlink(missing_ok=True)
    progress.emit(progress.Event.FILE_DONE)
    return report


@task(name="finish-batch", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def finish_batch(report: BatchReport, settings: Settings) -> BatchReport:
    """Store the report with the batch and, for inbox batches, move the drop out of the inbox."""
    res = resources(settings)
    key = f"batches/{report.batch_id}/report.json"
    res.objects.put_bytes(key, report.model_dump_json(indent=2).encode(), "application/json")
    res.catalog.batches.finish_batch(report, key)
    _retire_source(Path(report.source), report, settings)
    return report


@flow(name="ingest-batch", task_runner=ThreadPoolTaskRunner(max_workers=4 * (os.cpu_count() or 1)))
def ingest_batch(source: str) -> BatchReport:
    """Digitize one batch (folder, zip or single file) and return its report."""
    settings = Settings()
    started = datetime.now(UTC)
    batch = stage_batch(source, settings)
    catalog = resources(settings).catalog
    catalog.batches.begin_batch(batch.batch_id, batch.name, batch.source, batch.manifest)
    if batch.problems or not batch.files:
        problems = batch.problems or [Problem(code=Reason.EMPTY, message="the batch holds no files")]
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
            pending[file.name] = quarantine_file.submit(batch.batch_id, file, settings)
        elif file.preflight.sha256 in first_of:
            twins.append(file)
        elif (known := catalog.batches.find_by_sha256(file.preflight.sha256)) is not None:
            done[file.name] = _record_duplicate(batch, file, known.id, known.id, settings)
        else:
            first_of[file.preflight.sha256] = file
            plans.append(_plan(file))
    for name, problem in batch.rejected:
        done[name] = FileReport(file=name, status=FileStatus.QUARANTINED, problems=[problem])
        catalog.batches.record_file(batch.batch_id, done[name])
    if plans:
        assembling = _digitize(batch, plans, settings)
        pending.update(assembling)
        done.update({plan.file.name: _failed(plan.file.name) for plan in plans if plan.file.name not in assembling})

    done.update({name: _settled(future) or _failed(name) for name, future in pending.items()})
    for file in twins:
        first = done[first_of[file.preflight.sha256].name]
        done[file.name] = _failed(file.name) if first.status is FileStatus.FAILED else \
            _record_duplicate(batch, file, first.file, first.document_id, settings)
    files = [done[name] for name in sorted(done)]
    return finish_batch(_report(batch, started, files, []), settings)


def _plan(file: StagedFile) -> DocumentPlan:
    """Where a new document will live: its id and object-store folder come from its bytes."""
    doc_id = document_id(file.preflight.sha256)
    return DocumentPlan(document_id=doc_id, file=file, prefix=f"docs/{file.preflight.sha256[:2]}/{doc_id}")


def _digitize(batch: StagedBatch, plans: list[DocumentPlan], settings: Settings) -> dict[str, PrefectFuture]:
    """Store the originals, read every page, then assemble each document; file name → assemble future.

    Page tasks of every document are submitted at once (the OCR semaphore paces them); a document is
    assembled as soon as its own pages are read. Whatever fails outside a page's own reading (the
    store or catalog unreachable after the retries) leaves that file `failed`, for a later run.
    """
    originals = _settled(store_originals.submit(plans, settings))
    if originals is None:
        return {}
    pages = {}
    for plan in plans:
        progress.emit(progress.Event.PAGES_PLANNED, plan.file.preflight.page_count)
        pages[plan.document_id] = [read_page_task.submit(plan, n, originals, settings)
                                   for n in range(1, plan.file.preflight.page_count + 1)]
    assembled = {}
    for plan in plans:
        results = [_settled(future) for future in pages[plan.document_id]]
        if all(result is not None for result in results):
            assembled[plan.file.name] = assemble_document.submit(plan, batch, originals, results, settings)
    return assembled


def _settled(future: PrefectFuture) -> Any:
    """A task's result, or None when it failed after its retries (logged by type, never by content)."""
    future.wait()
    if future.state.is_completed():
        return future.result()
    get_run_logger().error("task %s did not complete: %s", future.task_run_id, future.state.name)
    return None


def _failed(name: str) -> FileReport:
    """A file left unprocessed by a fault outside it: nothing recorded, so the next run redoes it."""
    return FileReport(file=name, status=FileStatus.FAILED, problems=[Problem(
        code=Reason.PROCESSING_FAILED,
        message="processing stopped on a storage or catalog fault; the batch will be retried")])


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
    if problems:
        status = BatchStatus.FAILED
    elif all(f.status in (FileStatus.OK, FileStatus.DUPLICATE) for f in files):
        status = BatchStatus.DONE
    else:
        status = BatchStatus.PARTIAL
    return BatchReport(batch_id=batch.batch_id, name=batch.name, source=batch.source, status=status,
                       manifest=batch.manifest, started_at=started, finished_at=datetime.now(UTC),
                       problems=problems, files=files)


def _page_count_problems(plan: DocumentPlan, batch: StagedBatch, pages: int) -> list[Problem]:
    """The clerk said how many pages to expect: fewer is a missing page, more a mismatch."""
    entry = batch.manifest.files.get(plan.file.name)
    if entry is None or entry.expected_pages is None or entry.expected_pages == pages:
        return []
    code = Reason.MISSING_PAGE if pages < entry.expected_pages else Reason.PAGE_COUNT_MISMATCH
    return [Problem(code=code, message=f"{pages} page(s) found, {entry.expected_pages} expected")]


def _local_copy(store: ObjectStore, original: StoredObject, settings: Settings) -> Path:
    """The original as a local file (workers may run on other machines than the one that staged it)."""
    cache = settings.work_dir / "cache" / original.sha256
    if not cache.exists():
        cache.parent.mkdir(parents=True, exist_ok=True)
        # A unique temporary name per call: page tasks of one document copy the same original at once.
        handle, partial = tempfile.mkstemp(dir=cache.parent, prefix=f"{original.sha256}.", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(store.get_bytes(original.key))
            os.replace(partial, cache)  # atomic: a reader sees the whole file or none
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    return cache


def _put(store: ObjectStore, key: str, data: bytes, content_type: str, role: str) -> StoredObject:
    return StoredObject(role=role, **store.put_bytes(key, data, content_type).model_dump())


def _info(store: ObjectStore, key: str, role: str) -> StoredObject:
    info = store.stat(key)
    if info is None:
        raise FileNotFoundError(f"object {key} vanished before the catalog commit")
    return StoredObject(role=role, **info.model_dump())


def _retire_source(source: Path, report: BatchReport, settings: Settings) -> None:
    """Move an inbox drop to done/ once every file is committed or quarantined (never before).

    A batch that could not be processed at all goes to failed/ with its report, for the clerk to fix.
    """
    inbox = settings.inbox.resolve()
    if not source.is_relative_to(inbox) or source == inbox or report.count(FileStatus.FAILED):
        return  # not an inbox drop, or files still to process: the watcher retries it where it is
    tray = settings.failed_dir if report.status is BatchStatus.FAILED else settings.done_dir
    target = tray / report.batch_id
    target.mkdir(parents=True, exist_ok=True)
    destination = target / source.name
    if destination.exists():
        shutil.rmtree(destination) if destination.is_dir() else destination.unlink()
    shutil.move(str(source), destination)
    (target / "report.json").write_text(report.model_dump_json(indent=2), encoding="utf-8")
