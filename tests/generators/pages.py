"""Scanned Vietnamese pages with exact ground truth: typeset like a printer, spoiled like a scanner.

OCR tests and benchmarks need pages whose text is known to the character, printed in the fonts
offices use, in the states real scans arrive in (skewed, sideways, noisy, blurred, yellowed,
stamped, bordered, over-compressed) and in the file formats scanners and phones write
(EXIF-rotated JPEG, multi-page TIFF, 16-bit PNG, CMYK JPEG, transparent PNG). Everything is seeded:
same seed, same pixels.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import ExifTags, Image, ImageColor, ImageDraw, ImageFilter, ImageFont, features

from tests.generators import corpus

FONT_DIR = Path("/usr/share/fonts/truetype")

# Family → (regular, bold) under FONT_DIR; all cover Vietnamese (`fc-list :lang=vi`). Liberation
# Serif is metric-compatible with Times New Roman, the font Decree 30/2020 prescribes for official
# papers.
FONTS: dict[str, tuple[str, str]] = {
    "Liberation Serif": ("liberation2/LiberationSerif-Regular.ttf",
                         "liberation2/LiberationSerif-Bold.ttf"),
    "Liberation Sans": ("liberation2/LiberationSans-Regular.ttf",
                        "liberation2/LiberationSans-Bold.ttf"),
    "DejaVu Serif": ("dejavu/DejaVuSerif.ttf", "dejavu/DejaVuSerif-Bold.ttf"),
    "DejaVu Sans": ("dejavu/DejaVuSans.ttf", "dejavu/DejaVuSans-Bold.ttf"),
    "Noto Serif": ("noto/NotoSerif-Regular.ttf", "noto/NotoSerif-Bold.ttf"),
    "Noto Sans": ("noto/NotoSans-Regular.ttf", "noto/NotoSans-Bold.ttf"),
}
# Faces the reading code is never tuned on: benchmarks report them apart, as an unseen office's scans.
HELD_OUT_FONTS: dict[str, tuple[str, str]] = {
    "DejaVu Sans Condensed": ("dejavu/DejaVuSansCondensed.ttf", "dejavu/DejaVuSansCondensed-Bold.ttf"),
    "DejaVu Serif Condensed": ("dejavu/DejaVuSerifCondensed.ttf",
                               "dejavu/DejaVuSerifCondensed-Bold.ttf"),
    "Noto Serif Display": ("noto/NotoSerifDisplay-Regular.ttf", "noto/NotoSerifDisplay-Bold.ttf"),
    "Noto Sans Display": ("noto/NotoSansDisplay-Regular.ttf", "noto/NotoSansDisplay-Bold.ttf"),
}
# A face with no Vietnamese letters (URW's Helvetica clone, Debian fonts-urw-base35): some card
# printers' fonts lack ặ, ư, ờ... too (printing nothing or a box). Only in the "glyphless" card look.
GLYPHLESS_FONTS: dict[str, tuple[str, str]] = {
    "Nimbus Sans": ("../opentype/urw-base35/NimbusSans-Regular.otf",
                    "../opentype/urw-base35/NimbusSans-Bold.otf"),
}


class Paper(NamedTuple):
    """Paper size in millimetres, portrait."""

    width_mm: float
    height_mm: float


PAPERS: dict[str, Paper] = {"A4": Paper(210, 297), "A5": Paper(148, 210), "A6": Paper(105, 148)}


class Margins(NamedTuple):
    """Page margins in millimetres, in CSS order."""

    top: float
    right: float
    bottom: float
    left: float


# Decree 30/2020 asks for a wider left margin (binding side); scaled down here to suit A5 pages.
DEFAULT_MARGINS = Margins(top=15, right=12, bottom=15, left=20)


@dataclass(frozen=True)
class RenderedPage:
    """A page image and the exact text drawn on it, one line per printed line, in reading order."""

    image: Image.Image
    text: str
    dpi: int


def _mm_to_px(mm: float, dpi: int) -> int:
    return round(mm / 25.4 * dpi)


@lru_cache(maxsize=64)
def _font(family: str, bold: bool, size_px: int) -> ImageFont.FreeTypeFont:
    """A loaded font; RAQM shaping places stacked Vietnamese marks (Ấ, Ệ) as a printer would."""
    layout = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
    path = FONT_DIR / (FONTS | HELD_OUT_FONTS | GLYPHLESS_FONTS)[family][bold]
    return ImageFont.truetype(str(path), size_px, layout_engine=layout)


# Line pitch and baseline position as multiples of the font size. Stacked capitals (Ộ, Ễ) reach 1.07
# above the baseline and dots below (ậ) 0.24 under it in every font above, so ink stays in its line.
_LINE_PITCH = 1.5
_BASELINE = 1.1


class _Typesetter:
    """Draws lines top to bottom inside the text box and remembers the ones that fit on the page."""

    def __init__(self, image: Image.Image, box: tuple[int, int, int, int]) -> None:
        self.draw = ImageDraw.Draw(image)
        self.left, self.top, self.right, self.bottom = box
        self.y = self.top
        self.lines: list[str] = []
        self.next_columns: list[tuple[int, int]] = []  # (left, right) of the columns still empty
        self.column_top = self.top

    def split_columns(self, count: int, gutter: int) -> None:
        """From here on, text flows down `count` columns side by side, one after the other."""
        width = (self.right - self.left - gutter * (count - 1)) / count
        edges = [(round(self.left + i * (width + gutter)), round(self.left + i * (width + gutter) + width))
                 for i in range(count)]
        (self.left, self.right), self.next_columns = edges[0], edges[1:]
        self.column_top = self.y

    def line(self, text: str, font: ImageFont.FreeTypeFont, *, centred: bool = False,
             indent: int = 0, underline: bool = False) -> bool:
        """Draw one line; False (and nothing drawn) once the page is full."""
        pitch = round(font.size * _LINE_PITCH)
        if self.y + pitch > self.bottom and self.next_columns:
            (self.left, self.right), self.next_columns = self.next_columns[0], self.next_columns[1:]
            self.y = self.column_top
        if self.y + pitch > self.bottom:
            return False
        width = self.draw.textlength(text, font=font)
        x = self.left + ((self.right - self.left - width) / 2 if centred else indent)
        baseline = self.y + round(font.size * _BASELINE)
        self.draw.text((x, baseline), text, font=font, fill=0, anchor="ls")
        if underline:  # the short rule printed under the motto
            rule_y = self.y + pitch + font.size // 8
            self.draw.line([(x + width * 0.15, rule_y), (x + width * 0.85, rule_y)], fill=0,
                           width=max(1, round(font.size / 20)))
        self.lines.append(text)
        self.y += pitch
        return True

    def paragraph(self, text: str, font: ImageFont.FreeTypeFont, *, indent: int = 0,
                  centred: bool = False) -> bool:
        """Greedy word wrap, first line indented or all centred; False once the page is full."""
        current, first = "", True
        for word in text.split():
            candidate = f"{current} {word}".strip()
            room = self.right - self.left - (indent if first else 0)
            if current and self.draw.textlength(candidate, font=font) > room:
                if not self.line(current, font, centred=centred, indent=indent if first else 0):
                    return False
                current, first = word, False
            else:
                current = candidate
        return not current or self.line(current, font, centred=centred,
                                        indent=indent if first else 0)

    def skip(self, pixels: int) -> None:
        """Vertical white space between blocks."""
        self.y += pixels


def render_page(
    paragraphs: Sequence[str],
    *,
    title: str | None = None,
    font: str = "Liberation Serif",
    size_pt: float = 13,
    dpi: int = 300,
    paper: str | Paper = "A5",
    margins: Margins = DEFAULT_MARGINS,
    motto: bool = True,
    columns: int = 1,
) -> RenderedPage:
    """Typeset an administrative page: motto header, bold title, indented word-wrapped paragraphs.

    Without `motto` and `title` it is a continuation page of a longer paper. With `columns` > 1 the
    paragraphs flow down side-by-side columns (a bulletin, a newsletter) and `text` holds them column
    by column, the order a reader follows.

    Lines that do not fit above the bottom margin are dropped and left out of the ground truth, so
    `text` is always exactly what is printed (the title is printed, and recorded, in capitals).
    """
    size = PAPERS[paper] if isinstance(paper, str) else paper
    image = Image.new("L", (_mm_to_px(size.width_mm, dpi), _mm_to_px(size.height_mm, dpi)), 255)
    size_px = round(size_pt * dpi / 72)
    box = (_mm_to_px(margins.left, dpi), _mm_to_px(margins.top, dpi),
           image.width - _mm_to_px(margins.right, dpi),
           image.height - _mm_to_px(margins.bottom, dpi))
    setter = _Typesetter(image, box)
    if motto:  # one line each, shrunk to the text width on narrow paper as form designers do
        probe = _font(font, True, size_px)
        motto_px = min(size_px, int(size_px * (box[2] - box[0]) / probe.getlength(corpus.MOTTO[0])))
        setter.line(corpus.MOTTO[0], _font(font, True, motto_px), centred=True)
        setter.line(corpus.MOTTO[1], _font(font, True, motto_px), centred=True, underline=True)
        setter.skip(size_px)
    if title:
        setter.paragraph(title.upper(), _font(font, True, round(size_px * 1.15)), centred=True)
        setter.skip(size_px // 2)
    if columns > 1:
        setter.split_columns(columns, gutter=_mm_to_px(8, dpi))
    for text in paragraphs:
        if not setter.paragraph(text, _font(font, False, size_px), indent=size_px * 2):
            break
    return RenderedPage(image=image, text="\n".join(setter.lines), dpi=dpi)


def sample_page(
    rng: np.random.Generator,
    *,
    paragraphs: int = 2,
    paper: str | Paper = "A5",
    dpi: int = 300,
    font: str | None = None,
    size_pt: float | None = None,
    title: str | None = None,
) -> RenderedPage:
    """A page with random text, heading, font and 10-14 pt size (unless given); small by default so
    OCR stays fast."""
    text_rng = random.Random(int(rng.integers(2**32)))  # the corpus draws with the stdlib's rng
    return render_page(
        corpus.paragraphs(text_rng, paragraphs, sentences_each=2),
        title=title or text_rng.choice(corpus.HEADINGS),
        font=font or list(FONTS)[rng.integers(len(FONTS))],
        size_pt=size_pt or float(rng.integers(20, 29)) / 2,
        dpi=dpi,
        paper=paper,
    )


# --- Degradations: pure functions, image in, new image out; randomness only through `rng`. ------


def _white(image: Image.Image) -> int | tuple[int, ...]:
    return ImageColor.getcolor("white", image.mode)


def _to_image(pixels: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def skew(image: Image.Image, degrees: float) -> Image.Image:
    """Rotate counter-clockwise by `degrees`, canvas grown and filled white like a crooked feed."""
    return image.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True,
                        fillcolor=_white(image))


def rotate90(image: Image.Image, k: int) -> Image.Image:
    """`k` counter-clockwise quarter turns: a page fed sideways (k=1, 3) or upside down (k=2)."""
    return image.rotate(90 * (k % 4), expand=True)


def gaussian_noise(image: Image.Image, sigma: float = 12.0, *,
                   rng: np.random.Generator) -> Image.Image:
    """Sensor noise: every pixel shifted by N(0, sigma) grey levels."""
    pixels = np.asarray(image, dtype=np.float32)
    return _to_image(pixels + rng.normal(0.0, sigma, pixels.shape))


def salt_pepper(image: Image.Image, amount: float = 0.004, *,
                rng: np.random.Generator) -> Image.Image:
    """Dust and dropouts: a fraction `amount` of pixels turned pure black or pure white."""
    pixels = np.array(image)
    hit = rng.random(pixels.shape[:2]) < amount
    dots = rng.choice(np.array([0, 255], dtype=np.uint8), size=int(hit.sum()))
    pixels[hit] = dots[:, None] if pixels.ndim == 3 else dots
    return Image.fromarray(pixels)


def blur(image: Image.Image, radius: float = 1.2) -> Image.Image:
    """Out of focus (phone) or a dirty scanner lens: Gaussian blur of `radius` pixels."""
    return image.filter(ImageFilter.GaussianBlur(radius))


def jpeg(image: Image.Image, quality: int = 25) -> Image.Image:
    """JPEG blocking and ringing, as from a scanner's 'small file' setting."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    reloaded = Image.open(buffer)
    reloaded.load()
    return reloaded


def low_dpi(image: Image.Image, scale: float = 200 / 300) -> Image.Image:
    """Resample as if scanned at a lower resolution (default 300 → 200 dpi, the legal minimum)."""
    size = (round(image.width * scale), round(image.height * scale))
    return image.resize(size, Image.Resampling.BOX)


def uneven_light(image: Image.Image, strength: float = 0.45, *,
                 rng: np.random.Generator) -> Image.Image:
    """Shading that darkens one side of the page, like a phone photo or a lifted scanner lid."""
    height, width = image.height, image.width
    angle = rng.uniform(0, 2 * np.pi)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    ramp = xs / width * np.cos(angle) + ys / height * np.sin(angle)
    ramp = (ramp - ramp.min()) / (ramp.max() - ramp.min())
    factor = 1.0 - strength * ramp**1.5
    pixels = np.asarray(image, dtype=np.float32)
    return _to_image(pixels * (factor[..., None] if pixels.ndim == 3 else factor))


def border(image: Image.Image, width_frac: float = 0.04, *,
           rng: np.random.Generator) -> Image.Image:
    """The dark frame and edge shadow a flatbed leaves around a page smaller than its glass."""
    page = np.asarray(image, dtype=np.float32)
    height, width = page.shape[:2]
    # Soft shadow along the paper's edges, fading inwards.
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    edge = np.minimum(np.minimum(xs, width - 1 - xs), np.minimum(ys, height - 1 - ys))
    shade = 1.0 - 0.5 * np.exp(-edge / (max(width, height) * 0.008))
    page = page * (shade[..., None] if page.ndim == 3 else shade)
    left, top, right, bottom = (int(max(width, height) * width_frac * rng.uniform(0.5, 1.5))
                                for _ in range(4))
    canvas_shape = (height + top + bottom, width + left + right) + page.shape[2:]
    canvas = rng.normal(40.0, 8.0, canvas_shape)
    canvas[top:top + height, left:left + width] = page
    return _to_image(canvas)


def color_paper(
    image: Image.Image,
    *,
    rng: np.random.Generator,
    paper: tuple[int, int, int] = (242, 231, 192),
    ink: tuple[int, int, int] = (30, 30, 45),
    stamp: bool = True,
    stamp_text: str | None = None,
    stamp_ink: tuple[int, int, int, int] = (35, 60, 170, 190),
) -> Image.Image:
    """Yellowed paper, dark ink and, optionally, a stamp ring (with text) on top: a blue received-stamp
    by default, or an office's red seal with `stamp_ink` (RGBA).

    The stamp text is not part of any ground truth: OCR reading it is a realistic error.
    """
    lightness = np.asarray(image.convert("L"), dtype=np.float32)[..., None] / 255.0
    coloured = _to_image(lightness * np.array(paper) + (1.0 - lightness) * np.array(ink))
    if not stamp:
        return coloured
    overlay = Image.new("RGBA", coloured.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    radius = int(min(coloured.size) * 0.12)
    cx = int(coloured.width * rng.uniform(0.55, 0.8))
    cy = int(coloured.height * rng.uniform(0.55, 0.8))
    for r, w in ((radius, max(2, radius // 12)), (int(radius * 0.8), max(1, radius // 30))):
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=stamp_ink, width=w)
    if stamp_text:  # sized so the longest line spans 1.4 inner radii
        longest = max(stamp_text.splitlines(), key=len)
        probe = _font("DejaVu Sans", True, 100)
        size_px = max(8, int(100 * radius * 0.8 * 1.4 / probe.getlength(longest)))
        draw.multiline_text((cx, cy), stamp_text, fill=stamp_ink, anchor="mm", align="center",
                            font=_font("DejaVu Sans", True, size_px))
    return Image.alpha_composite(coloured.convert("RGBA"), overlay).convert("RGB")


def faded_ink(image: Image.Image, fade: float = 0.5) -> Image.Image:
    """Worn toner or a light photocopy: ink lifted towards the paper by `fade` (0 black, 1 gone)."""
    pixels = np.asarray(image, dtype=np.float32)
    return _to_image(255.0 - (255.0 - pixels) * (1.0 - fade))


def bleed_through(image: Image.Image, strength: float = 0.15, *,
                  rng: np.random.Generator) -> Image.Image:
    """The back of a thin sheet showing through: the page's own print mirrored, shifted and faint."""
    verso = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT).filter(ImageFilter.GaussianBlur(1.5))
    shift = (int(rng.integers(-40, 41)), int(rng.integers(10, 40)))
    back = 255.0 - np.roll(255.0 - np.asarray(verso, dtype=np.float32), shift, axis=(1, 0))
    pixels = np.asarray(image, dtype=np.float32)
    return _to_image(np.minimum(pixels, 255.0 - (255.0 - back) * strength))


Degradation = Callable[[Image.Image, np.random.Generator], Image.Image]

# Each entry applies its degradation at a realistic, rng-chosen level; tests parametrize over it.
DEGRADATIONS: dict[str, Degradation] = {
    "skew": lambda im, rng: skew(im, float(rng.uniform(2, 6) * rng.choice([-1, 1]))),
    "rotate90": lambda im, rng: rotate90(im, int(rng.integers(1, 4))),
    "gaussian_noise": lambda im, rng: gaussian_noise(im, float(rng.uniform(8, 20)), rng=rng),
    "salt_pepper": lambda im, rng: salt_pepper(im, float(rng.uniform(0.002, 0.008)), rng=rng),
    "blur": lambda im, rng: blur(im, float(rng.uniform(0.8, 1.6))),
    "jpeg": lambda im, rng: jpeg(im, int(rng.integers(15, 40))),
    "low_dpi": lambda im, rng: low_dpi(im),
    "uneven_light": lambda im, rng: uneven_light(im, float(rng.uniform(0.3, 0.6)), rng=rng),
    "border": lambda im, rng: border(im, rng=rng),
    "color_paper": lambda im, rng: color_paper(im, rng=rng, stamp_text="ĐÃ TIẾP NHẬN"),
}


def degraded_variants(
    rng: np.random.Generator, page: RenderedPage | None = None
) -> list[tuple[str, Image.Image, str]]:
    """(degradation name, degraded image, ground truth) for every DEGRADATIONS entry on one page."""
    page = page or sample_page(rng)
    return [(name, degrade(page.image, rng), page.text) for name, degrade in DEGRADATIONS.items()]


# --- Writers: the file formats scanners and phones really produce. ------------------------------


def save_png(image: Image.Image, path: Path, *, dpi: int = 300) -> Path:
    """Lossless page, the raw-scan format the national guidance asks for."""
    image.save(path, format="PNG", dpi=(dpi, dpi))
    return path


# Transpose that stores an upright page so that applying the EXIF Orientation makes it upright again
# (the inverse of what ImageOps.exif_transpose applies for each tag value).
_STORED_FOR_ORIENTATION: dict[int, Image.Transpose | None] = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def save_jpeg(image: Image.Image, path: Path, *, quality: int = 90, dpi: int = 300,
              exif_orientation: int = 1) -> Path:
    """JPEG; with `exif_orientation` != 1 the pixels are stored turned, as a phone held sideways
    writes them, and only a reader that honours the EXIF tag sees the page upright."""
    transpose = _STORED_FOR_ORIENTATION[exif_orientation]
    stored = image.transpose(transpose) if transpose is not None else image
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = exif_orientation
    stored.save(path, format="JPEG", quality=quality, dpi=(dpi, dpi), exif=exif)
    return path


def save_tiff_multipage(pages: Sequence[Image.Image], path: Path, *, dpi: int = 300,
                        compression: str = "tiff_lzw") -> Path:
    """One TIFF holding every page as a frame, as sheet-fed scanners write a dossier."""
    first, *rest = pages
    first.save(path, format="TIFF", save_all=True, append_images=rest, compression=compression,
               dpi=(dpi, dpi))
    return path


def save_16bit_png(image: Image.Image, path: Path, *, dpi: int = 300) -> Path:
    """16-bit greyscale PNG (mode I;16), as scanners set to 'high quality' or 48-bit write."""
    wide = np.asarray(image.convert("L"), dtype=np.uint16) * 257
    Image.fromarray(wide).save(path, format="PNG", dpi=(dpi, dpi))
    return path


def save_cmyk_jpeg(image: Image.Image, path: Path, *, quality: int = 90, dpi: int = 300) -> Path:
    """CMYK JPEG, as print-oriented scanning software and some copiers emit."""
    image.convert("CMYK").save(path, format="JPEG", quality=quality, dpi=(dpi, dpi))
    return path


def save_rgba_png(image: Image.Image, path: Path, *, dpi: int = 300) -> Path:
    """PNG with a transparent background: ink is opaque black, paper fully transparent.

    The transparent pixels carry black RGB (as many export tools write them), so a reader that drops
    the alpha channel instead of compositing on white gets a black page: the bug this file catches.
    """
    alpha = Image.eval(image.convert("L"), lambda value: 255 - value)
    rgba = Image.new("RGBA", image.size, (0, 0, 0, 0))
    rgba.putalpha(alpha)
    rgba.save(path, format="PNG", dpi=(dpi, dpi))
    return path
