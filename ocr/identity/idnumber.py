"""Personal ID numbers: structure of the 12-digit number (DESIGN 5.1), old 9-digit CMND, OCR repair.

The 12-digit number has no check digit, so structure is all there is to catch a misread: the province
code must exist, the century/sex digit must give a birth year that is not in the future, and the year
and sex it encodes must agree with the card's date of birth and sex.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from ocr.identity.provinces import is_abroad_code, is_birth_registration_code, province_name

# Letters Tesseract returns for digits (DESIGN 5.8). Applied only to text known to be a digit field.
_DIGIT_LOOKALIKES = str.maketrans({
    "O": "0", "o": "0", "Q": "0",
    "I": "1", "l": "1", "|": "1",
    "B": "8",
    "S": "5", "s": "5",
    "Z": "2", "z": "2",
    "G": "6",
})
_SPACES = re.compile(r"\s+")
_TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")


def digits_from_ocr(text: str) -> str:
    """Repair a digit field read by OCR: drop spaces, turn look-alike letters into digits.

    Anything else is kept as it is, so that structural validation rejects it rather than a guess
    shifting the digits.
    """
    return _SPACES.sub("", text).translate(_DIGIT_LOOKALIKES)


def id_numbers_in(text: str) -> set[str]:
    """The well-formed personal ID numbers written in `text` as runs of exactly twelve digits (specks
    and labels round them ignored: "sóé¿No: 040184287095.")."""
    return {run for run in _TWELVE_DIGITS.findall(text) if check_id_number(run).info is not None}


@dataclass(frozen=True)
class IdNumberInfo:
    """What a valid 12-digit number says about its holder."""

    province_code: str
    province: str | None  # None when the birth was registered abroad
    born_abroad: bool
    century: int  # 1900, 2000, ...
    birth_year: int
    sex: str  # "M" or "F"


@dataclass(frozen=True)
class IdCheck:
    """Outcome of validating a 12-digit number: `info` when valid, else the problems found."""

    info: IdNumberInfo | None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.info is not None


def check_id_number(number: str, *, today: date | None = None) -> IdCheck:
    """Validate the structure PPP G YY RRRRRR of a 12-digit personal ID number.

    `today` bounds the encoded birth year (a 2100s digit is not yet valid); default: the real date.
    """
    if len(number) != 12 or not number.isascii() or not number.isdigit():
        return IdCheck(None, ["a personal ID number must be exactly 12 digits"])
    problems = []
    code = number[:3]
    if not is_birth_registration_code(code):
        problems.append("the first three digits are not a birth-registration code of Circular 07/2016")
    century_digit = int(number[3])
    century = 1900 + 100 * (century_digit // 2)
    birth_year = century + int(number[4:6])
    if birth_year > (today or date.today()).year:
        problems.append("the century digit and year give a birth year in the future")
    if problems:
        return IdCheck(None, problems)
    return IdCheck(IdNumberInfo(
        province_code=code,
        province=province_name(code),
        born_abroad=is_abroad_code(code),
        century=century,
        birth_year=birth_year,
        sex="F" if century_digit % 2 else "M",
    ))


def check_old_id_number(number: str) -> list[str]:
    """Problems of an old CMND number: 9 digits (12 for the 2012-2015 CMND, which follows the ID
    structure and is checked by check_id_number). Empty when it looks right."""
    if not number.isascii() or not number.isdigit() or len(number) not in (9, 12):
        return ["an old CMND number must be 9 or 12 digits"]
    if len(number) == 12:
        return check_id_number(number).problems
    return []


def id_matches_birth(number: str, date_of_birth: str | date) -> bool:
    """True when the number encodes the year of `date_of_birth` (ISO string or date).

    False also when either is invalid: a mismatch cannot be ruled out.
    """
    check = check_id_number(number)
    try:
        born = date_of_birth if isinstance(date_of_birth, date) else date.fromisoformat(date_of_birth)
    except ValueError:
        return False
    return check.info is not None and check.info.birth_year == born.year


def id_matches_sex(number: str, sex: str) -> bool:
    """True when the number's century/sex digit agrees with `sex` ("M"/"F")."""
    check = check_id_number(number)
    return check.info is not None and check.info.sex == sex
