"""Load one page of a scan as plain 8-bit pixels (grey or RGB), whatever the scanner or phone wrote.

Scans arrive with EXIF rotation, 16-bit depth, CMYK, alpha channels, palettes or 1-bit pixels; OCR and
OpenCV want upright 8-bit pixels. Everything that decodes images lives here so the rest never sees
modes. Grey scans stay grey: a third of the memory and no colour conversion on every page.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, ImageSequence

from ocr import pdf
from schemas.document import FileKind

# A4 is 8.27 in wide; scans that carry no dpi are assumed to be a full page of that width, or, when
# the page has a card's proportions, a card scanned alone (ID-1, ISO/IEC 7810).
_A4_WIDTH_INCHES = 8.27
_DEFAULT_DPI = 300
ID1_MM = (85.6, 53.98)
_PAGE_IS_CARD = (1.48, 1.70)  # a page this shape is a card scanned alone (A4 is 1.41)
_A4_SHAPE = (1.38, 1.45)  # long/short of a whole A4 sheet, a little cropped or padded by the scanner
_A4_SIZE = (0.9, 1.1)  # its width at its dpi, against A4's: the dpi is right
_PLAUSIBLE_DPI = (50, 2400)  # a written dpi outside says nothing of the pixels
_GUESSED_DPI = (100, 1200)  # a guess outside is clamped: a small picture is a coarse page, not a small one


@dataclass(frozen=True)
class PageImage:
    """An upright page and the resolution it was captured at."""

    pixels: np.ndarray  # uint8: H x W for grey scans, H x W x 3 (RGB) for colour
    dpi: int


def page_count(path: Path, kind: FileKind) -> int:
    """How many pages the file holds (frames of a TIFF, pages of a PDF, else one)."""
    if kind is FileKind.PDF:
        return pdf.page_count(path)
    with Image.open(path) as image:
        return getattr(image, "n_frames", 1)


def load_page(path: Path, kind: FileKind, number: int, pdf_dpi: int = _DEFAULT_DPI) -> PageImage:
    """Page `number` (1-based) as upright 8-bit pixels; PDF pages are rasterized at `pdf_dpi` (a
    page that is one low-resolution photo at the photo's own, see `pdf.reading_dpi`; a photo's own
    below any scanner's, as an image file's, says nothing and the dpi is guessed from its size)."""
    if kind is FileKind.PDF:
        dpi = pdf.reading_dpi(path, number, pdf_dpi)
        pixels = pdf.render_page(path, number, dpi=dpi)
        return PageImage(pixels, dpi if plausible_dpi(dpi) else _guess_dpi((pixels.shape[1], pixels.shape[0])))
    with Image.open(path) as image:
        frame = ImageSequence.Iterator(image)[number - 1]
        dpi = _declared_dpi(frame) or _guess_dpi(frame.size)
        upright = ImageOps.exif_transpose(frame)
        return PageImage(to_8bit(upright), dpi)


def to_grey(image: np.ndarray) -> np.ndarray:
    """A grey copy of an RGB image; a grey image as it is."""
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


# Grey levels between the darkest ink and the paper (0.5th and 99.5th percentiles) of a scan with its
# full contrast (~190 on the scans seen); a faded copy or a grey photocopy shows less.
FULL_CONTRAST = 180
_MAX_STRETCH = 4.0  # further, a nearly blank page's grain would pass for print


def full_contrast(image: np.ndarray) -> np.ndarray:
    """`image` (grey or RGB) with its darkest ink and its paper stretched `FULL_CONTRAST` grey levels
    apart when they lie closer, the paper kept where it is: detectors with fixed edge and contrast
    levels then see a faded copy as they see a fresh one. Unchanged when its contrast is full."""
    dark, light = np.percentile(to_grey(image), (0.5, 99.5))
    if light - dark >= FULL_CONTRAST:
        return image
    scale = min(FULL_CONTRAST / max(light - dark, 1.0), _MAX_STRETCH)
    return cv2.convertScaleAbs(image, alpha=scale, beta=light * (1 - scale))


def shrink(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`image` averaged down to `size` (width, height), both no larger than the image's.

    OpenCV's area averaging takes a few milliseconds for an exact halving and about ten times as
    long for any other factor (18 ms for an A4 colour page to 1,200 px). So the image is halved
    while it is at least twice the target, an odd last row or column dropped first, and the last
    step, less than a halving, is linear (each pixel blends the four nearest)."""
    width, height = size
    while image.shape[1] >= 2 * width and image.shape[0] >= 2 * height:
        even = image[:image.shape[0] // 2 * 2, :image.shape[1] // 2 * 2]
        image = cv2.resize(even, (even.shape[1] // 2, even.shape[0] // 2), interpolation=cv2.INTER_AREA)
    if (image.shape[1], image.shape[0]) == (width, height):
        return image
    return cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)


def encode_jpeg(pixels: np.ndarray, quality: int) -> bytes:
    """A grey or RGB image as JPEG bytes."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def to_8bit(image: Image.Image) -> np.ndarray:
    """Any PIL mode to 8-bit grey or RGB: 16-bit scaled (not clipped), alpha composited on white paper."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        wide = np.asarray(image, dtype=np.float64)
        peak = 65535.0 if image.mode.startswith("I;16") or wide.max() > 255 else 255.0
        return np.clip(wide * (255.0 / peak), 0, 255).astype(np.uint8)
    if image.mode == "F":
        return np.clip(np.asarray(image), 0, 255).astype(np.uint8)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flattened = Image.alpha_composite(paper, rgba)
        return np.asarray(flattened.convert("L" if image.mode == "LA" else "RGB"))
    if image.mode in ("1", "L"):
        return np.asarray(image.convert("L"))
    return np.asarray(image.convert("RGB"))


def _declared_dpi(image: Image.Image) -> int | None:
    """The horizontal dpi written by the scanner, when it is plausible."""
    dpi = image.info.get("dpi")
    if not dpi:
        return None
    value = round(float(dpi[0]))
    return value if plausible_dpi(value) else None


def plausible_dpi(dpi: float) -> bool:
    """A resolution some scanner or camera app writes (a 48 dpi photo is a 72 dpi one resized)."""
    return _PLAUSIBLE_DPI[0] <= dpi <= _PLAUSIBLE_DPI[1]


def card_shaped(width: int, height: int) -> bool:
    """A page of a card's proportions, either way round: a card scanned alone (A4 is 1.41)."""
    long, short = max(width, height), min(width, height)
    return short > 0 and _PAGE_IS_CARD[0] <= long / short <= _PAGE_IS_CARD[1]


def a4_sheet(width: int, height: int, dpi: float) -> bool:
    """A whole A4 sheet at `dpi`, by proportions and size: its dpi is then right, whether the scanner
    wrote it or it was guessed from the width."""
    long, short = max(width, height), min(width, height)
    return (short > 0 and _A4_SHAPE[0] <= long / short <= _A4_SHAPE[1]
            and _A4_SIZE[0] <= short / dpi / _A4_WIDTH_INCHES <= _A4_SIZE[1])


def _guess_dpi(size: tuple[int, int]) -> int:
    """A page without dpi: a card scanned alone has a card's length, any other page an A4 page's
    width (a 400 dpi card taken for A4 came out 115 dpi and too small to hold a card). A phone photo
    is no A4 page, but as wide as one at 100 dpi its card is a card's size or larger, never smaller
    (taken for 300 dpi, a 780-pixel photo's card measured 51 mm and was no card)."""
    inches = ID1_MM[0] / 25.4 if card_shaped(*size) else None
    guess = round(max(size) / inches) if inches else round(min(size) / _A4_WIDTH_INCHES)
    return min(max(guess, _GUESSED_DPI[0]), _GUESSED_DPI[1])
