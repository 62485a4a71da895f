"""ID numbers printed on ordinary papers link those papers to people: only valid numbers count."""

from __future__ import annotations

from ocr.identity.mentions import id_numbers_in


def test_valid_numbers_are_found_in_order_whatever_their_grouping() -> None:
    text = "Số định danh cá nhân: 079203001234. Mẹ: CCCD số 001.185.012.345, cha 001 085 012 345."
    assert id_numbers_in(text) == ["079203001234", "001185012345", "001085012345"]


def test_phone_numbers_longer_runs_and_invalid_structures_are_ignored() -> None:
    text = "ĐT 0912345678; TK 0791230012345678; mã 999203001234; 079903001234"  # 999: no province
    assert id_numbers_in(text) == []


def test_a_number_named_twice_is_listed_once() -> None:
    assert id_numbers_in("079203001234 ... 079203001234") == ["079203001234"]
