"""Batches and documents: what was dropped, what each file became, and each document's record.

Every write is one short transaction, so a crash leaves either all or nothing of a document, and
writing the same thing again (a rerun) replaces rather than duplicates. The full-text index is written
in the same transaction as the rows it indexes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from schemas.accounts import Upload
from schemas.batch import AttemptState, BatchManifest, BatchReport, DropAttempt, FileReport
from schemas.document import Document, FileStatus, PageText
from schemas.identity import Identity
from storage.catalog.database import Database
from storage.catalog.models import (
    BatchFileRow,
    BatchRow,
    DocumentPersonRow,
    DocumentRow,
    DossierDocumentRow,
    DossierRow,
    InboxDropRow,
    PageRow,
    PersonAliasRow,
    PersonRow,
    StoredObjectRow,
    UploadRow,
)
from storage.catalog.people import attach_scanned, record_people
from storage.catalog.rows import (
    batch_reports,
    columns,
    document_of,
    document_row,
    file_report_of,
    file_row,
    now,
    page_of,
)


class BatchRepository:
    """Batches, their files and the documents they became; inbox drops and web uploads."""

    def __init__(self, database: Database) -> None:
        self._db = database

    # --- batches ---------------------------------------------------------------------------

    def begin_batch(self, batch_id: str, name: str, source: str, manifest: BatchManifest) -> None:
        """Record that a batch started; a rerun keeps the first start time."""
        with self._db.writing() as session:
            row = session.get(BatchRow, batch_id)
            if row is None:
                row = BatchRow(id=batch_id, started_at=now())
                session.add(row)
            row.name, row.source, row.manifest = name, source, manifest.model_dump(mode="json")

    def get_file_report(self, batch_id: str, name: str) -> FileReport | None:
        """The recorded outcome of a file of this batch, so a rerun can skip files already final."""
        with self._db.reading() as session:
            row = session.get(BatchFileRow, (batch_id, name))
            return None if row is None else file_report_of(row)

    def record_file(self, batch_id: str, file: FileReport) -> None:
        """Record a file that did not become a new document (quarantined or duplicate).

        A duplicate's `document_id` names the document it duplicates (whose pages the export shows
        under this file's name); `duplicate_of` is what the clerk reads (a file name or document id).
        """
        with self._db.writing() as session:
            session.merge(file_row(batch_id, file))

    def finish_batch(self, report: BatchReport, report_key: str) -> None:
        """Close a batch with its final status and the object key of its stored report.

        The files of the report were already recorded one by one (record_document / record_file);
        only the batch row is written here.
        """
        with self._db.writing() as session:
            session.merge(BatchRow(
                id=report.batch_id, name=report.name, source=report.source,
                manifest=report.manifest.model_dump(mode="json"), status=report.status.value,
                started_at=report.started_at, finished_at=report.finished_at, report_key=report_key,
                problems=[p.model_dump(mode="json") for p in report.problems],
            ))

    def get_batch_report(self, batch_id: str) -> BatchReport | None:
        """The report of a finished batch rebuilt from the tables; None if unknown or unfinished."""
        with self._db.reading() as session:
            row = session.get(BatchRow, batch_id)
            return None if row is None or row.status is None else batch_reports(session, [row])[0]

    def find_batches(self, limit: int = 50) -> list[BatchReport]:
        """The reports of the latest finished batches, newest first."""
        with self._db.reading() as session:
            rows = session.scalars(
                select(BatchRow).where(BatchRow.status.is_not(None))
                .order_by(BatchRow.started_at.desc(), BatchRow.id.desc()).limit(limit)
            ).all()
            return batch_reports(session, rows)

    def get_batch_progress(self, name: str) -> tuple[str | None, int, BatchReport | None]:
        """For the batch named `name` (an upload's folder): its id once ingestion started, how many
        files are recorded so far, and its report once finished."""
        with self._db.reading() as session:
            batch = session.scalars(select(BatchRow).where(BatchRow.name == name)
                                    .order_by(BatchRow.started_at.desc())).first()
            if batch is None:
                return None, 0, None
            done = session.scalar(select(func.count()).select_from(BatchFileRow)
                                  .where(BatchFileRow.batch_id == batch.id)) or 0
            return batch.id, done, batch_reports(session, [batch])[0] if batch.status is not None else None

    # --- inbox drops and web uploads -------------------------------------------------------

    def get_drop_attempt(self, name: str) -> DropAttempt | None:
        """The watcher's latest attempt at the inbox drop `name`, if any."""
        with self._db.reading() as session:
            row = session.get(InboxDropRow, name)
            return None if row is None else DropAttempt.model_validate(columns(row))

    def record_drop_attempt(self, attempt: DropAttempt) -> None:
        """Write (or overwrite) the watcher's attempt at a drop."""
        with self._db.writing() as session:
            session.merge(InboxDropRow(**attempt.model_dump()))

    def find_failed_drops(self) -> list[DropAttempt]:
        """Drops whose latest run failed (still to be retried, or given up), newest first."""
        return self._drops_in(AttemptState.FAILED)

    def find_running_drops(self) -> list[DropAttempt]:
        """Drops whose latest run has not been seen to end, newest first."""
        return self._drops_in(AttemptState.RUNNING)

    def _drops_in(self, state: AttemptState) -> list[DropAttempt]:
        with self._db.reading() as session:
            rows = session.scalars(select(InboxDropRow).where(InboxDropRow.state == state.value)
                                   .order_by(InboxDropRow.started_at.desc())).all()
            return [DropAttempt.model_validate(columns(row)) for row in rows]

    def record_upload(self, upload: Upload) -> None:
        with self._db.writing() as session:
            session.add(UploadRow(**upload.model_dump(exclude={"created_at"}),
                                  created_at=upload.created_at or now()))

    def get_upload(self, upload_id: str) -> Upload | None:
        with self._db.reading() as session:
            row = session.get(UploadRow, upload_id)
            return None if row is None else Upload.model_validate(row, from_attributes=True)

    def find_uploads(self, *, username: str | None = None, office_code: str | None = None,
                     limit: int = 50) -> list[Upload]:
        """The latest uploads, of one account or one office when given."""
        query = select(UploadRow).order_by(UploadRow.created_at.desc()).limit(limit)
        if username is not None:
            query = query.where(UploadRow.username == username)
        if office_code is not None:
            query = query.where(UploadRow.office_code == office_code)
        with self._db.reading() as session:
            return [Upload.model_validate(row, from_attributes=True) for row in session.scalars(query)]

    # --- documents -------------------------------------------------------------------------

    def record_document(self, document: Document, pages: list[PageText], file: FileReport) -> None:
        """Record a new document, its pages, its stored objects, its search entry and its file, at once.

        Recording the same document id again (a rerun after a crash) replaces all of it. Words are
        not stored here: they live in the object store.
        """
        row = document_row(document, pages)
        file = file.model_copy(update={"document_id": document.id})
        with self._db.writing() as session:
            rerun = session.get(DocumentRow, document.id) is not None
            record_people(session, document)
            session.merge(row)
            attach_scanned(session, document)
            session.merge(file_row(document.batch_id, file))
            session.flush()
            self._db.fulltext.index(
                session.connection(), document.id, document.original_name, document.dossier_code,
                document.office_code, [page.text for page in row.pages], replace=rerun,
            )

    def find_by_sha256(self, sha256: str) -> Document | None:
        """The document already holding these bytes, for deduplication."""
        with self._db.reading() as session:
            row = session.scalars(
                select(DocumentRow).where(DocumentRow.sha256 == sha256)
                .options(selectinload(DocumentRow.pages), selectinload(DocumentRow.objects))
            ).one_or_none()
            return None if row is None else document_of(row)

    def get_document(self, document_id: str) -> Document | None:
        """A document with its stored objects and its text (pages joined by a blank line)."""
        with self._db.reading() as session:
            row = session.get(
                DocumentRow, document_id,
                options=[selectinload(DocumentRow.pages), selectinload(DocumentRow.objects)],
            )
            return None if row is None else document_of(row)

    def get_pages(self, document_id: str) -> list[PageText]:
        """A document's pages in order, without words (those are in the object store)."""
        with self._db.reading() as session:
            rows = session.scalars(
                select(PageRow).where(PageRow.document_id == document_id).order_by(PageRow.number)
            )
            return [page_of(row) for row in rows]

    def export_rows(self, batch_id: str | None = None) -> Iterator[dict[str, Any]]:
        """The evaluation export: per batch (oldest first) and per file (by name), its page rows and
        then one status row. A duplicate shows the pages of the document it duplicates; a
        quarantined file has no pages."""
        with self._db.reading() as session:
            batches = select(BatchRow.id).order_by(BatchRow.started_at, BatchRow.id)
            if batch_id is not None:
                batches = batches.where(BatchRow.id == batch_id)
            for current_batch in session.scalars(batches).all():
                files = session.scalars(
                    select(BatchFileRow).where(BatchFileRow.batch_id == current_batch)
                    .order_by(BatchFileRow.name)
                ).all()
                for row in files:
                    report = file_report_of(row)
                    if report.status != FileStatus.QUARANTINED:
                        for page in session.scalars(
                            select(PageRow).where(PageRow.document_id == report.document_id)
                            .order_by(PageRow.number)
                        ):
                            yield {"file": report.file, "page": page.number, "text": page.text}
                        identity = session.scalar(
                            select(DocumentRow.identity).where(DocumentRow.id == report.document_id))
                        if identity:
                            yield {"file": report.file,
                                   "fields": Identity.model_validate(identity).export_fields()}
                    status: dict[str, Any] = {"file": report.file, "status": report.status.value,
                                              "reason": report.reason}
                    if report.status == FileStatus.DUPLICATE:
                        status["duplicate_of"] = report.duplicate_of
                    yield status

    def count_rows(self) -> dict[str, int]:
        """How many rows each table of batches, documents, people and dossiers holds (a rerun must
        not change these)."""
        tables = {"batches": BatchRow, "batch_files": BatchFileRow, "documents": DocumentRow,
                  "pages": PageRow, "stored_objects": StoredObjectRow, "people": PersonRow,
                  "person_aliases": PersonAliasRow, "document_people": DocumentPersonRow,
                  "dossiers": DossierRow, "dossier_documents": DossierDocumentRow}
        with self._db.reading() as session:
            return {name: session.scalar(select(func.count()).select_from(table)) or 0
                    for name, table in tables.items()}
