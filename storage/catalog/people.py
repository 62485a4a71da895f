"""People and dossiers: who a paper belongs to, and which dossiers it went into.

A person is keyed by the 12-digit number (old CMND numbers are aliases). Every document that prints
a valid number is linked to that person; a card's trusted fields update the person. A dossier is keyed
by its code as written; a scanned paper becomes a component of the dossier its batch named, a reused
one is attached by an officer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from schemas.batch import Direction
from schemas.document import Document
from schemas.dossier import Dossier, DossierDocument
from schemas.identity import Person
from schemas.vntext import fold
from storage.catalog.database import Database
from storage.catalog.models import (
    DocumentPersonRow,
    DocumentRow,
    DossierDocumentRow,
    DossierRow,
    PersonAliasRow,
    PersonRow,
)
from storage.catalog.rows import dossier_document_of, dossier_of, now


def record_people(session: Session, document: Document) -> None:
    """Make sure every person the document names exists; a card's trusted fields update the person.

    Only fields that fusion raised no reason against are written, so a doubtful reading never
    overwrites what an earlier good card (or a reviewer) established.
    """
    identity = document.identity
    card_number = identity.id_number.value if identity and identity.id_number else None
    for number in sorted(set(document.people)):
        person = session.get(PersonRow, number) or PersonRow(id_number=number)
        person.updated_at = now()
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


def attach_scanned(session: Session, document: Document) -> None:
    """A document scanned for a dossier (the batch manifest named it) is one of its components,
    unless the dossier belongs to another office."""
    if document.dossier_code is None:
        return
    session.flush()
    existing = session.get(DossierRow, document.dossier_code)
    if existing is None:
        _save_dossier(session, Dossier.from_code(document.dossier_code, office_code=document.office_code,
                                                 procedure_code=document.procedure_code))
    elif existing.office_code not in (None, document.office_code):
        return  # another office's dossier: its papers are never fed by this office's scans
    session.merge(DossierDocumentRow(
        dossier_code=document.dossier_code, document_id=document.id,
        direction=document.direction or Direction.INPUT.value, component=document.component,
        reused=False, attached_at=document.created_at or now(),
    ))


def _save_dossier(session: Session, dossier: Dossier) -> None:
    session.merge(DossierRow(**dossier.model_dump(exclude={"documents"})))
    session.flush()


class PeopleRepository:
    """People by number or alias; dossiers and the documents attached to them."""

    def __init__(self, database: Database) -> None:
        self._db = database

    def get_person(self, number: str) -> Person | None:
        """A person by 12-digit number or by an old CMND alias, with the documents that carry them."""
        with self._db.reading() as session:
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

    def record_dossier(self, dossier: Dossier) -> None:
        """Create or update a dossier (its attached documents are written by `record_attachment`)."""
        with self._db.writing() as session:
            _save_dossier(session, dossier)

    def record_attachment(self, link: DossierDocument) -> None:
        """Attach a document to a dossier (again: updates the link). The dossier must exist."""
        with self._db.writing() as session:
            if session.get(DossierRow, link.dossier_code) is None:
                raise KeyError("no such dossier")
            if session.get(DocumentRow, link.document_id) is None:
                raise KeyError("no such document")
            session.merge(DossierDocumentRow(**link.model_dump(exclude={"attached_at"}),
                                             attached_at=link.attached_at or now()))

    def get_dossier(self, code: str) -> Dossier | None:
        """A dossier with its documents (inputs and outputs, scanned or reused)."""
        found = self.find_dossiers(codes=[code])
        return found[0] if found else None

    def find_dossiers(self, *, office_code: str | None = None, received_from: date | None = None,
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
        with self._db.reading() as session:
            rows = session.scalars(query).all()
            links: dict[str, list[DossierDocumentRow]] = {row.code: [] for row in rows}
            for link in session.scalars(select(DossierDocumentRow).where(
                    DossierDocumentRow.dossier_code.in_(links)).order_by(DossierDocumentRow.attached_at)):
                links[link.dossier_code].append(link)
            return [dossier_of(row, links[row.code]) for row in rows]

    def find_document_dossiers(self, document_id: str) -> list[DossierDocument]:
        """Every dossier the document is in, as scanned input/output or reused."""
        with self._db.engine.connect() as conn:
            rows = conn.execute(select(*DossierDocumentRow.__table__.columns).where(
                DossierDocumentRow.document_id == document_id).order_by(DossierDocumentRow.attached_at))
            return [dossier_document_of(row) for row in rows]
