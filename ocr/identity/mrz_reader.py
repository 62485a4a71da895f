"""Find the machine-readable zone on a rectified card and read it (DESIGN 5.3).

The TD1 zone is three lines of 30 OCR-B characters across nearly the whole width of the card's
back, in its bottom third: no other text on a card runs that wide. Dark-on-light text is brought
out with a black-hat filter, characters are smeared into line blobs, and the lines that span most
of the width form the band.

ICAO 9303 prints the zone in OCR-B at a fixed pitch of 2.54 mm, so it is read first by matching
each character cell against OCR-B glyphs (Debian's fonts-ocr-b): a fixed pitch means a character
can be misread but never dropped or doubled, which Tesseract does with runs of fillers. When that
reading does not verify, Tesseract (`eng` restricted to the 37 MRZ characters; there is no OCR-B
model here) reads the band grey, binarized and line by line. `ocr.identity.mrz.parse_mrz` repairs
and checks every reading; the first whose composite check digit verifies wins.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ocr.engine import OcrTimeout, read_words
from ocr.identity.mrz import MrzReading, parse_mrz
from ocr.images import to_grey

log = logging.getLogger(__name__)

MRZ_CHARACTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
# Of the image: MRZ lines span ~89% of a card, so ~75% of a card scanned with a margin or at a slant;
# a front's printed lines can run as wide, but never two of them alike (see `_stack`).
_MIN_LINE_WIDTH = 0.7  # of the card's width: an MRZ line runs nearly across it
_LOOSE_LINE_WIDTH = 0.5  # ... or of a picture with a margin round the card, when three lines stack
_ALIKE_WIDTH = 0.95  # the zone's lines' widths: each within this of the widest
_ALIKE_PITCH = 1.25  # the zone's line gaps: the widest at most this times the narrowest
_STACK_WIDTH = 0.9  # the zone's lines are all 30 characters wide: each within this of another's width
_BAND_REACH = 0.45  # the band lies within this fraction of the card's top or bottom edge
_LINE_HEIGHT = (0.025, 0.09)  # of the card height: MRZ characters are ~2.5-3 mm of 54 mm
_OCR_LINE_HEIGHT = 48  # px: Tesseract reads best with capitals ~30-50 px tall
MRZ_PITCH_MM = 2.54  # ICAO 9303: 10 characters per inch
OCR_B_FONTS = (Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf"),  # Debian fonts-ocr-b
               Path("/usr/share/fonts/truetype/ocr-b/OCRB.ttf"))
_CELL = (20, 22)  # template size (w, h): one OCR-B cell, advance × (digit height + margin)
_CELL_HEIGHT = 1.1  # cell height in pitches: OCR-B digits stand 1.07 pitches tall
_BELOW_BASELINE = 0.03  # how far a cell reaches below the baseline, in pitches


@dataclass(frozen=True)
class MrzBand:
    """Where the zone is on the card image as given; `upside_down` when it is at the top."""

    left: int
    top: int
    right: int
    bottom: int
    line_boxes: tuple[tuple[int, int, int, int], ...]  # x, y, w, h of each text line, top down
    upside_down: bool


# ---------------------------------------------------------------------------------------------------
# Tesseract


Box = tuple[int, int, int, int]  # x, y, width, height


@dataclass(frozen=True)
class OcrWord:
    """One word Tesseract read, with its confidence (0-100) and box."""

    text: str
    conf: float
    box: Box


@dataclass(frozen=True)
class OcrLine:
    """One line Tesseract read: its words in order."""

    words: tuple[OcrWord, ...]

    @property
    def text(self) -> str:
        return " ".join(word.text for word in self.words)

    @property
    def conf(self) -> float:
        """Mean word confidence, 0-100."""
        return sum(word.conf for word in self.words) / len(self.words)

    @property
    def box(self) -> Box:
        return union_box([word.box for word in self.words])


def union_box(boxes: list[Box]) -> Box:
    """The smallest box holding all `boxes`."""
    left, top = min(b[0] for b in boxes), min(b[1] for b in boxes)
    right, bottom = max(b[0] + b[2] for b in boxes), max(b[1] + b[3] for b in boxes)
    return left, top, right - left, bottom - top


def ocr_lines(image: np.ndarray, *, language: str, psm: int, dpi: int, timeout: float,
              whitelist: str | None = None) -> list[OcrLine]:
    """The lines Tesseract finds, in its reading order; single-threaded (ocr.engine sets
    OMP_THREAD_LIMIT) and bounded by `timeout` seconds."""
    words = read_words(image, dpi=dpi, language=language, psm=psm, timeout=timeout, whitelist=whitelist)
    lines: dict[tuple[int, int], list[OcrWord]] = {}
    for word in words:
        lines.setdefault((word.block, word.line), []).append(OcrWord(
            word.text, max(word.conf, 0.0), (word.left, word.top, word.width, word.height)))
    return [OcrLine(tuple(words)) for _, words in sorted(lines.items())]


# ---------------------------------------------------------------------------------------------------
# Finding the band



def _text_lines(grey: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Boxes of wide runs of dark text: black-hat, then characters closed into line blobs."""
    h, w = grey.shape
    unit = max(w / 400, 1.0)  # ~3 px per unit at the canonical 1200 px card width
    blackhat = cv2.morphologyEx(grey, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(
        cv2.MORPH_RECT, (round(9 * unit), round(5 * unit))))
    ink = cv2.threshold(blackhat, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]
    # Close across one character pitch (2.54 mm of 85.6): the sparse fillers of a line join up.
    ink = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(
        cv2.MORPH_RECT, (round(w / 32), 1)))
    ink = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(
        cv2.MORPH_RECT, (round(4 * unit), round(unit))))
    contours, _ = cv2.findContours(ink, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    boxes = [cv2.boundingRect(c) for c in contours]
    return [(int(x), int(y), int(bw), int(bh)) for x, y, bw, bh in boxes
            if bw >= _LOOSE_LINE_WIDTH * w and _LINE_HEIGHT[0] * h <= bh <= _LINE_HEIGHT[1] * h]


def _stack(lines: list[tuple[int, int, int, int]]) -> list[tuple[int, int, int, int]]:
    """The most lines of one width (each at least `_STACK_WIDTH` of the widest of them): the zone's
    lines, which all run 30 characters, not a wide printed line and a shorter one below it."""
    groups = [[box for box in lines if _STACK_WIDTH * widest[2] <= box[2] <= widest[2]] for widest in lines]
    return max(groups, key=lambda group: (len(group), sum(box[2] for box in group)), default=[])


def _three_alike(lines: list[tuple[int, int, int, int]]) -> bool:
    """Whether the lines are an MRZ's three: 30 characters each (one width, within `_ALIKE_WIDTH`)
    set at one pitch (the gaps between them within `_ALIKE_PITCH` of each other)."""
    if len(lines) != 3:
        return False
    widths = [box[2] for box in lines]
    middles = sorted(box[1] + box[3] / 2 for box in lines)
    gaps = [lower - upper for upper, lower in zip(middles, middles[1:])]
    return min(widths) >= _ALIKE_WIDTH * max(widths) and 0 < min(gaps) and max(gaps) <= _ALIKE_PITCH * min(gaps)


def find_mrz_band(card: np.ndarray) -> MrzBand | None:
    """The MRZ of a landscape card image (at its bottom, or at its top when upside down): two or
    three card-wide lines of one width near one edge. None when there is none."""
    grey = to_grey(card)
    h, w = grey.shape
    lines = _text_lines(grey)
    # A card found on no outline is the whole picture, its margin round it: its zone's three lines
    # fill less of that width (0.69 on a loosely cropped back), and are taken narrower when they are
    # the zone's three alike (a front's column of lines is as wide, and not alike).
    for loose, upside_down in itertools.product((False, True), (False, True)):
        near = _stack([box for box in lines if box[2] >= (_LOOSE_LINE_WIDTH if loose else _MIN_LINE_WIDTH) * w
                       and (box[1] <= _BAND_REACH * h if upside_down
                            else box[1] + box[3] >= (1 - _BAND_REACH) * h)])
        if len(near) < 2 or (loose and not _three_alike(near)):
            continue
        near = sorted(near, key=lambda b: b[1])[-3:] if not upside_down \
            else sorted(near, key=lambda b: b[1])[:3]
        pad = max(b[3] for b in near) // 2
        return MrzBand(
            left=max(0, min(b[0] for b in near) - pad), top=max(0, min(b[1] for b in near) - pad),
            right=min(w, max(b[0] + b[2] for b in near) + pad),
            bottom=min(h, max(b[1] + b[3] for b in near) + pad),
            line_boxes=tuple(near), upside_down=upside_down)
    return None


# ---------------------------------------------------------------------------------------------------
# OCR-B templates


@lru_cache(maxsize=1)
def _templates() -> tuple[str, np.ndarray] | None:
    """The 37 MRZ characters as zero-mean, unit-norm cell images, or None without the font."""
    font_path = next((path for path in OCR_B_FONTS if path.exists()), None)
    if font_path is None:
        log.info("OCR-B font not installed: the MRZ is read by Tesseract only")
        return None
    font = ImageFont.truetype(str(font_path), 200)
    advance = font.getlength("<")
    height = round(advance * _CELL_HEIGHT)
    cells = []
    for ch in MRZ_CHARACTERS:
        image = Image.new("L", (round(advance), height), 255)
        ImageDraw.Draw(image).text((0, height - round(advance * _BELOW_BASELINE)), ch, font=font,
                                   fill=0, anchor="ls")
        cells.append(_normalized_cell(np.asarray(image)))
    return MRZ_CHARACTERS, np.stack(cells)


def _normalized_cell(cell: np.ndarray) -> np.ndarray:
    """A cell at template size, softened a little (as print and scanning soften), zero mean and
    unit norm, so a dot product is the normalized cross-correlation."""
    small = cv2.resize(cell.astype(np.float32), _CELL, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (3, 3), 0).ravel()
    small -= small.mean()
    norm = float(np.linalg.norm(small))
    return small / norm if norm > 0 else small


def _glyphs(strip: np.ndarray, pitch: float) -> tuple[list[float], int | None]:
    """x centres of the characters on a line strip (ink components at least a fifth of a pitch
    tall: specks of toner and JPEG are smaller), and the baseline: where the letters and digits,
    all as tall as a pitch, stand (a filler stands higher)."""
    ink = cv2.threshold(strip, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    count, _, stats, centroids = cv2.connectedComponentsWithStats(ink, connectivity=8)
    glyphs = [i for i in range(1, count) if stats[i, cv2.CC_STAT_HEIGHT] >= 0.2 * pitch
              and stats[i, cv2.CC_STAT_WIDTH] <= 1.2 * pitch]
    bottoms = [stats[i, cv2.CC_STAT_TOP] + stats[i, cv2.CC_STAT_HEIGHT] for i in glyphs
               if 0.93 * pitch <= stats[i, cv2.CC_STAT_HEIGHT] <= 1.2 * pitch]
    baseline = round(float(np.median(bottoms))) if bottoms else None
    return sorted(float(centroids[i][0]) for i in glyphs), baseline


def _fit_pitch(centres: list[float], pitch: float) -> tuple[float, float, int] | None:
    """First cell centre, pitch and cell count from glyph centres: each centre is assigned the
    nearest whole cell number, then a straight line is fitted through them."""
    if len(centres) < 5:
        return None
    start, step = centres[0], pitch
    for _ in range(3):
        cells = np.rint((np.array(centres) - start) / step)
        step, start = np.polyfit(cells, centres, 1)
    if not 0.8 * pitch <= step <= 1.2 * pitch:
        return None
    return float(start), float(step), int(cells.max()) + 1


def read_ocr_b(grey: np.ndarray, band: MrzBand, px_per_mm: float) -> list[str] | None:
    """The band's lines read cell by cell against OCR-B glyphs, or None without the font or when
    a line's characters do not stand at the MRZ pitch."""
    templates = _templates()
    if templates is None:
        return None
    characters, bank = templates
    pitch = MRZ_PITCH_MM * px_per_mm
    height = round(_CELL_HEIGHT * pitch)
    lines = []
    for x, y, w, h in band.line_boxes:
        top = max(0, y - round(0.3 * pitch))
        left = max(0, x - round(pitch))
        strip = grey[top:y + h + round(0.3 * pitch), left:x + w + round(pitch)]
        centres, baseline = _glyphs(strip, pitch)
        fit = _fit_pitch(centres, pitch)
        if fit is None or baseline is None:
            return None
        start, step, count = fit
        bottom = top + baseline + round(_BELOW_BASELINE * pitch)
        best = np.full((count, len(characters)), -1.0, np.float32)
        # A few pixels up or down absorb what rectification left of a tilt.
        for shift in range(-2, 3):
            cells = []
            for i in range(count):
                centre = left + start + i * step
                cell = grey[max(0, bottom + shift - height):bottom + shift,
                            max(0, round(centre - step / 2)):round(centre + step / 2)]
                cells.append(_normalized_cell(cell) if cell.size else np.zeros(bank.shape[1]))
            best = np.maximum(best, np.stack(cells) @ bank.T)
        lines.append("".join(characters[i] for i in best.argmax(axis=1)))
    return lines


# ---------------------------------------------------------------------------------------------------
# Reading it


def _scaled(image: np.ndarray, line_height: float) -> tuple[np.ndarray, float]:
    scale = _OCR_LINE_HEIGHT / max(line_height, 1.0)
    if abs(scale - 1) < 0.1:
        return image, 1.0
    return cv2.resize(image, None, fx=scale, fy=scale,
                      interpolation=cv2.INTER_CUBIC if scale > 1 else cv2.INTER_AREA), scale


def _attempts(grey: np.ndarray, band: MrzBand) -> Iterator[tuple[str, np.ndarray, int, float]]:
    """(what, image, page segmentation mode, scale): the band as a block, grey then binarized,
    then each line on its own (a line that Tesseract merges with a neighbour or splits)."""
    line_height = float(np.median([b[3] for b in band.line_boxes]))
    crop = grey[band.top:band.bottom, band.left:band.right]
    scaled, scale = _scaled(crop, line_height)
    yield "band", scaled, 6, scale
    binary = cv2.threshold(cv2.GaussianBlur(scaled, (3, 3), 0), 0, 255,
                           cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]
    yield "band-binary", binary, 6, scale
    pad = round(line_height * 0.35)
    for x, y, bw, bh in band.line_boxes:
        line = grey[max(0, y - pad):y + bh + pad, max(0, x - pad):x + bw + pad]
        yield "line", _scaled(line, line_height)[0], 7, scale


def _better(a: MrzReading | None, b: MrzReading) -> bool:
    """Whether reading `b` beats `a`: the composite verifies, then more checked fields."""
    if a is None:
        return True
    return (b.composite_ok, len(b.fields)) > (a.composite_ok, len(a.fields))


def _readings(grey: np.ndarray, band: MrzBand, dpi: int, timeout: float,
              engines: tuple[str, ...]) -> Iterator[MrzReading]:
    """Readings of the band, cheapest first: OCR-B templates, then the Tesseract attempts."""
    if "ocr-b" in engines and (lines := read_ocr_b(grey, band, dpi / 25.4)):
        yield parse_mrz(lines)
    if "tesseract" not in engines:
        return
    per_line: list[str] = []
    for what, image, psm, scale in _attempts(grey, band):
        try:
            found = ocr_lines(image, language="eng", psm=psm, dpi=round(dpi * scale),
                              timeout=timeout, whitelist=MRZ_CHARACTERS)
        except OcrTimeout:
            log.info("MRZ OCR timed out (%s)", what)
            continue
        if what != "line":
            yield parse_mrz([line.text for line in found])
            continue
        per_line.append("".join(line.text for line in found))
        if len(per_line) == len(band.line_boxes):
            yield parse_mrz(per_line)


def read_mrz(card: np.ndarray, *, dpi: int, timeout: float = 20,
             engines: tuple[str, ...] = ("ocr-b", "tesseract")) -> MrzReading | None:
    """The MRZ reading of an upright card image at `dpi`, or None when it has no MRZ band.

    Readings are tried until one has a verified composite check digit; otherwise the one with
    the most checked fields is returned."""
    band = find_mrz_band(card)
    if band is None or band.upside_down:
        return None
    best: MrzReading | None = None
    for reading in _readings(to_grey(card), band, dpi, timeout, engines):
        if _better(best, reading):
            best = reading
        if best.composite_ok:
            break
    return best
