"""Dossiers (hồ sơ) and the documents attached to them: what the 766 indicators count.

A document enters a dossier either because it was scanned for it (from a batch whose manifest names
the dossier) or because an officer reused an already digitized document (`reused=True`): that second
kind is what indicator 4.3 rewards, so nobody is asked for the same paper twice.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field, field_validator

from schemas.batch import Direction
from schemas.codes import parse_dossier_code


class Channel(StrEnum):
    """How the dossier was received; dossiers submitted online are not digitized at the counter."""

    COUNTER = "counter"
    ONLINE = "online"
    POST = "post"


class DossierDocument(BaseModel):
    """A document in a dossier, as an input (handed in) or an output (result issued).

    With `reused=True` it is a reuse link: the paper was not scanned again but taken from what was
    digitized before (`source_dossier` says where it was first digitized, when known).
    """

    dossier_code: str
    document_id: str
    direction: Direction
    component: str | None = None
    reused: bool = False
    source_dossier: str | None = None
    attached_by: str | None = None
    attached_at: datetime | None = None
    override_reason: str | None = Field(None, description="why an expired document was attached anyway")


class Dossier(BaseModel):
    """A dossier as the catalog keeps it: enough to compute 766 indicators 4.1, 4.2 and 4.3."""

    code: str
    office_code: str | None = None
    procedure_code: str | None = None
    receipt_date: date
    channel: Channel = Channel.COUNTER
    returns_paper_result: bool = Field(True, description="the procedure issues a paper result")
    documents: list[DossierDocument] = []

    @field_validator("code")
    @classmethod
    def _valid_code(cls, code: str) -> str:
        return parse_dossier_code(code).raw

    @classmethod
    def from_code(cls, code: str, **fields: object) -> Dossier:
        """A dossier whose receipt date is the one its code carries."""
        parsed = parse_dossier_code(code)
        return cls(code=parsed.raw, receipt_date=parsed.receipt_date, **fields)
