"""Vietnamese identity cards with exact ground truth: drawn like real cards, spoiled like copies.

The identity reader has three sources (QR, MRZ, printed text) and must route every card it cannot
trust to review. To score it we need cards whose every source is known: chip CCCD fronts with a
real QR (DESIGN 5.2), backs with a real TD1 MRZ and correct check digits (5.3), the barcode-era
2016 CCCD, the 2024 Căn cước and the old 9-digit CMND, each with its printed labels (5.4). Cards
are drawn at 600 dpi on the ID-1 format, then placed as offices receive them: photocopied on A4 at
an angle, photographed by a phone, glared, blurred, over-compressed, at low resolution, or with the
QR covered by a sticker or scratched. `card_dataset` yields every variant with the fields a perfect
reader could recover and which sources should be readable. Same seed, same pixels.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import groupby
from pathlib import Path
from typing import Literal, NamedTuple

import cv2
import numpy as np
import qrcode
from PIL import Image, ImageDraw, ImageFont

from tests.generators import pages
from tests.generators.card_codes import td1_lines as build_td1
from tests.generators.pages import _font
from tests.generators.people import CardType, Person, make_person

DPI = 600
CARD_MM = (85.6, 53.98)  # ISO/IEC 7810 ID-1
CORNER_MM = 3.18
PX_PER_MM = DPI / 25.4
OCR_B = Path("/usr/share/fonts/opentype/ocr-b/OCRB.otf")  # Debian fonts-ocr-b
SANS, SERIF = "Liberation Sans", "Liberation Serif"  # Arial / Times metrics, as printed on cards

class Look(NamedTuple):
    """How one card printer's output looks: the fonts of labels and of values, which values sit
    under their labels rather than beside them, and a shift of the background's colours."""

    labels: str = SANS
    values: str = SANS
    name_below: bool = True
    origin_below: bool = True
    tint: tuple[int, int, int] = (0, 0, 0)
    boxes: bool = False  # a letter the font lacks printed as an empty box, not as nothing
    box_stroke: float = 0.05  # the box's line width, as a share of the font size (bold: x1.6)
    box_width: float = 0.76  # the box's width, as a share of an "n"


DEFAULT_LOOK = Look()
# Looks vary in the benchmark sets; the held-out fonts never appear in what the reader is tuned on.
TUNING_FONTS = ("Liberation Sans", "DejaVu Sans")
HELD_OUT_FONTS = ("Noto Sans", "Noto Serif", "DejaVu Serif")


def random_look(rng: np.random.Generator, *, held_out: bool = False,
                fonts: tuple[str, ...] | None = None, boxes: bool = False) -> Look:
    """A printer's look: fonts from the tuning set (or only the held-out one, or `fonts`), placements,
    tint, and with `boxes` the missing-glyph box its font prints (line width and width drawn last,
    so the other choices stay those of earlier sessions' sets)."""
    fonts = fonts or (HELD_OUT_FONTS if held_out else TUNING_FONTS)
    reach = 28 if held_out else 14
    return Look(labels=str(rng.choice(fonts)), values=str(rng.choice(fonts)),
                name_below=bool(rng.random() < 0.6), origin_below=bool(rng.random() < 0.6),
                tint=tuple(int(v) for v in rng.integers(-reach, reach + 1, 3)), boxes=boxes,
                box_stroke=float(rng.uniform(0.03, 0.09)), box_width=float(rng.uniform(0.5, 0.85)))


INK = (25, 25, 35)
LABEL_INK = (45, 45, 60)
RED = (200, 32, 40)
YELLOW = (240, 200, 50)

Side = Literal["front", "back"]
Box = tuple[int, int, int, int]
Quad = tuple[tuple[float, float], ...]  # four corners, clockwise from the card's top-left


@dataclass(frozen=True)
class TextLine:
    """One string printed on a card and its pixel box."""

    text: str
    box: Box


@dataclass(frozen=True)
class CardFace:
    """One side of a card at 600 dpi with what is printed on it."""

    image: Image.Image
    lines: tuple[TextLine, ...]
    qr_box: Box | None = None
    qr_payload: str | None = None
    mrz: tuple[str, str, str] | None = None


@dataclass(frozen=True)
class Scene:
    """An image holding one or more cards, with each card's corners in image pixels."""

    image: Image.Image
    quads: tuple[Quad, ...]
    dpi: int  # resolution of the cards in the image


# --- Sources: QR payloads and the MRZ -------------------------------------------------------------


def _ddmmyyyy(day: date | None) -> str:
    return day.strftime("%d%m%Y") if day else ""


def chip_qr_payload(person: Person) -> str:
    """The chip CCCD (2021) QR text, DESIGN 5.2."""
    return "|".join([person.id_number, person.old_id_number or "", person.full_name,
                     _ddmmyyyy(person.date_of_birth), person.sex_vi, person.place_of_residence,
                     _ddmmyyyy(person.date_of_issue)])


def can_cuoc_qr_payload(person: Person) -> str:
    """The Căn cước (2024) QR text. Its order is not published (DESIGN 5.2); this generator assumes
    the chip CCCD's seven fields, then expiry (empty when none), father's and mother's names."""
    return "|".join([chip_qr_payload(person), _ddmmyyyy(person.date_of_expiry),
                     person.father_name, person.mother_name])


def td1_lines(person: Person) -> tuple[str, str, str]:
    """The card's 3 × 30 MRZ (DESIGN 5.3), written by the project's own builder; the card tests check
    it against an independent ICAO 9303 computation."""
    expiry = person.date_of_expiry
    line1, line2, line3 = build_td1(
        id_number=person.id_number, full_name=person.full_name,
        date_of_birth=person.date_of_birth.isoformat(), sex=person.sex,
        date_of_expiry=expiry.isoformat() if expiry else "none")
    return line1, line2, line3


# --- Drawing helpers ------------------------------------------------------------------------------


def _px(mm: float) -> int:
    return round(mm * PX_PER_MM)


def _pt_font(family: str, bold: bool, pt: float) -> ImageFont.FreeTypeFont:
    return _font(family, bold, round(pt * DPI / 72))


@lru_cache(maxsize=4)
def _ocr_b(size_px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(OCR_B), size_px)


@lru_cache(maxsize=4096)
def _lacks(font: ImageFont.FreeTypeFont, letter: str) -> bool:
    """Whether `font` has no glyph for `letter` (it would print nothing)."""
    return not letter.isspace() and font.getmask(letter).getbbox() is None


def _length(font: ImageFont.FreeTypeFont, text: str, boxes: bool) -> float:
    """Printed width in pixels; with `boxes`, each letter the font lacks takes one "n"'s width."""
    if boxes:
        text = "".join("n" if _lacks(font, letter) else letter for letter in text)
    return font.getlength(text)


def _boxed_text(draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str,
                font: ImageFont.FreeTypeFont, fill: tuple[int, int, int], anchor: str,
                look: Look, bold: bool) -> Box:
    """Draw `text` on its baseline, each letter the font lacks as an empty box (the font's
    missing-glyph box, as old card printers print "Đ□NG"; its line width and width from `look`);
    returns the ink box. `anchor` is "ls" or "ms" (left or middle of the baseline)."""
    x = xy[0] - (_length(font, text, True) / 2 if anchor[0] == "m" else 0)
    baseline = xy[1]
    cap = -font.getbbox("H", anchor="ls")[1]
    cell = font.getlength("n")
    margin = (1 - look.box_width) / 2
    stroke = max(1, round(font.size * look.box_stroke * (1.6 if bold else 1)))
    boxes: list[Box] = []
    for present, run in ((k, "".join(g)) for k, g in
                         groupby(text, key=lambda letter: not _lacks(font, letter))):
        if present:
            draw.text((x, baseline), run, font=font, fill=fill, anchor="ls")
            boxes.append(tuple(int(v) for v in draw.textbbox((x, baseline), run, font=font,
                                                             anchor="ls")))
            x += font.getlength(run)
            continue
        for _ in run:
            box = (round(x + cell * margin), round(baseline - cap), round(x + cell * (1 - margin)),
                   baseline)
            draw.rectangle(box, outline=fill, width=stroke)
            boxes.append(box)
            x += cell
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))


def _wrap(text: str, font: ImageFont.FreeTypeFont, widths: Sequence[float],
          boxes: bool = False) -> list[str] | None:
    """Greedy wrap into lines of the given pixel widths; the first line may stay empty when even
    the first word does not fit after a label. None when the text does not fit."""
    lines: list[str] = []
    current = ""
    words = text.split(" ")
    i = 0
    while i < len(words):
        candidate = f"{current} {words[i]}".strip()
        if _length(font, candidate, boxes) <= widths[len(lines)]:
            current, i = candidate, i + 1
            continue
        if len(lines) + 1 == len(widths) or (not current and lines):
            return None
        lines.append(current)
        current = ""
    return lines + [current]


class _Canvas:
    """A card face being drawn in millimetres; remembers every string it prints."""

    def __init__(self, background: Image.Image, look: Look = DEFAULT_LOOK) -> None:
        self.look = look
        self.image = background.copy()
        self.draw = ImageDraw.Draw(self.image)
        self.lines: list[TextLine] = []

    def text(self, x: float, y: float, text: str, pt: float, *, bold: bool = False,
             fill: tuple[int, int, int] = INK, family: str | None = None, anchor: str = "ls",
             max_width: float | None = None) -> float:
        """Draw at baseline `y` (mm), shrunk to `max_width` mm if given; returns the right edge."""
        family = family or self.look.values
        font = _pt_font(family, bold, pt)
        width = _length(font, text, self.look.boxes)
        if max_width and width > _px(max_width):
            font = _pt_font(family, bold, pt * _px(max_width) / width)
        xy = (_px(x), _px(y))
        if self.look.boxes:
            box = _boxed_text(self.draw, xy, text, font, fill, anchor, self.look, bold)
        else:
            self.draw.text(xy, text, font=font, fill=fill, anchor=anchor)
            box = self.draw.textbbox(xy, text, font=font, anchor=anchor)
        self.lines.append(TextLine(text, (box[0], box[1], box[2], box[3])))
        return box[2] / PX_PER_MM

    def field(self, x: float, y: float, label: str, value: str, *, right: float = 84.0,
              label_pt: float = 5.0, value_pt: float = 6.5, bold: bool = False,
              below: bool = False, pitch: float = 3.0, max_lines: int = 2,
              family: str | None = None, fill: tuple[int, int, int] = INK,
              dotted: bool = False) -> float:
        """A label and its value, on the same line or below, wrapped into at most `max_lines`
        lines (shrinking the value font when needed), optionally typed over dotted
        lines; returns the last baseline."""
        family = family or self.look.values
        end = self.text(x, y, label, label_pt, fill=LABEL_INK, family=self.look.labels)
        start, first_y = (x, y + pitch) if below else (end + 1.0, y)
        if dotted:
            for i in range(max_lines):
                self.dots(start if i == 0 else x, right, first_y + i * pitch)
        widths = [_px(right - start)] + [_px(right - x)] * (max_lines - 1)
        for step in range(21):  # wider fonts of other looks may need up to half the size
            pt = value_pt * (1 - step * 0.025)
            lines = _wrap(value, _pt_font(family, bold, pt), widths, self.look.boxes)
            if lines is not None:
                break
        else:
            raise ValueError(f"a {len(value)}-character value does not fit in {max_lines} lines")
        for i, line in enumerate(lines):
            if line:
                self.text(start if i == 0 else x, first_y + i * pitch, line, pt, bold=bold,
                          family=family, fill=fill)
        return first_y + (len(lines) - 1) * pitch

    def dots(self, x0: float, x1: float, y: float) -> None:
        """A dotted writing line, as on forms filled by typewriter."""
        for x in np.arange(x0, x1, 0.8):
            cx, cy = _px(float(x)), _px(y + 0.4)
            self.draw.ellipse((cx - 2, cy - 2, cx + 2, cy + 2), fill=(110, 120, 125))

    def emblem(self, cx: float, cy: float, r: float) -> None:
        """National emblem placeholder: red disc, yellow rim and star."""
        x, y, rad = _px(cx), _px(cy), _px(r)
        self.draw.ellipse((x - rad, y - rad, x + rad, y + rad), fill=RED, outline=YELLOW,
                          width=max(2, rad // 8))
        angles = np.pi / 2 + np.arange(10) * np.pi / 5
        radii = np.where(np.arange(10) % 2 == 0, rad * 0.5, rad * 0.2)
        points = [(x + rr * np.cos(a), y - rr * np.sin(a)) for a, rr in zip(angles, radii)]
        self.draw.polygon(points, fill=YELLOW)

    def portrait(self, box_mm: tuple[float, float, float, float], sex: str) -> None:
        """Grey head-and-shoulders silhouette on a pale photo background."""
        x0, y0, x1, y1 = (_px(v) for v in box_mm)
        w, h = x1 - x0, y1 - y0
        photo = Image.new("RGB", (w, h), (214, 224, 234))
        draw = ImageDraw.Draw(photo)
        grey = (140, 142, 150)
        if sex == "F":  # long hair behind the head
            draw.ellipse((w * 0.22, h * 0.12, w * 0.78, h * 0.78), fill=(95, 95, 100))
        draw.ellipse((-w * 0.1, h * 0.7, w * 1.1, h * 1.5), fill=grey)
        draw.ellipse((w * 0.28, h * 0.14, w * 0.72, h * 0.68), fill=grey)
        self.image.paste(photo, (x0, y0))
        self.draw.rectangle((x0, y0, x1, y1), outline=(170, 170, 175), width=2)

    def chip(self, x: float, y: float) -> None:
        """Gold contact plate of the electronic chip, 11 × 9 mm."""
        box = (_px(x), _px(y), _px(x + 11), _px(y + 9))
        self.draw.rounded_rectangle(box, radius=_px(1.5), fill=(214, 178, 96),
                                    outline=(150, 120, 60), width=3)
        for dy in (3, 6):
            self.draw.line((box[0], _px(y + dy), box[2], _px(y + dy)), fill=(150, 120, 60), width=3)
        self.draw.line((_px(x + 5.5), box[1], _px(x + 5.5), box[3]), fill=(150, 120, 60), width=3)

    def fingerprint(self, x: float, y: float, w: float, h: float) -> None:
        """Fingerprint box: concentric grey ridges."""
        self.draw.rounded_rectangle((_px(x), _px(y), _px(x + w), _px(y + h)), radius=_px(1),
                                    outline=(150, 150, 155), width=2)
        cx, cy = _px(x + w / 2), _px(y + h / 2)
        for k in range(1, 14):
            rx, ry = k * _px(w) * 0.034, k * _px(h) * 0.034
            self.draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), outline=(120, 120, 125),
                              width=3)

    def qr(self, payload: str, x: float, y: float, size: float) -> Box:
        """A real QR code (byte mode, UTF-8, level M) on a white quiet zone; returns its box."""
        code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
        code.add_data(payload.encode("utf-8"))
        code.make(fit=True)
        matrix = np.array(code.get_matrix(), dtype=bool)
        module = _px(size) // matrix.shape[0]
        side = module * matrix.shape[0]
        image = Image.fromarray(np.where(matrix, 0, 255).astype(np.uint8)).resize(
            (side, side), Image.Resampling.NEAREST)
        self.image.paste(image.convert("RGB"), (_px(x), _px(y)))
        return _px(x), _px(y), _px(x) + side, _px(y) + side

    def mrz(self, lines: tuple[str, str, str]) -> None:
        """TD1 zone in OCR-B at 10 characters per inch, on a plain band at the bottom."""
        self.draw.rectangle((0, _px(37), self.image.width, self.image.height), fill=(246, 246, 244))
        font = _ocr_b(round(_px(2.54) / _ocr_b(100).getlength("<") * 100))
        for i, line in enumerate(lines):
            xy = (_px(4.6), _px(41.6 + 4.4 * i))
            self.draw.text(xy, line, font=font, fill=INK, anchor="ls")
            box = self.draw.textbbox(xy, line, font=font, anchor="ls")
            self.lines.append(TextLine(line, (box[0], box[1], box[2], box[3])))

    def stamp(self, cx: float, cy: float, r: float) -> None:
        """Translucent red seal ring over the signature."""
        overlay = Image.new("RGBA", self.image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        x, y = _px(cx), _px(cy)
        for rad, width in ((_px(r), 6), (_px(r * 0.72), 3)):
            draw.ellipse((x - rad, y - rad, x + rad, y + rad), outline=(210, 40, 50, 150),
                         width=width)
        self.image = Image.alpha_composite(self.image.convert("RGBA"), overlay).convert("RGB")
        self.draw = ImageDraw.Draw(self.image)

    def signature(self, x: float, y: float, rng: np.random.Generator) -> None:
        """A handwritten-looking flourish."""
        t = np.linspace(0, 1, 80)
        xs = _px(x) + t * _px(16)
        ys = _px(y) + _px(2.2) * np.sin(t * np.pi * rng.uniform(3, 6)) * (1 - t)
        self.draw.line(list(zip(xs, ys)), fill=(30, 40, 120), width=5, joint="curve")

    def field_or_below(self, x: float, y: float, label: str, value: str, *, below: bool,
                       **style: object) -> float:
        """A one-line value beside its label when the look says so and it fits, else under it."""
        if not below:
            try:
                return self.field(x, y, label, value, max_lines=1, **style)
            except ValueError:
                pass
        return self.field(x, y, label, value, below=True, max_lines=1, **style)

    def face(self, *, qr_box: Box | None = None, qr_payload: str | None = None,
             mrz: tuple[str, str, str] | None = None) -> CardFace:
        return CardFace(self.image, tuple(self.lines), qr_box, qr_payload, mrz)


class _Palette(NamedTuple):
    base: tuple[int, int, int]
    tint: tuple[int, int, int]
    waves: tuple[int, int, int]
    rosette: tuple[int, int, int]


PALETTES: dict[CardType, _Palette] = {
    "cccd_chip": _Palette((236, 241, 236), (247, 228, 222), (200, 220, 232), (238, 206, 200)),
    "cccd_2016": _Palette((226, 238, 240), (238, 234, 214), (196, 224, 230), (226, 214, 196)),
    "can_cuoc": _Palette((241, 236, 238), (224, 233, 245), (236, 208, 220), (204, 220, 240)),
    "cmnd": _Palette((212, 233, 225), (228, 241, 232), (186, 216, 206), (200, 224, 212)),
}


@lru_cache(maxsize=16)
def _background(card_type: CardType, shift: tuple[int, int, int] = (0, 0, 0)) -> Image.Image:
    """Security-print look: a radial tint with fine wave lines and a rosette (guilloche), its colours
    shifted by `shift`."""
    palette = _Palette(*(tuple(int(np.clip(c + d, 0, 255)) for c, d in zip(colour, shift, strict=True))
                         for colour in PALETTES[card_type]))
    width, height = _px(CARD_MM[0]), _px(CARD_MM[1])
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32) / np.float32(PX_PER_MM)
    dx, dy = xs - CARD_MM[0] * 0.62, ys - CARD_MM[1] * 0.55
    radius = np.hypot(dx, dy)
    t = np.clip(radius / 45.0, 0, 1)[..., None]
    pixels = np.array(palette.tint, np.float32) * (1 - t) + np.array(palette.base, np.float32) * t
    waves = np.sin(2 * np.pi * (ys / 1.5 + 0.9 * np.sin(2 * np.pi * xs / 18))) > 0.9
    rosette = np.sin(2 * np.pi * (radius / 1.2 + 0.6 * np.sin(6 * np.arctan2(dy, dx)))) > 0.93
    for mask, colour in ((waves, palette.waves), (rosette & (radius < 24), palette.rosette)):
        pixels[mask] = pixels[mask] * 0.4 + np.array(colour, np.float32) * 0.6
    return Image.fromarray(pixels.astype(np.uint8))


def _dmy(day: date | None, sep: str = "/") -> str:
    return day.strftime(f"%d{sep}%m{sep}%Y") if day else "Không thời hạn"


_MARKS = ["Nốt ruồi C:1cm trên trước đầu mày phải", "Sẹo chấm C:2cm dưới sau đuôi mắt trái",
          "Nốt ruồi C:1,5cm dưới trước cánh mũi trái", "Sẹo chấm C:1cm trên sau đầu mày trái"]


def _face_rng(person: Person) -> np.random.Generator:
    """Per-person randomness for incidental marks, so a face depends on the person alone."""
    return np.random.default_rng(int(person.id_number))


# --- Card faces -----------------------------------------------------------------------------------


def chip_front(person: Person, look: Look = DEFAULT_LOOK) -> CardFace:
    """Chip CCCD (2021) front: bilingual labels, QR top right, expiry under the portrait."""
    c = _Canvas(_background("cccd_chip", look.tint), look)
    c.emblem(10, 10.5, 7)
    for y, text, pt in ((4.3, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 4.6),
                        (6.7, "SOCIALIST REPUBLIC OF VIET NAM", 4.0),
                        (9.2, "Độc lập - Tự do - Hạnh phúc", 4.6),
                        (11.5, "Independence - Freedom - Happiness", 4.0)):
        c.text(42, y, text, pt, bold=True, anchor="ms", max_width=44)
    c.text(42, 15.9, "CĂN CƯỚC CÔNG DÂN", 8.5, bold=True, fill=RED, anchor="ms", max_width=44)
    c.text(42, 18.7, "Citizen Identity Card", 5.2, bold=True, anchor="ms")
    payload = chip_qr_payload(person)
    qr_box = c.qr(payload, 67.5, 2.0, 16.5)
    c.portrait((3, 20.5, 22.5, 45.5), person.sex)
    c.field(25.5, 23.0, "Số / No.:", person.id_number, value_pt=8.5, bold=True)
    c.field_or_below(25.5, 27.0, "Họ và tên / Full name:", person.full_name.upper(), value_pt=8,
                     bold=True, below=look.name_below, pitch=3.8)
    c.field(25.5, 34.3, "Ngày sinh / Date of birth:", _dmy(person.date_of_birth))
    c.field(25.5, 37.4, "Giới tính / Sex:", person.sex_vi, right=51)
    c.field(52, 37.4, "Quốc tịch / Nationality:", person.nationality)
    c.field_or_below(25.5, 40.6, "Quê quán / Place of origin:", person.place_of_origin,
                     below=look.origin_below, pitch=2.9)
    c.field(25.5, 46.6, "Nơi thường trú / Place of residence:", person.place_of_residence,
            pitch=2.9, max_lines=3)
    c.field(2.5, 48.8, "Có giá trị đến:", _dmy(person.date_of_expiry), label_pt=4.3,
            value_pt=5.2, bold=True, right=24.5, max_lines=1)
    c.text(2.5, 51.2, "Date of expiry", 4.0, fill=LABEL_INK)
    return c.face(qr_box=qr_box, qr_payload=payload)


def chip_back(person: Person, look: Look = DEFAULT_LOOK) -> CardFace:
    """Chip CCCD back: identifying mark, issue date, issuer, chip, fingerprints, TD1 MRZ."""
    c = _Canvas(_background("cccd_chip", look.tint), look)
    c.field(3, 4.5, "Đặc điểm nhân dạng / Personal identification:",
            _MARKS[int(person.id_number) % len(_MARKS)], label_pt=4.6, value_pt=5.2, below=True,
            pitch=2.7, right=56, max_lines=1)
    c.field(3, 11.2, "Ngày, tháng, năm / Date, month, year:", _dmy(person.date_of_issue),
            label_pt=4.6, value_pt=5.5, bold=True, right=56, max_lines=1)
    for y, text, pt in ((15.2, "CỤC TRƯỞNG CỤC CẢNH SÁT", 4.3),
                        (17.5, "QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI", 4.3),
                        (19.8, "DIRECTOR GENERAL OF THE POLICE DEPARTMENT", 3.5),
                        (22.1, "FOR ADMINISTRATIVE MANAGEMENT OF SOCIAL ORDER", 3.5)):
        c.text(22, y, text, pt, bold=True, anchor="ms", max_width=40)
    c.signature(14, 28.1, _face_rng(person))
    c.stamp(16, 28.1, 4.5)
    c.text(22, 32.9, "Trần Quang Minh", 5.0, bold=True, anchor="ms")  # an invented signer
    c.chip(45, 17)
    for x, vi, en in ((59.5, "Ngón trỏ trái", "Left index finger"),
                      (72.5, "Ngón trỏ phải", "Right index finger")):
        c.fingerprint(x, 3, 11, 15)
        c.text(x + 5.5, 20.5, vi, 3.8, anchor="ms", fill=LABEL_INK)
        c.text(x + 5.5, 22.6, en, 3.4, anchor="ms", fill=LABEL_INK)
    lines = td1_lines(person)
    c.mrz(lines)
    return c.face(mrz=lines)


def cccd2016_front(person: Person, look: Look = DEFAULT_LOOK) -> CardFace:
    """Barcode-era CCCD (2016) front: Vietnamese-only labels, no QR."""
    c = _Canvas(_background("cccd_2016", look.tint), look)
    c.emblem(10, 10.5, 7)
    c.text(50, 6.0, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 5.6, bold=True, anchor="ms",
           max_width=62)
    end = c.text(50, 9.5, "Độc lập - Tự do - Hạnh phúc", 5.6, bold=True, anchor="ms")
    c.draw.line((_px(2 * 50 - end), _px(10.4), _px(end), _px(10.4)), fill=INK, width=3)
    c.text(50, 15.2, "CĂN CƯỚC CÔNG DÂN", 9.5, bold=True, fill=RED, anchor="ms")
    c.portrait((3, 18.5, 22, 44), person.sex)
    c.field(25, 20.6, "Số:", person.id_number, label_pt=6, value_pt=9.5, bold=True, fill=RED)
    y = c.field(25, 25.0, "Họ và tên:", person.full_name.upper(), label_pt=5.5, value_pt=7.5,
                bold=True, max_lines=2, pitch=3.4)
    c.field(25, y + 4.0, "Ngày, tháng, năm sinh:", _dmy(person.date_of_birth), label_pt=5.5)
    c.field(25, y + 7.6, "Giới tính:", person.sex_vi, label_pt=5.5, right=54)
    c.field(55, y + 7.6, "Quốc tịch:", person.nationality, label_pt=5.5)
    y = c.field(25, y + 11.2, "Quê quán:", person.place_of_origin, label_pt=5.5, pitch=3.0)
    c.field(25, y + 3.4, "Nơi thường trú:", person.place_of_residence, label_pt=5.5, pitch=3.0,
            max_lines=3 if y < 41 else 2)
    c.field(2.5, 48.5, "Có giá trị đến:", _dmy(person.date_of_expiry), label_pt=4.3,
            value_pt=5.0, bold=True, right=24.5, max_lines=1)
    return c.face()


def can_cuoc_front(person: Person, look: Look = DEFAULT_LOOK) -> CardFace:
    """Căn cước (2024) front: bilingual labels above their values, no place of origin."""
    c = _Canvas(_background("can_cuoc", look.tint), look)
    c.emblem(9.5, 10, 6.5)
    c.text(46, 5.2, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 5.2, bold=True, anchor="ms",
           max_width=50)
    c.text(46, 8.2, "SOCIALIST REPUBLIC OF VIET NAM", 4.5, bold=True, anchor="ms")
    c.text(46, 14.4, "CĂN CƯỚC", 11, bold=True, fill=RED, anchor="ms")
    c.text(46, 17.9, "IDENTITY CARD", 6, bold=True, anchor="ms")
    c.portrait((3, 20, 22, 46), person.sex)
    c.field(25, 23.0, "Số định danh cá nhân / Personal identification number:", person.id_number,
            label_pt=4.6, value_pt=9, bold=True, below=True, pitch=4.2, max_lines=1)
    c.field(25, 31.0, "Họ, chữ đệm và tên khai sinh / Full name:", person.full_name.upper(),
            label_pt=4.6, value_pt=7.5, bold=True, below=True, pitch=3.7, max_lines=1)
    c.field(25, 38.6, "Ngày, tháng, năm sinh / Date of birth:", _dmy(person.date_of_birth),
            label_pt=4.6)
    c.field(25, 42.2, "Giới tính / Sex:", person.sex_vi, label_pt=4.6, right=50)
    c.field(51, 42.2, "Quốc tịch / Nationality:", person.nationality, label_pt=4.6)
    return c.face()


def can_cuoc_back(person: Person, look: Look = DEFAULT_LOOK) -> CardFace:
    """Căn cước (2024) back: QR top left, residence, birth registration, dates, MRZ."""
    c = _Canvas(_background("can_cuoc", look.tint), look)
    payload = can_cuoc_qr_payload(person)
    qr_box = c.qr(payload, 2.5, 2.5, 17)
    c.chip(5.5, 22.5)
    y = c.field(22, 4.6, "Nơi cư trú / Place of residence:", person.place_of_residence,
                label_pt=4.6, value_pt=6, below=True, pitch=2.8, right=84, max_lines=3)
    y = c.field(22, y + 3.4, "Nơi đăng ký khai sinh / Place of birth:",
                person.place_of_birth_text, label_pt=4.6, value_pt=6, below=True, pitch=2.8,
                max_lines=2)
    c.field(22, y + 3.6, "Ngày, tháng, năm cấp / Date of issue:", _dmy(person.date_of_issue),
            label_pt=4.6, value_pt=6, bold=True)
    c.field(22, y + 6.8, "Ngày, tháng, năm hết hạn / Date of expiry:",
            _dmy(person.date_of_expiry), label_pt=4.6, value_pt=6, bold=True)
    c.text(3, 34.5, "BỘ CÔNG AN / MINISTRY OF PUBLIC SECURITY", 3.8, bold=True, fill=LABEL_INK)
    lines = td1_lines(person)
    c.mrz(lines)
    return c.face(qr_box=qr_box, qr_payload=payload, mrz=lines)


def cmnd_front(person: Person, look: Look = DEFAULT_LOOK) -> CardFace:
    """Old 9-digit CMND front: typed values on dotted lines, dd-mm-yyyy birth date."""
    if person.old_id_number is None:
        raise ValueError("a CMND needs a 9-digit number")
    c = _Canvas(_background("cmnd", look.tint), look)
    c.emblem(10, 9.5, 6.5)
    c.portrait((3, 18.5, 20, 41), person.sex)
    c.text(52, 5.0, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 5.0, bold=True, anchor="ms",
           max_width=60)
    c.text(52, 8.0, "Độc lập - Tự do - Hạnh phúc", 5.0, bold=True, anchor="ms")
    c.text(52, 13.6, "GIẤY CHỨNG MINH NHÂN DÂN", 8.5, bold=True, fill=RED, anchor="ms")
    c.field(36, 19.5, "SỐ", person.old_id_number, label_pt=7, value_pt=10, bold=True, fill=RED,
            family=SERIF)
    rows = (("Họ tên:", person.full_name.upper(), 2),
            ("Sinh ngày:", _dmy(person.date_of_birth, "-"), 1),
            ("Nguyên quán:", person.place_of_origin, 2),
            ("Nơi ĐKHK thường trú:", person.place_of_residence, 2))
    y = 25.0
    for label, value, lines in rows:
        c.field(23, y, label, value, family=SERIF, label_pt=5.8, value_pt=7, bold=True,
                pitch=3.6, max_lines=lines, dotted=True)
        y += 3.6 * lines
    return c.face()


FACES: dict[tuple[CardType, Side], Callable[[Person, Look], CardFace]] = {
    ("cccd_chip", "front"): chip_front,
    ("cccd_chip", "back"): chip_back,
    ("cccd_2016", "front"): cccd2016_front,
    ("can_cuoc", "front"): can_cuoc_front,
    ("can_cuoc", "back"): can_cuoc_back,
    ("cmnd", "front"): cmnd_front,
}


# --- Card-specific degradations: face image in, new image out -------------------------------------


def _away_from(rng: np.random.Generator, size: tuple[int, int], reach: float,
               avoid: Box | None) -> tuple[float, float]:
    """A random point whose `reach` neighbourhood misses the `avoid` box (when one is found)."""
    width, height = size
    for _ in range(100):
        x, y = rng.uniform(0.15, 0.85) * width, rng.uniform(0.2, 0.8) * height
        if avoid is None or (x + reach < avoid[0] or x - reach > avoid[2]
                             or y + reach < avoid[1] or y - reach > avoid[3]):
            return x, y
    raise ValueError("no room away from the avoided box")


def glare(image: Image.Image, rng: np.random.Generator, *, avoid: Box | None = None) -> Image.Image:
    """Light reflected off the laminate: a bright ellipse whose core washes the print out entirely,
    placed clear of `avoid` (the QR, whose readability the sample promises)."""
    width, height = image.size
    semi_a, semi_b = rng.uniform(0.12, 0.2) * width, rng.uniform(0.1, 0.16) * height
    cx, cy = _away_from(rng, image.size, 1.6 * max(semi_a, semi_b), avoid)
    angle = rng.uniform(0, np.pi)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    u = (xs - cx) * np.cos(angle) + (ys - cy) * np.sin(angle)
    v = -(xs - cx) * np.sin(angle) + (ys - cy) * np.cos(angle)
    falloff = np.exp(-((u / semi_a) ** 2 + (v / semi_b) ** 2))
    light = np.clip(1.5 * rng.uniform(0.85, 1.0) * falloff, 0, 1)[..., None]
    pixels = np.asarray(image.convert("RGB"), dtype=np.float32)
    return Image.fromarray((pixels + (255 - pixels) * light).astype(np.uint8))


def cover_qr(image: Image.Image, qr_box: Box, rng: np.random.Generator) -> Image.Image:
    """A paper sticker over more than half of the QR, one finder pattern included: beyond what
    any error correction level recovers."""
    x0, y0, x1, y1 = qr_box
    side = x1 - x0
    w, h = int(side * rng.uniform(0.65, 0.85)), int(side * rng.uniform(0.8, 1.05))
    sticker = Image.new("RGB", (w, h), tuple(int(v) for v in rng.integers(225, 252, 3)))
    draw = ImageDraw.Draw(sticker)
    for row in range(1, 4):  # a scribbled note
        y = h * row / 4.5
        draw.line((w * 0.1, y, w * rng.uniform(0.5, 0.9), y + rng.uniform(-8, 8)),
                  fill=(40, 60, 150), width=6)
    angle = rng.uniform(-8, 8)
    mask = Image.new("L", (w, h), 255).rotate(angle, expand=True)
    sticker = sticker.rotate(angle, expand=True)
    left = x0 - int(side * 0.08) if rng.random() < 0.5 else x1 - mask.width + int(side * 0.08)
    top = y0 - int(side * 0.05)
    covered = image.copy()
    shadow = Image.new("RGB", mask.size, (110, 110, 110))
    covered.paste(shadow, (left + 6, top + 8), mask.point(lambda v: v // 3))
    covered.paste(sticker, (left, top), mask)
    return covered


def scratch_qr(image: Image.Image, qr_box: Box, rng: np.random.Generator) -> Image.Image:
    """Worn print: a scuff that erases one finder pattern and pale scratches across the code."""
    x0, y0, x1, y1 = qr_box
    side = x1 - x0
    scratched = image.copy()
    draw = ImageDraw.Draw(scratched)
    corner_x = x0 if rng.random() < 0.5 else x1 - side * 0.3
    draw.ellipse((corner_x - side * 0.05, y0 - side * 0.05, corner_x + side * 0.35,
                  y0 + side * 0.35), fill=(232, 232, 228))
    for _ in range(int(rng.integers(5, 9))):
        cx, cy = x0 + rng.uniform(0.2, 0.8) * side, y0 + rng.uniform(0.2, 0.8) * side
        angle = rng.uniform(0, np.pi)
        dx, dy = 0.7 * side * np.cos(angle), 0.7 * side * np.sin(angle)
        shade = int(rng.integers(200, 245))
        draw.line((cx - dx, cy - dy, cx + dx, cy + dy), fill=(shade, shade, shade),
                  width=int(side * rng.uniform(0.03, 0.06)))
    return scratched


# --- Scenes: where the cards end up ---------------------------------------------------------------


def _rounded_mask(size: tuple[int, int], radius: int) -> Image.Image:
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, size[0] - 1, size[1] - 1), radius=radius,
                                           fill=255)
    return mask


def _photocopy(face: Image.Image) -> Image.Image:
    """Grey photocopy of a card: tints and guilloche burn out to white, print goes black, and the
    card's edge leaves a dark outline."""
    grey = np.asarray(face.convert("L"), dtype=np.float32)
    levels = np.clip((grey - 70) * 255 / (222 - 70), 0, 255).astype(np.uint8)
    copy = Image.fromarray(levels)
    ImageDraw.Draw(copy).rounded_rectangle((1, 1, copy.width - 2, copy.height - 2),
                                           radius=_px(CORNER_MM), outline=80, width=4)
    return copy


def _corners(width: float, height: float, cx: float, cy: float, degrees: float) -> Quad:
    """Corners (clockwise from top-left) of a width × height box centred on (cx, cy) and turned
    counter-clockwise by `degrees`, as PIL's rotate turns it."""
    theta = np.radians(degrees)
    cos, sin = np.cos(theta), np.sin(theta)
    half = ((-width / 2, -height / 2), (width / 2, -height / 2), (width / 2, height / 2),
            (-width / 2, height / 2))
    return tuple((float(cx + dx * cos + dy * sin), float(cy - dx * sin + dy * cos))
                 for dx, dy in half)


A4_MARGIN_MM = 8


def on_a4(cards: Sequence[Image.Image], rng: np.random.Generator, angle_deg: float,
          dpi: int = 300) -> Scene:
    """One or two card faces (600 dpi) photocopied onto a white A4 sheet, each in its own band of
    the page, turned by `angle_deg` and placed at a random spot fully inside the margins."""
    page_w, page_h = round(210 / 25.4 * dpi), round(297 / 25.4 * dpi)
    page = Image.new("L", (page_w, page_h), 255)
    margin = round(A4_MARGIN_MM / 25.4 * dpi)
    band = page_h / len(cards)
    quads = []
    for i, face in enumerate(cards):
        size = (round(face.width * dpi / DPI), round(face.height * dpi / DPI))
        copy = _photocopy(face).resize(size, Image.Resampling.LANCZOS)
        mask = _rounded_mask(size, round(CORNER_MM / 25.4 * dpi))
        turned = copy.rotate(angle_deg, Image.Resampling.BICUBIC, expand=True, fillcolor=255)
        turned_mask = mask.rotate(angle_deg, Image.Resampling.BICUBIC, expand=True)
        low_x, high_x = margin + turned.width / 2, page_w - margin - turned.width / 2
        low_y = i * band + margin + turned.height / 2
        high_y = (i + 1) * band - margin - turned.height / 2
        if low_x > high_x or low_y > high_y:
            raise ValueError("the cards do not fit on the page at this angle")
        left = round(rng.uniform(low_x, high_x) - turned.width / 2)
        top = round(rng.uniform(low_y, high_y) - turned.height / 2)
        page.paste(turned, (left, top), turned_mask)
        quads.append(_corners(size[0], size[1], left + turned.width / 2, top + turned.height / 2,
                              angle_deg))
    return Scene(pages.salt_pepper(page, 0.0003, rng=rng), tuple(quads), dpi)  # toner specks


_TABLES = [(92, 64, 42), (48, 48, 54), (32, 62, 72), (70, 70, 64)]  # wood, dark desk, cloth, grey


def photo(card: Image.Image, rng: np.random.Generator,
          size: tuple[int, int] = (1600, 1200)) -> Scene:
    """A phone photo of a card on a table: perspective, a soft shadow, uneven light, sensor noise,
    slight defocus and the phone's JPEG."""
    width, height = size
    table = np.array(_TABLES[int(rng.integers(len(_TABLES)))], dtype=np.float32)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    grain = 1 + 0.05 * np.sin(ys / rng.uniform(10, 30) + 4 * np.sin(xs / 240))  # wood-like grain
    background = table * grain[..., None]
    card_w = rng.uniform(0.55, 0.72) * width
    scale = card_w / card.width
    small = card.convert("RGB").resize((round(card.width * scale), round(card.height * scale)),
                                       Image.Resampling.LANCZOS)
    sw, sh = small.size
    centre = (width / 2 + rng.uniform(-0.07, 0.07) * width,
              height / 2 + rng.uniform(-0.07, 0.07) * height)
    target = np.array(_corners(sw, sh, *centre, rng.uniform(-12, 12)), dtype=np.float32)
    target += rng.normal(0, 0.025 * sw, target.shape).astype(np.float32)  # the phone's tilt
    source = np.array([(0, 0), (sw, 0), (sw, sh), (0, sh)], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(source, target)
    warped = cv2.warpPerspective(np.asarray(small), matrix, size, flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.asarray(_rounded_mask(small.size, round(CORNER_MM * sw / 85.6))),
                               matrix, size, flags=cv2.INTER_LINEAR).astype(np.float32) / 255
    shadow = cv2.GaussianBlur(np.roll(mask, (14, 10), axis=(0, 1)), (0, 0), 12)
    background *= (1 - 0.45 * shadow)[..., None]
    pixels = background * (1 - mask[..., None]) + warped.astype(np.float32) * mask[..., None]
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    image = pages.uneven_light(image, float(rng.uniform(0.25, 0.45)), rng=rng)
    image = pages.gaussian_noise(image, float(rng.uniform(3, 6)), rng=rng)
    image = pages.jpeg(pages.blur(image, float(rng.uniform(0.4, 0.9))), int(rng.integers(80, 93)))
    quad = tuple((float(x), float(y)) for x, y in target)
    return Scene(image, (quad,), round(DPI * scale))


_LIDS = (58, 75, 92, 110)  # greys of a scanner's lid


def lid_scan(card: Image.Image, rng: np.random.Generator) -> Scene:
    """A scanner's ID-card mode cutting a little off: the card at 300 or 400 dpi, turned by up to
    1.5° and a little out of square (the lid not quite flat), on the lid's dark grey, cropped so that
    the lid shows up to 4 mm on some sides and the crop cuts up to 1 mm into the card on others (a
    code near that edge loses its light margin); soft focus, sensor noise and JPEG."""
    dpi = int(rng.choice([300, 400]))
    px_per_mm = dpi / 25.4
    small = card.convert("RGB").resize((round(card.width * dpi / DPI), round(card.height * dpi / DPI)),
                                       Image.Resampling.LANCZOS)
    sw, sh = small.size
    left, top, right, bottom = (rng.uniform(-1.0, 4.0, 4) * px_per_mm).tolist()
    size = (round(sw + left + right), round(sh + top + bottom))
    target = np.array(_corners(sw, sh, left + sw / 2, top + sh / 2, rng.uniform(-1.5, 1.5)), np.float32)
    target += rng.normal(0, 0.004 * sw, target.shape).astype(np.float32)
    source = np.array([(0, 0), (sw, 0), (sw, sh), (0, sh)], np.float32)
    matrix = cv2.getPerspectiveTransform(source, target)
    warped = cv2.warpPerspective(np.asarray(small), matrix, size, flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.asarray(_rounded_mask(small.size, round(CORNER_MM * px_per_mm))),
                               matrix, size, flags=cv2.INTER_LINEAR).astype(np.float32)[..., None] / 255
    lid = np.full((size[1], size[0], 3), float(rng.choice(_LIDS)), np.float32)
    image = Image.fromarray(np.clip(lid * (1 - mask) + warped * mask, 0, 255).astype(np.uint8))
    image = pages.gaussian_noise(pages.blur(image, float(rng.uniform(0.5, 1.2)) * dpi / 300),
                                 float(rng.uniform(3, 6)), rng=rng)
    quad = tuple((float(x), float(y)) for x, y in target)
    return Scene(pages.jpeg(image, int(rng.integers(70, 90))), (quad,), dpi)


# --- Samples for the accuracy benchmark -----------------------------------------------------------

# Export fields each side prints, and those its QR and MRZ carry (DESIGN 5.2-5.4). The Căn cước no
# longer prints the place of origin; the CMND front shows neither sex nor nationality.
_FRONT = frozenset({"id_number", "full_name", "date_of_birth", "sex", "nationality",
                    "place_of_origin", "place_of_residence", "date_of_expiry"})
PRINTED: dict[tuple[CardType, Side], frozenset[str]] = {
    ("cccd_chip", "front"): _FRONT,
    ("cccd_chip", "back"): frozenset({"date_of_issue"}),
    ("cccd_2016", "front"): _FRONT,
    ("can_cuoc", "front"): frozenset({"id_number", "full_name", "date_of_birth", "sex",
                                      "nationality"}),
    ("can_cuoc", "back"): frozenset({"place_of_residence", "date_of_issue", "date_of_expiry"}),
    ("cmnd", "front"): frozenset({"old_id_number", "full_name", "date_of_birth",
                                  "place_of_origin", "place_of_residence"}),
}
_CHIP_QR = frozenset({"id_number", "old_id_number", "full_name", "date_of_birth", "sex",
                      "place_of_residence", "date_of_issue"})
QR_FIELDS: dict[CardType, frozenset[str]] = {"cccd_chip": _CHIP_QR,
                                             "can_cuoc": _CHIP_QR | {"date_of_expiry"}}
# The MRZ name has no marks: it confirms the name, it cannot spell it.
MRZ_FIELDS = frozenset({"id_number", "full_name", "date_of_birth", "sex", "nationality",
                        "date_of_expiry"})

Scenery = Literal["card", "a4", "a4_steep", "photo", "lid"]
Damage = Literal["none", "glare", "blur", "jpeg", "low_res", "qr_covered", "qr_scratched"]


class Variant(NamedTuple):
    """How a sample is made: which card, which sides, placed how, spoiled how."""

    card_type: CardType
    sides: tuple[Side, ...]
    scene: Scenery = "card"
    damage: Damage = "none"


_BOTH: tuple[Side, ...] = ("front", "back")
VARIANTS: dict[str, Variant] = {
    "chip_front": Variant("cccd_chip", ("front",)),
    "chip_back": Variant("cccd_chip", ("back",)),
    "chip_a4": Variant("cccd_chip", _BOTH, "a4"),
    "chip_a4_steep": Variant("cccd_chip", _BOTH, "a4_steep"),
    "chip_photo": Variant("cccd_chip", ("front",), "photo"),
    "chip_lid": Variant("cccd_chip", ("front",), "lid"),
    "chip_photo_back": Variant("cccd_chip", ("back",), "photo"),
    "chip_glare": Variant("cccd_chip", ("front",), damage="glare"),
    "chip_blur": Variant("cccd_chip", ("front",), damage="blur"),
    "chip_jpeg": Variant("cccd_chip", ("front",), damage="jpeg"),
    "chip_low_res": Variant("cccd_chip", _BOTH, "a4", "low_res"),
    "chip_qr_covered": Variant("cccd_chip", ("front",), damage="qr_covered"),
    "chip_qr_scratched": Variant("cccd_chip", ("front",), damage="qr_scratched"),
    "chip_a4_qr_covered": Variant("cccd_chip", _BOTH, "a4", "qr_covered"),
    "cccd2016_front": Variant("cccd_2016", ("front",)),
    "cccd2016_a4": Variant("cccd_2016", ("front",), "a4"),
    "cccd2016_lid": Variant("cccd_2016", ("front",), "lid"),
    "can_cuoc_front": Variant("can_cuoc", ("front",)),
    "can_cuoc_back": Variant("can_cuoc", ("back",)),
    "can_cuoc_a4": Variant("can_cuoc", _BOTH, "a4"),
    "can_cuoc_photo_back": Variant("can_cuoc", ("back",), "photo"),
    "cmnd_front": Variant("cmnd", ("front",)),
    "cmnd_a4": Variant("cmnd", ("front",), "a4"),
}
LOW_RES_DPI = 200  # the legal minimum for ordinary papers


@dataclass(frozen=True)
class CardSample:
    """One benchmark image with its truth and the sources a reader should manage to use."""

    image: Image.Image
    person: Person
    card_type: CardType
    sides: tuple[Side, ...]
    variant: str
    qr_readable: bool  # a QR is in the image, intact
    mrz_present: bool  # a TD1 MRZ is in the image
    quads: tuple[Quad, ...]  # each card's corners, in `sides` order
    dpi: int  # resolution of the cards in the image

    def expected_fields(self) -> dict[str, str | None]:
        """The export fields this image carries (printed, in an intact QR or in the MRZ), None for
        the others. A name carried only by the MRZ is there without its marks."""
        visible = frozenset().union(*(PRINTED[self.card_type, side] for side in self.sides))
        if self.qr_readable:
            visible |= QR_FIELDS[self.card_type]
        if self.mrz_present:
            visible |= MRZ_FIELDS
        return {key: value if key in visible else None
                for key, value in self.person.expected_fields().items()}


def _steep_angle(rng: np.random.Generator) -> float:
    """Cards laid crooked, sideways or upside down on the copier glass."""
    base = float(rng.choice([rng.uniform(12, 35) * rng.choice([-1, 1]), 90, -90, 180]))
    return base + (float(rng.uniform(-4, 4)) if abs(base) >= 90 else 0.0)


def _whole_card(images: list[Image.Image], rng: np.random.Generator) -> Scene:
    """The card alone, as a scanner's ID-card mode crops it."""
    (image,) = images
    return Scene(image, (((0.0, 0.0), (float(image.width), 0.0),
                          (float(image.width), float(image.height)), (0.0, float(image.height))),),
                 DPI)


_SCENES: dict[Scenery, Callable[[list[Image.Image], np.random.Generator], Scene]] = {
    "card": _whole_card,
    "a4": lambda images, rng: on_a4(images, rng, float(rng.uniform(-6, 6))),
    "a4_steep": lambda images, rng: on_a4(images, rng, _steep_angle(rng)),
    "photo": lambda images, rng: photo(images[0], rng),
    "lid": lambda images, rng: lid_scan(images[0], rng),
}


def _spoil_face(face: CardFace, damage: Damage, rng: np.random.Generator) -> Image.Image:
    if damage == "glare":
        return glare(face.image, rng, avoid=face.qr_box)
    if damage == "qr_covered" and face.qr_box:
        return cover_qr(face.image, face.qr_box, rng)
    if damage == "qr_scratched" and face.qr_box:
        return scratch_qr(face.image, face.qr_box, rng)
    return face.image


def _spoil_scene(scene: Scene, damage: Damage, rng: np.random.Generator) -> Scene:
    if damage == "blur":
        radius = float(rng.uniform(0.8, 1.5)) * scene.dpi / 300
        return Scene(pages.blur(scene.image, radius), scene.quads, scene.dpi)
    if damage == "jpeg":
        return Scene(pages.jpeg(scene.image.convert("RGB"), int(rng.integers(12, 26))),
                     scene.quads, scene.dpi)
    if damage == "low_res":
        scale = LOW_RES_DPI / scene.dpi
        quads = tuple(tuple((x * scale, y * scale) for x, y in quad) for quad in scene.quads)
        return Scene(pages.low_dpi(scene.image, scale), quads, LOW_RES_DPI)
    return scene


def make_sample(variant: str, rng: np.random.Generator, look: Look = DEFAULT_LOOK) -> CardSample:
    """A new person's card, printed with `look`, made and spoiled as `variant` says."""
    spec = VARIANTS[variant]
    person = make_person(rng, spec.card_type)
    faces = [FACES[spec.card_type, side](person, look) for side in spec.sides]
    images = [_spoil_face(face, spec.damage, rng) for face in faces]
    scene = _spoil_scene(_SCENES[spec.scene](images, rng), spec.damage, rng)
    return CardSample(
        image=scene.image, person=person, card_type=spec.card_type, sides=spec.sides,
        variant=variant,
        qr_readable=any(face.qr_box for face in faces)
        and spec.damage not in ("qr_covered", "qr_scratched"),
        mrz_present=any(face.mrz for face in faces), quads=scene.quads, dpi=scene.dpi,
    )


Looks = Literal["default", "varied", "held_out", "glyphless", "tofu"]


def sample_at(seed: int, variant: str, index: int, looks: Looks = "default") -> CardSample:
    """Sample `index` of `variant` in a dataset: its own rng from (seed, variant name, index), so
    adding a variant or asking for more samples leaves the others unchanged.

    `looks`: the project's default look, random looks of the tuning fonts, looks of the held-out
    fonts only (never used while tuning the reader: report them apart), or of a font without
    Vietnamese letters: nothing printed in their place ("glyphless", never tuned on) or an empty
    box ("tofu", the look tuned on for such cards)."""
    key = [seed, zlib.crc32(variant.encode()), index]
    fonts = tuple(pages.GLYPHLESS_FONTS) if looks in ("glyphless", "tofu") else None
    look = DEFAULT_LOOK if looks == "default" else \
        random_look(np.random.default_rng([*key, 1]), held_out=looks != "varied", fonts=fonts,
                    boxes=looks == "tofu")
    return make_sample(variant, np.random.default_rng(key), look)


def card_dataset(seed: int, n_per_variant: int, looks: Looks = "default") -> Iterator[CardSample]:
    """`n_per_variant` samples of every variant (see `sample_at`)."""
    for variant in VARIANTS:
        for index in range(n_per_variant):
            yield sample_at(seed, variant, index, looks)
