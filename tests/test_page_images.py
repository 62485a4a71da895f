"""The resolution a page was captured at, when its file does not say: sizes in millimetres (a card's
outline, an MRZ band, a QR code's modules) are measured with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from ocr.images import load_page
from schemas.document import FileKind


@pytest.mark.parametrize(("size", "dpi"), [
    ((1348, 850), 400),  # a card scanned alone at 400 dpi (85.6 x 54 mm), as a phone app crops it
    ((850, 1348), 400),  # the same, lying on its side
    ((2480, 3508), 300),  # an A4 page at 300 dpi
    ((1654, 2339), 200),  # an A4 page at 200 dpi
])
def test_a_scan_without_dpi_is_taken_for_a_card_or_an_a4_page_by_its_shape(
        tmp_path: Path, size: tuple[int, int], dpi: int) -> None:
    path = tmp_path / "scan.png"
    Image.new("RGB", size, "white").save(path)  # PNG without a pHYs chunk: no dpi
    assert "dpi" not in Image.open(path).info
    assert abs(load_page(path, FileKind.PNG, 1).dpi - dpi) <= 0.02 * dpi


def test_a_small_photo_without_dpi_is_taken_for_a_coarse_page_so_its_card_is_card_sized(tmp_path: Path) -> None:
    """A 1040 x 780 phone photo: as an A4 page's width it would be 94 dpi; taken for 300 dpi, the
    card filling half its width would measure 44 mm, half a card, and be passed over."""
    path = tmp_path / "photo.png"
    Image.new("RGB", (1040, 780), "white").save(path)
    dpi = load_page(path, FileKind.PNG, 1).dpi
    assert 520 / dpi * 25.4 >= 85.6


def test_a_declared_dpi_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "scan.png"
    Image.new("RGB", (1348, 850), "white").save(path, dpi=(600, 600))
    assert load_page(path, FileKind.PNG, 1).dpi == 600
