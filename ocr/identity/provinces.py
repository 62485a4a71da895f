"""Province codes that open a 12-digit personal ID number (Circular 07/2016/TT-BCA, Phụ lục 1).

The code is where the birth was registered, not where the person lives (DESIGN 5.1): never compare it
with an address. The 2025 merger of provinces (63 → 34) changed no existing number, so this table of
the 63 provinces stays the one to validate against.
"""

from __future__ import annotations

PROVINCES: dict[str, str] = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn", "008": "Tuyên Quang",
    "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu", "014": "Sơn La", "015": "Yên Bái",
    "017": "Hòa Bình", "019": "Thái Nguyên", "020": "Lạng Sơn", "022": "Quảng Ninh",
    "024": "Bắc Giang", "025": "Phú Thọ", "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương",
    "031": "Hải Phòng", "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định",
    "037": "Ninh Bình", "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh", "044": "Quảng Bình",
    "045": "Quảng Trị", "046": "Thừa Thiên Huế", "048": "Đà Nẵng", "049": "Quảng Nam",
    "051": "Quảng Ngãi", "052": "Bình Định", "054": "Phú Yên", "056": "Khánh Hòa",
    "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum", "064": "Gia Lai", "066": "Đắk Lắk",
    "067": "Đắk Nông", "068": "Lâm Đồng", "070": "Bình Phước", "072": "Tây Ninh", "074": "Bình Dương",
    "075": "Đồng Nai", "077": "Bà Rịa - Vũng Tàu", "079": "Hồ Chí Minh", "080": "Long An",
    "082": "Tiền Giang", "083": "Bến Tre", "084": "Trà Vinh", "086": "Vĩnh Long", "087": "Đồng Tháp",
    "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ", "093": "Hậu Giang", "094": "Sóc Trăng",
    "095": "Bạc Liêu", "096": "Cà Mau",
}

# Births registered abroad (at a Vietnamese mission) carry a code in this range instead.
ABROAD_CODES = range(101, 296)


def province_name(code: str) -> str | None:
    """Name of the province of a three-digit code, None when the code is not a province."""
    return PROVINCES.get(code)


def is_abroad_code(code: str) -> bool:
    """True for the codes of births registered abroad (101-295)."""
    return len(code) == 3 and code.isdigit() and int(code) in ABROAD_CODES


def is_birth_registration_code(code: str) -> bool:
    """True when a three-digit code may open a 12-digit ID: a province of the table, or abroad."""
    return code in PROVINCES or is_abroad_code(code)
