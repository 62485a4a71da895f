"""Printed fields of an ID card side, read from its OCR text by their labels (DESIGN 5.4).

Labels are found by fuzzy matching on folded text (Tesseract damages marks and letters); a value is
the text after its label on the same line, up to the next label, or the next line(s) when the label
ends its line (names sit under their label; places wrap onto a second line). Digit fields go through
`digits_from_ocr`, dates accept OCR noise, and everything is validated before it becomes a field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from ocr.identity.idnumber import check_id_number, digits_from_ocr, id_numbers_in
from ocr.identity.missing_glyphs import MARKER, UNPRINTABLE, boxed_name_syllable, card_wording, restore_line
from ocr.identity.names import has_name_letters, run_together
from ocr.identity.places import (correct_place, damaged_house_and_street, ends_in_a_province,
                                 ends_with_listed_province, ends_with_province, is_listed, is_place_word)
from schemas.identity import (
    NO_EXPIRY,
    CardSide,
    CardType,
    FieldValue,
    IdSource,
    ReviewReason,
    SourceReading,
)
from schemas.vntext import fold, nfc

Line = str | tuple[str, float]  # a line of text, or (text, Tesseract confidence 0-100; -1 unknown)

CONF_UNKNOWN = 0.8  # OCR confidence of a line when the caller gave none
_REPAIRED = 0.95  # a digit field in which look-alike letters were turned into digits
_NOISY_DATE = 0.9  # a date whose separators had to be guessed

_NUMBER = "number"  # the "Số" label: a 12-digit ID, or a 9-digit CMND number
_PLACES = ("place_of_origin", "place_of_residence", "place_of_birth")
_DATES = ("date_of_birth", "date_of_issue", "date_of_expiry")

# Label texts per field, as printed: Vietnamese ones of the chip CCCD, the 2016 CCCD, the 2024 Căn
# cước and the CMND; the English halves of the bilingual labels ("Họ và tên / Full name"). Matched
# folded (see _Label).
_VI_LABELS: dict[str, tuple[str, ...]] = {
    _NUMBER: ("Số định danh cá nhân", "Số"),
    "full_name": ("Họ và tên", "Họ tên", "Họ chữ đệm và tên khai sinh"),
    "date_of_birth": ("Ngày sinh", "Ngày tháng năm sinh", "Sinh ngày"),
    "sex": ("Giới tính",),
    "nationality": ("Quốc tịch",),
    "place_of_origin": ("Quê quán", "Nguyên quán"),
    "place_of_residence": ("Nơi thường trú", "Nơi cư trú", "Nơi ĐKHK thường trú"),
    "place_of_birth": ("Nơi đăng ký khai sinh",),
    "date_of_issue": ("Ngày tháng năm cấp", "Ngày tháng năm"),
    "date_of_expiry": ("Có giá trị đến", "Ngày tháng năm hết hạn"),
}
_EN_LABELS: dict[str, tuple[str, ...]] = {
    _NUMBER: ("personal identification number", "no"),
    "full_name": ("full name",),
    "date_of_birth": ("date of birth",),
    "sex": ("sex",),
    "nationality": ("nationality",),
    "place_of_origin": ("place of origin",),
    "place_of_residence": ("place of residence",),
    "place_of_birth": ("place of birth",),
    "date_of_issue": ("date of issue", "date month year"),
    "date_of_expiry": ("date of expiry",),
}
# Headings and labels of no interest: they end the value that precedes them.
_OTHER_LABELS: dict[None, tuple[str, ...]] = {
    None: ("Cộng hòa xã hội chủ nghĩa Việt Nam", "Độc lập Tự do Hạnh phúc",
           "socialist republic of viet nam", "independence freedom happiness",
           "Căn cước công dân", "citizen identity card", "Căn cước", "identity card",
           "Giấy chứng minh nhân dân", "Đặc điểm nhân dạng", "personal identification",
           "Dấu vết riêng và dị hình", "Dân tộc", "Tôn giáo", "Ngón trỏ trái", "Ngón trỏ phải",
           "left index finger", "right index finger"),
}
# An English label whose last word is read well enough ("residerice") and whose others are not:
# its last word this long at least, this close, scores as a label this close.
_LABEL_END, _LABEL_END_RATIO, _LABEL_END_SCORE = 5, 80.0, 75.0
_SHORT = 5  # labels shorter than this ("so", "no", "sex") are only looked for near the line start
_BACK_CUES = ("dac diem nhan dang", "ngon tro trai", "ngon tro phai", "dau vet rieng va di hinh")
_FRONT_FIELDS = {"id_number", "old_id_number", "full_name", "date_of_birth"}
_SEPARATORS = " \t:/|.,;-_"
_HYPHEN_INSIDE = re.compile(r"(?<=[^\W\d_])-(?=[^\W\d_])")  # no name holds one: a speck for a space
# A hamlet's or group's word (folded) before its number ends a part of an address ("Thôn 3", "Tổ 12").
_GROUP_WORDS = frozenset({"thon", "ap", "xom", "to", "khom", "ban", "khoi", "doi", "khu"})
_TRAILING = " \t:/|-_"  # commas stay at the end of a wrapped place line: they join its next line
_QUOTES = "'\"`‘’“”"  # a speck read as a quote at either end of a value
_TOKEN_RE = re.compile(r"[^\s/:|]+")
_NEARBY_LABEL = 75  # partial_ratio of a date field's label on the date's line or a neighbour
_LABEL_IN_VALUE = 80  # partial_ratio of a damaged label found at the end of a place value
_LABEL_AFTER_PROVINCE = 60  # ... of one after a whole address, which ends with its province
_ONE_SEPARATOR_DATES = (re.compile(r"(?<!\d)(\d{2})\s*[/.\-,]\s*(\d{2})[17](\d{4})(?!\d)"),
                        re.compile(r"(?<!\d)(\d{2})[17](\d{2})\s*[/.\-,]\s*(\d{4})(?!\d)"))
_MRZ_LINE_RE = re.compile(r"^(?=.*<<)[A-Z0-9<]{25,}$")
# Where an address may start: a house number, or a hamlet's, street's or ward's type.
_PLACE_OPENER = re.compile(r"(?<!\w)(?:\d|(?:Số|Thôn|Ấp|Xóm|Tổ|Khu|Bản|Khối|Xã|Phường|Thị)\s)",
                           re.IGNORECASE)
_HOUSE_NUMBER_STREET = re.compile(r"^(?:[^\W\d_]{1,2}\s+)?\d+[\w/]*\s+[^\W\d_]")  # "Số 219 Bà Triệu"
_END_MARKS = re.compile(r"[\W_]*$")
_LETTER_WORDS = re.compile(r"[^\W\d_]+")
_ADDRESS_WORDS_LEAST = 4  # words of an address at least: a ward's type and name, a district, a province
_ORIGIN_THEN_RESIDENCE = (CardType.CCCD2021, CardType.CCCD2016, CardType.CMND9)
_UNLABELLED = 0.9  # confidence factor of a value taken without its label
_BOX_GUESS = 0.6  # ... of a name with a syllable guessed for a font's boxes: below review's threshold
_DAMAGED_HOUSE = 0.6  # ... of an address whose house number or street is surely misread: to review


@dataclass(frozen=True)
class _Label:
    field: str | None
    text: str  # folded
    # Folded as a font with Western European letters only prints it (ơ, ư, dots and hooks below,
    # stacked marks: empty boxes that OCR reads as nothing or a speck, "Họ và tên" → "H: và tên").
    boxed: str

    @classmethod
    def of(cls, field: str | None, printed: str) -> _Label:
        return cls(field, fold(printed), fold("".join(char for char in printed if char not in UNPRINTABLE)))

    @property
    def forms(self) -> tuple[str, ...]:
        """The folded texts matched: as printed, and as a box font prints it when that differs (not for
        a short label, whose boxes would leave a letter or two)."""
        return (self.text,) if self.short or self.boxed == self.text else (self.text, self.boxed)

    @property
    def short(self) -> bool:
        return len(self.text) < _SHORT

    @property
    def max_errors(self) -> int:
        """OCR errors tolerated in the folded label: none in short ones ("ho ten" must not match the
        name "Hồ Tân"), then one per 6 characters or so ("nguyen quan" must not match "Nguyễn Văn";
        the 4-pt "Có giá trị đến" read "Có gá tị đến" must still be found), three at most."""
        size = len(self.text)
        return 0 if size < 8 else min(3, max(1, size // 6))


_LABELS = [_Label.of(field, text) for table in (_VI_LABELS, _EN_LABELS, _OTHER_LABELS)
           for field, texts in table.items() for text in texts]
_FOLDED_LABELS = {field: tuple(label.text for label in _LABELS if label.field == field) for field in _DATES}
_SHORT_NUMBER_LABELS = {label.text for label in _LABELS if label.field == _NUMBER and label.short}
_GLUED_SEX_LABEL = re.compile(r"\bS[eé3][x×.]?(?=N)")  # "SexNỮ", "Se.NAM": the label, then the value
_LETTERS_ONLY = re.compile(r"[\W\d_]+")
_NO_VOWEL = re.compile(r"[^aeiouy]{1,2}")  # one or two letters, no vowel: no syllable's
# A letter a font lacked, read as a speck or two ("NG:C", "NGUY`N", "NG'.C", "NGUY?°N").
_UNPRINTED = re.compile(r"(?<=[^\W\d_])[.:'’`´*?°^ˆ~\"“”‘·•]{1,2}(?=[^\W\d_])")
_DAMAGED_NO = re.compile(r"[^\W\d_]{1,2}")  # what OCR left of "No" between "Số /" and the number


@dataclass(frozen=True)
class _Token:
    key: str  # folded, punctuation stripped
    start: int
    end: int


@dataclass(frozen=True)
class _Hit:
    label: _Label
    first: int  # token indices [first, last)
    last: int
    weight: int  # label length less errors: a long label matched well beats a short one
    boxed: bool = False  # read as a font without Vietnamese letters prints it, at least as well


@dataclass(frozen=True)
class _Entry:
    """Consecutive hits of one field on a line ("Họ và tên / Full name") and the text after them."""

    field: str | None
    start: int  # where the first label starts in the line
    value: str


class PrintedReading(SourceReading):
    """Fields read from the printed text; `problems` names fields whose label was found but whose
    value could not be read (the reason says how)."""

    source: IdSource = IdSource.PRINTED
    card_type: CardType = CardType.UNKNOWN
    side: CardSide = CardSide.UNKNOWN
    problems: dict[str, ReviewReason] = {}


# ---------------------------------------------------------------------------------------------------
# Finding labels


def _tokens(line: str) -> list[_Token]:
    tokens = []
    for match in _TOKEN_RE.finditer(line):
        key = fold(match.group()).strip(_SEPARATORS + "'\"()")
        if key:
            tokens.append(_Token(key, match.start(), match.end()))
    return tokens


def _candidate_hits(tokens: list[_Token]) -> list[_Hit]:
    hits = []
    for first in range(len(tokens)):
        for label in _LABELS:
            size = label.text.count(" ") + 1
            forms = label.forms
            # OCR may merge two words of a label or split one.
            for span in {max(1, size - 1), size, size + 1}:
                if first + span > len(tokens):
                    continue
                text = " ".join(token.key for token in tokens[first:first + span])
                errors = [Levenshtein.distance(text, form, score_cutoff=label.max_errors) for form in forms]
                if min(errors) <= label.max_errors:
                    hits.append(_Hit(label, first, first + span, len(label.text) - min(errors),
                                     boxed=len(forms) == 2 and errors[1] <= errors[0]))
    return hits


def _line_hits(line: str, tokens: list[_Token]) -> list[_Hit]:
    """The labels on one line: best non-overlapping matches; short labels only where labels are
    expected (the first two tokens, or right after a label of the same field), and a short "Số"/"No"
    only before a number (an address may start with "Số 12")."""
    chosen: list[_Hit] = []
    # Field labels are printed in mixed case (headings are not); words in capitals are a value:
    # "NGUYỄN QUANG VIỆT" is a name, not the label "Nguyên quán" followed by "VIỆT".
    candidates = sorted((hit for hit in _candidate_hits(tokens) if hit.label.field is None
                         or not _in_capitals(line[tokens[hit.first].start:tokens[hit.last - 1].end])),
                        key=lambda h: (-h.weight, h.first))
    for short in (False, True):
        for hit in candidates:
            if hit.label.short != short or any(
                    hit.first < other.last and other.first < hit.last for other in chosen):
                continue
            if short and hit.first > 1 and not any(
                    other.last == hit.first and other.label.field == hit.label.field
                    for other in chosen):
                continue
            if short and hit.label.field == _NUMBER and not _number_follows(line, tokens, hit):
                continue
            chosen.append(hit)
    return sorted(chosen, key=lambda h: h.first)


def _in_capitals(text: str) -> bool:
    letters = [char for char in text if char.isalpha()]
    return len(letters) >= 4 and all(char.isupper() for char in letters)


def _number_follows(line: str, tokens: list[_Token], hit: _Hit) -> bool:
    rest = tokens[hit.last:]
    while rest and (rest[0].key in _SHORT_NUMBER_LABELS or _DAMAGED_NO.fullmatch(rest[0].key)):
        rest = rest[1:]
    found = _number(line[rest[0].start:]) if rest else None
    return found is not None and len(found[0]) in (9, 12)


def _without_english_label(field: str | None, text: str) -> str:
    """'/ Fuli narne: NGUYỄN VĂN' → 'NGUYỄN VĂN', 'Place of Phường An Phú' → 'Phường An Phú': drop
    the English half of a bilingual label that OCR damaged too much, or cut short, to be found as a
    label. A value that is nothing but such a label is no value (the name is on the next line).
    "Sex" glued to the value ("SexNỮ", "Se.NỮ") is parted from it first."""
    if field == "sex":
        text = _GLUED_SEX_LABEL.sub(r"\g<0> ", text)
    words = text.lstrip(_SEPARATORS).split()
    cut, best = 0, 0.0
    for label in _EN_LABELS.get(field or "", ()):
        for size in range(1, min(len(words), label.count(" ") + 2) + 1):
            head = fold(" ".join(words[:size])).strip(_SEPARATORS)
            score = fuzz.ratio(head, label)
            if size >= 2 and len(head) >= 5 and label.startswith(head + " "):
                score = max(score, 90.0)  # the label's first words: the rest was lost
            last = label.rsplit(" ", 1)[-1]
            if size == label.count(" ") + 1 and len(last) >= _LABEL_END \
                    and fuzz.ratio(fold(words[size - 1]).strip(_SEPARATORS), last) >= _LABEL_END_RATIO:
                score = max(score, _LABEL_END_SCORE)  # its last word whole, the others ruined ("Pitc£ 0Ý residerice")
            threshold = 60 if size == len(words) else 70  # the whole value looks like the label
            if score >= threshold and score > best:
                cut, best = size, score
    return _clean_value(" ".join(words[cut:]) if cut else text)


def _clean_value(text: str) -> str:
    return text.lstrip(_SEPARATORS).rstrip(_TRAILING)


def _entries(line: str, tokens: list[_Token], hits: list[_Hit]) -> list[_Entry]:
    """Group the hits of a line by field and cut the value text between them."""
    entries: list[_Entry] = []
    for i, hit in enumerate(hits):
        end = tokens[hits[i + 1].first].start if i + 1 < len(hits) else len(line)
        value = _without_english_label(hit.label.field, line[tokens[hit.last - 1].end:end])
        previous = entries[-1] if entries else None
        # A stray mark read between the halves of a bilingual label ("Họ và tên n/ Full name")
        # is no value.
        if previous is not None and previous.field == hit.label.field \
                and len(re.sub(r"\W", "", previous.value)) <= 1:
            entries[-1] = _Entry(hit.label.field, previous.start, value)
        else:
            entries.append(_Entry(hit.label.field, tokens[hit.first].start, value))
    return entries


# ---------------------------------------------------------------------------------------------------
# Values


def _number(text: str) -> tuple[str, bool] | None:
    """The leading digit run of a value ("079 203 0l2345 ...", "(040184287095." with specks read as
    brackets or quotes round it, "wo: 0401…" after an English "No" damaged), and whether letters
    were repaired."""
    raw = ""
    for token in text.split():
        token = token.strip(_SEPARATORS + _QUOTES + "()[]{}")
        if not raw and _DAMAGED_NO.fullmatch(token):
            continue
        if not token or not any(ch.isdigit() for ch in token) or not digits_from_ocr(token).isdigit():
            break
        raw += token
    digits = digits_from_ocr(raw)
    return (digits, digits != raw) if raw else None


def _repair_digit_tokens(text: str) -> str:
    return re.sub(r"\S+", lambda m: digits_from_ocr(m.group())
                  if any(ch.isdigit() for ch in m.group()) else m.group(), text)


def _real_date(day: str, month: str, year: str) -> str | None:
    try:
        found = date(int(year), int(month), int(day))
    except ValueError:
        return None
    return found.isoformat() if 1900 <= found.year <= 2100 else None


def parse_date(text: str) -> tuple[str, bool] | None:
    """ISO date from 'dd/mm/yyyy' read by OCR ('0l/O1/1990', '01-01-1990', '01011990', separators
    read as 1 or 7, one of them only ('20/0271980'), or one and the other lost ('107122022'), a gap
    inside the year), and whether the separators had to be guessed."""
    repaired = _repair_digit_tokens(text)
    # A year may be read with a gap inside ("30/01/1 982": a speck or uneven letter spacing).
    match = re.search(r"(\d{1,2})\s*[/.\-,]\s*(\d{1,2})\s*[/.\-,]\s*(\d(?: ?\d){3})(?!\d)", repaired)
    if match:
        day, month, year = match.groups()
        iso = _real_date(day, month, year.replace(" ", ""))
        return (iso, False) if iso else None
    # One separator read, the other read as a 1 or 7 ("20/0271980").
    for pattern in _ONE_SEPARATOR_DATES:
        if (match := pattern.search(repaired)) and (iso := _real_date(*match.groups())):
            return iso, True
    run = re.search(r"\d[\d\s]*\d", repaired)
    digits = run.group().replace(" ", "") if run else ""
    if len(digits) == 10 and digits[2] in "17" and digits[5] in "17":
        digits = digits[:2] + digits[3:5] + digits[6:]
    if len(digits) == 9:
        # One separator read as a 1 or 7, the other lost ("107122022"): the one reading that is a date.
        dates = {iso for cut in (2, 4) if digits[cut] in "17"
                 and (iso := _real_date(digits[:2], (rest := digits[:cut] + digits[cut + 1:])[2:4], rest[4:]))}
        return (dates.pop(), True) if len(dates) == 1 else None
    if len(digits) == 8:
        iso = _real_date(digits[:2], digits[2:4], digits[4:])
        return (iso, True) if iso else None
    return None


def _words_date(folded: str) -> str | None:
    """'Ngày 15 tháng 08 năm 2016' (the issue date on CMND and 2016 CCCD backs), folded."""
    match = re.search(r"ngay\W*(\w{1,2})\W*thang\W*(\w{1,2})\W*nam\W*(\w{4})", folded)
    if match is None:
        return None
    parts = [digits_from_ocr(part) for part in match.groups()]
    return _real_date(*parts) if all(part.isdigit() for part in parts) else None


def extract_name(text: str, *, boxed: bool = False) -> str | None:
    """Names are printed in capitals: keep the longest run of capitalised words (drops a damaged
    English label or stray marks), or all the words when OCR lost the case and each is a name
    syllable's letters; letters a font lacked are restored (`boxed`: also where OCR did not read
    them as specks), two syllables run together parted (ocr.identity.names.run_together)."""
    # No Vietnamese name holds a hyphen: one between letters is a speck where a space was ("N-THANH").
    words = [_unprinted_letters_restored(word, boxed) for word in _box_read_as_a_gap(
        [word.strip(_SEPARATORS) for word in _HYPHEN_INSIDE.sub(" ", text).split()], boxed)]
    words = [word for word in words if word.isalpha()]
    best: list[str] = []
    run: list[str] = []
    for word in words:
        run = run + [word] if word.isupper() else []
        best = max(best, run, key=len)
    if not best and not all(has_name_letters(word) for word in words):
        return None  # no capitals, and words no name has: a label's line ("Ngây 3h / Date of bước")
    while len(best) > 2 and _NO_VOWEL.fullmatch(fold(best[-1])):
        best = best[:-1]  # no syllable lacks a vowel: specks read as letters after the name ("THẢO VN")
    chosen = [syllable for word in best or words for syllable in _parted(nfc(word), boxed)]
    return " ".join(chosen) if chosen else None


def _parted(word: str, boxed: bool) -> list[str]:
    """Two name syllables OCR read as one word (`run_together`); on a card whose font lacks letters
    (`boxed`), also one holding a box OCR read as nothing beside one that needs none ("NGCOANH":
    NG□C OANH, the box and the space both lost), parted only where one cut fits."""
    parted = run_together(word)
    if len(parted) > 1 or not boxed or not word.isupper() or has_name_letters(word):
        return parted
    fits = []
    for cut in range(2, len(word) - 1):
        left, right = word[:cut], word[cut:]
        for plain, other in ((left, right), (right, left)):
            if has_name_letters(plain) and not has_name_letters(other) \
                    and (restored := boxed_name_syllable(other)) is not None:
                fits.append([restored, plain] if other is left else [plain, restored])
    return fits[0] if len(fits) == 1 else parted


def _box_read_as_a_gap(words: list[str], boxed: bool) -> list[str]:
    """On a card whose font lacks letters (`boxed`), a box OCR read as a gap parts one syllable in
    two ("NGUY `N", "NG C"): neighbouring capitals that are no name syllable's letters and together
    fit one with a box between them are put back together ("NGUYN", "NGC")."""
    if not boxed:
        return words
    joined: list[str] = []
    for word in words:
        letters = _LETTERS_ONLY.sub("", word)
        if joined and letters.isupper() and (before := _LETTERS_ONLY.sub("", joined[-1])).isupper() \
                and not has_name_letters(before) and not has_name_letters(letters) \
                and boxed_name_syllable(before + letters) is not None:
            joined[-1] = before + letters
        else:
            joined.append(word)
    return joined


def _unprinted_letters_restored(word: str, boxed: bool) -> str:
    """A name word in capitals with a mark between its letters ("Đ.NG", "NG:C"): a card font without
    Vietnamese letters printed nothing there and OCR read a speck; each such mark stands for one
    letter the font lacks and the word is restored from name syllables (ocr.identity.missing_glyphs),
    or kept as read when none fits. On a card whose labels show such a font (`boxed`), a word that is
    no name syllable, nor one with its marks misread (voted on later), may hold such letters read as
    strokes, a letter or nothing ("NGUYIIN", "TH")."""
    if not word.isupper():
        return word
    if _UNPRINTED.search(word):
        restored = restore_line(_UNPRINTED.sub(MARKER.upper(), word))
        return word if MARKER in restored.lower() else restored
    return (boxed_name_syllable(word) if boxed and word.isalpha() else None) or word


def _sex(text: str) -> str | None:
    word = fold(text).split()[:1]
    if not word:
        return None
    # A card font without Vietnamese letters prints "Nữ" as N and an empty box (read as nothing, "I",
    # "l"...), while "Nam" is all plain letters: a lone N, or N and one stray mark, is Nữ.
    if word[0] == "n" or (len(word[0]) == 2 and word[0][0] == "n" and word[0][1] not in "aum"):
        return "F"
    if word[0].startswith("na"):
        return "M"  # "Naía": no reading of "Nữ" starts so
    scores = {"M": fuzz.ratio(word[0], "nam"), "F": fuzz.ratio(word[0], "nu")}
    best = max(scores, key=lambda k: scores[k])
    return best if scores[best] >= 70 and scores["M"] != scores["F"] else None


def _nationality(text: str) -> str | None:
    # "Việt" alone is "Việt Nam" wrapped at the card's edge (its "Nam" lands on the next line);
    # "Nam" after a word or less is "Việt Nam" whose first word OCR lost ("Viz t", a speck).
    words = fold(text).strip(" .").split()
    if fuzz.ratio(fold(text), "viet nam") >= 80 or words == ["viet"] \
            or (words[-1:] == ["nam"] and len(words) <= 2):
        return "Việt Nam"
    words = [word for word in text.split() if word.isalpha()]
    return nfc(" ".join(words)) if words else None


# A full stop glued to a whole word inside an address ("Thôn. 3", "Phường.13", "Phú.Hội") is a
# speck; abbreviations ("TP.", "Q.1", "Tx.Sơn") are one or two letters and keep theirs.
_SPECK_STOP = re.compile(r"(?<=[^\W\d_]{3})\.(?=\s)")  # dropped
_SPECK_STOP_IN_WORDS = re.compile(r"(?<=[^\W\d_]{3})\.(?=[^\W_])")  # a space again
_LEADING_MARKS = re.compile(r"^[\W_]+")


def _place(text: str) -> str | None:
    value = _without_specks(_before_damaged_label(nfc(" ".join(text.split()))))
    # No address starts with a mark ("=Ấp 2": a speck glued to the hamlet's word).
    value = _LEADING_MARKS.sub("", _SPECK_STOP_IN_WORDS.sub(" ", value)).strip(_SEPARATORS + _QUOTES)
    if not value:
        return None
    # A full stop after a whole word is a speck, or a comma read small ("Thị trấn Dầu Tiếng. Dầu
    # Tiếng, Bình Dương"); a colon is a speck ("Nguyễn: Huệ") or a comma ("Sường Tam Thuận: Quận
    # Thanh Khê"): a comma where only that makes the address a listed one.
    without_stops = _SPECK_STOP.sub("", value)
    dropped = correct_place(without_stops)
    if is_listed(dropped):
        return dropped
    for as_comma in (_SPECK_STOP.sub(",", value), without_stops.replace(":", ",")):
        if is_listed(corrected := correct_place(as_comma)):
            return corrected
    return dropped


def _without_specks(value: str) -> str:
    """Drop what OCR made of dust and seal edges around an address: a lone mark or lower-case letter
    as a word ("…, Bình Phước `", "Kiệt, ỗ Phường"), and a lone capital before the first word."""
    words = value.split()
    kept = [word for word in words
            if len(word) > 1 or word.isdigit() or (word.isalpha() and word.isupper())]
    if len(kept) > 1 and len(kept[0]) == 1 and kept[0].isalpha() and kept[1][:1].isupper():
        kept = kept[1:]
    return " ".join(kept)


def _before_damaged_label(value: str) -> str:
    """A place value without the next field's label that OCR damaged beyond the label search and
    that therefore ran into it ("…, Đồng Nai Niï thững trú"): cut where such a label starts, in the
    value's later part (a place never contains a card label), or where a label less sure ends the
    value right after a listed province ("…, Thừa Thiên Huế Nơi ty ty trú": nothing follows it)."""
    folded = fold(value)
    if len(folded) != len(value):
        return value
    cut = len(value)
    for label in _LABELS:
        if label.field not in (*_PLACES, "date_of_expiry", "date_of_issue", "sex", "nationality", None) \
                or len(label.text) < _SHORT * 2:
            continue
        found = fuzz.partial_ratio_alignment(label.text, folded, score_cutoff=_LABEL_AFTER_PROVINCE)
        at_end_after_province = found is not None and found.dest_end >= len(folded) - 1 \
            and ends_with_listed_province(value[:found.dest_start].rstrip(" ,"))
        if found is not None and found.dest_start >= len(folded) * 0.3 \
                and (found.score >= _LABEL_IN_VALUE or at_end_after_province):
            cut = min(cut, found.dest_start)
    return value[:cut]


def _read_value(field: str, text: str, *, boxed: bool = False) -> tuple[str, str, float] | ReviewReason:
    """(field name, normalized value, confidence factor) or why the value is unreadable; `boxed`:
    the card's font lacks Vietnamese letters (see extract_name)."""
    if field == _NUMBER:
        found = _number(text)
        if found is None or len(found[0]) not in (9, 12):
            return ReviewReason.ID_INVALID
        digits, repaired = found
        return ("id_number" if len(digits) == 12 else "old_id_number", digits,
                _REPAIRED if repaired else 1.0)
    if field in _DATES:
        folded = fold(text)
        # "Không thời hạn", or its first word and no date ("Không thlihũn": a font's boxes read).
        if field == "date_of_expiry" and (fuzz.partial_ratio("khong thoi han", folded) >= 85 or (
                folded.split()[:1] == ["khong"] and not any(char.isdigit() for char in text))):
            return field, NO_EXPIRY, 1.0
        parsed = parse_date(text)
        if parsed is None:
            return ReviewReason.DATE_INVALID
        return field, parsed[0], _NOISY_DATE if parsed[1] else 1.0
    if field == "full_name":
        value = extract_name(text)
        # A syllable chosen for boxes the image search missed is a guess among several ("H□NG" is
        # HỒNG, HƯNG or HẰNG): the name goes to review unless another source confirms it.
        if boxed and (guessed := extract_name(text, boxed=True)) and guessed != value:
            return field, guessed, _BOX_GUESS
    else:
        value = {"sex": _sex, "nationality": _nationality}.get(field, _place)(text)
        if value and field in _PLACES and damaged_house_and_street(value):
            return field, value, _DAMAGED_HOUSE
    return (field, value, 1.0) if value else ReviewReason.FIELD_MISSING


# ---------------------------------------------------------------------------------------------------
# The card


def _present(cue: str, folded_text: str) -> bool:
    threshold = 95 if len(cue) < 10 else 90
    return fuzz.partial_ratio(cue, folded_text) >= threshold


def _folded_words(text: str) -> str:
    return " ".join(re.sub(r"[^\w<]+", " ", fold(text)).split())


# Labels the chip card prints with their English half after a slash ("Giới tính / Sex"), the 2016
# card alone ("Giới tính:").
_HALF_LABELS = ("ho va ten", "ngay sinh", "gioi tinh", "quoc tich", "que quan", "noi thuong tru")
_HALF_LABEL_MATCH = 80


def _bilingual_labels(text: str) -> int:
    """How many of the chip card's labels are read followed by a slash: its English halves can all
    be lost on a soft copy ("Họ và tên / £UÍl narre", "Quê quán / Plạce of ortgin") while the
    Vietnamese halves and the slashes stay."""
    found = set()
    for line in text.splitlines():
        for before in line.split("/")[:-1]:
            words = _folded_words(before).split()
            found.update(label for label in _HALF_LABELS if words and fuzz.ratio(
                label, " ".join(words[-len(label.split()):])) >= _HALF_LABEL_MATCH)
    return len(found)


def card_type_from_text(text: str) -> CardType:
    """The kind of identity document from its headings and labels (either side), OCR-tolerant."""
    folded = _folded_words(text)

    def has(*cues: str) -> bool:
        return any(_present(cue, folded) for cue in cues)

    if has("ho chieu", "passport") or re.search(r"(^| )p<[a-z]{3}", folded):
        return CardType.PASSPORT
    if has("chung minh nhan dan", "noi dkhk thuong tru", "dau vet rieng va di hinh"):
        return CardType.CMND9
    if has("so dinh danh ca nhan", "personal identification number", "chu dem va ten khai sinh",
           "noi dang ky khai sinh", "nam het han") or (
            has("identity card") and not has("citizen identity card", "can cuoc cong dan")):
        return CardType.CANCUOC2024
    if has("citizen identity card", "personal identification", "full name", "date of birth",
           "place of residence", "idvnm") or _bilingual_labels(text) >= 2:
        return CardType.CCCD2021
    # "Ngày, tháng, năm sinh" without its English half: the 2016 card's label (a heading in a font
    # without Vietnamese letters can lose too many to be found: "CĂN CC CÔNG DÂN").
    if has("can cuoc cong dan", "dac diem nhan dang", "ngay thang nam sinh"):
        return CardType.CCCD2016
    return CardType.UNKNOWN


def _normalized_lines(lines: str | Sequence[Line]) -> list[tuple[str, float]]:
    """(NFC text, confidence 0-1) per line, whatever form the caller used."""
    if isinstance(lines, str):
        lines = lines.splitlines()
    out = []
    for line in lines:
        text, conf = (line, -1.0) if isinstance(line, str) else line
        out.append((nfc(text), conf / 100 if 0 <= conf <= 100 else CONF_UNKNOWN))
    return out


def _side(found_fields: set[str], text: str, lines: list[str]) -> CardSide:
    folded = _folded_words(text)
    front = bool(found_fields & _FRONT_FIELDS)
    back = ("date_of_issue" in found_fields or any(_present(cue, folded) for cue in _BACK_CUES)
            or any(_MRZ_LINE_RE.match("".join(line.split())) for line in lines))
    return {(True, True): CardSide.BOTH, (True, False): CardSide.FRONT,
            (False, True): CardSide.BACK}.get((front, back), CardSide.UNKNOWN)


def extract_printed(lines: str | Sequence[Line], *,
                    card_type: CardType | None = None, back: bool = False) -> PrintedReading:
    """Identity fields from the OCR lines of one card side (or both); never raises.

    `lines` is the page text, or its lines, or (text, confidence) pairs with Tesseract's 0-100 line
    confidence; a value's confidence is the lowest of the lines it was read from. `back`: the lines
    are one side's whose image shows a machine-readable zone, a back whatever its text says.
    """
    rows = _normalized_lines(lines)
    texts = [text for text, _ in rows]
    line_entries: list[list[_Entry]] = []
    boxed = False  # some label reads as a font without Vietnamese letters prints it
    for text in texts:
        tokens = _tokens(text)
        hits = _line_hits(text, tokens)
        boxed |= any(hit.boxed for hit in hits)
        line_entries.append(_entries(text, tokens, hits))

    fields: dict[str, FieldValue] = {}
    problems: dict[str, ReviewReason] = {}
    consumed: set[int] = set()  # the lines a labelled value was read from
    for number, entries in enumerate(line_entries):
        for position, entry in enumerate(entries):
            if entry.field is None:
                continue
            # A speck after a label ("Họ và tên / Full name: s", "…: Ñ") is no value, nor a name in
            # no capitals (its English half damaged, "Họ và tên / E0 are"): read the next line.
            has_value = bool(_without_specks(entry.value)) and (entry.field != "full_name" or any(
                word.isalpha() and word.isupper() and len(word) > 1 for word in entry.value.split()))
            parts, used = ([entry.value], [number]) if has_value else ([], [])
            if position == len(entries) - 1:
                _continue_value(entry.field, parts, used, number, texts, line_entries)
            if entry.field in _PLACES and len(parts) > 1 and fold(parts[0]).strip(" .") == "nam":
                parts, used = parts[1:], used[1:]  # the end of a wrapped "Việt Nam", not a place
            if not parts:
                problems.setdefault(_problem_field(entry.field), ReviewReason.FIELD_MISSING)
                continue
            read = _read_value(entry.field, _joined(entry.field, parts), boxed=boxed)
            if isinstance(read, ReviewReason):
                problems.setdefault(_problem_field(entry.field), read)
                continue
            name, value, factor = read
            if name not in fields:
                confidence = min(rows[i][1] for i in used) * factor
                fields[name] = FieldValue(value=value, source=IdSource.PRINTED,
                                          confidence=round(confidence, 4), raw=" / ".join(parts))
                consumed.update(used)
    if "date_of_issue" not in fields:
        _issue_date_in_words(rows, fields)
    if "id_number" not in fields:
        _unlabelled_id_number(rows, fields)
    card_type = card_type or card_type_from_text("\n".join(texts))
    if card_type in _ORIGIN_THEN_RESIDENCE:
        other_labels = {number for number, entries in enumerate(line_entries)
                        if any(entry.field not in (None, *_PLACES) for entry in entries)}
        _unlabelled_places(rows, fields, other_labels, consumed)
    _dates_near_their_labels(rows, fields)
    text = "\n".join(texts)
    back = back or _side(set(fields), text, texts) is CardSide.BACK
    if "date_of_issue" not in fields and back:
        _the_one_written_date(rows, fields, "date_of_issue")
    if "full_name" not in fields and not back:  # a back's capitals may be its signer's name
        _unlabelled_name(rows, fields, boxed=boxed)
    if "date_of_birth" not in fields and "id_number" in fields \
            and (encoded := check_id_number(fields["id_number"].value).info) is not None:
        _the_one_written_date(rows, fields, "date_of_birth", encoded.birth_year)
    for name in fields:
        problems.pop(name, None)
    return PrintedReading(
        fields=fields, problems=problems, reasons=list(dict.fromkeys(problems.values())),
        card_type=card_type,
        side=_side(set(fields), text, texts),
    )


def _problem_field(label_field: str) -> str:
    return "id_number" if label_field == _NUMBER else label_field


def _joined(field: str, parts: list[str]) -> str:
    """A value's lines as one text. A place's line that ends with a hamlet and its number ("Thôn 3")
    ends a part there whether OCR read its comma or not: the card wrapped before the ward ("Thôn 3 /
    X3 Phú Thượng" is no hamlet "3 X3")."""
    if field not in _PLACES:
        return " ".join(parts)
    text = parts[0] if parts else ""
    for part in parts[1:]:
        words = text.rstrip(" .").split()
        group = len(words) >= 2 and words[-1].isdigit() and fold(words[-2].strip(".")) in _GROUP_WORDS
        text += (", " if group and not part.lstrip().startswith(",") else " ") + part
    return text


def _continue_value(field: str, parts: list[str], used: list[int], number: int, texts: list[str],
                    line_entries: list[list[_Entry]]) -> None:
    """Add the next line(s) to a value that ends its line: the value of a label alone on its line,
    or the wrapped second line of a place. Stops at a line that starts with a label, and after a
    place that already ends with its province (what follows is the next field, its label maybe too
    damaged to be known: "Nii thiing trú")."""
    most = 3 if field in _PLACES else 1  # a long address may wrap twice; a complete one stops
    following = number + 1
    while len(parts) < most and following < len(texts):
        if parts and field in _PLACES and ends_with_province(" ".join(parts)):
            return
        entries = line_entries[following]
        text = _clean_value(texts[following][:entries[0].start if entries else None])
        if not entries and not any(ch.isalnum() for ch in text) and (not parts or field in _PLACES):
            following += 1  # a speck read as a line of its own before the value ("_") or inside an address (",")
            continue
        if not text:
            return
        if field in _PLACES and parts and not entries and not any(map(is_place_word, text.split())):
            following += 1  # specks read as a line of their own inside an address ("n^ hs")
            continue
        if field == "full_name" and not parts and not entries and following == number + 1 \
                and len((extract_name(text) or "").split()) < 2:
            following += 1  # specks read as a line between the label and the name ("„ H .")
            continue
        parts.append(text)
        used.append(following)
        if entries:
            return
        following += 1


def _dates_near_their_labels(rows: list[tuple[str, float]], fields: dict[str, FieldValue]) -> None:
    """Dates whose label was too small or damaged to be found as a label, or sits below the date
    ("28/11/2033" over "Date of expiry"): a date no field took yet goes to the date field whose label
    resembles its own line or a neighbouring one most."""
    taken = {field.value for field in fields.values()}
    for number, (text, conf) in enumerate(rows):
        parsed = parse_date(text)
        if parsed is None or parsed[0] in taken:
            continue
        nearby = " ".join(fold(rows[i][0]) for i in range(max(0, number - 1), min(len(rows), number + 2)))
        scores = {field: max(fuzz.partial_ratio(label, nearby) for label in _FOLDED_LABELS[field])
                  for field in _DATES if field not in fields}
        best = max(scores, key=lambda field: scores[field], default=None)
        if best is not None and scores[best] >= _NEARBY_LABEL:
            fields[best] = FieldValue(value=parsed[0], source=IdSource.PRINTED,
                                      confidence=round(conf * _NOISY_DATE, 4), raw=text)
            taken.add(parsed[0])


def _address_lines(rows: list[tuple[str, float]], other_labels: set[int]) -> Iterator[tuple[int, str, float]]:
    """(line number, text, confidence) of every address a line completes: the line alone from where
    an address may start, or a wrapped address's first line (from there: ending in a comma, or a
    house number and street whose comma OCR lost) with it, unless that line holds another field's
    label (`other_labels`: "2 Giới tính: Nam …" is no house number and street); kept only when it
    ends with a listed ward, district and province; a line without such a start whole (its ward's
    type damaged: "Thụ trấn Dầu Tiếng, …")."""
    for number, (text, conf) in enumerate(rows):
        opener = _PLACE_OPENER.search(text)
        tries = [(text if opener is None else text[opener.start():], conf)]
        previous = rows[number - 1][0] if number > 0 else ""
        if number - 1 not in other_labels and (before := _PLACE_OPENER.search(previous)) is not None \
                and not ends_with_province(previous):
            head = previous[before.start():]
            marks = _END_MARKS.search(head).group()  # specks after it, its comma among them maybe
            head = head[:len(head) - len(marks)]
            # A head opening with a digit is a house number and street, or specks ("20 540) 00 - tb,").
            if ("," in marks and not head[0].isdigit()) or _HOUSE_NUMBER_STREET.match(head):
                tries.insert(0, (head + ", " + text.strip(), min(conf, rows[number - 1][1])))
        for joined, least in tries:
            value = _place(joined)
            if value is not None and is_listed(value):
                yield number, value, least
                break


def _unlabelled_places(rows: list[tuple[str, float]], fields: dict[str, FieldValue], other_labels: set[int],
                       consumed: set[int]) -> None:
    """Origin and residence whose labels OCR damaged beyond the label search (the 4-pt labels of a
    200 dpi copy): the card prints them in this order and nothing else on its front is an address,
    so the addresses the lines complete that no labelled value was read from (`consumed`: by line,
    not by text, as a residence's wrapped "Long Xuyên, An Giang" ends its origin too) are, in
    reading order, the missing ones. Used only when exactly that many are left over."""
    missing = [field for field in ("place_of_origin", "place_of_residence") if field not in fields]
    if not missing:
        return
    found = {fields[field].value for field in _PLACES if field in fields}
    left = [(number, value, conf) for number, value, conf in _address_lines(rows, other_labels)
            if number not in consumed and value not in found]
    if len(missing) == 2 and len(left) == 1:
        # One of two found: another line ending with a province, too damaged to list, tells which
        # it is by coming after it (the residence: the found one is the origin) or before it.
        number, found_end = left[0][0], _last_words(rows[left[0][0]][0])
        after = any(_address_end(text, found_end) for text, _ in rows[number + 1:])
        before = any(_address_end(text, found_end) and earlier not in consumed
                     for earlier, (text, _) in enumerate(rows[:number]))
        if after == before:
            return
        missing = missing[:1] if after else missing[1:]
    if len(left) != len(missing):
        return
    for field, (_, value, conf) in zip(missing, left):
        fields[field] = FieldValue(value=value, source=IdSource.PRINTED,
                                   confidence=round(conf * _UNLABELLED, 4), raw=value)


def _address_end(text: str, found_end: list[str]) -> bool:
    """Whether a line ends as an address does, however damaged: with a province, or with the same
    words as an address found (`found_end`, its `_last_words`: "… Đừnh Dương" twice). A line of
    fewer words than a ward, district and province is none (a back's signer "vkin Long" is 89 from
    "Vĩnh Long")."""
    return len(_LETTER_WORDS.findall(text)) >= _ADDRESS_WORDS_LEAST \
        and (ends_in_a_province(text) or _last_words(text) == found_end)


def _last_words(text: str) -> list[str]:
    """A line's last two words, folded: where an address ends with its province."""
    return fold(" ".join(_LETTER_WORDS.findall(text)[-2:])).split()


def _unlabelled_id_number(rows: list[tuple[str, float]], fields: dict[str, FieldValue]) -> None:
    """The ID number whose "Số / No." label OCR damaged beyond the label search ("sóé¿No:0401…"): a
    card prints one run of exactly twelve digits outside its MRZ, so the one such run that is a
    well-formed personal ID number is it. Not used when two different ones are found."""
    found = {(number, conf, text) for text, conf in rows if "<" not in text for number in id_numbers_in(text)}
    if len({number for number, _, _ in found}) == 1:
        number, conf, text = min(found, key=lambda item: item[1])
        fields["id_number"] = FieldValue(value=number, source=IdSource.PRINTED,
                                         confidence=round(conf * _UNLABELLED, 4), raw=text)


def _unlabelled_name(rows: list[tuple[str, float]], fields: dict[str, FieldValue], *, boxed: bool) -> None:
    """The name whose "Họ và tên" label OCR damaged beyond the label search ("Họ và vé: TRẦN ĐÌNH
    BẢO"): a card prints one run of two or more words in capitals that are all name syllables and
    no part of its headings ("CHỦ NGHĨA VIỆT NAM" wrapped), so the one such run is the name. Not
    used when two different ones are found, nor on an MRZ line. On a card whose labels show a font
    without Vietnamese letters (`boxed`), and only when no run is found as read, its words are read
    as that font prints them ("NGUY N"): restored so, a heading's words can pass for a name's too
    ("GIẤY CHNG MINH" as CƯỜNG MINH)."""
    for as_boxes in dict.fromkeys((False, boxed)):
        found = set()
        for text, conf in rows:
            name = extract_name(text, boxed=as_boxes) if "<" not in text else None
            words = name.split() if name else []
            if len(words) >= 2 and all(word.isupper() and has_name_letters(word) for word in words) \
                    and not card_wording(name):
                found.add((name, conf, text))
        if found:
            if len({name for name, _, _ in found}) == 1:
                name, conf, text = min(found, key=lambda item: item[1])
                fields["full_name"] = FieldValue(value=name, source=IdSource.PRINTED,
                                                 confidence=round(conf * _UNLABELLED, 4), raw=text)
            return


def _the_one_written_date(rows: list[tuple[str, float]], fields: dict[str, FieldValue], name: str,
                          year: int | None = None) -> None:
    """Field `name` set to the one written date (in `year`, if given) that no other field took,
    with less confidence than a labelled one; left unset when there are several or none. Used for
    dates whose label OCR ruined: a back's issue date ("lQ, năm / Date, ønonith, year: 28/06/2024":
    a back prints birth and expiry only in its MRZ), and a front's birth date in the year its ID
    number encodes ("me ø teø: 30/01/1982": issue and expiry fall in other years)."""
    taken = {value.value for value in fields.values()}
    found = {(parsed[0], conf, text) for text, conf in rows
             if "<" not in text and (parsed := parse_date(text)) is not None and parsed[0] not in taken
             and (year is None or int(parsed[0][:4]) == year)}
    if len({iso for iso, _, _ in found}) == 1:
        iso, conf, text = min(found, key=lambda item: item[1])
        fields[name] = FieldValue(value=iso, source=IdSource.PRINTED, confidence=round(conf * _UNLABELLED, 4),
                                  raw=text)


def _issue_date_in_words(rows: list[tuple[str, float]], fields: dict[str, FieldValue]) -> None:
    for text, conf in rows:
        iso = _words_date(fold(text))
        if iso:
            fields["date_of_issue"] = FieldValue(value=iso, source=IdSource.PRINTED,
                                                 confidence=conf, raw=text)
            return
