"""Place names on cards, corrected against the country's list of provinces and districts.

Tesseract `vie` damages small place names ("Kiiin Xiling" for "Kiến Xương", "V2 Hải Anh" for "Xã Hải
Anh"), and a card font may even lack some Vietnamese letters. An address ends with its district and
province, comma-separated, and those come from a closed list: the province is matched among 63, marks
and case ignored, then the district among that province's, and each is replaced by the listed name
only when one candidate clearly wins. The rest is left as read.
The list is the pre-2025 one (63 provinces, districts, wards) of the `vietnamadminunits` package:
cards issued before the 2025 merger print those units, and numbers issued then keep them.
"""

from __future__ import annotations

import importlib.resources
import json
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz, process

from schemas.vntext import fold

# (least ratio of the best candidate, least lead over the runner-up): a close call needs a clear lead.
_RULES = ((92.0, 0.0), (85.0, 5.0), (72.0, 10.0))
# Unit types as written before a name, folded: kept as the card wrote them, name corrected after.
_PROVINCE_PREFIXES = ("thanh pho", "tp.", "tp", "tinh")


@dataclass
class _Unit:
    name: str  # as listed, with its type ("Xã Quang Trung", "Quận Bình Thạnh")
    short: str  # without it ("Quang Trung", "Bình Thạnh")
    children: dict[str, _Unit] = field(default_factory=dict)  # folded short name → unit


@lru_cache(maxsize=1)
def _country() -> dict[str, _Unit]:
    """Provinces by folded short name, each with its districts (loaded once per process)."""
    data = json.loads((importlib.resources.files("vietnamadminunits") / "data" / "parser_legacy.json")
                      .read_text(encoding="utf-8"))
    country = {}
    for key, province in data["DICT_PROVINCE"].items():
        unit = _Unit(province["province"], province["provinceShort"])
        for district in data["DICT_PROVINCE_DISTRICT"].get(key, {}).values():
            child = _Unit(district["district"], district["districtShort"])
            unit.children[fold(child.short)] = child
        country[fold(unit.short)] = unit
    return country


def _best(text: str, units: dict[str, _Unit], choices: dict[str, str],
          rules: tuple[tuple[float, float], ...] = _RULES) -> _Unit | None:
    """The unit whose folded name (one of `choices`: folded → unit key) `text` clearly is."""
    found = process.extract(fold(text), list(choices), scorer=fuzz.ratio, limit=4)
    if not found:
        return None
    best_key = choices[found[0][0]]
    runner_up = max((score for name, score, _ in found[1:] if choices[name] != best_key), default=0.0)
    if any(found[0][1] >= least and found[0][1] - runner_up >= lead for least, lead in rules):
        return units[best_key]
    return None


def _choices(units: dict[str, _Unit]) -> dict[str, str]:
    """Folded full and short names of each unit → its key: the card may print either."""
    names = {}
    for key, unit in units.items():
        names[fold(unit.name)] = key
        names.setdefault(fold(unit.short), key)
    return names


def _province_part(text: str) -> tuple[str, str]:
    """('TP. ', 'Hồ Chí Minh') for 'TP. Hồ Chí Minh': the written prefix and the name."""
    folded = fold(text)
    for prefix in _PROVINCE_PREFIXES:
        if folded.startswith(prefix + " ") or (prefix.endswith(".") and folded.startswith(prefix)):
            return text[:len(prefix)].rstrip() + " ", text[len(prefix):].strip()
    return "", text


def _as_written(text: str, unit: _Unit) -> str:
    """The listed name in the form the card used: with its type when the card wrote one."""
    return unit.name if fuzz.ratio(fold(text), fold(unit.name)) >= fuzz.ratio(fold(text), fold(unit.short)) \
        else unit.short


def correct_place(value: str) -> str:
    """`value` with its province and district (the last two comma-separated parts) replaced by their
    listed names where the list clearly says which they are; unchanged otherwise.

    Wards are left as read: thousands of them share their folded names, and the list no longer
    holds those merged away since 2019 that older cards still print, so a lookup would swap a real
    ward for its neighbour."""
    parts = [part.strip() for part in value.split(",")]
    if len(parts) < 2:
        return value
    country = _country()
    prefix, name = _province_part(parts[-1])
    province = _best(name, country, {key: key for key in country})
    if province is None:
        return value
    parts[-1] = prefix + province.short
    district = _best(parts[-2], province.children, _choices(province.children))
    if district is not None:
        parts[-2] = _as_written(parts[-2], district)
    return ", ".join(parts)
