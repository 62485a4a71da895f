"""Which way up a scanned page lies, decided before any OCR: lines whose ascenders and Vietnamese marks
hang below their letters are upside down (the cheap test that sends a page to OSD, or turns it when OSD
is unsure on a hard scan)."""

from __future__ import annotations

import numpy as np
import pytest

from ocr.preprocess import ascender_balance, flatten_background, preprocess
from tests.generators import pages


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
    assert ready.rotation == 180 and ready.orientation_checked


def test_an_empty_page_has_no_lean() -> None:
    assert ascender_balance(np.full((800, 600), 255, np.uint8)) == 0.0
