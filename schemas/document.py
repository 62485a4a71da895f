"""Documents, pages and words: what a dropped file becomes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from schemas.identity import Identity


class FileKind(StrEnum):
    """File types recognised from the bytes, never from the extension."""

    PNG = "png"
    JPEG = "jpeg"
    TIFF = "tiff"
    PDF = "pdf"
    ZIP = "zip"

    @property
    def extension(self) -> str:
        """The extension a stored original of this kind gets, whatever the clerk named the file."""
        return {"jpeg": ".jpg", "tiff": ".tif"}.get(self.value, f".{self.value}")

    @property
    def content_type(self) -> str:
        return {"pdf": "application/pdf", "zip": "application/zip"}.get(self.value, f"image/{self.value}")


class DocType(StrEnum):
    """Kinds of paper found in dossiers (DESIGN 2, classify step)."""

    ID_CMND9 = "id_cmnd9"
    ID_CCCD2016 = "id_cccd2016"
    ID_CCCD2021 = "id_cccd2021"
    ID_CANCUOC2024 = "id_cancuoc2024"
    PASSPORT = "passport"
    BIRTH_CERTIFICATE = "birth_certificate"
    MARRIAGE_CERTIFICATE = "marriage_certificate"
    LAND_USE_CERTIFICATE = "land_use_certificate"
    BUSINESS_REGISTRATION = "business_registration"
    RESIDENCE_CONFIRMATION = "residence_confirmation"
    JUDICIAL_RECORD = "judicial_record"
    APPLICATION = "application"  # what the citizen fills in and signs: tờ khai, đơn đề nghị
    OTHER = "other"

    @property
    def is_identity_card(self) -> bool:
        """Cards and passports carry the fields identity extraction reads."""
        return self.value.startswith("id_") or self is DocType.PASSPORT


class FileStatus(StrEnum):
    """Final state of a dropped file (capture tradition: ok, exception queue, reject)."""

    OK = "ok"
    NEEDS_REVIEW = "needs_review"
    QUARANTINED = "quarantined"
    DUPLICATE = "duplicate"
    FAILED = "failed"  # not processed because of a fault outside the file (store, catalog): retried


class Reason(StrEnum):
    """Standard reason codes for quarantine and review."""

    # quarantine
    UNSUPPORTED_TYPE = "unsupported_type"
    CORRUPT = "corrupt"
    TRUNCATED = "truncated"
    ENCRYPTED = "encrypted"
    TOO_LARGE = "too_large"
    TOO_MANY_PAGES = "too_many_pages"
    TOO_MANY_PIXELS = "too_many_pixels"
    EMPTY = "empty"
    UNSAFE_ARCHIVE_MEMBER = "unsafe_archive_member"
    MANIFEST_INVALID = "manifest_invalid"
    # review
    OCR_TIMEOUT = "ocr_timeout"
    LOW_CONFIDENCE = "low_confidence"
    NO_TEXT = "no_text"
    MISSING_PAGE = "missing_page"
    PAGE_COUNT_MISMATCH = "page_count_mismatch"
    PAGE_FAILED = "page_failed"
    # failed (retried by the watcher; nothing recorded, the drop stays in the inbox)
    PROCESSING_FAILED = "processing_failed"
    # review, identity documents (the same codes as schemas.identity.ReviewReason)
    QR_UNREADABLE = "qr_unreadable"
    MRZ_CHECKSUM_FAILED = "mrz_checksum_failed"
    MRZ_UNREADABLE = "mrz_unreadable"
    ID_INVALID = "id_invalid"
    ID_DOB_MISMATCH = "id_dob_mismatch"
    ID_SEX_MISMATCH = "id_sex_mismatch"
    SOURCES_DISAGREE = "sources_disagree"
    DATE_INVALID = "date_invalid"
    EXPIRY_BEFORE_ISSUE = "expiry_before_issue"
    FIELD_MISSING = "field_missing"


class TextSource(StrEnum):
    """Where a page's text came from."""

    TEXT_LAYER = "text_layer"
    OCR = "ocr"
    NONE = "none"


class Problem(BaseModel):
    """A reason code with a sentence for humans; the sentence never carries personal data."""

    code: Reason
    message: str
    page: int | None = None


class PreflightResult(BaseModel):
    """What preflight learned from a dropped file's bytes before any real work; problems mean quarantine."""

    kind: FileKind | None = None
    sha256: str | None = Field(None, description="None only when the file was too large to be read")
    size: int = 0
    page_count: int = 0
    width: int | None = Field(None, description="first page in pixels (PDF: at the OCR dpi)")
    height: int | None = None
    problems: list[Problem] = []

    @property
    def quarantined(self) -> bool:
        """True when the file must not enter the pipeline."""
        return bool(self.problems)


class Word(BaseModel):
    """One recognised word with its box in page pixels (of the stored page image) and confidence."""

    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float = Field(ge=-1, le=100)
    block: int = 0
    line: int = 0


class PageText(BaseModel):
    """The outcome of reading one page: text, words and how it was obtained."""

    number: int = Field(ge=1, description="1-based page number within the document")
    source: TextSource
    text: str = ""
    words: list[Word] = []
    mean_conf: float | None = None
    width: int = 0
    height: int = 0
    dpi: int = 300
    rotation: int = 0
    skew_degrees: float = 0.0
    decision: str = Field("", description="why this source was chosen (logged, stored)")
    problems: list[Problem] = []
    seconds: float = 0.0


class StoredObject(BaseModel):
    """An object written to the object store, as the catalog records it."""

    role: str
    key: str
    sha256: str
    size: int
    content_type: str


class Document(BaseModel):
    """A digitized document: one unique file's content (deduplicated by sha256)."""

    id: str
    sha256: str
    kind: FileKind
    original_name: str
    batch_id: str
    page_count: int
    status: FileStatus
    problems: list[Problem] = []
    dossier_code: str | None = None
    office_code: str | None = None
    procedure_code: str | None = None
    direction: str | None = None
    component: str | None = None
    heading: str | None = Field(None, description="the title printed at the top of the first page, as read")
    doc_type: DocType = DocType.OTHER
    doc_type_score: float = Field(0.0, ge=0.0, le=1.0)
    identity: Identity | None = Field(None, description="fields read from an ID card or passport")
    people: list[str] = Field([], description="12-digit ID numbers this document carries (linked persons)")
    text: str = ""
    created_at: datetime | None = None
    objects: list[StoredObject] = []
