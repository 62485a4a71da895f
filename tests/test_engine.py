"""Tesseract in this process: what a page's reader relies on from the engine and its searchable PDF.

The engines are pooled and shared between threads, so these tests look for state leaking from one
call into the next and for pages read side by side coming out as when read one at a time."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pdfplumber
import pytest

from ocr import searchable
from ocr.engine import OcrTimeout, read_words, recognise
from ocr.metrics import cer
from tests.generators import pages


def _page(seed: int, **kwargs) -> tuple[np.ndarray, str, int]:
    page = pages.sample_page(np.random.default_rng(seed), paragraphs=2, **kwargs)
    return np.asarray(page.image.convert("L")), page.text, page.dpi


def test_pages_read_side_by_side_come_out_as_read_one_at_a_time() -> None:
    images = [_page(seed)[0] for seed in range(4)]
    alone = [recognise(image, dpi=300).text for image in images]
    with ThreadPoolExecutor(2) as pool:
        together = list(pool.map(lambda image: recognise(image, dpi=300).text, images + images))
    assert together == alone + alone
    assert all(text for text in alone)


def test_a_whitelist_holds_for_its_own_call_only() -> None:
    image, truth, dpi = _page(5)
    digits_only = read_words(image, dpi=dpi, language="vie", psm=3, timeout=60, whitelist="0123456789")
    assert all(word.text.isdigit() for word in digits_only)
    after = recognise(image, dpi=dpi)
    assert cer(truth, after.text) < 0.02  # letters are read again


def test_a_page_past_its_time_limit_is_a_timeout_not_a_wrong_text() -> None:
    image, _, dpi = _page(6, paper="A4")
    with pytest.raises(OcrTimeout):
        recognise(image, dpi=dpi, timeout=0.01)
    assert recognise(image, dpi=dpi).text  # the engine that timed out reads the next page whole


@pytest.mark.parametrize("scale", [1.0, 0.6])
def test_searchable_pdf_holds_the_words_where_the_scan_shows_them(scale: float) -> None:
    image, truth, dpi = _page(7, font="Noto Serif")
    result = recognise(image, dpi=dpi, scale=scale)
    pdf = searchable.with_words(searchable.image_page(np.dstack([image] * 3), dpi), result.words, dpi)

    with pdfplumber.open(io.BytesIO(pdf)) as document:
        page = document.pages[0]
        assert (page.width, page.height) == pytest.approx((image.shape[1] * 72 / dpi, image.shape[0] * 72 / dpi))
        found = page.extract_words()
        text = page.extract_text()
    assert cer(truth, text) < 0.02  # searching or copying the PDF gives the page's Vietnamese text
    assert [w["text"] for w in found] == [w.text for w in result.words]
    for placed, read in zip(found, result.words, strict=True):
        assert placed["x0"] == pytest.approx(read.left * 72 / dpi, abs=1)
        assert placed["x1"] == pytest.approx((read.left + read.width) * 72 / dpi, abs=1)


def test_a_page_without_words_is_just_its_image() -> None:
    blank = np.full((400, 300, 3), 255, np.uint8)
    pdf = searchable.with_words(searchable.image_page(blank, 100), [], 100)
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        assert document.pages[0].extract_text() == ""
        assert len(document.pages[0].images) == 1
