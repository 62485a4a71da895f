"""Which way up a scanned page lies, decided by looking at it before any OCR: which way the text lines
run (patch by patch, so two columns are not mistaken for a page fed sideways), then whether the
ascenders and Vietnamese marks rise above the letters; Tesseract reads a band both ways up only when
that lean is faint. Checked on typefaces the thresholds were never set on (`pages.HELD_OUT_FONTS`)."""

from __future__ import annotations

import random

import cv2
import numpy as np
import pytest
from PIL import Image

from ocr.engine import recognise
from ocr.preprocess import (_rotate_by, ascender_balance, estimate_skew, flatten_background, line_direction,
                            preprocess, reading_scale, shows_print, text_axis, without_seals)
from tests.generators import cards, corpus, pages, people


@pytest.mark.parametrize("font", sorted(pages.FONTS))
def test_upright_lines_lean_up_and_upside_down_lines_lean_down(font: str) -> None:
    page = pages.sample_page(np.random.default_rng(9), paragraphs=2, font=font)
    upright = flatten_background(np.asarray(page.image.convert("L")))
    assert ascender_balance(upright) > 0.3
    assert ascender_balance(np.ascontiguousarray(upright[::-1, ::-1])) < -0.3


def test_a_noisy_faded_upside_down_page_is_turned_before_it_is_read() -> None:
    rng = np.random.default_rng(10)
    page = pages.sample_page(rng, paragraphs=2)
    hard = pages.blur(pages.gaussian_noise(pages.rotate90(page.image, 2), 24, rng=rng), 1.0)
    ready = preprocess(np.asarray(hard.convert("L")), 300)
    assert ready.rotation == 180


def test_an_empty_page_has_no_lean_and_no_axis() -> None:
    blank = np.full((800, 600), 255, np.uint8)
    assert ascender_balance(blank) == 0.0
    assert text_axis(blank) == 0.0


def _card_on_a_dark_lid(seed: int, angle: float) -> np.ndarray:
    """A chip card's front scanned tight, turned by `angle` on a canvas grown round it, the corners
    the scanner's dark lid; grey and a little soft."""
    person = people.make_person(np.random.default_rng(seed), "cccd_chip")
    front = np.asarray(cards.chip_front(person).image.convert("RGB").reduce(2))
    h, w = front.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    turn[:, 2] += 15
    lid = cv2.warpAffine(front, turn, (w + 30, h + 30), borderMode=cv2.BORDER_CONSTANT, borderValue=(70, 70, 70))
    return cv2.cvtColor(cv2.GaussianBlur(lid, (0, 0), 1.0), cv2.COLOR_RGB2GRAY)


@pytest.mark.parametrize("angle", [4.0, -4.0])
def test_a_card_scan_turned_a_few_degrees_on_a_dark_lid_runs_across(angle: float) -> None:
    """Lines 4° off level smeared the whole page's row profile: a dev card so turned measured
    "columns", the band read four ways chose a quarter turn, and the card was read sideways."""
    grey = _card_on_a_dark_lid(1, angle)
    assert line_direction(flatten_background(grey)) > 1.2
    assert line_direction(flatten_background(np.ascontiguousarray(np.rot90(grey)))) < 1 / 1.2


@pytest.mark.parametrize("seed", [1, 3])
def test_a_cards_qr_code_and_edges_do_not_tip_which_way_up_it_leans(seed: int) -> None:
    """The QR code and the card's edge down the right of a card scan made one tall band of "line"
    whose ink lay below its core: an upright card leaned down, and was read upside down."""
    flat = flatten_background(_card_on_a_dark_lid(seed, -2.5))
    level = _rotate_by(flat, estimate_skew(flat))
    assert ascender_balance(level) > 0.1
    assert ascender_balance(np.ascontiguousarray(level[::-1, ::-1])) < -0.1


def _two_columns(font: str, seed: int) -> pages.RenderedPage:
    words = random.Random(seed)
    return pages.render_page(corpus.paragraphs(words, 6, sentences_each=3), title="Bản tin",
                             font=font, size_pt=11 + seed % 2, paper="A4", columns=2)


@pytest.mark.parametrize("font", sorted(pages.HELD_OUT_FONTS))
def test_two_text_columns_run_across_the_page_and_turned_they_run_down_it(font: str) -> None:
    page = flatten_background(np.asarray(_two_columns(font, 3).image))
    assert text_axis(page) > 0.3
    assert text_axis(np.ascontiguousarray(np.rot90(page))) < -0.3


@pytest.mark.parametrize(("font", "quarter_turns"), [
    (font, turns) for turns, font in enumerate(sorted(pages.HELD_OUT_FONTS))])
def test_a_spoiled_two_column_page_in_an_unseen_typeface_is_set_upright(font: str, quarter_turns: int) -> None:
    """OSD alone turned such pages the wrong way (a 180° turn of an upright two-column scan)."""
    rng = np.random.default_rng(quarter_turns)
    image = pages.skew(_two_columns(font, 11 + quarter_turns).image, float(rng.uniform(-3, 3)))
    image = pages.rotate90(pages.gaussian_noise(pages.faded_ink(image, 0.4), 14, rng=rng), quarter_turns)
    ready = preprocess(np.asarray(image), 300)
    assert ready.rotation == (90 * quarter_turns) % 360


def test_a_blue_stamp_fades_to_paper_and_the_print_stays_black() -> None:
    page = pages.sample_page(np.random.default_rng(4), paragraphs=2)
    stamped = np.asarray(pages.color_paper(page.image, rng=np.random.default_rng(4), stamp_text="ĐÃ TIẾP NHẬN"))
    grey = without_seals(stamped, page.dpi)
    ink = np.asarray(page.image) < 100
    stamp_only = (np.abs(stamped[..., 2].astype(int) - stamped[..., 0]) > 60) & ~ink
    assert stamp_only.sum() > 1000  # the stamp is there, in colour
    assert grey[stamp_only].mean() > 150  # ... and gone from what Tesseract reads
    assert grey[ink & ~stamp_only].mean() < 80  # while the print stays dark


def test_red_print_on_a_card_is_kept_for_reading() -> None:
    """A 2016 card's heading and number are printed in red: text, not a seal."""
    person = people.make_person(np.random.default_rng(7), "cccd_2016")
    card = cards.cccd2016_front(person)
    rgb = np.asarray(card.image.convert("RGB"))
    red = (rgb[..., 0].astype(int) - rgb[..., 2] > 80) & (rgb[..., 0] > 120)
    assert red.sum() > 500
    assert without_seals(rgb, 600)[red].mean() < 150  # faces are drawn at 600 dpi


def test_a_blank_or_noisy_empty_page_costs_no_tesseract_call_and_stays_as_scanned() -> None:
    """A card's empty back or a separator sheet has no way up: no OSD, no band read (they cost ~1 s)."""
    blank = np.full((1754, 1240), 248, np.uint8)
    noisy = pages.gaussian_noise(Image.fromarray(blank), 20, rng=np.random.default_rng(2))
    for page in (blank, np.asarray(noisy)):
        ready = preprocess(page, 150)
        assert ready.rotation == 0 and not ready.orientation_checked


def test_faded_print_still_counts_as_print() -> None:
    page = pages.sample_page(np.random.default_rng(12), paragraphs=1)
    faded = flatten_background(np.asarray(pages.faded_ink(page.image, 0.6)))
    assert shows_print(faded)
    assert not shows_print(np.full_like(faded, 250))


def _prose(size_pt: float) -> np.ndarray:
    """A grey A4 page at 300 dpi of prose at `size_pt`."""
    page = pages.render_page(corpus.paragraphs(random.Random(4), 3, sentences_each=3), title="GIẤY ỦY QUYỀN",
                             size_pt=size_pt, paper="A4")
    return np.asarray(page.image.convert("L"))


def test_large_print_is_read_smaller_and_small_print_at_full_size() -> None:
    assert reading_scale(_prose(16), 300) < 0.9
    assert reading_scale(_prose(9), 300) == 1.0


def test_words_read_from_a_smaller_copy_are_placed_on_the_page_as_read() -> None:
    page = _prose(16)
    whole, smaller = recognise(page, dpi=300), recognise(page, dpi=300, scale=0.7)
    title = [next(w for w in result.words if w.text == "QUYỀN") for result in (whole, smaller)]
    assert abs(title[0].left - title[1].left) <= 4 and abs(title[0].top - title[1].top) <= 4
    assert abs(title[0].width - title[1].width) <= 6
