"""Review: reviewers' corrections kept beside the machine's reading, and confirmation of a document.

A correction is a new row, never an overwrite of what the machine read; the latest correction of a
field is its current value. Confirming a document makes it `ok` and hands the reviewed identity to its
person record (moving the card's person link when the number itself was corrected).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from schemas.accounts import FieldCorrection
from schemas.document import FileStatus
from schemas.identity import FieldValue, Identity, IdSource
from storage.catalog.database import Database
from storage.catalog.models import DocumentPersonRow, DocumentRow, FieldCorrectionRow, PersonRow
from storage.catalog.people import record_people
from storage.catalog.rows import correction_of, document_of, now


def latest_values(corrections: list[FieldCorrection]) -> dict[str, FieldCorrection]:
    """The reviewer's current value per field: the latest correction wins."""
    latest: dict[str, FieldCorrection] = {}
    for correction in sorted(corrections, key=lambda c: c.corrected_at or datetime.min):
        latest[correction.field] = correction
    return latest


def reviewed_identity(identity: Identity | None, corrections: list[FieldCorrection]) -> Identity:
    """The identity as the reviewer confirmed it: corrected values over the machine's, no reasons left."""
    reviewed = (identity or Identity()).model_copy(update={"review_reasons": [], "field_reasons": {}})
    for name, correction in latest_values(corrections).items():
        machine = reviewed.field(name)
        source = machine.source if machine is not None else IdSource.PRINTED
        setattr(reviewed, name, FieldValue(value=correction.value, source=source, confidence=1.0,
                                           raw=machine.raw if machine else None))
    return reviewed


class ReviewRepository:
    """Corrections and confirmations of documents that need a human's eye."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def get_corrections(self, document_id: str) -> list[FieldCorrection]:
        """Every correction of a document, oldest first (the history the reviewer page shows)."""
        with self._db.reading() as session:
            return [correction_of(row) for row in session.scalars(
                select(FieldCorrectionRow).where(FieldCorrectionRow.document_id == document_id)
                .order_by(FieldCorrectionRow.id))]

    def record_review(self, document_id: str, values: dict[str, str], reviewer: str,
                      confirm: bool) -> list[FieldCorrection]:
        """Store the reviewer's values that differ from the current ones; with `confirm`, the
        document becomes `ok` and its person record takes the reviewed identity.

        Returns the corrections written now. The machine's identity is left as it was read.
        """
        with self._db.writing() as session:
            row = session.get(DocumentRow, document_id)
            if row is None:
                raise KeyError("no such document")
            identity = Identity.model_validate(row.identity) if row.identity else None
            earlier = [correction_of(c) for c in session.scalars(
                select(FieldCorrectionRow).where(FieldCorrectionRow.document_id == document_id))]
            current = reviewed_identity(identity, earlier)
            at = now()
            written = []
            for name, value in values.items():
                shown = current.field(name)
                if value == (shown.value if shown else None) or (not value and shown is None):
                    continue
                machine = identity.field(name) if identity else None
                correction = FieldCorrection(document_id=document_id, field=name, value=value,
                                             machine_value=machine.value if machine else None,
                                             corrected_by=reviewer, corrected_at=at)
                session.add(FieldCorrectionRow(**correction.model_dump()))
                written.append(correction)
            if confirm:
                row.status = FileStatus.OK.value
                if identity is not None:
                    reviewed = reviewed_identity(identity, earlier + written)
                    _link_reviewed_person(session, row, identity, reviewed)
                    record_people(session, document_of(row).model_copy(update={
                        "identity": reviewed,
                        "people": [reviewed.id_number.value] if reviewed.id_number else []}))
            return written


def _link_reviewed_person(session: Session, row: DocumentRow, machine: Identity, reviewed: Identity) -> None:
    """Move the card's person link from a misread number to the confirmed one."""
    wrong = machine.id_number.value if machine.id_number else None
    right = reviewed.id_number.value if reviewed.id_number else None
    if wrong == right:
        return
    row.people = [link for link in row.people if link.id_number != wrong]
    session.flush()
    if right is not None and all(link.id_number != right for link in row.people):
        if session.get(PersonRow, right) is None:
            session.add(PersonRow(id_number=right, updated_at=now()))
            session.flush()
        row.people.append(DocumentPersonRow(document_id=row.id, id_number=right))
