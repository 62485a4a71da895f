"""Rows to the shared vocabulary and back: every mapping between a table row and a schemas model.

One place, so that a column added to a table and to its model is mapped everywhere at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from schemas.accounts import FieldCorrection, User
from schemas.archive import ArchivedFile, ArchivePackage
from schemas.batch import BatchReport, FileReport
from schemas.document import Document, PageText
from schemas.dossier import Dossier, DossierDocument
from schemas.vntext import nfc
from storage.catalog.models import (
    ArchivePackageRow,
    Base,
    BatchFileRow,
    BatchRow,
    DocumentPersonRow,
    DocumentRow,
    DossierDocumentRow,
    DossierRow,
    FieldCorrectionRow,
    PageRow,
    StoredObjectRow,
    UserRow,
)

PAGE_SEPARATOR = "\n\n"  # between the pages of a document's text


def now() -> datetime:
    return datetime.now(UTC)


def columns(row: Base | Row[Any]) -> dict[str, Any]:
    """A row's column values by name, ready for a pydantic model (extra keys are ignored)."""
    if isinstance(row, Row):
        return dict(row._mapping)
    return {column.key: getattr(row, column.key) for column in row.__table__.columns}


def file_report_of(row: BatchFileRow) -> FileReport:
    return FileReport.model_validate({**columns(row), "file": row.name})


def file_row(batch_id: str, file: FileReport) -> BatchFileRow:
    return BatchFileRow(batch_id=batch_id, name=file.file, **file.model_dump(mode="json", exclude={"file"}))


def batch_reports(session: Session, rows: Sequence[BatchRow]) -> list[BatchReport]:
    """Batch reports with their files (sorted by name), read in one query for all the batches."""
    files: dict[str, list[FileReport]] = {row.id: [] for row in rows}
    for file in session.scalars(
        select(BatchFileRow).where(BatchFileRow.batch_id.in_(files)).order_by(BatchFileRow.name)
    ):
        files[file.batch_id].append(file_report_of(file))
    return [BatchReport.model_validate({**columns(row), "batch_id": row.id, "files": files[row.id]})
            for row in rows]


def document_of(row: DocumentRow) -> Document:
    return Document.model_validate({
        **columns(row),
        "text": PAGE_SEPARATOR.join(page.text for page in row.pages),
        "objects": [columns(stored) for stored in row.objects],
        "people": [link.id_number for link in row.people],
    })


def page_of(row: PageRow) -> PageText:
    return PageText.model_validate(columns(row))


def document_row(document: Document, pages: list[PageText]) -> DocumentRow:
    fields = document.model_dump(mode="json", exclude={"text", "objects", "created_at", "people"})
    return DocumentRow(
        **fields,
        people=[DocumentPersonRow(document_id=document.id, id_number=number)
                for number in sorted(set(document.people))],
        created_at=document.created_at or now(),
        pages=[
            PageRow(document_id=document.id, **page.model_dump(mode="json", exclude={"words", "text"}),
                    text=nfc(page.text))
            for page in pages
        ],
        objects=[StoredObjectRow(document_id=document.id, **stored.model_dump())
                 for stored in document.objects],
    )


def dossier_of(row: DossierRow, links: Sequence[DossierDocumentRow]) -> Dossier:
    return Dossier.model_validate({**columns(row), "documents": [columns(link) for link in links]})


def dossier_document_of(row: DossierDocumentRow | Row[Any]) -> DossierDocument:
    return DossierDocument.model_validate(columns(row))


def user_of(row: UserRow | Row[Any]) -> User:
    return User(username=row.username, full_name=row.full_name, office_code=row.office_code,
                roles=row.roles, province_wide=row.province_wide, active=row.active)


def correction_of(row: FieldCorrectionRow | Row[Any]) -> FieldCorrection:
    return FieldCorrection(document_id=row.document_id, field=row.field, value=row.value,
                           machine_value=row.machine_value, corrected_by=row.corrected_by,
                           corrected_at=row.corrected_at)


def package_of(row: ArchivePackageRow, documents: list[str], files: list[ArchivedFile]) -> ArchivePackage:
    return ArchivePackage.model_validate({**columns(row), "documents": documents, "files": files})
