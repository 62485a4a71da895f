"""OpenCV clean-up of a scanned page before Tesseract: upright, straight, cropped, clean, 300 dpi.

Two images come out with the same geometry: `display` keeps the colour (seals, photos, handwriting) for
the searchable PDF, `ocr` is the cleaned grey image Tesseract reads. Because both went through the same
rotations, crops and scaling, word boxes found on one are exact on the other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import cv2
import numpy as np

from ocr.engine import EngineError, OcrTimeout, detect_orientation, read_words
from ocr.images import shrink

# Pages are already processed in parallel, one per core: OpenCV's own thread pool would oversubscribe.
cv2.setNumThreads(1)

TARGET_DPI = 300
_MAX_SKEW = 15.0  # degrees; beyond this a page is treated as rotated, not skewed
_NOISE_SIGMA = 6.0  # Immerkær noise estimate above which the page is median-filtered
_BORDER_DARKNESS = 60  # scanner lids and table shadows are darker than any uneven lighting
_SEAL_MM = (20.0, 60.0)  # sizes of a round seal or received-stamp
_SEAL_SATURATION = 90  # HSV saturation (of 255) of coloured ink
_SEAL_BRIGHTNESS = 60  # ... and its HSV value: black print is never coloured
_PRINT_LEVEL = 192  # flattened grey below this is print (faded toner included), not paper
_MIN_PRINT = 0.0003  # share of the page below it for the page to hold any print
_AXIS_TILES = 4  # text_axis() measures a 4 × 4 grid of patches
_AXIS_MIN_INK = 0.01  # share of a patch that must be ink for it to count
_TEXT_THICKNESS = 0.03  # text is measured without marks thicker both ways than this share of the short side
_EDGE_HEIGHT = 0.3  # ... and without marks taller than this share of the page (a card's or a table's edge)
_LINE_TILTS = (-4.0, -2.0, 2.0, 4.0)  # degrees: line_direction's profiles also taken turned by these
_AXIS_SURE = 0.3  # |text_axis()| below this, or line_direction() disagreeing: OSD decides the axis
_OSD_SURE = 1.5  # OSD orientation confidence below this: Tesseract reads a band four ways
_LEAN_SURE = 0.3  # |ascender_balance()| above this decides which way up; below, Tesseract reads a band
_BAND_INCHES = 1.5  # height of the band read both ways up
_TURN_MARGIN = 5.0  # confidence points the turned band must gain for the page to be turned
_LINE_INK = 0.02  # share of a row's pixels that are ink for it to belong to a text line
_MIN_LINE_ROWS = 4  # rows (half size) of the shortest text line worth measuring
_LEAN_STRIPS = 4  # ascender_balance() measures lines in this many vertical strips
# Tesseract's LSTM reads each line scaled to a fixed height, so letters taller than this many pixels
# only cost layout analysis time (tests/benchmarks/scan_cer.py measured the size, see the README).
_READ_LETTER_PX = 24
_MIN_READ_SCALE = 0.5
_LETTER_MM = (0.8, 6.0)  # heights of a mark that may be a letter (smaller: dots and tone marks)


@dataclass(frozen=True)
class Preprocessed:
    """The page ready for OCR, and what was done to it (stored with the page for the audit trail)."""

    display: np.ndarray  # uint8, grey (H×W) or RGB (H×W×3) as scanned
    ocr: np.ndarray  # grey uint8
    dpi: int
    rotation: int  # degrees clockwise applied to make the page upright (0, 90, 180, 270)
    skew_degrees: float
    scale: float
    cropped: bool
    denoised: bool
    orientation_checked: bool  # Tesseract was asked (OSD, or a band read both ways up); else the image decided
    read_scale: float = 1.0  # `ocr` is read by Tesseract at this scale (large print is read smaller)


def preprocess(pixels: np.ndarray, dpi: int, *, timeout: float = 30) -> Preprocessed:
    """Run the whole chain: scale to 300 dpi, border crop, denoise, flatten light, orientation, deskew.

    Orientation is decided by looking at the page, with Tesseract's OSD only where the image is unsure
    (OSD alone turned one page in five of typefaces it was not trained on):

    1. which way the lines run: rows of text, or columns of it on a page fed sideways (`text_axis`
       patch by patch and `line_direction` over the whole page agree; else OSD when it is sure, else
       Tesseract reading a band of the page four ways);
    2. which way up (`ascender_balance`, after deskewing): ascenders and Vietnamese marks rise above
       the letters of an upright line;
    3. when the lean is faint (seals, show-through, little text), a second opinion from Tesseract on
       a band of the page read both ways up (`_best_turn`).
    """
    scale = TARGET_DPI / dpi if dpi < TARGET_DPI * 0.9 else 1.0
    display = _resize(pixels, scale)
    gray = display if display.ndim == 2 else without_seals(display, round(dpi * scale))

    box = paper_box(gray)
    if box is not None:
        x, y, w, h = box
        display, gray = display[y : y + h, x : x + w], gray[y : y + h, x : x + w]
    denoised = noise_sigma(gray) > _NOISE_SIGMA
    if denoised:
        gray = cv2.medianBlur(gray, 3)
    # Every measurement below runs on the flattened page: shading would otherwise pass for ink.
    flat = flatten_background(gray)

    printed = shows_print(flat)  # a blank page (a card's empty back, a separator sheet) has no way up
    patches, whole = text_axis(flat), line_direction(flat)
    across, down = patches > _AXIS_SURE and whole > 1, patches < -_AXIS_SURE and whole < 1
    asked = printed and not (across or down)
    if asked:
        osd = detect_rotation(flat)
        rotation = osd if osd is not None else _best_turn(flat, (0, 90, 180, 270), timeout)
    else:
        rotation = 90 if down else 0
    if rotation:
        display, flat = _rotate90(display, rotation), _rotate90(flat, rotation)

    skew = estimate_skew(flat)
    if abs(skew) >= 0.1:
        display, flat = _rotate_by(display, skew), _rotate_by(flat, skew)
    lean = ascender_balance(flat)
    faint = printed and abs(lean) <= _LEAN_SURE
    if lean < -_LEAN_SURE or (faint and _best_turn(flat, (0, 180), timeout) == 180):
        display, flat = _rotate90(display, 180), _rotate90(flat, 180)
        rotation = (rotation + 180) % 360
    return Preprocessed(
        display=np.ascontiguousarray(display),
        ocr=np.ascontiguousarray(flat),
        dpi=round(dpi * scale),
        rotation=rotation,
        skew_degrees=round(skew, 2),
        scale=round(scale, 3),
        cropped=box is not None,
        denoised=denoised,
        orientation_checked=asked or faint,
        read_scale=reading_scale(flat, round(dpi * scale)) if printed else 1.0,
    )


def letter_height(gray: np.ndarray, dpi: int) -> float | None:
    """The median height (px) of the marks on a page that are letter-sized and letter-shaped; None
    on a page without any. Measured on a half-size copy (a quarter of the work)."""
    half = shrink(gray, (gray.shape[1] // 2, gray.shape[0] // 2))
    count, _, stats, _ = cv2.connectedComponentsWithStats(_ink(half), connectivity=8)
    heights, widths = stats[1:count, cv2.CC_STAT_HEIGHT], stats[1:count, cv2.CC_STAT_WIDTH]
    low, high = (mm * dpi / 25.4 / 2 for mm in _LETTER_MM)
    letters = (heights >= low) & (heights <= high) & (widths <= 2 * heights) & (widths >= 0.15 * heights)
    return 2 * float(np.median(heights[letters])) if letters.any() else None


def reading_scale(gray: np.ndarray, dpi: int) -> float:
    """The scale at which Tesseract reads this page as well and faster: letters brought down to
    _READ_LETTER_PX, never enlarged, never below half size; chosen so the reading dpi is whole."""
    height = letter_height(gray, dpi)
    if height is None or height <= _READ_LETTER_PX:
        return 1.0
    wanted = max(_MIN_READ_SCALE, _READ_LETTER_PX / height)
    return round(dpi * wanted) / dpi


def without_seals(rgb: np.ndarray, dpi: int) -> np.ndarray:
    """Luminance grey in which round seals and stamps in colour ink fade to paper.

    A seal is a ring of saturated ink, about as wide as it is tall and 2-6 cm across; each of its
    coloured pixels takes its brightest channel, which fades red and blue ink while black print under
    it stays dark, so Tesseract no longer reads the ring and its lettering into the lines they cross.
    Coloured print elsewhere (a card's red heading and number, coloured titles) keeps its luminance:
    it is text to read.
    """
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    factor = 4
    small = cv2.resize(rgb, None, fx=1 / factor, fy=1 / factor, interpolation=cv2.INTER_AREA)
    coloured = cv2.morphologyEx(_coloured_ink(small), cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    _, _, stats, _ = cv2.connectedComponentsWithStats(coloured, connectivity=8)
    low, high = (mm / 25.4 * dpi / factor for mm in _SEAL_MM)
    for x, y, w, h, _area in stats[1:]:
        if low <= w <= high and low <= h <= high and 0.75 <= w / h <= 1.33:
            box = np.s_[y * factor:(y + h) * factor, x * factor:(x + w) * factor]
            # Only the seal's own pixels (and their soft edges): the paper around keeps its grey.
            ink = cv2.dilate(_coloured_ink(rgb[box]), np.ones((3, 3), np.uint8)).astype(bool)
            gray[box][ink] = rgb[box].max(axis=2)[ink]
    return gray


def _coloured_ink(rgb: np.ndarray) -> np.ndarray:
    """1 where a pixel is saturated, not dark ink: a seal's red or a stamp's blue."""
    hsv = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2HSV)
    return ((hsv[..., 1] > _SEAL_SATURATION) & (hsv[..., 2] > _SEAL_BRIGHTNESS)).astype(np.uint8)


def shows_print(gray: np.ndarray) -> bool:
    """Whether the flattened page holds any print at all: a few pixels clearly darker than paper.

    Sampled every fourth pixel without averaging, so thin strokes keep their darkness; faded ink
    counts, faint show-through and cleaned scanner noise do not.
    """
    sample = gray[::4, ::4]
    return np.count_nonzero(sample < _PRINT_LEVEL) >= _MIN_PRINT * sample.size


def line_direction(gray: np.ndarray) -> float:
    """How much more the whole page's ink is organised in rows than in columns (> 1: horizontal lines).

    Printed text gives a row profile with strong peaks (lines) and gaps (leading); turned sideways,
    the peaks move to the column profile. Text columns side by side fool it, sparse text with
    pictures does not (the opposite of `text_axis`), so the two must agree. A few milliseconds.
    """
    small = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    ink = _ink(small)
    # Each profile at its sharpest over a few degrees either way: lines a few degrees off level smear
    # the row profile of a whole page (a card scan turned 4° measured 0.86, "columns").
    turned = [ink, *(_rotate_by(ink, angle, fill=0) for angle in _LINE_TILTS)]
    rows = max(np.var(image.sum(axis=1, dtype=np.float64)) for image in turned) / max(ink.shape[1], 1) ** 2
    columns = max(np.var(image.sum(axis=0, dtype=np.float64)) for image in turned) / max(ink.shape[0], 1) ** 2
    return float(rows / columns) if columns > 0 else float("inf")


def text_axis(gray: np.ndarray) -> float:
    """> 0 when the text lines run across the page, < 0 when they run down it (a page fed sideways).

    Within a patch of text the ink is organised in rows (lines, and the leading between them) when the
    lines are horizontal, in columns when they are vertical. Measured patch by patch and the median
    taken (log of the row/column profile variance ratio), so two text columns side by side, which
    make a whole-page column profile peak, read as what they are. A few ms on a quarter-size copy.
    """
    small = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    ink = _text_marks(_ink(small)).astype(np.float64)
    ratios = []
    for band in np.array_split(ink, _AXIS_TILES, axis=0):
        for patch in np.array_split(band, _AXIS_TILES, axis=1):
            if patch.size == 0 or patch.mean() < _AXIS_MIN_INK:
                continue
            across, down = np.var(patch.sum(axis=1)), np.var(patch.sum(axis=0))
            ratios.append(np.log((across + 1e-9) / (down + 1e-9)))
    return float(np.median(ratios)) if ratios else 0.0


def _text_marks(ink: np.ndarray) -> np.ndarray:
    """The ink (white on black) of marks as thin as text: a photo, a QR code or a card's outline is
    thick or wide both ways, and a card's or a table's edge runs down much of the page; each would
    draw its own shape into the profiles that text is measured by."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    width, height = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    other = (np.minimum(width, height) > _TEXT_THICKNESS * min(ink.shape)) | (height > _EDGE_HEIGHT * ink.shape[0])
    other[0] = True  # the background
    return ~other[labels]


def _best_turn(gray: np.ndarray, turns: tuple[int, ...], timeout: float) -> int:
    """Of `turns` (clockwise degrees, the first the default), the one in which Tesseract reads the
    page's densest band with clearly the most confidence.

    Reading is the surest test of which way text runs, and a band of a few lines at 150 dpi costs a
    fraction of a page; it is asked only where the image tests leave the orientation open.
    """
    small = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)  # once, then turned
    scores = {turn: _confidence(_densest_band(_rotate90(small, turn) if turn else small), timeout)
              for turn in turns}
    best = max(scores, key=lambda turn: scores[turn])
    return best if scores[best] > scores[turns[0]] + _TURN_MARGIN else turns[0]


def _densest_band(small: np.ndarray) -> np.ndarray:
    """The band of rows of a half-size page, `_BAND_INCHES` high, holding the most ink."""
    ink = (_ink(small) > 0).sum(axis=1).astype(np.float64)
    height = max(1, min(len(ink), round(_BAND_INCHES * TARGET_DPI / 2)))
    top = int(np.argmax(np.convolve(ink, np.ones(height), mode="valid")))
    return np.ascontiguousarray(small[top:top + height])


def _confidence(image: np.ndarray, timeout: float) -> float:
    """Tesseract's mean word confidence on an image at 150 dpi, weighted by word length.

    Read as one block of text (psm 6): page segmentation (psm 3) finds vertical lines by itself
    and would read a sideways band confidently.
    """
    try:
        words = read_words(image, dpi=TARGET_DPI // 2, language="vie", psm=6, timeout=timeout)
    except (OcrTimeout, EngineError):
        return 0.0
    counted = [(len(w.text), w.conf) for w in words if w.conf >= 0 and len(w.text) > 1]
    letters = sum(n for n, _ in counted)
    return sum(n * c for n, c in counted) / letters if letters else 0.0


def ascender_balance(gray: np.ndarray) -> float:
    """+1 when each text line's ink outside its x-height core sits above it, -1 when below.

    Latin letters rise (b, d, h, l, capitals) more than they descend, and Vietnamese adds its tone and
    vowel marks on top: upright lines lean up, upside-down lines down. Lines are measured in four
    vertical strips of the page, so text columns, a seal or show-through in one part, and what skew is
    left do not merge lines into one band. Milliseconds on a half-size copy.
    """
    small = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    above = below = 0.0
    for strip in np.array_split(_text_marks(_ink(small)), _LEAN_STRIPS, axis=1):
        profile = strip.sum(axis=1).astype(np.float64)
        inked = profile > _LINE_INK * max(strip.shape[1], 1)
        row = 0
        while row < len(profile):
            if not inked[row]:
                row += 1
                continue
            end = row
            while end < len(profile) and inked[end]:
                end += 1
            band = profile[row:end]
            if end - row >= _MIN_LINE_ROWS:
                core = np.flatnonzero(band >= band.max() / 2)
                above += band[:core[0]].sum()
                below += band[core[-1] + 1:].sum()
            row = end
    return float((above - below) / (above + below)) if above + below else 0.0


def detect_rotation(gray: np.ndarray) -> int | None:
    """Clockwise rotation that makes the page upright, from Tesseract OSD on a half-size copy; None
    when OSD is unsure or finds too little text.

    Half size keeps OSD cheap while letters stay large enough at 150 dpi.
    """
    small = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    found = detect_orientation(small, min_characters=20)
    if found is None or found.confidence < _OSD_SURE:
        return None
    return found.rotate


def estimate_skew(gray: np.ndarray) -> float:
    """Skew angle in degrees (counter-clockwise positive) by maximising the row-profile variance.

    Text lines give sharp peaks in the horizontal projection only when they are level. A coarse search
    on an eighth-size copy, then a fine one on a quarter-size copy around the best angle, costs a few
    tens of milliseconds per page.
    """
    quarter = _ink(cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA))
    if cv2.countNonZero(quarter) < 50:
        return 0.0
    eighth = cv2.resize(quarter, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    coarse = level_angle(eighth, np.arange(-_MAX_SKEW, _MAX_SKEW + 0.01, 1.0))
    return level_angle(quarter, np.arange(max(coarse - 1.0, -_MAX_SKEW), min(coarse + 1.0, _MAX_SKEW) + 0.01, 0.1))


def level_angle(ink: np.ndarray, angles: Iterable[float]) -> float:
    """Of `angles` (degrees, counter-clockwise), the turn that makes the ink (white on black) level:
    rows of print give sharp peaks in the row profile only when level."""
    def sharpness(angle: float) -> float:
        return float(np.var(_rotate_by(ink, angle, fill=0).sum(axis=1, dtype=np.float64)))

    return float(max(angles, key=sharpness))


def _ink(gray: np.ndarray) -> np.ndarray:
    """Ink as white on black (Otsu), the form projections and component analysis want."""
    return cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]


def paper_box(gray: np.ndarray) -> tuple[int, int, int, int] | None:
    """The bright paper inside a dark scanner border or shadow, as (x, y, w, h); None when no border.

    Only dark regions connected to the image edge count as border, so dark content on the page (a
    photo, a table rule) never gets cropped. Measured on a quarter-size copy, returned at full size.
    """
    factor = 4
    small = cv2.resize(gray, None, fx=1 / factor, fy=1 / factor, interpolation=cv2.INTER_AREA)
    dark = (small < _BORDER_DARKNESS).astype(np.uint8)
    h, w = dark.shape
    _, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    edge_labels = set(np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])))
    edge_labels.discard(0)
    border = [lab for lab in edge_labels if stats[lab, cv2.CC_STAT_AREA] > 0.002 * h * w]
    if not border:
        return None
    paper = np.isin(labels, border, invert=True).astype(np.uint8)
    paper = cv2.morphologyEx(paper, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(paper, connectivity=4)
    if count < 2:
        return None
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, bw, bh = (int(v) for v in stats[largest, :4])
    if bw * bh < 0.5 * h * w or (bw, bh) == (w, h):
        return None
    inset = 1  # drop the soft edge of the shadow (4 px at full size)
    return ((x + inset) * factor, (y + inset) * factor,
            max(bw - 2 * inset, 1) * factor, max(bh - 2 * inset, 1) * factor)


def noise_sigma(gray: np.ndarray) -> float:
    """Immerkær's fast noise estimate: a Laplacian-difference kernel that cancels smooth image content."""
    kernel = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)
    response = cv2.filter2D(gray.astype(np.float32), -1, kernel)
    h, w = gray.shape
    return float(np.sum(np.abs(response)) * np.sqrt(0.5 * np.pi) / (6.0 * (w - 2) * (h - 2)))


def flatten_background(gray: np.ndarray, light: np.ndarray | None = None) -> np.ndarray:
    """Divide by the estimated paper brightness: uneven light and yellow paper become white.

    The result stays grey (not hard black/white): Tesseract's LSTM reads grey better than a global
    threshold would leave it, and its own Otsu step then works on an even background. `light` is
    `paper_light(gray)` when the caller measured it already.
    """
    light = paper_light(gray) if light is None else light
    background = cv2.resize(cv2.medianBlur(light, 5), (gray.shape[1], gray.shape[0]),
                            interpolation=cv2.INTER_LINEAR)
    return cv2.divide(gray, np.maximum(background, 1), scale=255)


def paper_light(gray: np.ndarray) -> np.ndarray:
    """The paper's brightness at an eighth of the size: the print closed away (letters are thinner
    than the 7-pixel window there)."""
    small = cv2.resize(gray, None, fx=0.125, fy=0.125, interpolation=cv2.INTER_AREA)
    return cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))


def _resize(image: np.ndarray, scale: float) -> np.ndarray:
    if scale == 1.0:
        return image
    return cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)


def _rotate90(image: np.ndarray, clockwise_degrees: int) -> np.ndarray:
    turns = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return cv2.rotate(image, turns[clockwise_degrees])


def _rotate_by(image: np.ndarray, degrees: float, fill: int = 255) -> np.ndarray:
    """Rotate counter-clockwise by `degrees` about the centre, same canvas, paper-white fill."""
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    border = (fill,) * (image.shape[2] if image.ndim == 3 else 1)
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=border)
