"""Machine-readable zones (ICAO 9303): TD1 on the back of chip ID cards, TD3 in passports (DESIGN 5.3).

OCR of an MRZ confuses O/0, I/1, B/8, S/5, Z/2, G/6, reads the filler `<` as `K` or `«`, and drops or
adds filler characters. The parser repairs those confusions position by position (a digit field only
holds digits, a name only letters), then trusts a field only when its check digit verifies. A repair
that changes a digit into another digit is accepted only when the composite check digit confirms it
and no other single repair does, and even then it is marked weak: a check digit is one chance in ten
of agreeing by luck, so such a value needs another source to agree before it counts.

The builders `td1_lines` and `td3_lines` write a correct MRZ from fields; the parser is their inverse.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from ocr.identity.idnumber import check_id_number
from schemas.identity import NO_EXPIRY, FieldValue, IdSource, ReviewReason, SourceReading

FILLER = "<"
_WEIGHTS = (7, 3, 1)
NATIONALITY_NAMES = {"VNM": "Việt Nam"}

# Confidence of MRZ fields. Confirmed: the field's and the composite check digit verify. Two copies:
# the composite failed, but both copies of a card's ID (9 and 12 digits) verify and agree. Weak: a
# single mod-10 check digit (a shifted or garbled field passes one in ten times), or a digit repaired
# into another digit (two mod-10 checks can both be fooled by one misread plus one wrong repair:
# weights 7,3,1 make a 5-apart error and a 3↔8 repair cancel out); weak values are below fusion's
# review threshold and need another source that agrees. Unchecked: sex and nationality, no check
# digit covers them. Names: no diacritics, and maybe cut at the line end.
CONF_CONFIRMED = 1.0
CONF_TWO_COPIES = 0.85
CONF_WEAK = 0.65
CONF_UNCHECKED_CONFIRMED_LINE = 0.95
CONF_UNCHECKED = 0.8
CONF_NAME = 0.6
CONF_NAME_MAYBE_CUT = 0.5

# Per-position kinds of the templates below: d digit, c check digit, x letter or digit (passport
# number), A letters (codes), n name letters, s sex, f filler. In digit positions, K is a filler.
_TO_DIGIT = str.maketrans("OQDILBSZGK", "000118526<")
_TO_LETTER = str.maketrans("012568", "OIZSGB")
_FILLER_LOOKALIKES = re.compile(r"[«‹≪＜(\[{]")
# The OCR digit confusions a single repair may undo (OCR-B shapes that Tesseract mixes up).
_DIGIT_CONFUSIONS = {"0": "8", "1": "7", "3": "8", "5": "6", "6": "58", "7": "1", "8": "0369",
                     "9": "8"}  # symmetric: 0-8, 1-7, 3-8, 5-6, 6-8, 8-9
_ALNUM_TWINS = {"0": "O", "O": "0", "1": "I", "I": "1", "8": "B", "B": "8", "5": "S", "S": "5",
                "2": "Z", "Z": "2", "6": "G", "G": "6"}
_MAX_REPAIRS_PER_FIELD = 8  # more single repairs that verify than this: the field is too damaged
_MAX_LENGTH_ERROR = 3  # a line further than this from its width is not that line


def char_value(ch: str) -> int:
    """ICAO 9303 value of one MRZ character: digits as themselves, A-Z = 10-35, filler = 0."""
    if ch == FILLER:
        return 0
    if ch.isascii() and ch.isdigit():
        return int(ch)
    if ch.isascii() and ch.isupper():
        return ord(ch) - ord("A") + 10
    raise ValueError("MRZ character outside 0-9, A-Z and '<'")


def check_digit(data: str) -> int:
    """ICAO 9303 check digit: weights 7, 3, 1 repeating, sum modulo 10."""
    return sum(char_value(ch) * _WEIGHTS[i % 3] for i, ch in enumerate(data)) % 10


def _verifies(data: str, check: str) -> bool:
    """True when `check` is the check digit of `data`; a field of fillers may have a filler check."""
    if check == FILLER and set(data) <= {FILLER}:
        return True
    try:
        return check.isascii() and check.isdigit() and check_digit(data) == int(check)
    except ValueError:
        return False


@dataclass(frozen=True)
class _Field:
    """A checked field: value at line[start:end], check digit at line[check]."""

    name: str
    line: int
    start: int
    end: int
    check: int
    alnum: bool = False

    def text(self, lines: Sequence[str]) -> str:
        """Value followed by its check digit."""
        return lines[self.line][self.start:self.end] + lines[self.line][self.check]


@dataclass(frozen=True)
class _Layout:
    kind: Literal["td1", "td3"]
    width: int
    templates: tuple[str, ...]
    fields: tuple[_Field, ...]
    composite: tuple[tuple[int, int, int], ...]  # (line, start, end) spans of the composite check
    codes_line: int  # the line with sex, nationality, and the composite check digit at its end
    sex: int
    nationality: int  # start of the 3-letter code
    name: tuple[int, int]  # line, start of the name field


_TD1 = _Layout(
    kind="td1", width=30,
    templates=("AAAAA" + "d" * 9 + "c" + "d" * 12 + "ff" + "c",
               "d" * 6 + "c" + "s" + "d" * 6 + "c" + "AAA" + "f" * 11 + "c",
               "n" * 30),
    fields=(_Field("doc9", 0, 5, 14, 14), _Field("id12", 0, 15, 27, 29),
            _Field("dob", 1, 0, 6, 6), _Field("expiry", 1, 8, 14, 14)),
    composite=((0, 5, 30), (1, 0, 7), (1, 8, 15), (1, 18, 29)),
    codes_line=1, sex=7, nationality=15, name=(2, 0),
)
_TD3 = _Layout(
    kind="td3", width=44,
    templates=("AAAAA" + "n" * 39,
               "x" * 9 + "c" + "AAA" + "d" * 6 + "c" + "s" + "d" * 6 + "c" + "x" * 14 + "c" + "c"),
    fields=(_Field("docnum", 1, 0, 9, 9, alnum=True), _Field("dob", 1, 13, 19, 19),
            _Field("expiry", 1, 21, 27, 27), _Field("personal", 1, 28, 42, 42, alnum=True)),
    composite=((1, 0, 10), (1, 13, 20), (1, 21, 43)),
    codes_line=1, sex=20, nationality=10, name=(0, 5),
)


class MrzReading(SourceReading):
    """Fields read from an MRZ; `format` is None when no zone of that shape was found."""

    source: IdSource = IdSource.MRZ
    format: Literal["td1", "td3"] | None = None
    composite_ok: bool = False


# ---------------------------------------------------------------------------------------------------
# Cleaning the OCR lines


def _vietnamese_name_fillers(name: str) -> str:
    """Filler read as K in a Vietnamese name: a syllable starts with K only before H, I, E or Y, and
    no syllable ends with K (names in an MRZ are one syllable per word)."""
    chars = list(name)
    for i, ch in enumerate(chars):
        if ch == "K":
            at_word_start = i == 0 or chars[i - 1] == FILLER
            following = chars[i + 1] if i + 1 < len(chars) else ""
            if not (at_word_start and following in ("H", "I", "E", "Y")):
                chars[i] = FILLER
    return "".join(chars)


def _code_fillers(line: str) -> str:
    """Filler read as K in a line of codes: K runs, and K next to a filler. Check digits cannot
    tell (K = 20 ≡ '<' = 0 modulo 10), so a passport number really ending in K is misread; Vietnamese
    passport numbers are a letter and 7 digits, and the personal number is the 12-digit ID."""
    line = re.sub(r"K{2,}", lambda m: FILLER * len(m.group()), line)
    while (fixed := re.sub(r"K(?=<)|(?<=<)K", FILLER, line)) != line:
        line = fixed
    return line


def _trailing_fillers(line: str) -> str:
    """Fillers read as K at the end of a name line (a K next to a filler may start a name there)."""
    return re.sub(r"[K<]{2,}$", lambda m: FILLER * len(m.group()), line)


def _fit(line: str, width: int, pad_at_end: bool) -> str:
    """Bring a line to its width by growing or shrinking its longest filler run (where OCR miscounts
    fillers) or, for names, its end. Check digits later reject a wrong guess."""
    if pad_at_end:
        return line[:width].ljust(width, FILLER)
    while len(line) != width:
        runs = [m.span() for m in re.finditer(r"<+", line)]
        start, end = max(runs, key=lambda span: span[1] - span[0], default=(len(line), len(line)))
        if len(line) < width:
            line = line[:end] + FILLER + line[end:]
        elif end - start >= 2:
            line = line[:start] + line[start + 1:]
        else:
            line = line[:width]
    return line


def _apply_template(line: str, template: str) -> str:
    """Position-wise repair: look-alike letters in digit positions, digits in letter positions."""
    out = []
    for ch, kind in zip(line, template):
        if kind in "dc":
            out.append(ch.translate(_TO_DIGIT))
        elif kind in "An":
            letter = ch.translate(_TO_LETTER)
            out.append(letter if letter.isascii() and letter.isupper() else FILLER)
        elif kind == "x":
            out.append(ch if ch.isascii() and ch.isalnum() else FILLER)
        elif kind == "f":
            out.append(FILLER)
        else:
            out.append(ch)
    return "".join(out)


def _clean(text: str) -> str:
    return _FILLER_LOOKALIKES.sub(FILLER, "".join(text.split()).upper())


def _window(lines: str | Sequence[str], layout: _Layout, *, without_name: bool = False) -> list[str] | None:
    """The layout's lines among those given, cleaned, or None when they are not there.

    `without_name`: only the lines above a last line that is the name (a TD1 zone whose name line a
    card cut off at the scan's edge): they hold every checked field, the name line is made of fillers.
    """
    raw = lines.splitlines() if isinstance(lines, str) else list(lines)
    cleaned = [line for line in map(_clean, raw) if line]
    count = len(layout.templates)
    name_line = layout.name[0]
    if without_name:
        if name_line != count - 1:
            return None
        count -= 1
    if len(cleaned) < count:
        return None

    def length_error(window: list[str]) -> int:
        # OCR may drop a name's trailing fillers: a short name line is no error.
        return max(len(line) - layout.width if number == name_line else
                   abs(len(line) - layout.width) for number, line in enumerate(window))

    # Text above or below the zone may come with it: take the run of lines that fits best.
    windows = [cleaned[i:i + count] for i in range(len(cleaned) - count + 1)]
    chosen = min(reversed(windows), key=length_error)
    if length_error(chosen) > _MAX_LENGTH_ERROR:
        return None
    return [*chosen, FILLER * layout.width] if without_name else chosen


def _prepared(window: list[str], layout: _Layout) -> list[str]:
    """The window's lines brought to the layout's width and repaired position-wise."""
    name_line, name_start = layout.name
    vietnamese = _apply_template(window[0][:5], "AAAAA")[2:5] == "VNM"
    prepared = []
    for number, (line, template) in enumerate(zip(window, layout.templates)):
        if number == name_line:
            line = _fit(_trailing_fillers(line), layout.width, pad_at_end=True)
            if vietnamese:
                line = line[:name_start] + _vietnamese_name_fillers(line[name_start:])
        else:
            line = _fit(_code_fillers(line), layout.width, pad_at_end=False)
        prepared.append(_apply_template(line, template))
    return prepared


# ---------------------------------------------------------------------------------------------------
# Check digits and repairs


def _field_ok(text: str) -> bool:
    return _verifies(text[:-1], text[-1])


def _repairs(text: str, alnum: bool) -> list[str]:
    """Single-character repairs of value+check that make the check digit verify ([] when too many)."""
    found = []
    for i, ch in enumerate(text):
        value_position = i < len(text) - 1
        for alt in (_ALNUM_TWINS if alnum and value_position else _DIGIT_CONFUSIONS).get(ch, ""):
            candidate = text[:i] + alt + text[i + 1:]
            if _field_ok(candidate):
                found.append(candidate)
    return found if len(found) <= _MAX_REPAIRS_PER_FIELD else []


def _with(lines: list[str], field: _Field, text: str) -> list[str]:
    """Lines with a field's value and check digit replaced."""
    out = list(lines)
    line = out[field.line]
    line = line[:field.start] + text[:-1] + line[field.end:]
    out[field.line] = line[:field.check] + text[-1] + line[field.check + 1:]
    return out


def _composite_ok(lines: list[str], layout: _Layout) -> bool:
    data = "".join(lines[line][start:end] for line, start, end in layout.composite)
    return _verifies(data, lines[layout.codes_line][-1])


def _consistent(lines: list[str], layout: _Layout) -> bool:
    """TD1 of Vietnamese cards: the 9-digit document number is the last 9 digits of the ID."""
    if layout.kind != "td1" or set(lines[0][15:27]) == {FILLER}:
        return True
    return lines[0][5:14] == lines[0][18:27]


def _confirm(lines: list[str], layout: _Layout) -> tuple[list[str], str | None] | None:
    """Lines whose every field and composite verify, allowing at most one repaired field.

    Returns (lines, name of the repaired field or None), or None when no unique answer exists.
    """
    failing = [f for f in layout.fields if not _field_ok(f.text(lines))]
    if not failing:
        ok = _composite_ok(lines, layout) and _consistent(lines, layout)
        return (lines, None) if ok else None
    if len(failing) > 1:
        return None
    field = failing[0]
    answers = [candidate for text in _repairs(field.text(lines), field.alnum)
               if _composite_ok(candidate := _with(lines, field, text), layout)
               and _consistent(candidate, layout)]
    return (answers[0], field.name) if len(answers) == 1 else None


# ---------------------------------------------------------------------------------------------------
# Values


def _yymmdd(value: str, century: int) -> date | None:
    try:
        return date(century + int(value[:2]), int(value[2:4]), int(value[4:6]))
    except ValueError:
        return None


def _birth_date(value: str, today: date) -> date | None:
    """Birth dates are not in the future: 2000+YY when that is past, else 1900+YY."""
    recent = _yymmdd(value, 2000)
    return recent if recent is not None and recent <= today else _yymmdd(value, 1900)


def _name(field: str) -> tuple[str, bool]:
    """'NGUYEN<<VAN<AN<<<' → 'NGUYEN VAN AN', and whether the line end may have cut it. The given
    names end at the next double filler: a lone letter after it is a speck read in the filler
    ('TOAN<<<<X<<'), a longer word a name whose single filler OCR read twice."""
    surname, _, given = field.partition("<<")
    names, _, after = given.partition("<<")
    words = surname.split(FILLER) + names.split(FILLER) + [word for word in after.split(FILLER) if len(word) > 1]
    return " ".join(word for word in words if word), not field.endswith(FILLER)


def _read_fields(lines: list[str], layout: _Layout, accepted: dict[str, float], confirmed: bool,
                 today: date) -> tuple[dict[str, FieldValue], list[ReviewReason]]:
    """FieldValues of the accepted checked fields (name → confidence), plus the unchecked ones,
    more trusted when the composite check digit `confirmed` the line they sit in."""
    by_name = {f.name: f for f in layout.fields}
    fields: dict[str, FieldValue] = {}
    reasons: list[ReviewReason] = []

    def put(name: str, value: str, confidence: float, raw: str, folded: bool = False) -> None:
        fields[name] = FieldValue(value=value, source=IdSource.MRZ, confidence=confidence, raw=raw,
                                  folded=folded)

    for name, confidence in accepted.items():
        f = by_name[name]
        raw = f.text(lines)
        value = raw[:-1]
        if set(value) == {FILLER}:
            if name == "expiry":
                put("date_of_expiry", NO_EXPIRY, confidence, raw)
            continue
        if name in ("dob", "expiry"):
            day = _birth_date(value, today) if name == "dob" else _yymmdd(value, 2000)
            if day is None:
                reasons.append(ReviewReason.DATE_INVALID)
            else:
                put("date_of_birth" if name == "dob" else "date_of_expiry", day.isoformat(),
                    confidence, raw)
        elif name in ("id12", "personal"):
            number = value.rstrip(FILLER)
            if len(number) == 12 and number.isdigit():
                put("id_number", number, confidence, raw)
        elif name == "docnum":
            put("document_number", value.strip(FILLER), confidence, raw)

    line = lines[layout.codes_line]
    unchecked = CONF_UNCHECKED_CONFIRMED_LINE if confirmed else CONF_UNCHECKED
    if line[layout.sex] in ("M", "F"):
        put("sex", line[layout.sex], unchecked, line[layout.sex])
    code = line[layout.nationality:layout.nationality + 3]
    if code.isalpha():
        put("nationality", NATIONALITY_NAMES.get(code, code), unchecked, code)
    name_line, name_start = layout.name
    name, maybe_cut = _name(lines[name_line][name_start:])
    if name:
        put("full_name", name, CONF_NAME_MAYBE_CUT if maybe_cut else CONF_NAME,
            lines[name_line][name_start:], folded=True)
    return fields, reasons


_DATES = ("dob", "expiry")


def _confirmed_without_one_sign(window: list[str], as_read: list[str],
                                layout: _Layout) -> tuple[list[str], str | None] | None:
    """Lines that verify in full (every field and the composite) once one sign is taken out of a
    line of codes one sign too long: OCR read one sign twice ("IDVNMO0707…" at 475 dpi), and
    taking a filler out instead shifted every field. Its dates must be dates (a check digit verifies
    "770060" too). None unless the checked fields come out one way; of the cuts that give them, the
    one that keeps most signs where they were read (`as_read`: the window prepared as it is; a cut in
    the unchecked "IDVNM" verifies too)."""
    answers: dict[tuple[str, ...], list[list[str]]] = {}
    for number, line in enumerate(window):
        if number == layout.name[0] or len(line) != layout.width + 1:
            continue
        for cut in range(len(line)):
            found = _confirm(_prepared([*window[:number], line[:cut] + line[cut + 1:], *window[number + 1:]],
                                       layout), layout)
            if found is not None and found[1] is None and all(
                    _yymmdd(field.text(found[0]), 2000) for field in layout.fields if field.name in _DATES):
                answers.setdefault(tuple(field.text(found[0]) for field in layout.fields), []).append(found[0])
    if len(answers) != 1:
        return None
    (readings,) = answers.values()

    def moved(lines: list[str]) -> int:
        return sum(a != b for line, read in zip(lines, as_read) for a, b in zip(line, read))

    return min(readings, key=moved), None


def _birth_date_by_its_neighbours(lines: list[str], layout: _Layout, accepted: dict[str, float]) -> bool:
    """Whether a birth date whose check digit failed is right all the same: its month and day are the
    verified expiry's (a card expires on a birthday) and its year is the one the verified ID number
    encodes (DESIGN 5.1), so only its check digit was misread ("6710165" for "6710163", a chip back
    of dev set cccd_0018 lit unevenly). Weak, like any field without its own check."""
    if not {"expiry", "id12"} <= accepted.keys():
        return False
    by_name = {f.name: f for f in layout.fields}
    born, expires = (by_name[name].text(lines)[:-1] for name in ("dob", "expiry"))
    number = by_name["id12"].text(lines)[:-1].rstrip(FILLER)
    encoded = check_id_number(number).info if len(number) == 12 and number.isdigit() else None
    return encoded is not None and born.isdigit() and born[2:] == expires[2:] \
        and int(born[:2]) == encoded.birth_year % 100 and _yymmdd(born, 1900) is not None


def _parse(lines: str | Sequence[str], layout: _Layout, today: date | None) -> MrzReading:
    window = _window(lines, layout)
    cut = window is None and (window := _window(lines, layout, without_name=True)) is not None
    if window is None:
        return MrzReading(reasons=[ReviewReason.MRZ_UNREADABLE])
    prepared = _prepared(window, layout)
    confirmed = _confirm(prepared, layout) or _confirmed_without_one_sign(window, prepared, layout)
    if cut and confirmed is None:  # two lines of some other text may pass for a zone's
        return MrzReading(reasons=[ReviewReason.MRZ_UNREADABLE])
    if confirmed is not None:
        prepared, repaired = confirmed
        accepted = {f.name: CONF_WEAK if f.name == repaired else CONF_CONFIRMED
                    for f in layout.fields}
    else:
        accepted = {f.name: CONF_WEAK for f in layout.fields if _field_ok(f.text(prepared))}
        if "dob" not in accepted and _birth_date_by_its_neighbours(prepared, layout, accepted):
            accepted["dob"] = CONF_WEAK
        if {"doc9", "id12"} <= accepted.keys():
            if _consistent(prepared, layout):
                accepted["id12"] = CONF_TWO_COPIES
            else:  # two copies of the ID that both verify yet differ: trust neither
                del accepted["id12"]
    fields, reasons = _read_fields(prepared, layout, accepted, confirmed is not None,
                                   today or date.today())
    if not {"id_number", "document_number", "date_of_birth"} & fields.keys():
        # Nothing that identifies anyone (a zone of fillers verifies too): nothing to trust.
        return MrzReading(reasons=[ReviewReason.MRZ_UNREADABLE], format=layout.kind)
    if confirmed is None:
        reasons.insert(0, ReviewReason.MRZ_CHECKSUM_FAILED)
    return MrzReading(fields=fields, reasons=list(dict.fromkeys(reasons)), format=layout.kind,
                      composite_ok=confirmed is not None)


def parse_td1(lines: str | Sequence[str], *, today: date | None = None) -> MrzReading:
    """Read the 3 × 30 MRZ of a Vietnamese chip ID card from OCR lines; never raises.

    `today` decides the century of the birth date (not in the future); default: the real date.
    """
    return _parse(lines, _TD1, today)


def parse_td3(lines: str | Sequence[str], *, today: date | None = None) -> MrzReading:
    """Read the 2 × 44 MRZ of a passport from OCR lines; never raises."""
    return _parse(lines, _TD3, today)


def parse_mrz(lines: str | Sequence[str], *, today: date | None = None) -> MrzReading:
    """TD3 when the lines are passport-long, else TD1; the other layout too when that one does not
    verify (OCR of the print below a card's zone made one long line of junk: "AIPIAVEMC…"), the
    reading that verifies or checks more fields kept."""
    raw = lines.splitlines() if isinstance(lines, str) else list(lines)
    longest = max((len(_clean(line)) for line in raw), default=0)
    layouts = (_TD3, _TD1) if longest > (_TD1.width + _TD3.width) // 2 else (_TD1, _TD3)
    first = _parse(raw, layouts[0], today)
    if first.composite_ok:
        return first
    other = _parse(raw, layouts[1], today)
    return other if (other.composite_ok, len(other.fields)) > (first.composite_ok, len(first.fields)) else first


# ---------------------------------------------------------------------------------------------------
