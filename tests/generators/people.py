"""Invented Vietnamese citizens whose identity data obey the real rules (DESIGN 5.1).

A card reader is only as trustworthy as the truth it is scored against: every synthetic person has
a 12-digit number whose province, century/sex digit and year agree with the person, realistic names
with the full range of Vietnamese marks, addresses built from real commune → district → province
chains, and issue/expiry dates that follow the law of the card they hold. Everything comes from a
numpy `Generator`: same seed, same people. All people are invented; any likeness is chance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, NamedTuple

import numpy as np

from ocr.identity.provinces import PROVINCES

CardType = Literal["cmnd", "cccd_2016", "cccd_chip", "can_cuoc"]
CARD_TYPES: tuple[CardType, ...] = ("cmnd", "cccd_2016", "cccd_chip", "can_cuoc")

# When each card was issued: CMND 9 digits until the CCCD rollout, the barcode CCCD 2016-2020, the
# chip CCCD from January 2021, the Căn cước from 1 July 2024. The window ends before the 2025
# province merger so every address below is the three-level (xã, huyện, tỉnh) form printed then.
ISSUE_WINDOWS: dict[CardType, tuple[date, date]] = {
    "cmnd": (date(1995, 1, 1), date(2015, 12, 31)),
    "cccd_2016": (date(2016, 1, 1), date(2020, 12, 31)),
    "cccd_chip": (date(2021, 1, 15), date(2024, 6, 30)),
    "can_cuoc": (date(2024, 7, 1), date(2025, 6, 30)),
}
DOB_RANGE = (date(1940, 1, 1), date(2008, 12, 31))
MIN_AGE_AT_ISSUE = 14  # CMND and CCCD were issued from 14; a Căn cước earlier only on request
CMND_VALID_YEARS = 15  # Decree 05/1999 Art. 2
# CCCD/Căn cước law: renew at 25, 40 and 60; a card issued within 2 years before one of these ages
# stays valid until the next; one issued from 58 on has no expiry.
RENEWAL_AGES = (25, 40, 60)
GRACE_YEARS = 2

# Province codes of Circular 07/2016 Phụ lục 1 (the 63 provinces before the 2025 merger).
PROVINCE_CODES: dict[str, str] = PROVINCES
CENTRAL_CITIES = frozenset({"001", "031", "048", "079", "092"})  # "Thành phố", not "Tỉnh"
SOUTHERN_FROM = "070"  # villages are "Ấp" from the south-east down, "Thôn" further north

# Real district → commune chains in some provinces: province code → {"Kind District": [communes]}.
GEOGRAPHY: dict[str, dict[str, list[str]]] = {
    "001": {"Quận Ba Đình": ["Phường Điện Biên", "Phường Kim Mã", "Phường Ngọc Hà"],
            "Quận Cầu Giấy": ["Phường Dịch Vọng", "Phường Quan Hoa", "Phường Yên Hòa"],
            "Huyện Thường Tín": ["Xã Văn Bình", "Xã Hà Hồi", "Thị trấn Thường Tín"],
            "Huyện Đông Anh": ["Xã Uy Nỗ", "Xã Cổ Loa", "Thị trấn Đông Anh"]},
    "019": {"Thành phố Thái Nguyên": ["Phường Quang Trung", "Phường Hoàng Văn Thụ"],
            "Huyện Phú Bình": ["Thị trấn Hương Sơn", "Xã Kha Sơn"]},
    "022": {"Thành phố Hạ Long": ["Phường Bãi Cháy", "Phường Hồng Gai"],
            "Huyện Tiên Yên": ["Thị trấn Tiên Yên", "Xã Đông Ngũ"]},
    "031": {"Quận Lê Chân": ["Phường An Biên", "Phường Trại Cau", "Phường Dư Hàng"],
            "Quận Ngô Quyền": ["Phường Máy Tơ", "Phường Lạch Tray"],
            "Huyện Vĩnh Bảo": ["Thị trấn Vĩnh Bảo", "Xã Cổ Am"]},
    "033": {"Huyện Ân Thi": ["Xã Tiền Phong", "Xã Đặng Lễ", "Thị trấn Ân Thi"],
            "Huyện Văn Lâm": ["Xã Lạc Hồng", "Thị trấn Như Quỳnh"],
            "Thành phố Hưng Yên": ["Phường Lam Sơn", "Phường Hiến Nam"]},
    "034": {"Huyện Tiền Hải": ["Xã Đông Xuyên", "Thị trấn Tiền Hải"],
            "Huyện Vũ Thư": ["Xã Việt Hùng", "Thị trấn Vũ Thư"],
            "Thành phố Thái Bình": ["Phường Kỳ Bá", "Phường Lê Hồng Phong"]},
    "036": {"Huyện Hải Hậu": ["Xã Hải Minh", "Thị trấn Yên Định"],
            "Huyện Giao Thủy": ["Xã Giao Thiện", "Thị trấn Ngô Đồng"]},
    "038": {"Huyện Hoằng Hóa": ["Xã Hoằng Đạo", "Xã Hoằng Quỳ"],
            "Thành phố Thanh Hóa": ["Phường Điện Biên", "Phường Đông Thọ"]},
    "040": {"Huyện Nam Đàn": ["Xã Kim Liên", "Thị trấn Nam Đàn"],
            "Huyện Diễn Châu": ["Xã Diễn Kỷ", "Thị trấn Diễn Châu"],
            "Thành phố Vinh": ["Phường Hưng Bình", "Phường Lê Lợi"]},
    "046": {"Thành phố Huế": ["Phường Phú Hội", "Phường Vĩnh Ninh"],
            "Huyện Phong Điền": ["Xã Phong Hiền", "Thị trấn Phong Điền"]},
    "048": {"Quận Hải Châu": ["Phường Hòa Cường Bắc", "Phường Thạch Thang", "Phường Bình Hiên"],
            "Quận Sơn Trà": ["Phường An Hải Bắc", "Phường Mân Thái"],
            "Huyện Hòa Vang": ["Xã Hòa Phong", "Xã Hòa Tiến", "Xã Hòa Nhơn"]},
    "049": {"Thành phố Hội An": ["Phường Minh An", "Phường Cẩm Phô"],
            "Thị xã Điện Bàn": ["Phường Vĩnh Điện", "Xã Điện Minh"]},
    "052": {"Thành phố Quy Nhơn": ["Phường Lê Lợi", "Phường Nhơn Bình"],
            "Huyện Tuy Phước": ["Xã Phước Hòa", "Thị trấn Diêu Trì"]},
    "066": {"Thành phố Buôn Ma Thuột": ["Phường Tân Lợi", "Xã Ea Tu"],
            "Huyện Krông Pắc": ["Thị trấn Phước An", "Xã Ea Phê"]},
    "070": {"Thành phố Đồng Xoài": ["Phường Tân Phú", "Phường Tân Bình"],
            "Huyện Bù Đăng": ["Thị trấn Đức Phong", "Xã Minh Hưng"]},
    "074": {"Thành phố Thủ Dầu Một": ["Phường Phú Cường", "Phường Hiệp Thành"],
            "Thành phố Dĩ An": ["Phường Đông Hòa", "Phường Tân Đông Hiệp"]},
    "075": {"Thành phố Biên Hòa": ["Phường Tân Mai", "Phường Trảng Dài"],
            "Huyện Trảng Bom": ["Thị trấn Trảng Bom", "Xã Bắc Sơn"]},
    "079": {"Quận 1": ["Phường Bến Nghé", "Phường Bến Thành", "Phường Đa Kao"],
            "Quận Bình Thạnh": ["Phường 25", "Phường 13"],
            "Thành phố Thủ Đức": ["Phường Linh Trung", "Phường Hiệp Bình Chánh"],
            "Huyện Củ Chi": ["Xã Tân Thạnh Đông", "Xã Phước Vĩnh An", "Thị trấn Củ Chi"]},
    "089": {"Thành phố Long Xuyên": ["Phường Mỹ Bình", "Phường Mỹ Long"],
            "Huyện Chợ Mới": ["Thị trấn Chợ Mới", "Xã Kiến An"]},
    "092": {"Quận Ninh Kiều": ["Phường Tân An", "Phường An Hòa", "Phường Xuân Khánh"],
            "Quận Cái Răng": ["Phường Lê Bình", "Phường Hưng Phú"],
            "Huyện Phong Điền": ["Xã Mỹ Khánh", "Xã Nhơn Ái"]},
}
# Births registered per province, roughly by population (Hà Nội and Hồ Chí Minh weigh most).
_BIRTH_WEIGHTS: dict[str, float] = {
    "001": 8, "019": 1.3, "022": 1.4, "031": 2, "033": 1.3, "034": 1.9, "036": 1.8, "038": 3.6,
    "040": 3.3, "046": 1.1, "048": 1.2, "049": 1.5, "052": 1.5, "066": 1.9, "070": 1, "074": 2.6,
    "075": 3.1, "079": 9, "089": 1.9, "092": 1.2,
}
# The first eleven are in the reader's street list (ocr/identity/streets.py); the last four are not,
# so a street the reader cannot know is read too (and must come out as printed).
_STREETS = ["Lê Lợi", "Trần Hưng Đạo", "Nguyễn Trãi", "Hai Bà Trưng", "Lý Thường Kiệt",
            "Quang Trung", "Nguyễn Huệ", "Phan Chu Trinh", "Hùng Vương", "Lê Duẩn", "Điện Biên Phủ",
            "Tôn Thất Thuyết", "Hoàng Quốc Việt", "Võ Văn Tần", "Đội Cấn"]
_VILLAGES = ["Đông", "Tây", "Thượng", "Hạ", "Trung", "Phú Lộc", "An Thịnh", "Văn Phú", "Bình Minh",
             "Tân Lập", "Hòa Bình", "Yên Thái"]

# Surname shares of the Vietnamese population (in %); Hoàng/Huỳnh and Vũ/Võ are northern/southern
# spellings of one name.
SURNAMES: dict[str, float] = {
    "Nguyễn": 38, "Trần": 11, "Lê": 9.5, "Phạm": 7, "Hoàng": 3, "Huỳnh": 2, "Phan": 4.5, "Vũ": 2.2,
    "Võ": 1.7, "Đặng": 2.1, "Bùi": 2, "Đỗ": 1.4, "Hồ": 1.3, "Ngô": 1.3, "Dương": 1, "Lý": 0.5,
}
MIDDLE_NAMES = {
    "M": ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Xuân", "Đình", "Ngọc", "Hoàng"],
    "F": ["Thị", "Ngọc", "Thanh", "Thu", "Minh", "Kim", "Thùy", "Mỹ", "Phương", "Hồng", "Thị Ngọc",
          "Thị Thu", "Thị Mỹ"],
}
GIVEN_NAMES = {
    "M": ["An", "Bình", "Cường", "Dũng", "Đạt", "Đức", "Hải", "Hiếu", "Hoàng", "Hùng", "Huy",
          "Khánh", "Khôi", "Kiên", "Long", "Lộc", "Mạnh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân",
          "Quang", "Sơn", "Tài", "Thắng", "Thành", "Tiến", "Trung", "Tuấn", "Tùng", "Việt", "Vinh",
          "Nhân", "Huỳnh"],
    "F": ["Anh", "Ánh", "Bích", "Chi", "Dung", "Duyên", "Giang", "Hà", "Hằng", "Hạnh", "Hoa",
          "Hồng", "Huệ", "Hương", "Hường", "Lan", "Liên", "Linh", "Loan", "Mai", "Nga", "Ngân",
          "Nhung", "Oanh", "Phương", "Quyên", "Quỳnh", "Thảo", "Thủy", "Trang", "Uyên", "Vân",
          "Yến", "Ngọc"],
}
NATIONALITY = "Việt Nam"


class Place(NamedTuple):
    """A commune with its district and province, each with its administrative kind word."""

    commune: str  # "Xã Tiền Phong"
    district: str  # "Huyện Ân Thi"
    province_code: str

    @property
    def province(self) -> str:
        kind = "Thành phố" if self.province_code in CENTRAL_CITIES else "Tỉnh"
        return f"{kind} {PROVINCE_CODES[self.province_code]}"

    def address(self, *, short: bool, street: str | None = None) -> str:
        """Printed address: "Xã Tiền Phong, Huyện Ân Thi, Tỉnh Hưng Yên" or, as many cards print it,
        "Tiền Phong, Ân Thi, Hưng Yên" (numbered units keep their kind: "Phường 25", "Quận 1")."""
        parts = [self.commune, self.district, self.province]
        if short:
            parts = [_drop_kind(part) for part in parts]
        return ", ".join(([street] if street else []) + parts)


_KINDS = ("Thành phố", "Thị trấn", "Thị xã", "Phường", "Huyện", "Quận", "Tỉnh", "Xã")


def _drop_kind(unit: str) -> str:
    for kind in _KINDS:
        name = unit.removeprefix(kind + " ")
        if name != unit:
            return unit if name.isdigit() else name
    return unit


# Every ID number and name a generator made in this process: the test session checks that none of
# them reached a log line (Decree 13/2023).
ISSUED: set[str] = set()


@dataclass(frozen=True)
class Person:
    """One citizen and the identity data a card of `card_type` issued to them carries."""

    surname: str
    middle_name: str
    given_name: str
    sex: Literal["M", "F"]
    date_of_birth: date
    id_number: str
    old_id_number: str | None
    place_of_birth: Place
    origin: Place
    residence: Place
    residence_street: str
    short_addresses: bool
    card_type: CardType
    date_of_issue: date
    date_of_expiry: date | None
    father_name: str
    mother_name: str
    nationality: str = NATIONALITY

    def __post_init__(self) -> None:
        ISSUED.update(filter(None, (self.id_number, self.old_id_number, self.full_name)))

    @property
    def full_name(self) -> str:
        return f"{self.surname} {self.middle_name} {self.given_name}"

    @property
    def sex_vi(self) -> str:
        """Sex as printed on cards and in the QR: Nam / Nữ."""
        return "Nam" if self.sex == "M" else "Nữ"

    @property
    def place_of_origin(self) -> str:
        return self.origin.address(short=self.short_addresses)

    @property
    def place_of_residence(self) -> str:
        return self.residence.address(short=self.short_addresses, street=self.residence_street)

    @property
    def place_of_birth_text(self) -> str:
        return self.place_of_birth.address(short=self.short_addresses)

    def expected_fields(self) -> dict[str, str | None]:
        """The person's identity in the `sohoa export` fields format."""
        return {
            "id_number": self.id_number,
            "full_name": self.full_name,
            "date_of_birth": self.date_of_birth.isoformat(),
            "sex": self.sex,
            "nationality": self.nationality,
            "place_of_origin": self.place_of_origin,
            "place_of_residence": self.place_of_residence,
            "date_of_issue": self.date_of_issue.isoformat(),
            "date_of_expiry": self.date_of_expiry.isoformat() if self.date_of_expiry else "none",
            "old_id_number": self.old_id_number,
        }


def birthday(dob: date, age: int) -> date:
    """The day a person turns `age` (29 February falls on 28 February in common years)."""
    try:
        return dob.replace(year=dob.year + age)
    except ValueError:
        return date(dob.year + age, 2, 28)


def cccd_expiry(dob: date, issued: date) -> date | None:
    """Expiry of a CCCD/Căn cước: the next renewal birthday at least GRACE_YEARS after issue."""
    for age in RENEWAL_AGES:
        if issued < birthday(dob, age - GRACE_YEARS):
            return birthday(dob, age)
    return None


def century_sex_digit(dob: date, sex: Literal["M", "F"]) -> int:
    """Digit G of the 12-digit number: 0/1 for the 1900s, 2/3 for the 2000s; odd for women."""
    return 2 * ((dob.year - 1900) // 100) + (sex == "F")


def _pick(rng: np.random.Generator, items: list[str] | tuple[str, ...]) -> str:
    return items[int(rng.integers(len(items)))]


def _weighted(rng: np.random.Generator, weights: dict[str, float]) -> str:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def _date_between(rng: np.random.Generator, first: date, last: date) -> date:
    return first + timedelta(days=int(rng.integers((last - first).days + 1)))


def _place(rng: np.random.Generator, province_code: str) -> Place:
    district = _pick(rng, list(GEOGRAPHY[province_code]))
    return Place(_pick(rng, GEOGRAPHY[province_code][district]), district, province_code)


def _street(rng: np.random.Generator, place: Place) -> str:
    """House number and street in a ward or town, a hamlet in a commune."""
    if place.commune.startswith("Xã"):
        kind = "Ấp" if place.province_code >= SOUTHERN_FROM else _pick(rng, ["Thôn", "Xóm"])
        return f"{kind} {_pick(rng, _VILLAGES + [str(rng.integers(1, 12))])}"
    if rng.random() < 0.3:
        return f"Tổ {rng.integers(1, 30)}"
    return f"Số {rng.integers(1, 400)} {_pick(rng, _STREETS)}"


def _name(rng: np.random.Generator, sex: Literal["M", "F"],
          surname: str | None = None) -> tuple[str, str, str]:
    return (surname or _weighted(rng, SURNAMES), _pick(rng, MIDDLE_NAMES[sex]),
            _pick(rng, GIVEN_NAMES[sex]))


def make_person(rng: np.random.Generator, card_type: CardType) -> Person:
    """A random citizen holding a card of `card_type`, issued inside that card's issue window."""
    window_start, window_end = ISSUE_WINDOWS[card_type]
    latest_dob = min(DOB_RANGE[1], birthday(window_end, -MIN_AGE_AT_ISSUE))
    dob = _date_between(rng, DOB_RANGE[0], latest_dob)
    issued = _date_between(rng, max(window_start, birthday(dob, MIN_AGE_AT_ISSUE)), window_end)
    sex: Literal["M", "F"] = "M" if rng.random() < 0.5 else "F"
    surname, middle, given = _name(rng, sex)
    birth_code = _weighted(rng, _BIRTH_WEIGHTS)
    birth_place = _place(rng, birth_code)
    origin = birth_place if rng.random() < 0.4 else _place(rng, _weighted(rng, _BIRTH_WEIGHTS))
    residence = birth_place if rng.random() < 0.3 else _place(
        rng, birth_code if rng.random() < 0.4 else _weighted(rng, _BIRTH_WEIGHTS))
    id_number = (f"{birth_code}{century_sex_digit(dob, sex)}{dob.year % 100:02d}"
                 f"{int(rng.integers(10**6)):06d}")
    had_cmnd = card_type == "cmnd" or (
        birthday(dob, MIN_AGE_AT_ISSUE) <= ISSUE_WINDOWS["cmnd"][1] and rng.random() < 0.5)
    old_id = f"{rng.integers(4)}{int(rng.integers(10**8)):08d}" if had_cmnd else None
    expiry = (birthday(issued, CMND_VALID_YEARS) if card_type == "cmnd"
              else cccd_expiry(dob, issued))
    return Person(
        surname=surname, middle_name=middle, given_name=given, sex=sex, date_of_birth=dob,
        id_number=id_number, old_id_number=old_id, place_of_birth=birth_place, origin=origin,
        residence=residence, residence_street=_street(rng, residence),
        short_addresses=bool(rng.random() < 0.5), card_type=card_type, date_of_issue=issued,
        date_of_expiry=expiry, father_name=" ".join(_name(rng, "M", surname)),
        mother_name=" ".join(_name(rng, "F")),
    )
