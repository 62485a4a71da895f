"""The QR payload of the chip CCCD and the Căn cước (DESIGN 5.2), parsed tolerantly.

`ID12|CMND9 or empty|Full name|DOB ddmmyyyy|Nam/Nữ|Place of residence|Issue ddmmyyyy`: the 2021 chip
card. The 2024 Căn cước appends more fields in an unpublished order; they are kept raw in `extra`.
A decoded QR is digital and error-corrected, so whatever passes the checks below is trusted fully.
"""

from __future__ import annotations

from datetime import date

from schemas.identity import FieldValue, IdSource, ReviewReason, SourceReading
from schemas.vntext import fold, nfc

_MIN_FIELDS = 7
_SEX_WORDS = {"nam": "M", "nu": "F"}


class QrReading(SourceReading):
    """A parsed QR payload; `extra` holds the fields after the seventh, raw (2024 Căn cước)."""

    source: IdSource = IdSource.QR
    extra: list[str] = []


def _text(payload: str | bytes) -> str:
    """The payload as text. Some decoders hand UTF-8 bytes over as Latin-1 characters ("Nguyá»…n"):
    undo that when it is what happened."""
    if isinstance(payload, bytes):
        text = payload.decode("utf-8", errors="replace")
    else:
        text = payload
        try:
            text = payload.encode("latin-1").decode("utf-8")
        except UnicodeError:
            pass
    return nfc(text).strip().strip("\ufeff\x00").strip()


def _date_ddmmyyyy(value: str) -> str | None:
    """ISO form of an 8-digit ddmmyyyy date, None if it is not a real date."""
    if len(value) != 8 or not value.isascii() or not value.isdigit():
        return None
    try:
        return date(int(value[4:]), int(value[2:4]), int(value[:2])).isoformat()
    except ValueError:
        return None


def _one_line(value: str) -> str:
    return " ".join(value.split())


def parse_qr_payload(payload: str | bytes) -> QrReading:
    """Fields of a card QR payload, or a reading with reason qr_unreadable; never raises."""
    parts = [part.strip() for part in _text(payload).split("|")]
    if len(parts) < _MIN_FIELDS or len(parts[0]) != 12 or not parts[0].isascii() \
            or not parts[0].isdigit():
        return QrReading(reasons=[ReviewReason.QR_UNREADABLE])

    def value(text: str) -> FieldValue:
        return FieldValue(value=text, source=IdSource.QR, confidence=1.0, raw=text)

    fields = {"id_number": value(parts[0])}
    reasons: list[ReviewReason] = []
    old_id = parts[1]
    if old_id.isascii() and old_id.isdigit() and len(old_id) in (9, 12):
        fields["old_id_number"] = value(old_id)
    if name := _one_line(parts[2]):
        fields["full_name"] = value(name)
    if sex := _SEX_WORDS.get(fold(parts[4])):
        fields["sex"] = FieldValue(value=sex, source=IdSource.QR, confidence=1.0, raw=parts[4])
    if residence := _one_line(parts[5]):
        fields["place_of_residence"] = value(residence)
    for name, raw in (("date_of_birth", parts[3]), ("date_of_issue", parts[6])):
        iso = _date_ddmmyyyy(raw)
        if iso is None:
            reasons.append(ReviewReason.DATE_INVALID)
        else:
            fields[name] = FieldValue(value=iso, source=IdSource.QR, confidence=1.0, raw=raw)
    return QrReading(fields=fields, reasons=list(dict.fromkeys(reasons)), extra=parts[_MIN_FIELDS:])
