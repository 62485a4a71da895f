"""One Identity from the three readings of a card: QR > MRZ > printed, cross-checked and validated.

A value is taken from the most trusted source that has it; every other source that read the same
field must agree with it, or the identity goes to review with `sources_disagree`. Whatever the
source, the ID number must be structurally valid and agree with the date of birth and the sex, so a
misread number is never accepted silently (issue 3).
"""

from __future__ import annotations

import math
import re
from datetime import date

from rapidfuzz import fuzz

from ocr.identity.idnumber import check_id_number, check_old_id_number
from ocr.identity.mrz import FILLER, MrzReading
from ocr.identity.names import has_name_letters
from ocr.identity.places import is_listed, names_a_province
from ocr.identity.printed import PrintedReading
from ocr.identity.qr import QrReading
from schemas.identity import (
    IDENTITY_FIELDS,
    NO_EXPIRY,
    CardSide,
    CardType,
    FieldValue,
    Identity,
    IdSource,
    ReviewReason,
    SourceReading,
)
from schemas.vntext import fold

MIN_CONFIDENCE = 0.7  # below this a fused field goes to review (MRZ names without marks are 0.6)
_DERIVED = 0.5  # a value no source read, derived from another: to review
PLACE_SIMILARITY = 90  # folded places may differ this little (OCR noise in a long text)
_EXACT_FIELDS = {"id_number", "old_id_number", "document_number", "date_of_birth", "sex",
                 "date_of_issue", "date_of_expiry"}
_PLACE_FIELDS = {"place_of_origin", "place_of_birth", "place_of_residence"}
# Marks no address is written with (letters, digits, spaces and , . / - ' ( ) are): OCR damage.
_ODD_MARKS = re.compile(r"[^\w\s,./'()\-–]")
# The side that carries the QR / the MRZ, per card type.
_QR_SIDE = {CardType.CCCD2021: CardSide.FRONT, CardType.CANCUOC2024: CardSide.BACK}
_MRZ_SIDE = {CardType.CCCD2021: CardSide.BACK, CardType.CANCUOC2024: CardSide.BACK,
             CardType.PASSPORT: CardSide.FRONT}
# Citizen cards are issued to Vietnamese citizens only (Luật Căn cước công dân 2014, Luật Căn cước
# 2023): the nationality their front prints can only be "Việt Nam".
_CITIZEN_CARDS = {CardType.CCCD2016, CardType.CCCD2021, CardType.CANCUOC2024}
CITIZENS_NATIONALITY = "Việt Nam"
# What else a front prints: the places (the 2024 card prints its residence on the back) and the expiry.
_FRONT_PRINTS = {CardType.CCCD2016: ["place_of_origin", "place_of_residence", "date_of_expiry"],
                 CardType.CCCD2021: ["place_of_origin", "place_of_residence", "date_of_expiry"],
                 CardType.CMND9: ["place_of_origin", "place_of_residence"]}


# ---------------------------------------------------------------------------------------------------
# Agreement between sources


def name_letters(text: str) -> str:
    """A name's letters alone, folded: what an MRZ copy and a printed copy share."""
    return re.sub(r"[^a-z]", "", fold(text))


def _maybe_cut(value: FieldValue) -> bool:
    """An MRZ name that fills its line to the end may have been cut there."""
    return value.source == IdSource.MRZ and value.raw is not None and not value.raw.endswith(FILLER)


def _agree(name: str, a: FieldValue, b: FieldValue) -> bool:
    """Exact for numbers, dates and sex; folded for names (an MRZ name may be cut short) and
    nationality; folded and OCR-tolerant for places."""
    if name in _EXACT_FIELDS:
        return a.value == b.value
    if name in _PLACE_FIELDS:
        return fuzz.ratio(" ".join(_letters_and_digits(a.value)), " ".join(
            _letters_and_digits(b.value))) >= PLACE_SIMILARITY
    key_a, key_b = name_letters(a.value), name_letters(b.value)
    if name == "full_name" and (_maybe_cut(a) or _maybe_cut(b)):
        short, long = sorted((key_a, key_b), key=len)
        return bool(short) and long.startswith(short)
    return key_a == key_b


def _letters_and_digits(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9]+", " ", fold(text)).split()


def _unlisted(place: FieldValue) -> bool:
    """A printed address of ward, district and province that the lists do not know ("Thốn 3 Y3
    phụ Thượng, Phú Vang, …"), or one that ends with no province ("Phường Tam Thuận Quận Thanh": its
    last line lost): almost always OCR damage the repairs left, so an officer looks; a QR's address
    is the card's own."""
    return place.source == IdSource.PRINTED and (
        not names_a_province(place.value) or (place.value.count(",") >= 2 and not is_listed(place.value)))


def _name_words_known(value: FieldValue) -> bool:
    return all(has_name_letters(word) for word in re.findall(r"[a-z]+", fold(value.value)))


def _print_over_misread_mrz(candidates: list[FieldValue]) -> list[FieldValue]:
    """The names in order of trust, a misread MRZ name ("AGUYEN") after a printed one all of
    whose words are name syllables: the MRZ guards its numbers with check digits but not its
    names, so OCR damage there shows only against the syllables names are made of."""
    first = candidates[0]
    if first.source != IdSource.MRZ or _name_words_known(first):
        return candidates
    known = [c for c in candidates[1:] if _name_words_known(c)]
    return [*known, *(c for c in candidates if c not in known)]


def _choose(name: str, candidates: list[FieldValue]) -> tuple[FieldValue, bool]:
    """The value of the most trusted source (a value with diacritics rather than a folded one that
    says the same), with the confidence of all agreeing sources combined; and whether all agree."""
    first = candidates[0]
    agreeing = [c for c in candidates[1:] if _agree(name, first, c)]
    chosen = first
    if first.folded:
        chosen = next((c for c in agreeing if not c.folded), first)
    doubt = math.prod(1.0 - c.confidence for c in [first, *agreeing])
    combined = chosen.model_copy(update={"confidence": round(1.0 - doubt, 4)})
    return combined, len(agreeing) == len(candidates) - 1


# ---------------------------------------------------------------------------------------------------
# Card type and sides


def _has_fields(reading: SourceReading | None) -> bool:
    return reading is not None and bool(reading.fields)


def card_type_of(qr: QrReading | None, mrz: MrzReading | None,
                 printed: PrintedReading | None) -> CardType:
    """What the print says, unless it says 2016 of a card with a QR or an ID card's MRZ, which the
    2016 card has neither of (its heading is the chip card's; the chip card's own cues, English
    labels and "IDVNM", can all be lost on a soft copy)."""
    td1 = mrz is not None and mrz.format == "td1" and bool(mrz.fields)
    chip = td1 or _has_fields(qr)
    if printed is not None and printed.card_type != CardType.UNKNOWN \
            and not (printed.card_type == CardType.CCCD2016 and chip):
        return printed.card_type
    if mrz is not None and mrz.format == "td3" and mrz.fields:
        return CardType.PASSPORT
    if qr is not None and qr.fields:
        return CardType.CANCUOC2024 if qr.extra else CardType.CCCD2021
    return CardType.CCCD2021 if td1 else CardType.UNKNOWN


def _sides(card_type: CardType, qr: QrReading | None, mrz: MrzReading | None,
           printed: PrintedReading | None) -> CardSide:
    seen: set[CardSide] = set()
    if printed is not None and printed.side != CardSide.UNKNOWN:
        seen |= {CardSide.FRONT, CardSide.BACK} if printed.side == CardSide.BOTH else {printed.side}
    if _has_fields(mrz) and card_type in _MRZ_SIDE:
        seen.add(_MRZ_SIDE[card_type])
    if _has_fields(qr) and card_type in _QR_SIDE:
        seen.add(_QR_SIDE[card_type])
    if len(seen) == 2:
        return CardSide.BOTH
    return seen.pop() if seen else CardSide.UNKNOWN


def _shows(side: CardSide, wanted: CardSide) -> bool:
    return side in (wanted, CardSide.BOTH)


def _required(card_type: CardType, side: CardSide) -> list[str]:
    """Fields a page of this card and side must yield."""
    if card_type == CardType.PASSPORT:
        return ["document_number", "full_name", "date_of_birth", "sex", "date_of_expiry"]
    required = []
    if side != CardSide.BACK:
        required += ["id_number", "full_name", "date_of_birth"]
        if card_type != CardType.CMND9:
            required.append("sex")
        required += _FRONT_PRINTS.get(card_type, [])
    if _shows(side, CardSide.BACK):
        required.append("date_of_issue")
        if card_type in _MRZ_SIDE:
            required += ["id_number", "date_of_birth"]
    return list(dict.fromkeys(required))


# ---------------------------------------------------------------------------------------------------
# Validation


class _Flags:
    """Review reasons in the order found, each also filed under the fields it concerns."""

    def __init__(self) -> None:
        self.reasons: list[ReviewReason] = []
        self.by_field: dict[str, list[ReviewReason]] = {}

    def add(self, reason: ReviewReason, *fields: str) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)
        for name in fields:
            if reason not in (listed := self.by_field.setdefault(name, [])):
                listed.append(reason)


def _iso(value: FieldValue | None) -> date | None:
    if value is None or value.value == NO_EXPIRY:
        return None
    try:
        return date.fromisoformat(value.value)
    except ValueError:
        return None


def _validate(fields: dict[str, FieldValue], flags: _Flags, today: date) -> None:
    """Structure of the numbers, ID against date of birth and sex, dates that exist and make sense,
    places without marks no address has."""
    for name in ("date_of_birth", "date_of_issue", "date_of_expiry"):
        value = fields.get(name)
        if value is not None and _iso(value) is None and value.value != NO_EXPIRY:
            flags.add(ReviewReason.DATE_INVALID, name)
    born, issued, expires = (_iso(fields.get(name)) for name in
                             ("date_of_birth", "date_of_issue", "date_of_expiry"))
    if born is not None and born > today:
        flags.add(ReviewReason.DATE_INVALID, "date_of_birth")
    if issued is not None and (issued > today or (born is not None and issued < born)):
        flags.add(ReviewReason.DATE_INVALID, "date_of_issue")
    if issued is not None and expires is not None and expires <= issued:
        flags.add(ReviewReason.EXPIRY_BEFORE_ISSUE, "date_of_issue", "date_of_expiry")

    for name in sorted(_PLACE_FIELDS):
        if (place := fields.get(name)) is not None and (_ODD_MARKS.search(place.value) or _unlisted(place)):
            flags.add(ReviewReason.LOW_CONFIDENCE, name)  # "TH @1Ou Trì": OCR damage left in the value

    if (old := fields.get("old_id_number")) is not None and check_old_id_number(old.value):
        flags.add(ReviewReason.ID_INVALID, "old_id_number")
    if (number := fields.get("id_number")) is None:
        return
    check = check_id_number(number.value, today=today)
    if check.info is None:
        flags.add(ReviewReason.ID_INVALID, "id_number")
        return
    if born is not None and check.info.birth_year != born.year:
        flags.add(ReviewReason.ID_DOB_MISMATCH, "id_number", "date_of_birth")
    if (sex := fields.get("sex")) is not None and check.info.sex != sex.value:
        flags.add(ReviewReason.ID_SEX_MISMATCH, "id_number", "sex")


# ---------------------------------------------------------------------------------------------------


def _sex_of_number(fields: dict[str, FieldValue], today: date) -> FieldValue | None:
    """The sex that no source read, as the ID number's century/sex digit gives it (DESIGN 5.1), when
    that number is whole and encodes the year of the birth date read: a sex word OCR ruined, with
    its label ("GFI tíah: N"), is the commonest field lost on a soft front."""
    number, born = fields.get("id_number"), fields.get("date_of_birth")
    if number is None or born is None:
        return None
    info = check_id_number(number.value, today=today).info
    if info is None or info.birth_year != int(born.value[:4]):
        return None
    return FieldValue(value=info.sex, source=IdSource.ID_NUMBER, confidence=_DERIVED)


def _birth_year_of_number(fields: dict[str, FieldValue], today: date) -> FieldValue | None:
    """The printed date of birth with the year the ID number encodes, when the two years differ in
    one digit only and the print alone read the date ("30/01/1986" under a number of 1982): the
    number is printed large and bold, the date small, so a soft scan blurs the date's digit first.
    A derived value, to review with the disagreement; a number misread in that digit was wrong
    already."""
    number, born = fields.get("id_number"), fields.get("date_of_birth")
    if number is None or born is None or born.source != IdSource.PRINTED or _iso(born) is None:
        return None
    info = check_id_number(number.value, today=today).info
    read_year, number_year = born.value[:4], str(info.birth_year) if info is not None else ""
    if sum(a != b for a, b in zip(read_year, number_year)) != 1:
        return None
    repaired = number_year + born.value[4:]
    try:
        date.fromisoformat(repaired)
    except ValueError:
        return None  # 29 February of a year without it
    return born.model_copy(update={"value": repaired, "confidence": min(born.confidence, _DERIVED)})


def fuse(qr: QrReading | None, mrz: MrzReading | None, printed: PrintedReading | None, *,
         card_type: CardType | None = None, side: CardSide | None = None,
         min_confidence: float = MIN_CONFIDENCE, today: date | None = None) -> Identity:
    """Merge the readings of one card file (None: that source was not found on the page).

    `card_type` and `side` default to what the readings say; `today` (default: the real date)
    bounds dates and the century digit of the ID number.
    """
    today = today or date.today()
    card_type = card_type or card_type_of(qr, mrz, printed)
    side = side or _sides(card_type, qr, mrz, printed)
    readings = [r for r in (qr, mrz, printed) if r is not None]
    flags = _Flags()

    for reading in (qr, mrz):
        for reason in reading.reasons if reading is not None else []:
            flags.add(reason)
    if card_type in _QR_SIDE and _shows(side, _QR_SIDE[card_type]) and not _has_fields(qr):
        flags.add(ReviewReason.QR_UNREADABLE)
    if card_type in _MRZ_SIDE and _shows(side, _MRZ_SIDE[card_type]) and not _has_fields(mrz):
        flags.add(ReviewReason.MRZ_UNREADABLE)

    fields: dict[str, FieldValue] = {}
    for name in IDENTITY_FIELDS:
        candidates = [r.fields[name] for r in readings if name in r.fields]
        if not candidates:
            continue
        if name == "full_name":
            candidates = _print_over_misread_mrz(candidates)
        fields[name], unanimous = _choose(name, candidates)
        if not unanimous:
            flags.add(ReviewReason.SOURCES_DISAGREE, name)
    # Unread, or read as anything else ("Việt Màu"): on a citizen card that is OCR damage.
    read_nationality = fields.get("nationality")
    if card_type in _CITIZEN_CARDS and _shows(side, CardSide.FRONT) \
            and (read_nationality is None or read_nationality.value != CITIZENS_NATIONALITY):
        fields["nationality"] = FieldValue(value=CITIZENS_NATIONALITY, source=IdSource.CARD_TYPE,
                                           confidence=1.0)
    if (born := _birth_year_of_number(fields, today)) is not None:
        fields["date_of_birth"] = born
        # Which of the two was misread is the officer's to say: both stay marked.
        flags.add(ReviewReason.ID_DOB_MISMATCH, "id_number", "date_of_birth")
    if "sex" not in fields and (sex := _sex_of_number(fields, today)) is not None:
        fields["sex"] = sex
    if printed is not None:
        for name, reason in printed.problems.items():
            if name not in fields:
                flags.add(reason, name)

    _validate(fields, flags, today)
    for name in _required(card_type, side):
        satisfied = name in fields or (name == "id_number" and "old_id_number" in fields
                                       and card_type == CardType.CMND9)
        if not satisfied:
            flags.add(ReviewReason.FIELD_MISSING, name)
    for name, value in fields.items():
        if value.confidence < min_confidence:
            flags.add(ReviewReason.LOW_CONFIDENCE, name)

    return Identity(card_type=card_type, side=side, **fields, review_reasons=flags.reasons,
                    field_reasons=flags.by_field)
