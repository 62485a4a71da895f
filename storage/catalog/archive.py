"""The catalog's archive tables and queries: packages, archived records, fixity state, 766 inputs.

`ArchiveCatalog` is a mixin of `storage.catalog.Catalog` (it uses the catalog's sessions), kept in its
own module so the archive can grow without touching the ingest side. Table changes go with alembic
revision 0005_archive.

A record is archived at most once: `archive_record.document_id` is the primary key, so a second
package for the same document cannot be committed even by two runs racing. A package row is written
(`writing`) before its first object is stored, so objects left by an interrupted run are always known
to the catalog and never look like tampering.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Integer,
    String,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, selectinload, sessionmaker

from schemas.accounts import AuditAction, AuditEntry, FieldCorrection
from schemas.archive import (
    ArchivedFile,
    ArchivePackage,
    DigitizationCounts,
    PackageStatus,
    RecordFacts,
)
from schemas.document import FileStatus, PageText, TextSource
from schemas.dossier import DossierDocument
from storage.catalog.accounts import AuditRow, FieldCorrectionRow, correction_of
from storage.catalog.models import (
    Base,
    BatchFileRow,
    BatchRow,
    DocumentRow,
    DossierDocumentRow,
    DossierRow,
    PageRow,
    StoredObjectRow,
)

_CHUNK = 500  # ids per IN (...) clause: well under SQLite's variable limit


class ArchivePackageRow(Base):
    """One BagIt bag in the archive store."""

    __tablename__ = "archive_package"

    id: Mapped[str] = mapped_column(String, primary_key=True)
    office_code: Mapped[str | None] = mapped_column(String, index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    key: Mapped[str] = mapped_column(String, unique=True)
    status: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
    input_records: Mapped[int] = mapped_column(Integer)
    output_records: Mapped[int] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer)
    pdfa_copies: Mapped[int] = mapped_column(Integer)
    bytes: Mapped[int] = mapped_column(BigInteger)
    tagmanifest_sha256: Mapped[str | None] = mapped_column(String)
    tagmanifest_sha512: Mapped[str | None] = mapped_column(String)
    retain_until: Mapped[datetime | None]
    retention_mode: Mapped[str] = mapped_column(String)
    store: Mapped[str] = mapped_column(String)


class ArchiveFileRow(Base):
    """A file of a bag: what fixity compares the stored bytes with."""

    __tablename__ = "archive_file"

    package_id: Mapped[str] = mapped_column(ForeignKey("archive_package.id"), primary_key=True)
    path: Mapped[str] = mapped_column(String, primary_key=True)
    sha256: Mapped[str] = mapped_column(String)
    size: Mapped[int] = mapped_column(BigInteger)
    retain_until: Mapped[datetime]


class ArchiveRecordRow(Base):
    """A document that is in a complete package; at most one package per document."""

    __tablename__ = "archive_record"

    document_id: Mapped[str] = mapped_column(ForeignKey("document.id"), primary_key=True)
    package_id: Mapped[str] = mapped_column(ForeignKey("archive_package.id"), index=True)
    record_class: Mapped[str] = mapped_column(String)
    archived_at: Mapped[datetime]


class FixityStateRow(Base):
    """When a stored object (or a whole package) was last verified, and with what outcome."""

    __tablename__ = "fixity_state"

    area: Mapped[str] = mapped_column(String, primary_key=True)
    key: Mapped[str] = mapped_column(String, primary_key=True)
    checked_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String)


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


def _package(row: ArchivePackageRow, documents: list[str], files: list[ArchivedFile]) -> ArchivePackage:
    fields = {column.key: getattr(row, column.key) for column in row.__table__.columns}
    return ArchivePackage.model_validate({**fields, "documents": documents, "files": files})


class ArchiveCatalog:
    """Archive, fixity and indicator queries of the catalog (mixed into `Catalog`)."""

    _read_sessions: sessionmaker[Session]
    _write_sessions: sessionmaker[Session]

    # --- archiving --------------------------------------------------------------------------

    def unarchived(self, start: datetime, end: datetime,
                   office_code: str | None = None) -> dict[str | None, list[str]]:
        """Documents committed in [start, end), in no complete package yet, by office (all if None)."""
        query = (select(DocumentRow.office_code, DocumentRow.id)
                 .where(DocumentRow.created_at >= start, DocumentRow.created_at < end,
                        ~exists().where(ArchiveRecordRow.document_id == DocumentRow.id))
                 .order_by(DocumentRow.created_at, DocumentRow.id))
        if office_code is not None:
            query = query.where(DocumentRow.office_code == office_code)
        found: dict[str | None, list[str]] = {}
        with self._read_sessions() as session:
            for office, document_id in session.execute(query):
                found.setdefault(office, []).append(document_id)
        return found

    def record_facts(self, document_ids: Sequence[str]) -> list[RecordFacts]:
        """Documents with pages, dossier links and batch, read in a few queries per 500 documents."""
        from storage.catalog.repository import (
            _document,  # the one Document mapping; no import cycle
        )

        facts: dict[str, RecordFacts] = {}
        with self._read_sessions() as session:
            for chunk in _chunks(list(document_ids)):
                rows = session.scalars(select(DocumentRow).where(DocumentRow.id.in_(chunk)).options(
                    selectinload(DocumentRow.pages), selectinload(DocumentRow.objects),
                    selectinload(DocumentRow.people))).all()
                batches = {row.id: row for row in session.scalars(
                    select(BatchRow).where(BatchRow.id.in_({r.batch_id for r in rows})))}
                corrections: dict[str, list[FieldCorrection]] = {}
                for row in session.scalars(select(FieldCorrectionRow).where(
                        FieldCorrectionRow.document_id.in_(chunk)).order_by(FieldCorrectionRow.id)):
                    corrections.setdefault(row.document_id, []).append(correction_of(row))
                confirmations: dict[str, list[AuditEntry]] = {}
                for row in session.scalars(select(AuditRow).where(
                        AuditRow.document_id.in_(chunk), AuditRow.action == AuditAction.CONFIRM.value)
                        .order_by(AuditRow.id)):
                    confirmations.setdefault(row.document_id, []).append(AuditEntry(
                        at=row.at, username=row.username, action=AuditAction.CONFIRM,
                        document_id=row.document_id))
                links: dict[str, list[DossierDocument]] = {}
                for link in session.scalars(select(DossierDocumentRow).where(
                        DossierDocumentRow.document_id.in_(chunk)).order_by(DossierDocumentRow.attached_at)):
                    links.setdefault(link.document_id, []).append(DossierDocument.model_validate(
                        {column.key: getattr(link, column.key) for column in link.__table__.columns}))
                for row in rows:
                    batch = batches.get(row.batch_id)
                    facts[row.id] = RecordFacts(
                        document=_document(row),
                        pages=[PageText.model_validate({c.key: getattr(page, c.key)
                                                        for c in page.__table__.columns})
                               for page in row.pages],
                        links=links.get(row.id, []),
                        batch_name=batch.name if batch else None,
                        batch_started_at=batch.started_at if batch else None,
                        operator=(batch.manifest or {}).get("operator") if batch else None,
                        corrections=corrections.get(row.id, []),
                        confirmations=confirmations.get(row.id, []),
                    )
        return [facts[document_id] for document_id in document_ids if document_id in facts]

    def begin_package(self, package: ArchivePackage) -> None:
        """Record a package before any of its objects is stored (status `writing`)."""
        with self._write_sessions.begin() as session:
            session.add(ArchivePackageRow(**package.model_dump(exclude={"documents", "files"})))

    def complete_package(self, package: ArchivePackage, record_classes: dict[str, str]) -> None:
        """Mark a stored package complete with its files and its records, in one transaction.

        Raises IntegrityError (and commits nothing) if any of its documents is already archived.
        """
        now = package.completed_at or datetime.now(UTC)
        with self._write_sessions.begin() as session:
            session.execute(update(ArchivePackageRow).where(ArchivePackageRow.id == package.id).values(
                **package.model_dump(exclude={"id", "documents", "files", "created_at", "status",
                                              "completed_at"}),
                status=PackageStatus.COMPLETE.value, completed_at=now))
            session.execute(insert(ArchiveFileRow), [
                {"package_id": package.id, **file.model_dump()} for file in package.files])
            session.execute(insert(ArchiveRecordRow), [
                {"document_id": document_id, "package_id": package.id,
                 "record_class": record_classes[document_id], "archived_at": now}
                for document_id in package.documents])

    def abandon_packages(self, office_code: str | None, day: date) -> list[str]:
        """Packages of this office and day still `writing` (an interrupted run): mark them abandoned."""
        with self._write_sessions.begin() as session:
            ids = list(session.scalars(select(ArchivePackageRow.id).where(
                ArchivePackageRow.office_code.is_(None) if office_code is None
                else ArchivePackageRow.office_code == office_code,
                ArchivePackageRow.day == day, ArchivePackageRow.status == PackageStatus.WRITING.value)))
            if ids:
                session.execute(update(ArchivePackageRow).where(ArchivePackageRow.id.in_(ids))
                                .values(status=PackageStatus.ABANDONED.value))
            return ids

    def packages(self, *, office_code: str | None = None, day: date | None = None,
                 status: PackageStatus | None = None, with_files: bool = False) -> list[ArchivePackage]:
        """Packages (optionally of one office, day or status), oldest first."""
        query = select(ArchivePackageRow).order_by(ArchivePackageRow.day, ArchivePackageRow.created_at)
        if office_code is not None:
            query = query.where(ArchivePackageRow.office_code == office_code)
        if day is not None:
            query = query.where(ArchivePackageRow.day == day)
        if status is not None:
            query = query.where(ArchivePackageRow.status == status.value)
        with self._read_sessions() as session:
            rows = session.scalars(query).all()
            ids = [row.id for row in rows]
            documents: dict[str, list[str]] = {package_id: [] for package_id in ids}
            files: dict[str, list[ArchivedFile]] = {package_id: [] for package_id in ids}
            for chunk in _chunks(ids):
                for package_id, document_id in session.execute(
                        select(ArchiveRecordRow.package_id, ArchiveRecordRow.document_id)
                        .where(ArchiveRecordRow.package_id.in_(chunk)).order_by(ArchiveRecordRow.document_id)):
                    documents[package_id].append(document_id)
                if with_files:
                    for file in session.scalars(select(ArchiveFileRow).where(
                            ArchiveFileRow.package_id.in_(chunk)).order_by(ArchiveFileRow.path)):
                        files[file.package_id].append(ArchivedFile(
                            path=file.path, sha256=file.sha256, size=file.size, retain_until=file.retain_until))
            return [_package(row, documents[row.id], files[row.id]) for row in rows]

    def archived_package_of(self, document_id: str) -> str | None:
        """The package holding this document, if it is archived."""
        with self._read_sessions() as session:
            return session.scalar(select(ArchiveRecordRow.package_id)
                                  .where(ArchiveRecordRow.document_id == document_id))

    # --- fixity -----------------------------------------------------------------------------

    def stored_object_digests(self) -> dict[str, str]:
        """Every object the catalog says documents own: key → sha256 recorded at write time."""
        with self._read_sessions() as session:
            return dict(session.execute(select(StoredObjectRow.key, StoredObjectRow.sha256)).all())

    def fixity_due(self, area: str, units: Sequence[str], count: int) -> list[str]:
        """The `count` units of `area` verified longest ago (never verified first), in key order."""
        with self._read_sessions() as session:
            checked = dict(session.execute(select(FixityStateRow.key, FixityStateRow.checked_at)
                                           .where(FixityStateRow.area == area)).all())
        never = datetime.min.replace(tzinfo=UTC)
        due = sorted(units, key=lambda unit: (checked.get(unit, never), unit))[:count]
        return sorted(due)

    def record_fixity(self, area: str, outcomes: dict[str, str], checked_at: datetime) -> None:
        """Remember when each unit was verified and how it went (the rotation's memory)."""
        keys = list(outcomes)
        with self._write_sessions.begin() as session:
            for chunk in _chunks(keys):
                session.execute(delete(FixityStateRow).where(FixityStateRow.area == area,
                                                             FixityStateRow.key.in_(chunk)))
            if keys:
                session.execute(insert(FixityStateRow), [
                    {"area": area, "key": key, "checked_at": checked_at, "outcome": outcomes[key]}
                    for key in keys])

    # --- 766 indicators ---------------------------------------------------------------------

    def offices(self) -> list[str]:
        """Every office code the catalog has seen on a dossier or a document."""
        with self._read_sessions() as session:
            codes = set(session.scalars(select(DossierRow.office_code).distinct()))
            codes |= set(session.scalars(select(DocumentRow.office_code).distinct()))
        return sorted(code for code in codes if code)

    def digitization_counts(self, start: datetime, end: datetime,
                            office_code: str | None = None) -> DigitizationCounts:
        """Documents and pages committed, and files dropped, in [start, end) (all offices if None)."""
        documents = select(DocumentRow.status, func.count()).where(
            DocumentRow.created_at >= start, DocumentRow.created_at < end).group_by(DocumentRow.status)
        pages = (select(PageRow.source, func.count()).join(DocumentRow, DocumentRow.id == PageRow.document_id)
                 .where(DocumentRow.created_at >= start, DocumentRow.created_at < end)
                 .group_by(PageRow.source))
        if office_code is not None:
            documents = documents.where(DocumentRow.office_code == office_code)
            pages = pages.where(DocumentRow.office_code == office_code)
        with self._read_sessions() as session:
            by_status: Counter[str] = Counter(dict(session.execute(documents).all()))
            by_source: Counter[str] = Counter(dict(session.execute(pages).all()))
            batches = [batch_id for batch_id, manifest in session.execute(
                select(BatchRow.id, BatchRow.manifest).where(BatchRow.started_at >= start,
                                                             BatchRow.started_at < end))
                       if office_code is None or (manifest or {}).get("office_code") == office_code]
            files: Counter[str] = Counter()
            for chunk in _chunks(batches):
                files.update(dict(session.execute(
                    select(BatchFileRow.status, func.count()).where(BatchFileRow.batch_id.in_(chunk))
                    .group_by(BatchFileRow.status)).all()))
        return DigitizationCounts(
            documents=sum(by_status.values()), ok=by_status[FileStatus.OK.value],
            needs_review=by_status[FileStatus.NEEDS_REVIEW.value], pages=sum(by_source.values()),
            ocr_pages=by_source[TextSource.OCR.value], text_layer_pages=by_source[TextSource.TEXT_LAYER.value],
            files_received=sum(files.values()), quarantined=files[FileStatus.QUARANTINED.value],
        )
