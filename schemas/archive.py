"""Archival packages, fixity checks and the 766 indicators: what the nightly run produces and reads.

Its settings are `schemas.settings.ArchiveSettings` (`Settings().archive`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from schemas.accounts import AuditEntry, FieldCorrection
from schemas.batch import Direction
from schemas.document import (
    DocType,
    Document,
    FileKind,
    FileStatus,
    PageText,
    Problem,
    TextSource,
)
from schemas.dossier import DossierDocument
from schemas.identity import Identity
from schemas.settings import LockMode


def add_years(moment: datetime, years: int) -> datetime:
    """The same calendar instant `years` later; 29 February becomes 28 February (never earlier)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants [start, end) of a calendar day on the office's clock."""
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    return start, start + timedelta(days=1)


# --- archive packages --------------------------------------------------------------------------


class RecordEvent(BaseModel):
    """One step of a record's history, as kept in its metadata JSON (PREMIS-like, flat)."""

    event: Literal["received", "checksummed", "text_read", "classified", "attached", "review_requested",
                   "corrected", "review_confirmed", "archived"]
    at: datetime | None = None
    by: str | None = Field(None, description="staff or software that acted")
    details: dict[str, Any] = {}


class RecordFacts(BaseModel):
    """Everything the catalog knows about one document that goes into its archival record."""

    document: Document
    pages: list[PageText]
    links: list[DossierDocument] = []
    batch_name: str | None = None
    batch_started_at: datetime | None = None
    operator: str | None = None
    corrections: list[FieldCorrection] = Field([], description="reviewers' values for identity fields")
    confirmations: list[AuditEntry] = Field([], description="reviewers who confirmed the document")

    @property
    def record_class(self) -> Direction:
        """Outputs (results issued) are kept longer than inputs; unknown direction counts as input."""
        return Direction.OUTPUT if self.document.direction == Direction.OUTPUT.value else Direction.INPUT


class ArchivalCopy(BaseModel):
    """How the PDF/A-2b copy of a record was made, or why there is none."""

    pdfa: bool
    method: str = Field(description="pikepdf (structure only), ghostscript, or none")
    reason: str = ""


class PageRecord(BaseModel):
    """How one page's text was obtained, as the archive keeps it (the words stay in the objects)."""

    number: int
    source: TextSource
    decision: str
    rotation: int
    skew_degrees: float
    dpi: int
    mean_conf: float | None
    problems: list[Problem] = []


class RecordMetadata(BaseModel):
    """metadata.json of one archived record: what it is, whose it is, and everything done to it."""

    format: Literal["sohoa-record/1"] = "sohoa-record/1"
    document_id: str
    record_class: Direction
    sha256: str
    original_name: str
    kind: FileKind
    page_count: int
    status: FileStatus
    problems: list[Problem] = []
    office_code: str | None
    procedure_code: str | None
    dossier_code: str | None
    component: str | None
    doc_type: DocType
    doc_type_score: float
    identity: Identity | None
    people: list[str]
    dossiers: list[DossierDocument]
    files: dict[str, str] = Field(description="role → path in the bag")
    archival_copy: ArchivalCopy
    pages: list[PageRecord]
    events: list[RecordEvent]


class PackageStatus(StrEnum):
    """A package is `writing` from before its first object is stored until the catalog commit."""

    WRITING = "writing"
    COMPLETE = "complete"
    ABANDONED = "abandoned"


class ArchivedFile(BaseModel):
    """One file of a stored bag, with the lock that protects it."""

    path: str = Field(description="path inside the bag, e.g. data/<document>/original.png")
    sha256: str
    size: int
    retain_until: datetime


class ArchivePackage(BaseModel):
    """One BagIt bag: the records of one office for one day."""

    id: str
    office_code: str | None
    day: date
    key: str = Field(description="prefix of the bag's objects in the archive store, ending with '/'")
    status: PackageStatus = PackageStatus.WRITING
    created_at: datetime
    completed_at: datetime | None = None
    documents: list[str] = []
    input_records: int = 0
    output_records: int = 0
    pages: int = 0
    pdfa_copies: int = 0
    bytes: int = 0
    tagmanifest_sha256: str | None = None
    tagmanifest_sha512: str | None = None
    retain_until: datetime | None = Field(None, description="latest lock of any of its files")
    retention_mode: LockMode = LockMode.GOVERNANCE
    store: str = ""
    files: list[ArchivedFile] = []


# --- fixity ------------------------------------------------------------------------------------


class FixityProblem(StrEnum):
    MISSING = "missing"
    CHANGED = "changed"
    UNEXPECTED = "unexpected"
    INVALID_BAG = "invalid_bag"


class FixityIssue(BaseModel):
    """A stored file that is not what the catalog recorded; keys name objects, never people."""

    area: Literal["objects", "archive"]
    key: str
    problem: FixityProblem
    expected_sha256: str | None = None
    found_sha256: str | None = None
    detail: str = ""


class FixityReport(BaseModel):
    """What one fixity run verified and what it found."""

    started_at: datetime
    finished_at: datetime
    cycle_nights: int
    objects_total: int = 0
    objects_checked: int = 0
    packages_total: int = 0
    packages_checked: int = 0
    bytes_checked: int = 0
    issues: list[FixityIssue] = []
    abandoned_packages: list[str] = Field([], description="left by an interrupted run; kept under lock")

    @property
    def ok(self) -> bool:
        return not self.issues

    def count(self, problem: FixityProblem) -> int:
        return sum(1 for issue in self.issues if issue.problem is problem)


# --- 766 indicators ----------------------------------------------------------------------------


class Rate(BaseModel):
    """A ratio with its parts, so a reader can check it; None when nothing was there to count."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return None if self.denominator == 0 else self.numerator / self.denominator


class DigitizationCounts(BaseModel):
    """What the office digitized in a period (documents by creation date on the office's clock)."""

    documents: int = 0
    ok: int = 0
    needs_review: int = 0
    pages: int = 0
    ocr_pages: int = 0
    text_layer_pages: int = 0
    files_received: int = Field(0, description="dropped files with an outcome, duplicates included")
    quarantined: int = 0


class Indicators(BaseModel):
    """The 766 indicators (Decision 766/QĐ-TTg, DESIGN 5.7) and digitization counts for one period."""

    office_code: str | None
    period: str = Field(description="day, month (to date) or year (to date), or 'custom'")
    date_from: date
    date_to: date
    dossiers_received: int
    digitized: Rate = Field(description="4.2: dossiers digitized / dossiers received")
    reused: Rate = Field(description="4.3: dossiers reusing digitized data / dossiers received")
    electronic_results: Rate = Field(description="4.1: electronic result / procedure returns paper")
    counts: DigitizationCounts

    @property
    def ocr_share(self) -> Rate:
        return Rate(numerator=self.counts.ocr_pages, denominator=self.counts.pages)

    @property
    def text_layer_share(self) -> Rate:
        return Rate(numerator=self.counts.text_layer_pages, denominator=self.counts.pages)

    @property
    def needs_review_rate(self) -> Rate:
        return Rate(numerator=self.counts.needs_review, denominator=self.counts.documents)

    @property
    def quarantine_rate(self) -> Rate:
        return Rate(numerator=self.counts.quarantined, denominator=self.counts.files_received)


class NightReport(BaseModel):
    """What the head of the office reads in the morning."""

    started_at: datetime
    finished_at: datetime
    days: list[date]
    packages: list[ArchivePackage] = []
    fixity: FixityReport | None = None
    indicators: list[Indicators] = []
    errors: list[str] = Field([], description="packages that could not be stored, and why")
    report_keys: list[str] = Field([], description="object keys of the stored JSON and HTML reports")

    @property
    def ok(self) -> bool:
        return not self.errors and (self.fixity is None or self.fixity.ok)
