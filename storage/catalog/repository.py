"""The catalog: what was digitized, from which batch, with which text, and where its objects are.

The flows call `Catalog` and nothing else. Every write is one short transaction, so a crash leaves
either all or nothing of a document, and writing the same thing again (a rerun) replaces rather
than duplicates. The full-text index is written in the same transaction as the rows it indexes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from schemas.batch import AttemptState, BatchManifest, BatchReport, Direction, DropAttempt, FileReport
from schemas.document import Document, FileStatus, PageText
from schemas.dossier import Dossier, DossierDocument
from schemas.identity import Identity, Person
from schemas.vntext import fold, nfc
from storage.catalog.accounts import AccountsMixin
from storage.catalog.archive import ArchiveCatalog
from storage.catalog.finder import FinderMixin
from storage.catalog.models import (
    Base,
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
)
from storage.catalog.search import Query, SearchHit, full_text_index, snippet

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# Execution option marking transactions that will write (SQLite then takes the write lock up front).
_WRITES = "sohoa_writes"
PAGE_SEPARATOR = "\n\n"


def migration_config(connection: Connection) -> Config:
    """An alembic configuration for the catalog's migrations, running on `connection`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


_MMAP_BYTES = 64 * 1024**3  # SQLite lowers it to its compile-time limit
AUDIT_SCHEMA = "audit"


def audit_database(catalog_database: str | None) -> str:
    """The file of a SQLite catalog's audit log: beside the catalog, `catalog.sqlite3` →
    `catalog-audit.sqlite3` (in memory for an in-memory catalog)."""
    if not catalog_database or catalog_database == ":memory:":
        return ":memory:"
    path = Path(catalog_database)
    return str(path.with_name(f"{path.stem}-audit{path.suffix}"))


def _tune_sqlite(engine: Engine) -> None:
    """Make one SQLite file safe for several threads and processes writing at once.

    WAL lets readers run while one writer writes; busy_timeout makes a writer wait for the lock
    instead of failing. Write transactions start with BEGIN IMMEDIATE: a transaction that first
    reads and later writes could otherwise fail with 'database is locked' when another writer
    committed in between (SQLite cannot upgrade a stale read snapshot). SQLAlchemy emits BEGIN
    itself because Python's sqlite3 module would not begin before reads or DDL.

    Reads go through a memory map (as large as SQLite's build allows: 2 GiB in Debian's): a search
    then reads pages in place instead of copying each out of the OS cache with a system call,
    which was a third of its time on a million-record catalog.

    The audit log lives in a database file of its own, attached to every connection as `audit`
    (its table is found without the prefix): every search writes an audit entry, and a write to
    the catalog file would make every other connection drop its page cache and memory map at its
    next read (SQLite's rule for a changed WAL), so each search would start cold.
    """
    audit_file = audit_database(engine.url.database)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute(f"ATTACH DATABASE ? AS {AUDIT_SCHEMA}", (audit_file,))
        for pragma in ("journal_mode = WAL", f"{AUDIT_SCHEMA}.journal_mode = WAL", "busy_timeout = 30000",
                       "foreign_keys = ON", f"mmap_size = {_MMAP_BYTES}"):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        writes = connection.get_execution_options().get(_WRITES, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def open_engine(url: str) -> Engine:
    """An engine on the catalog at `url`, with what SQLite needs (see _tune_sqlite)."""
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)
    return engine


def _now() -> datetime:
    return datetime.now(UTC)


def _columns(row: Base) -> dict[str, Any]:
    """A row's column values by name, ready for a pydantic model (extra keys are ignored)."""
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


def _file_report(row: BatchFileRow) -> FileReport:
    return FileReport.model_validate({**_columns(row), "file": row.name})


def _document(row: DocumentRow) -> Document:
    return Document.model_validate({
        **_columns(row),
        "text": PAGE_SEPARATOR.join(page.text for page in row.pages),
        "objects": [_columns(stored) for stored in row.objects],
        "people": [link.id_number for link in row.people],
    })


def _reports(session: Session, rows: Sequence[BatchRow]) -> list[BatchReport]:
    """Batch reports with their files (sorted by name), read in one query for all the batches."""
    files: dict[str, list[FileReport]] = {row.id: [] for row in rows}
    for file in session.scalars(
        select(BatchFileRow).where(BatchFileRow.batch_id.in_(files)).order_by(BatchFileRow.name)
    ):
        files[file.batch_id].append(_file_report(file))
    return [BatchReport.model_validate({**_columns(row), "batch_id": row.id, "files": files[row.id]})
            for row in rows]


def _file_row(batch_id: str, file: FileReport) -> BatchFileRow:
    return BatchFileRow(batch_id=batch_id, name=file.file, **file.model_dump(mode="json", exclude={"file"}))


def _document_row(document: Document, pages: list[PageText]) -> DocumentRow:
    fields = document.model_dump(mode="json", exclude={"text", "objects", "created_at", "people"})
    return DocumentRow(
        **fields,
        people=[DocumentPersonRow(document_id=document.id, id_number=number)
                for number in sorted(set(document.people))],
        created_at=document.created_at or _now(),
        pages=[
            PageRow(document_id=document.id, **page.model_dump(mode="json", exclude={"words", "text"}),
                    text=nfc(page.text))
            for page in pages
        ],
        objects=[StoredObjectRow(document_id=document.id, **stored.model_dump())
                 for stored in document.objects],
    )


def _record_people(session: Session, document: Document) -> None:
    """Make sure every person the document names exists; a card's trusted fields update the person.

    Only fields that fusion raised no reason against are written, so a doubtful reading never
    overwrites what an earlier good card (or a reviewer) established.
    """
    identity = document.identity
    card_number = identity.id_number.value if identity and identity.id_number else None
    for number in sorted(set(document.people)):
        person = session.get(PersonRow, number) or PersonRow(id_number=number)
        person.updated_at = _now()
        alias = None
        if identity is not None and number == card_number:
            for name in ("full_name", "date_of_birth", "sex"):
                field = identity.field(name)
                if field is not None and not identity.field_reasons.get(name):
                    setattr(person, name, field.value)
            person.folded_name = fold(person.full_name) if person.full_name else None
            old = identity.old_id_number
            if old is not None and not identity.field_reasons.get("old_id_number"):
                alias = PersonAliasRow(alias=old.value, id_number=number)
        session.merge(person)
        session.flush()
        if alias is not None:
            session.merge(alias)
    session.flush()


def _attach_to_dossier(session: Session, document: Document) -> None:
    """A document scanned for a dossier (the batch manifest named it) is one of its components."""
    if document.dossier_code is None:
        return
    session.flush()
    if session.get(DossierRow, document.dossier_code) is None:
        _save_dossier(session, Dossier.from_code(document.dossier_code, office_code=document.office_code,
                                                 procedure_code=document.procedure_code))
    session.merge(DossierDocumentRow(
        dossier_code=document.dossier_code, document_id=document.id,
        direction=document.direction or Direction.INPUT.value, component=document.component,
        reused=False, attached_at=document.created_at or _now(),
    ))


def _save_dossier(session: Session, dossier: Dossier) -> None:
    session.merge(DossierRow(**dossier.model_dump(exclude={"documents"})))
    session.flush()


def _dossier(row: DossierRow, links: Sequence[DossierDocumentRow]) -> Dossier:
    return Dossier.model_validate({**_columns(row), "documents": [_columns(link) for link in links]})


class Catalog(ArchiveCatalog, FinderMixin, AccountsMixin):
    """The catalog database (SQLite file by default, PostgreSQL at scale), upgraded on open."""

    def __init__(self, url: str) -> None:
        """Open the database at a SQLAlchemy URL, e.g. 'sqlite:////abs/path/catalog.sqlite3'."""
        self._engine = open_engine(url)
        self._writer = self._engine.execution_options(**{_WRITES: True})
        self._search = full_text_index(self._engine.dialect.name)
        self._read_sessions = sessionmaker(self._engine)
        # Each write is one short transaction: `with self._write_sessions.begin() as session`.
        self._write_sessions = sessionmaker(self._writer)
        with self._writer.begin() as connection:
            command.upgrade(migration_config(connection), "head")

    def close(self) -> None:
        """Close the pooled connections (the catalog must not be used afterwards)."""
        self._engine.dispose()

    # --- batches ---------------------------------------------------------------------------

    def begin_batch(self, batch_id: str, name: str, source: str, manifest: BatchManifest) -> None:
        """Record that a batch started; a rerun keeps the first start time."""
        with self._write_sessions.begin() as session:
            row = session.get(BatchRow, batch_id)
            if row is None:
                row = BatchRow(id=batch_id, started_at=_now())
                session.add(row)
            row.name, row.source, row.manifest = name, source, manifest.model_dump(mode="json")

    def file_report(self, batch_id: str, name: str) -> FileReport | None:
        """The recorded outcome of a file of this batch, so a rerun can skip files already final."""
        with self._read_sessions() as session:
            row = session.get(BatchFileRow, (batch_id, name))
            return None if row is None else _file_report(row)

    def record_file(self, batch_id: str, file: FileReport) -> None:
        """Record a file that did not become a new document (quarantined or duplicate).

        A duplicate's `document_id` names the document it duplicates (whose pages the export shows
        under this file's name); `duplicate_of` is what the clerk reads (a file name or document id).
        """
        with self._write_sessions.begin() as session:
            session.merge(_file_row(batch_id, file))

    def finish_batch(self, report: BatchReport, report_key: str) -> None:
        """Close a batch with its final status and the object key of its stored report.

        The files of the report were already recorded one by one (record_document / record_file);
        only the batch row is written here.
        """
        with self._write_sessions.begin() as session:
            session.merge(BatchRow(
                id=report.batch_id, name=report.name, source=report.source,
                manifest=report.manifest.model_dump(mode="json"), status=report.status.value,
                started_at=report.started_at, finished_at=report.finished_at, report_key=report_key,
                problems=[p.model_dump(mode="json") for p in report.problems],
            ))

    def batch_report(self, batch_id: str) -> BatchReport | None:
        """The report of a finished batch rebuilt from the tables; None if unknown or unfinished."""
        with self._read_sessions() as session:
            row = session.get(BatchRow, batch_id)
            return None if row is None or row.status is None else _reports(session, [row])[0]

    def batches(self, limit: int = 50) -> list[BatchReport]:
        """The reports of the latest finished batches, newest first."""
        with self._read_sessions() as session:
            rows = session.scalars(
                select(BatchRow).where(BatchRow.status.is_not(None))
                .order_by(BatchRow.started_at.desc(), BatchRow.id.desc()).limit(limit)
            ).all()
            return _reports(session, rows)

    def drop_attempt(self, name: str) -> DropAttempt | None:
        """The watcher's latest attempt at the inbox drop `name`, if any."""
        with self._read_sessions() as session:
            row = session.get(InboxDropRow, name)
            return None if row is None else DropAttempt.model_validate(_columns(row))

    def record_drop_attempt(self, attempt: DropAttempt) -> None:
        """Write (or overwrite) the watcher's attempt at a drop."""
        with self._write_sessions.begin() as session:
            session.merge(InboxDropRow(**attempt.model_dump()))

    def failed_drops(self) -> list[DropAttempt]:
        """Drops whose latest run failed (still to be retried, or given up), newest first."""
        with self._read_sessions() as session:
            rows = session.scalars(select(InboxDropRow).where(InboxDropRow.state == AttemptState.FAILED.value)
                                   .order_by(InboxDropRow.started_at.desc())).all()
            return [DropAttempt.model_validate(_columns(row)) for row in rows]

    # --- documents -------------------------------------------------------------------------

    def record_document(self, document: Document, pages: list[PageText], file: FileReport) -> None:
        """Record a new document, its pages, its stored objects, its search entry and its file, at once.

        Recording the same document id again (a rerun after a crash) replaces all of it. Words are
        not stored here: they live in the object store.
        """
        row = _document_row(document, pages)
        file = file.model_copy(update={"document_id": document.id})
        with self._write_sessions.begin() as session:
            rerun = session.get(DocumentRow, document.id) is not None
            _record_people(session, document)
            session.merge(row)
            _attach_to_dossier(session, document)
            session.merge(_file_row(document.batch_id, file))
            session.flush()
            self._search.index(
                session.connection(), document.id, document.original_name, document.dossier_code,
                [page.text for page in row.pages], replace=rerun,
            )

    def document_by_sha256(self, sha256: str) -> Document | None:
        """The document already holding these bytes, for deduplication."""
        with self._read_sessions() as session:
            row = session.scalars(
                select(DocumentRow).where(DocumentRow.sha256 == sha256)
                .options(selectinload(DocumentRow.pages), selectinload(DocumentRow.objects))
            ).one_or_none()
            return None if row is None else _document(row)

    def get_document(self, document_id: str) -> Document | None:
        """A document with its stored objects and its text (pages joined by a blank line)."""
        with self._read_sessions() as session:
            row = session.get(
                DocumentRow, document_id,
                options=[selectinload(DocumentRow.pages), selectinload(DocumentRow.objects)],
            )
            return None if row is None else _document(row)

    def pages(self, document_id: str) -> list[PageText]:
        """A document's pages in order, without words (those are in the object store)."""
        with self._read_sessions() as session:
            rows = session.scalars(
                select(PageRow).where(PageRow.document_id == document_id).order_by(PageRow.number)
            )
            return [PageText.model_validate(_columns(row)) for row in rows]

    # --- search and export -----------------------------------------------------------------

    def search(self, query: str, limit: int = 20, offset: int = 0) -> list[SearchHit]:
        """Documents containing every word of `query` (diacritics and case ignored), best first."""
        parsed = Query.parse(query)
        with self._read_sessions() as session:
            ranked = self._search.search(session.connection(), parsed, limit, offset)
            found = select(DocumentRow).where(DocumentRow.id.in_([hit_id for hit_id, _ in ranked]))
            rows = {row.id: row for row in session.scalars(found.options(selectinload(DocumentRow.pages)))}
            return [
                SearchHit(
                    document_id=document_id, original_name=row.original_name, batch_id=row.batch_id,
                    doc_type=row.doc_type, status=FileStatus(row.status), score=score,
                    snippet=snippet([*(page.text for page in row.pages), row.original_name,
                                     row.dossier_code or ""], parsed),
                )
                for document_id, score in ranked
                if (row := rows.get(document_id)) is not None
            ]

    def export_rows(self, batch_id: str | None = None) -> Iterator[dict[str, Any]]:
        """The evaluation export: per batch (oldest first) and per file (by name), its page rows and
        then one status row. A duplicate shows the pages of the document it duplicates; a
        quarantined file has no pages."""
        with self._read_sessions() as session:
            batches = select(BatchRow.id).order_by(BatchRow.started_at, BatchRow.id)
            if batch_id is not None:
                batches = batches.where(BatchRow.id == batch_id)
            for current_batch in session.scalars(batches).all():
                files = session.scalars(
                    select(BatchFileRow).where(BatchFileRow.batch_id == current_batch)
                    .order_by(BatchFileRow.name)
                ).all()
                for row in files:
                    report = _file_report(row)
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

    # --- dossiers ---------------------------------------------------------------------------

    def save_dossier(self, dossier: Dossier) -> None:
        """Create or update a dossier (its attached documents are written by `attach`)."""
        with self._write_sessions.begin() as session:
            _save_dossier(session, dossier)

    def attach(self, link: DossierDocument) -> None:
        """Attach a document to a dossier (again: updates the link). The dossier must exist."""
        with self._write_sessions.begin() as session:
            if session.get(DossierRow, link.dossier_code) is None:
                raise KeyError("no such dossier")
            if session.get(DocumentRow, link.document_id) is None:
                raise KeyError("no such document")
            session.merge(DossierDocumentRow(**link.model_dump(exclude={"attached_at"}),
                                             attached_at=link.attached_at or _now()))

    def dossier(self, code: str) -> Dossier | None:
        """A dossier with its documents (inputs and outputs, scanned or reused)."""
        found = self.dossiers(codes=[code])
        return found[0] if found else None

    def dossiers(self, *, office_code: str | None = None, received_from: date | None = None,
                 received_to: date | None = None, codes: Sequence[str] | None = None) -> list[Dossier]:
        """Dossiers received in a period (inclusive), optionally of one office, with their documents."""
        query = select(DossierRow).order_by(DossierRow.receipt_date, DossierRow.code)
        if office_code is not None:
            query = query.where(DossierRow.office_code == office_code)
        if received_from is not None:
            query = query.where(DossierRow.receipt_date >= received_from)
        if received_to is not None:
            query = query.where(DossierRow.receipt_date <= received_to)
        if codes is not None:
            query = query.where(DossierRow.code.in_(codes))
        with self._read_sessions() as session:
            rows = session.scalars(query).all()
            links: dict[str, list[DossierDocumentRow]] = {row.code: [] for row in rows}
            for link in session.scalars(select(DossierDocumentRow).where(
                    DossierDocumentRow.dossier_code.in_(links)).order_by(DossierDocumentRow.attached_at)):
                links[link.dossier_code].append(link)
            return [_dossier(row, links[row.code]) for row in rows]

    # --- people -----------------------------------------------------------------------------

    def person(self, number: str) -> Person | None:
        """A person by 12-digit number or by an old CMND alias, with the documents that carry them."""
        with self._read_sessions() as session:
            row = session.get(PersonRow, number)
            if row is None:
                alias = session.get(PersonAliasRow, number)
                row = session.get(PersonRow, alias.id_number) if alias else None
            if row is None:
                return None
            aliases = session.scalars(select(PersonAliasRow.alias).where(
                PersonAliasRow.id_number == row.id_number).order_by(PersonAliasRow.alias)).all()
            documents = session.scalars(select(DocumentPersonRow.document_id).where(
                DocumentPersonRow.id_number == row.id_number).order_by(DocumentPersonRow.document_id)).all()
            return Person(id_number=row.id_number, full_name=row.full_name,
                          date_of_birth=row.date_of_birth, sex=row.sex, aliases=list(aliases),
                          document_ids=list(documents))

    def counts(self) -> dict[str, int]:
        """How many rows each table holds (a rerun must not change these)."""
        tables = {"batches": BatchRow, "batch_files": BatchFileRow, "documents": DocumentRow,
                  "pages": PageRow, "stored_objects": StoredObjectRow, "people": PersonRow,
                  "person_aliases": PersonAliasRow, "document_people": DocumentPersonRow,
                  "dossiers": DossierRow, "dossier_documents": DossierDocumentRow}
        with self._read_sessions() as session:
            return {name: session.scalar(select(func.count()).select_from(table)) or 0
                    for name, table in tables.items()}
