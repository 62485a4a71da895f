"""The archive's catalog area: packages, archived records, fixity state, and the 766 counts.

A record is archived at most once: `archive_record.document_id` is the primary key, so a second
package for the same document cannot be committed even by two runs racing. A package row is written
(`writing`) before its first object is stored, so objects left by an interrupted run are always known
to the catalog and never look like tampering.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime

from sqlalchemy import delete, exists, func, insert, select, update
from sqlalchemy.orm import selectinload

from schemas.accounts import AuditAction, AuditEntry, FieldCorrection
from schemas.archive import ArchivedFile, ArchivePackage, DigitizationCounts, PackageStatus, RecordFacts
from schemas.document import FileStatus, TextSource
from schemas.dossier import DossierDocument
from storage.catalog.database import Database
from storage.catalog.models import (
    ArchiveFileRow,
    ArchivePackageRow,
    ArchiveRecordRow,
    AuditRow,
    BatchFileRow,
    BatchRow,
    DocumentRow,
    DossierDocumentRow,
    DossierRow,
    FieldCorrectionRow,
    FixityStateRow,
    PageRow,
    StoredObjectRow,
)
from storage.catalog.rows import correction_of, document_of, dossier_document_of, package_of, page_of

_CHUNK = 500  # ids per IN (...) clause: well under SQLite's variable limit


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


class ArchiveRepository:
    """Archive packages and their records, fixity state, and the counts the 766 indicators need."""

    def __init__(self, database: Database) -> None:
        self._db = database

    # --- archiving --------------------------------------------------------------------------

    def find_unarchived(self, start: datetime, end: datetime,
                   office_code: str | None = None) -> dict[str | None, list[str]]:
        """Documents committed in [start, end), in no complete package yet, by office (all if None)."""
        query = (select(DocumentRow.office_code, DocumentRow.id)
                 .where(DocumentRow.created_at >= start, DocumentRow.created_at < end,
                        ~exists().where(ArchiveRecordRow.document_id == DocumentRow.id))
                 .order_by(DocumentRow.created_at, DocumentRow.id))
        if office_code is not None:
            query = query.where(DocumentRow.office_code == office_code)
        found: dict[str | None, list[str]] = {}
        with self._db.reading() as session:
            for office, document_id in session.execute(query):
                found.setdefault(office, []).append(document_id)
        return found

    def get_record_facts(self, document_ids: Sequence[str]) -> list[RecordFacts]:
        """Documents with pages, dossier links and batch, read in a few queries per 500 documents."""
        facts: dict[str, RecordFacts] = {}
        with self._db.reading() as session:
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
                    links.setdefault(link.document_id, []).append(dossier_document_of(link))
                for row in rows:
                    batch = batches.get(row.batch_id)
                    facts[row.id] = RecordFacts(
                        document=document_of(row),
                        pages=[page_of(page) for page in row.pages],
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
        with self._db.writing() as session:
            session.add(ArchivePackageRow(**package.model_dump(exclude={"documents", "files"})))

    def complete_package(self, package: ArchivePackage, record_classes: dict[str, str]) -> None:
        """Mark a stored package complete with its files and its records, in one transaction.

        Raises IntegrityError (and commits nothing) if any of its documents is already archived.
        """
        now = package.completed_at or datetime.now(UTC)
        with self._db.writing() as session:
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
        with self._db.writing() as session:
            ids = list(session.scalars(select(ArchivePackageRow.id).where(
                ArchivePackageRow.office_code.is_(None) if office_code is None
                else ArchivePackageRow.office_code == office_code,
                ArchivePackageRow.day == day, ArchivePackageRow.status == PackageStatus.WRITING.value)))
            if ids:
                session.execute(update(ArchivePackageRow).where(ArchivePackageRow.id.in_(ids))
                                .values(status=PackageStatus.ABANDONED.value))
            return ids

    def find_packages(self, *, office_code: str | None = None, day: date | None = None,
                 status: PackageStatus | None = None, with_files: bool = False) -> list[ArchivePackage]:
        """Packages (optionally of one office, day or status), oldest first."""
        query = select(ArchivePackageRow).order_by(ArchivePackageRow.day, ArchivePackageRow.created_at)
        if office_code is not None:
            query = query.where(ArchivePackageRow.office_code == office_code)
        if day is not None:
            query = query.where(ArchivePackageRow.day == day)
        if status is not None:
            query = query.where(ArchivePackageRow.status == status.value)
        with self._db.reading() as session:
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
            return [package_of(row, documents[row.id], files[row.id]) for row in rows]

    def get_package_of(self, document_id: str) -> str | None:
        """The package holding this document, if it is archived."""
        with self._db.reading() as session:
            return session.scalar(select(ArchiveRecordRow.package_id)
                                  .where(ArchiveRecordRow.document_id == document_id))

    # --- fixity -----------------------------------------------------------------------------

    def get_object_digests(self) -> dict[str, str]:
        """Every object the catalog says documents own: key → sha256 recorded at write time."""
        with self._db.reading() as session:
            return dict(session.execute(select(StoredObjectRow.key, StoredObjectRow.sha256)).all())

    def find_fixity_due(self, area: str, units: Sequence[str], count: int) -> list[str]:
        """The `count` units of `area` verified longest ago (never verified first), in key order."""
        with self._db.reading() as session:
            checked = dict(session.execute(select(FixityStateRow.key, FixityStateRow.checked_at)
                                           .where(FixityStateRow.area == area)).all())
        never = datetime.min.replace(tzinfo=UTC)
        due = sorted(units, key=lambda unit: (checked.get(unit, never), unit))[:count]
        return sorted(due)

    def record_fixity(self, area: str, outcomes: dict[str, str], checked_at: datetime) -> None:
        """Remember when each unit was verified and how it went (the rotation's memory)."""
        keys = list(outcomes)
        with self._db.writing() as session:
            for chunk in _chunks(keys):
                session.execute(delete(FixityStateRow).where(FixityStateRow.area == area,
                                                             FixityStateRow.key.in_(chunk)))
            if keys:
                session.execute(insert(FixityStateRow), [
                    {"area": area, "key": key, "checked_at": checked_at, "outcome": outcomes[key]}
                    for key in keys])

    # --- 766 indicators ---------------------------------------------------------------------

    def find_offices(self) -> list[str]:
        """Every office code the catalog has seen on a dossier or a document."""
        with self._db.reading() as session:
            codes = set(session.scalars(select(DossierRow.office_code).distinct()))
            codes |= set(session.scalars(select(DocumentRow.office_code).distinct()))
        return sorted(code for code in codes if code)

    def count_digitization(self, start: datetime, end: datetime,
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
        with self._db.reading() as session:
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
