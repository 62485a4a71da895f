"""The resolution a page was captured at, when its file does not say: sizes in millimetres (a card's
outline, an MRZ band, a QR code's modules) are measured with it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ocr.identity.probe import probe_card
from ocr.identity.reader import read_card
from ocr.images import load_page
from schemas.document import FileKind
from tests.generators import cards
from tests.generators.people import make_person


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


def _photo_of_a_card(seed: int) -> Image.Image:
    person = make_person(np.random.default_rng(seed), "cccd_chip")
    return cards.photo(cards.chip_front(person).image, np.random.default_rng(seed), size=(1280, 960)).image


@pytest.mark.parametrize("seed", [5, 6])
def test_a_photo_wrapped_as_a_pdf_at_a_nominal_72_dpi_is_read_as_the_photo_itself(tmp_path: Path, seed: int) -> None:
    """A phone photo "printed" to PDF gets a page of 72 dpi: 18 inches wide. Rendered at 300 dpi it
    came out 5,300 pixels wide with a card four times a card's size, and the card finder passed it
    by (a stress copy of the independent set's photos as PDFs: one card not found at all)."""
    photo = _photo_of_a_card(seed)
    as_image, as_pdf = tmp_path / "photo.jpg", tmp_path / "photo.pdf"
    photo.save(as_image, quality=90, dpi=(72, 72))
    photo.save(as_pdf, "PDF", resolution=72)
    image, page = load_page(as_image, FileKind.JPEG, 1), load_page(as_pdf, FileKind.PDF, 1)
    assert page.pixels.shape == image.pixels.shape and page.dpi == image.dpi == 72
    assert probe_card(page.pixels, page.dpi).possible  # its card is seen, as in the photo file


def test_a_photo_resized_below_any_scanners_dpi_is_read_as_a_card_as_a_pdf_as_an_image(tmp_path: Path) -> None:
    """A 72 dpi phone photo reduced by two thirds writes 48 dpi: as an image file that says nothing
    and the dpi is guessed from its size; as the only image of a PDF page it was taken as said, its
    card measured 400 mm and no card was read at all (a stress copy of the independent set's photos
    as reduced PDFs: three cards lost)."""
    photo = _photo_of_a_card(5).resize((853, 640))
    as_image, as_pdf = tmp_path / "photo.jpg", tmp_path / "photo.pdf"
    photo.save(as_image, quality=90, dpi=(48, 48))
    photo.save(as_pdf, "PDF", resolution=48)
    image, page = load_page(as_image, FileKind.JPEG, 1), load_page(as_pdf, FileKind.PDF, 1)
    assert page.pixels.shape == image.pixels.shape and page.dpi == image.dpi >= 50
    reading = read_card([(page.pixels, page.dpi)])
    assert reading is not None and reading.identity.id_number is not None


def test_a_scanned_pdf_page_is_still_rendered_at_the_resolution_asked(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    Image.new("RGB", (1654, 2339), "white").save(path, "PDF", resolution=200)  # A4 at 200 dpi
    page = load_page(path, FileKind.PDF, 1, pdf_dpi=300)
    assert page.dpi == 300 and abs(page.pixels.shape[1] - 2480) <= 1
