"""Lines Tesseract's layout analysis skipped on a card are found on the image and read alone."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ocr.identity.mrz_reader import ocr_lines
from ocr.identity.skipped_lines import ink_runs, skipped_lines, uncovered_runs
from tests.generators import pages

DPI = 475  # a rectified card's
MM = DPI / 25.4
LINES = ("Nơi thường trú / Place of residence: Số 6 Nguyễn Trãi, Mỹ",
         "Bình, Long Xuyên, An Giang",
         "Có giá trị đến: Không thời hạn")


def _card(family: str) -> np.ndarray:
    """Three lines of a card's text, 7 pt, on a light grey card with a faint wavy pattern."""
    image = Image.new("L", (1600, 420), 228)
    draw = ImageDraw.Draw(image)
    for y in range(0, 420, 14):  # the guilloche's faint lines: no text
        draw.line([(x, y + 4 * np.sin(x / 40)) for x in range(0, 1600, 8)], fill=205, width=1)
    font = pages._font(family, False, round(7 * DPI / 72))
    for number, text in enumerate(LINES):
        draw.text((60, 60 + number * 120), text, font=font, fill=40)
    return np.asarray(image)


@pytest.mark.parametrize("family", ["Liberation Sans", "DejaVu Sans"])
def test_every_printed_line_is_one_run_of_ink_and_the_pattern_none(family: str) -> None:
    runs = [box for box, _ in ink_runs(_card(family), MM)]
    tops = sorted(y for _, y, _, _ in runs)
    assert len({round(top / 120) for top in tops}) == 3  # each line, and nothing between them
    assert all(h <= 6 * MM for _, _, _, h in runs)


@pytest.mark.parametrize("family", ["Liberation Sans", "DejaVu Sans"])
def test_a_line_missing_from_the_page_reading_is_found_and_read_alone(family: str) -> None:
    card = _card(family)
    read = ocr_lines(card, language="vie", psm=3, dpi=DPI, timeout=30)
    assert not uncovered_runs(card, MM, read)  # Tesseract read every line: nothing to add
    assert skipped_lines(card, DPI, read, timeout=30) == []

    kept = [line for line in read if "Xuyên" not in line.text]  # as if the layout analysis dropped it
    assert len(kept) == len(read) - 1
    (found,) = skipped_lines(card, DPI, kept, timeout=30)
    assert found.text == LINES[1]
    x, y, _, _ = found.box
    assert 50 <= x <= 70 and 170 <= y <= 200  # where the line is printed, in the card's pixels


def test_the_end_of_a_line_whose_last_words_the_page_reading_dropped_is_read_alone() -> None:
    """A stained copy of dev set cccd_0027: Tesseract read "… Ấp 2, Xã Tân Lập," and dropped "Vũ
    Thư," after it, a word's gap away, so the line's run of ink was read in part and never again.
    (A narrow face's words are one run; a wide face's are runs of their own, read alone already.)"""
    card = _card("Liberation Sans")
    read = ocr_lines(card, language="vie", psm=3, dpi=DPI, timeout=30)
    first = next(line for line in read if "Trãi" in line.text)
    cut = next(number for number, word in enumerate(first.words) if word.text.startswith("residence")) + 1
    # Tesseract's box of the last word read stops short of its last sign (the label's colon): that
    # sliver is blanked, not read as specks before the line's end ("C" of "NGC" read ".'." once).
    label = first.words[cut - 1]
    short = replace(label, box=(label.box[0], label.box[1], label.box[2] - round(0.3 * MM), label.box[3]))
    kept = [line if line is not first else type(line)((*line.words[:cut - 1], short)) for line in read]
    (found,) = skipped_lines(card, DPI, kept, timeout=30)
    assert found.text == "Số 6 Nguyễn Trãi, Mỹ"
    label_end = first.words[cut - 1].box[0] + first.words[cut - 1].box[2]
    assert next(word for word in found.words if word.text == "Số").box[0] >= label_end  # on the card
