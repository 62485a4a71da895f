"""Card codes built from a person, for the card generator and the parser tests: the inverse of the
readers in ocr.identity (which never need to build one). Kept here so production modules hold only
what production runs.
"""

from __future__ import annotations

import re
from datetime import date

from ocr.identity.mrz import FILLER, check_digit
from schemas.identity import NO_EXPIRY
from schemas.vntext import fold, nfc


def mrz_name(full_name: str, width: int) -> str:
    """'Nguyễn Văn Đức' → 'NGUYEN<<VAN<DUC' padded with fillers (cut) to `width`.

    Vietnamese order: the first word is the surname, the rest are the given names.
    """
    words = re.sub(r"[^A-Z]+", " ", fold(full_name).upper()).split()
    if not words:
        raise ValueError("a name needs at least one letter A-Z once folded")
    text = words[0] + ("<<" + FILLER.join(words[1:]) if len(words) > 1 else "")
    return text[:width].ljust(width, FILLER)


def _date_field(iso: str) -> str:
    try:
        return date.fromisoformat(iso).strftime("%y%m%d")
    except ValueError:
        raise ValueError("dates must be ISO YYYY-MM-DD") from None


def _checked(data: str) -> str:
    """A field followed by its check digit (a filler check for an empty field)."""
    return data + (FILLER if set(data) == {FILLER} else str(check_digit(data)))


def _sex_field(sex: str) -> str:
    if sex not in ("M", "F", ""):
        raise ValueError("sex must be M, F or empty")
    return sex or FILLER


def _expiry_field(iso: str) -> str:
    return FILLER * 6 if iso == NO_EXPIRY else _date_field(iso)


def _code(code: str) -> str:
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError("country codes are three letters A-Z")
    return code


def td1_lines(*, id_number: str, full_name: str, date_of_birth: str, sex: str,
              date_of_expiry: str, nationality: str = "VNM") -> list[str]:
    """The 3 × 30 MRZ of a Vietnamese chip ID card (DESIGN 5.3); dates ISO, expiry may be "none"."""
    if len(id_number) != 12 or not id_number.isascii() or not id_number.isdigit():
        raise ValueError("the ID number must be 12 digits")
    line1 = "IDVNM" + _checked(id_number[3:]) + id_number + "<<" + str(check_digit(id_number))
    line2 = (_checked(_date_field(date_of_birth)) + _sex_field(sex)
             + _checked(_expiry_field(date_of_expiry)) + _code(nationality) + FILLER * 11)
    composite = check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    return [line1, line2 + str(composite), mrz_name(full_name, 30)]


def td3_lines(*, document_number: str, full_name: str, date_of_birth: str, sex: str,
              date_of_expiry: str, personal_number: str = "", nationality: str = "VNM",
              issuing_state: str = "VNM") -> list[str]:
    """The 2 × 44 MRZ of a passport; `personal_number` (the 12-digit ID on Vietnamese passports) may
    be empty."""
    if not re.fullmatch(r"[A-Z0-9]{1,9}", document_number):
        raise ValueError("the document number must be 1-9 characters A-Z or 0-9")
    if not re.fullmatch(r"[A-Z0-9]{0,14}", personal_number):
        raise ValueError("the personal number must be up to 14 characters A-Z or 0-9")
    line1 = "P<" + _code(issuing_state) + mrz_name(full_name, 39)
    line2 = (_checked(document_number.ljust(9, FILLER)) + _code(nationality)
             + _checked(_date_field(date_of_birth)) + _sex_field(sex)
             + _checked(_expiry_field(date_of_expiry)) + _checked(personal_number.ljust(14, FILLER)))
    composite = check_digit(line2[0:10] + line2[13:20] + line2[21:43])
    return [line1, line2 + str(composite)]


def qr_payload(id_number: str, old_id_number: str | None, full_name: str, date_of_birth: str,
               sex: str, place_of_residence: str, date_of_issue: str) -> str:
    """The payload a chip CCCD carries, from fields in export form (ISO dates, sex M/F).

    The inverse of parse_qr_payload.
    """
    def ddmmyyyy(iso: str) -> str:
        return date.fromisoformat(iso).strftime("%d%m%Y")

    sex_word = {"M": "Nam", "F": "Nữ"}.get(sex)
    if sex_word is None:
        raise ValueError("sex must be M or F")
    return "|".join([id_number, old_id_number or "", nfc(full_name), ddmmyyyy(date_of_birth),
                     sex_word, nfc(place_of_residence), ddmmyyyy(date_of_issue)])
