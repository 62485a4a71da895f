"""The officers' search in the shared vocabulary: what is asked, who asks (their scope), what comes back.

The CLI asks with an everything-scope (an operator's view); the web service with the account's scope.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, model_validator

from schemas.accounts import User
from schemas.document import DocType, FileStatus, Problem

# Dates a search may name: wide enough for any paper, narrow enough that day arithmetic never overflows.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2100, 12, 31)
MAX_OFFSET = 1_000_000  # rows skipped by paging, at most
SAVED_SEARCHES = 20  # kept per officer
SAVED_NAME_LENGTH = 80


class MatchKind(StrEnum):
    """Why a document is in the results, in ranking order."""

    ID = "id"
    ALIAS = "alias"
    ID_SUFFIX = "id_suffix"
    NAME = "name"
    NAME_FUZZY = "name_fuzzy"
    TEXT = "text"
    FILTER = "filter"


class SortOrder(StrEnum):
    """How results are ordered: best match first (ID, then name, then text), or newest paper first."""

    RELEVANCE = "relevance"
    NEWEST = "newest"


class Scope(BaseModel):
    """What an account may see: its office's documents and those reused into its office's
    dossiers; everything when province-wide; nothing without an office."""

    office_code: str | None = None
    province_wide: bool = False

    @classmethod
    def of(cls, user: User) -> Scope:
        return cls(office_code=user.office_code, province_wide=user.province_wide)

    @classmethod
    def everything(cls) -> Scope:
        """An operator's view (the command line on the server): every office's papers."""
        return cls(province_wide=True)


_TYPED_DAY = re.compile(r"\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})\s*")
_DATE_FIELDS = frozenset({"date_of_birth", "created_from", "created_to"})


def typed_day(text: str) -> str:
    """A day typed as Vietnamese write it (30/12/1995, 30-12-1995, 30.12.1995) in ISO form; any other
    text as it is, for the date parser to judge."""
    found = _TYPED_DAY.fullmatch(text)
    return f"{found[3]}-{int(found[2]):02d}-{int(found[1]):02d}" if found else text


class SearchRequest(BaseModel):
    """The search box and the filters; every field is optional and they combine (AND)."""

    q: str = Field("", max_length=200, description="ID number, its last digits, CMND, name or words")
    date_of_birth: date | None = Field(None, ge=FIRST_DAY, le=LAST_DAY)
    doc_type: DocType | None = None
    dossier_code: str | None = Field(None, max_length=60)
    procedure_code: str | None = Field(None, max_length=60)
    office_code: str | None = Field(None, max_length=60)
    created_from: date | None = Field(None, ge=FIRST_DAY, le=LAST_DAY,
                                      description="digitized on or after (local date)")
    created_to: date | None = Field(None, ge=FIRST_DAY, le=LAST_DAY,
                                    description="digitized on or before (local date)")
    status: FileStatus | None = None
    sort: SortOrder = SortOrder.RELEVANCE
    page: int = Field(1, ge=1, le=1000)
    page_size: int = Field(20, ge=1, le=100)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, data: Any) -> Any:
        """A form's empty field means "no filter", not an invalid date or type; dates may be typed
        as officers write them (30/12/1995)."""
        if not isinstance(data, dict):
            return data
        return {k: typed_day(v) if k in _DATE_FIELDS and isinstance(v, str) else v
                for k, v in data.items() if v != ""}


class SavedSearch(BaseModel):
    """A search an officer keeps, by the name they gave it, to run again from the search page."""

    id: int
    name: str = Field(min_length=1, max_length=SAVED_NAME_LENGTH)
    criteria: SearchRequest
    created_at: datetime


class DocumentSummary(BaseModel):
    """One document as a result line shows it; identity values are the reviewed ones when a
    reviewer corrected them."""

    id: str
    original_name: str
    doc_type: DocType
    status: FileStatus
    problems: list[Problem] = []
    office_code: str | None = None
    dossier_code: str | None = Field(None, description="the dossier it was scanned for")
    procedure_code: str | None = None
    direction: str | None = None
    component: str | None = None
    heading: str | None = None
    created_at: datetime
    page_count: int
    full_name: str | None = None
    id_number: str | None = None
    date_of_birth: str | None = None
    date_of_expiry: str | None = None
    reference_date: date = Field(description="when the paper was handed in: its dossier's receipt "
                                             "date, else the day it was digitized")
    thumbnail: bool = False
    match: MatchKind = MatchKind.FILTER
    score: float = 0.0
    snippet: str = ""


class SearchResult(BaseModel):
    """One page of results, best first; `has_next` says whether another page follows."""

    hits: list[DocumentSummary]
    page: int
    page_size: int
    has_next: bool
