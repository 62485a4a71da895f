"""Identity read from a citizen ID card or passport: per-field value, source, confidence, review reasons.

Three sources read the same card (DESIGN 5.2-5.4): the QR payload (digital, exact), the MRZ (protected
by check digits, no diacritics) and the printed text (OCR, least reliable). Each reading is a
`SourceReading`; `ocr.identity.fusion.fuse` merges them into one `Identity`.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator


class IdSource(StrEnum):
    """Where a field value was read, in decreasing order of trust."""

    QR = "qr"
    MRZ = "mrz"
    PRINTED = "printed"
    CARD_TYPE = "card_type"  # implied by the kind of card, not read (a citizen card's nationality)
    ID_NUMBER = "id_number"  # implied by the ID number, not read (its century/sex digit gives the sex)


class CardType(StrEnum):
    """The identity documents found in dossiers (DESIGN 5.4)."""

    CMND9 = "cmnd9"  # Giấy chứng minh nhân dân, 9 digits, no QR, no MRZ
    CCCD2016 = "cccd2016"  # Căn cước công dân with barcode, Vietnamese-only labels, no QR
    CCCD2021 = "cccd2021"  # chip CCCD: QR on the front, MRZ on the back
    CANCUOC2024 = "cancuoc2024"  # Căn cước: QR and MRZ on the back
    PASSPORT = "passport"  # TD3 MRZ
    UNKNOWN = "unknown"


class CardSide(StrEnum):
    """Which side(s) of a card the page shows."""

    FRONT = "front"
    BACK = "back"
    BOTH = "both"
    UNKNOWN = "unknown"


class ReviewReason(StrEnum):
    """Why an identity needs a human look; stored and reported as these codes."""

    QR_UNREADABLE = "qr_unreadable"
    MRZ_CHECKSUM_FAILED = "mrz_checksum_failed"
    MRZ_UNREADABLE = "mrz_unreadable"
    ID_INVALID = "id_invalid"
    ID_DOB_MISMATCH = "id_dob_mismatch"
    ID_SEX_MISMATCH = "id_sex_mismatch"
    SOURCES_DISAGREE = "sources_disagree"
    LOW_CONFIDENCE = "low_confidence"
    DATE_INVALID = "date_invalid"
    EXPIRY_BEFORE_ISSUE = "expiry_before_issue"
    FIELD_MISSING = "field_missing"


# Every field an Identity can carry. document_number is a passport's number; place_of_birth is the
# "Nơi đăng ký khai sinh" of the 2024 Căn cước (which has no place of origin).
IDENTITY_FIELDS: tuple[str, ...] = (
    "id_number", "old_id_number", "document_number", "full_name", "date_of_birth", "sex",
    "nationality", "place_of_origin", "place_of_birth", "place_of_residence", "date_of_issue",
    "date_of_expiry",
)
# The `sohoa export` columns (issue 3), in this order.
EXPORT_KEYS: tuple[str, ...] = (
    "id_number", "full_name", "date_of_birth", "sex", "nationality", "place_of_origin",
    "place_of_residence", "date_of_issue", "date_of_expiry", "old_id_number",
)
NO_EXPIRY = "none"  # date_of_expiry of a card valid for life ("Không thời hạn")
# Validation errors must not echo ID numbers or names into logs (Decree 13/2023).
_NO_PII_IN_ERRORS = ConfigDict(hide_input_in_errors=True)


class FieldValue(BaseModel):
    """One field as one source read it.

    Values are normalized: dates ISO YYYY-MM-DD (expiry may be "none"), sex "M"/"F", numbers as digits,
    text in NFC. `raw` keeps what was actually read, for the reviewer.
    """

    model_config = _NO_PII_IN_ERRORS

    value: str
    source: IdSource
    confidence: float = Field(ge=0.0, le=1.0)
    raw: str | None = None
    folded: bool = Field(False, description="value has no diacritics (MRZ name): a source with "
                                            "diacritics whose folded form matches is preferred")


class SourceReading(BaseModel):
    """What one source (QR, MRZ or printed text) yielded: fields it could read, and what went wrong."""

    model_config = _NO_PII_IN_ERRORS

    source: IdSource
    fields: dict[str, FieldValue] = {}
    reasons: list[ReviewReason] = []

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, fields: dict[str, FieldValue]) -> dict[str, FieldValue]:
        if set(fields) - set(IDENTITY_FIELDS):
            raise ValueError("identity readings may only carry the fields listed in IDENTITY_FIELDS")
        return fields


class Identity(BaseModel):
    """The fused identity of one card file, as the catalog stores it and the officer sees it."""

    model_config = _NO_PII_IN_ERRORS

    card_type: CardType = CardType.UNKNOWN
    side: CardSide = CardSide.UNKNOWN
    id_number: FieldValue | None = None
    old_id_number: FieldValue | None = None
    document_number: FieldValue | None = None
    full_name: FieldValue | None = None
    date_of_birth: FieldValue | None = None
    sex: FieldValue | None = None
    nationality: FieldValue | None = None
    place_of_origin: FieldValue | None = None
    place_of_birth: FieldValue | None = None
    place_of_residence: FieldValue | None = None
    date_of_issue: FieldValue | None = None
    date_of_expiry: FieldValue | None = None
    review_reasons: list[ReviewReason] = []
    field_reasons: dict[str, list[ReviewReason]] = Field(
        {}, description="the reasons that concern one field, so the review screen can point at it")

    @property
    def needs_review(self) -> bool:
        """A document with any review reason goes to the officers' review queue."""
        return bool(self.review_reasons)

    def field(self, name: str) -> FieldValue | None:
        """The fused value of one of IDENTITY_FIELDS."""
        if name not in IDENTITY_FIELDS:
            raise KeyError("not an identity field")
        value: FieldValue | None = getattr(self, name)
        return value

    def export_fields(self) -> dict[str, str | None]:
        """The `sohoa export` row: exactly EXPORT_KEYS, plain values or None."""
        return {key: (fv.value if (fv := self.field(key)) else None) for key in EXPORT_KEYS}


class Person(BaseModel):
    """A citizen as the catalog knows them: one per 12-digit number, old CMND numbers as aliases."""

    model_config = _NO_PII_IN_ERRORS

    id_number: str
    full_name: str | None = None
    date_of_birth: str | None = None
    sex: str | None = None
    aliases: list[str] = []
    document_ids: list[str] = []
