"""The syllables Vietnamese names are made of, to settle the marks OCR is unsure of on capitals.

Tesseract `vie` often reads a tone mark on a capital wrongly ("TRÂM" as "TRẦM", "GIA" as "GIÁ"):
the letters are right, the mark is not. Names are drawn from a small stock of syllables, so when a
word of a name is no name syllable and exactly one name syllable has its letters, that is the word.
The list holds common family, middle and given names (general knowledge of Vietnamese naming, not
taken from any test set); a rare name outside it is kept as read.
"""

from __future__ import annotations

import re
from functools import lru_cache

from schemas.vntext import fold, nfc

# Roughly from most to least common: a family name first, then middle and given names.
NAME_SYLLABLES = tuple("""
Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đào Đinh Lâm Mai Trịnh Trương
Lương Cao Tạ Quách Tô Hà Chu Thái Từ Kiều Lưu Đoàn Vương Triệu Tôn Thân Hứa Khổng Mạc Âu Diệp Lạc Giang
Văn Thị Hữu Đức Công Quang Minh Ngọc Thanh Gia Xuân Thu Kim Bảo Khánh Thùy Thúy Phương Hồng Hải Tuấn
Anh Tú Trung Hiếu Nghĩa Dũng Hùng Cường Mạnh Thắng Sơn Nam Bắc Đông Tây Long Phúc Lộc Thọ Tài Trí Tâm
Thành Thịnh Vinh Hiển Hưng Khang An Bình Hòa Hạnh Hiền Hoa Hương Lan Liên Linh Loan Ly My Mỹ Nga Ngân
Nhung Nhi Oanh Quyên Quỳnh Tâm Thảo Thư Trang Trâm Uyên Vân Vy Yến Châu Diễm Diệu Dung Duyên Giang Hằng
Hân Hậu Huệ Huyền Lệ Liễu Loan Mơ Nguyệt Nhàn Nhiên Như Nương Phượng Sương Tuyết Thơ Thủy Thương Tiên
Trinh Tuyền Vi Xuyến Ánh Ái Bích Cẩm Diệp Hà Hạ Khuê Kiều Lam Lụa Mận Miên Na Nhã Nhạn Nhật Nữ Quế
Quý Sen Son Sa Tươi Tường Út Xoan Yên Ý Đào Đạt Định Điệp Độ Hào Hiệp Hoài Hoan Học Huân Huy Kha
Khải Khoa Khôi Kiên Kiệt Lâm Lực Luân Luật Lượng Nhân Nhất Phát Phong Phú Quân Quốc Quyết Sang Sinh
Tấn Thạch Thiện Thiên Thông Tiến Tín Toàn Toản Trọng Trường Tùng Tường Uy Việt Vĩnh Vượng Bách Bằng
Biên Cảnh Chiến Chính Danh Duy Dương Đại Đăng Điền Giao Hiếu Hòa Hoàn Hợp Khiêm Lãm Lập Lĩnh Mẫn
Nguyên Ninh Pháp Quảng Sáng Sĩ Tâm Tân Thạc Thăng Thiết Thống Triều Trực Tuệ Tuyên Vĩ Vũ Xương
Bảo Cát Châm Chi Đan Hạnh Hồ Khuyên Lài Lành Ngà Nhạn Phấn Thắm Thêu Thoa Trà Tú Tuyền Vàng Xinh
Gấm Hiên Kỳ Lân Lệ Mãi Ngoan Nhị Thoại Thục Thuận Tình Trúc Tường Vỹ Yên Ân Ấn Ẩn Hường Đình Khanh Lợi Quyền
""".split())


_DOUBLED_VOWEL = re.compile(r"([aeiouy])\1")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
_MOST_RUN_TOGETHER = 4  # a whole name of four syllables read as one word, at most


@lru_cache(maxsize=1)
def _by_letters() -> dict[str, frozenset[str]]:
    """Folded letters → the name syllables (upper case, NFC) written with them."""
    table: dict[str, set[str]] = {}
    for syllable in NAME_SYLLABLES:
        table.setdefault(fold(syllable), set()).add(nfc(syllable).upper())
    return {letters: frozenset(found) for letters, found in table.items()}


def is_name_syllable(word: str) -> bool:
    """Whether `word` (any case) is a name syllable as written, marks included."""
    return nfc(word).upper() in _by_letters().get(fold(word), frozenset())


def has_name_letters(word: str) -> bool:
    """Whether some name syllable is written with the letters of `word`, marks aside."""
    return fold(word) in _by_letters()


def name_syllable(word: str) -> str | None:
    """The one name syllable with the letters of `word` (upper case) when `word` is no name
    syllable itself; None when it is one, or when no or several syllables share its letters.
    A vowel doubled counts once: no name syllable repeats one, while OCR does read a capital's
    mark as a second letter ("TRẦÂM" for "TRÂM")."""
    upper = nfc(word).upper()
    letters = fold(word)
    found = _by_letters().get(letters) or _by_letters().get(_DOUBLED_VOWEL.sub(r"\1", letters),
                                                             frozenset())
    if upper in found or len(found) != 1:
        return None
    (syllable,) = found
    return syllable


def likeliest_syllable(word: str) -> str | None:
    """The most common name syllable written with the letters of `word` (upper case): "NGUYEN" is
    NGUYỄN before NGUYÊN, "THI" THỊ; None when no name syllable has them."""
    letters = fold(word)
    return next((nfc(syllable).upper() for syllable in NAME_SYLLABLES if fold(syllable) == letters), None)


def run_together(word: str) -> list[str]:
    """Name syllables OCR read without the spaces between ("THỊLAN" → THỊ, LAN; "ĐĂNGVĂNTOÀN" → ĐĂNG,
    VĂN, TOÀN), or the word alone. A syllable has one group of vowels, so a word with several is no
    syllable; it is split into as many, each with the letters of a name syllable, only if one way
    does that."""
    letters = fold(word)
    if len(letters) != len(word) or not 2 <= len(_VOWEL_GROUPS.findall(letters)) <= _MOST_RUN_TOGETHER:
        return [word]
    ways = _syllable_cuts(letters)
    if len(ways) != 1:
        return [word]
    starts = [0, *ways[0]]
    return [word[start:end] for start, end in zip(starts, [*ways[0], len(word)])]


def _syllable_cuts(letters: str, start: int = 0) -> list[tuple[int, ...]]:
    """Every way to cut `letters[start:]` into name syllables: the positions of the cuts."""
    rest = letters[start:]
    if len(_VOWEL_GROUPS.findall(rest)) == 1:
        return [()] if rest in _by_letters() else []
    return [(cut, *after) for cut in range(start + 1, len(letters))
            if letters[start:cut] in _by_letters() for after in _syllable_cuts(letters, cut)]
