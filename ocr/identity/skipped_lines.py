"""Text lines of a card that Tesseract's page layout analysis left out, found on the image.

On a card, Tesseract (psm 3) at times drops whole lines: the wrapped second line of an address and
the expiry under the portrait were seen missing from a card read cleanly otherwise. Its words are
gone from the output, so no rule on the OCR text can bring them back. The image still shows them:
dark strokes on the light card, a letter tall and several letters long. Each such run of ink that no
word Tesseract returned covers, and each stretch of a run read in part that none covers (a line whose
last words were dropped), is read again on its own as one line (psm 7).
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from ocr.identity.mrz_reader import Box, OcrLine, ocr_lines, union_box

# In millimetres of the card: text is 1.5-5 mm tall (4-pt labels to the 2016 card's large ID number).
_STROKES = 2.0  # black-hat window: wider than any stroke, so only strokes stand out of the background
_LETTER_GAP = 1.2  # ink closed across this gap joins the letters of a word and the words of a phrase
_HEIGHT = (1.2, 6.0)
_LEAST_WIDTH = 4.0  # three letters or so: shorter runs are marks, specks and pattern
_COVERED = 0.15  # share of a run's ink inside returned words above which Tesseract read (part of) it
_WORD_GAP = 2.5  # runs this close on one row, of one size, are words of one line (a wide font's spaces)
_SAME_SIZE = 1.35  # most height ratio of runs of one line: the smaller expiry beside an address is not
_PAD = 0.4  # margin around a run read again
_SLIVER = 0.5  # mm beyond a read word's box still its ink (blanked before a stretch beside it is read)
_LEAST_CONFIDENCE = 50.0  # mean word confidence of a line read again: lower is pattern, photo, QR
_LEAST_CHARACTERS = 3  # letters and digits a line read again must hold


def ink_runs(grey: np.ndarray, px_per_mm: float) -> list[tuple[Box, np.ndarray]]:
    """Runs of dark text on a card image: each run's box (x, y, w, h) and its ink mask in that box."""
    window = max(3, round(_STROKES * px_per_mm))
    strokes = cv2.morphologyEx(grey, cv2.MORPH_BLACKHAT,
                               cv2.getStructuringElement(cv2.MORPH_RECT, (window, window)))
    ink = cv2.threshold(strokes, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]
    ink = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(
        cv2.MORPH_RECT, (max(1, round(_LETTER_GAP * px_per_mm)), 1)))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    runs = []
    for label in range(1, count):
        x, y, w, h = (int(v) for v in stats[label, :4])
        if _HEIGHT[0] * px_per_mm <= h <= _HEIGHT[1] * px_per_mm and w >= _LEAST_WIDTH * px_per_mm:
            runs.append(((x, y, w, h), labels[y:y + h, x:x + w] == label))
    return runs


def uncovered_runs(grey: np.ndarray, px_per_mm: float, lines: list[OcrLine]) -> list[Box]:
    """The runs of text that none of the words Tesseract returned covers, and the stretches of a run
    read in part that no word covers (a line whose last words Tesseract dropped: "Vũ Thư," after
    "Ấp 2, Xã Tân Lập," the stretch joined to it across a word's gap)."""
    return _uncovered(grey, px_per_mm, _read_area(grey.shape, lines))


def _uncovered(grey: np.ndarray, px_per_mm: float, covered: np.ndarray) -> list[Box]:
    """`uncovered_runs` given where the words read lie (`_read_area`)."""
    found = []
    for (x, y, w, h), mask in ink_runs(grey, px_per_mm):
        inside = covered[y:y + h, x:x + w]
        if inside[mask].mean() <= _COVERED:
            found.append((x, y, w, h))
            continue
        free = mask.any(axis=0) & ~(mask & inside).any(axis=0)  # columns of ink no word reaches
        for start, end in _stretches(free, round(_LETTER_GAP * px_per_mm)):
            if end - start >= _LEAST_WIDTH * px_per_mm:
                rows = np.flatnonzero(mask[:, start:end].any(axis=1))
                found.append((x + start, y + int(rows[0]), end - start, int(rows[-1] - rows[0]) + 1))
    return found


def _read_area(shape: tuple[int, ...], lines: list[OcrLine]) -> np.ndarray:
    """True inside the boxes of the words Tesseract returned."""
    covered = np.zeros(shape[:2], dtype=bool)
    for line in lines:
        for word in line.words:
            x, y, w, h = word.box
            covered[max(0, y):y + h, max(0, x):x + w] = True
    return covered


def _stretches(columns: np.ndarray, gap: int) -> list[tuple[int, int]]:
    """(start, end) of the runs of True in `columns`, runs at most `gap` apart joined (letters)."""
    stretches: list[list[int]] = []
    for column in np.flatnonzero(columns):
        if stretches and column - stretches[-1][1] <= gap:
            stretches[-1][1] = int(column) + 1
        else:
            stretches.append([int(column), int(column) + 1])
    return [(start, end) for start, end in stretches]


def _one_line(a: Box, b: Box, px_per_mm: float) -> bool:
    """Whether run `b`, right of `a`, continues `a`'s line: same row, same size, a word gap apart."""
    overlap = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    gap = b[0] - (a[0] + a[2])
    return overlap >= 0.5 * min(a[3], b[3]) and gap <= _WORD_GAP * px_per_mm \
        and max(a[3], b[3]) <= _SAME_SIZE * min(a[3], b[3])


def _lines_of(runs: list[Box], px_per_mm: float) -> list[Box]:
    """The runs joined into lines, left to right."""
    lines: list[list[Box]] = []
    for run in sorted(runs):
        line = next((line for line in lines if _one_line(line[-1], run, px_per_mm)), None)
        if line is None:
            lines.append([run])
        else:
            line.append(run)
    return [union_box(line) for line in lines]


def skipped_lines(grey: np.ndarray, dpi: int, lines: list[OcrLine], timeout: float) -> list[OcrLine]:
    """Lines read alone from the runs of text that `lines` (Tesseract's page reading of `grey`) left
    out, their words' boxes in `grey`'s pixels; only lines that read as text."""
    px_per_mm = dpi / 25.4
    pad = round(_PAD * px_per_mm)
    # Words already read, and a sliver beyond their boxes (a letter's edge a box left out: "C" of
    # "NGC" read as ".'." before "OANH"), are blanked to paper in what is read again.
    sliver = round(_SLIVER * px_per_mm)
    covered = _read_area(grey.shape, lines)
    read = cv2.dilate(covered.astype(np.uint8),
                      cv2.getStructuringElement(cv2.MORPH_RECT, (2 * sliver + 1, 1))).astype(bool)
    found = []
    for x, y, w, h in _lines_of(_uncovered(grey, px_per_mm, covered), px_per_mm):
        left, top = max(0, x - pad), max(0, y - pad)
        crop = grey[top:y + h + pad, left:x + w + pad].copy()
        crop[read[top:y + h + pad, left:x + w + pad]] = np.percentile(crop, 90)
        for line in ocr_lines(crop, language="vie", psm=7, dpi=dpi, timeout=timeout):
            text = "".join(ch for ch in line.text if ch.isalnum())
            if len(text) < _LEAST_CHARACTERS or line.conf < _LEAST_CONFIDENCE:
                continue
            found.append(OcrLine(tuple(replace(word, box=(word.box[0] + left, word.box[1] + top,
                                                          word.box[2], word.box[3]))
                                       for word in line.words)))
    return found
