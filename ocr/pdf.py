"""Born-digital PDF pages: render them, read their own text layer, and decide whether to trust it.

A page that already carries text (typed and exported, not scanned) should not go through OCR: its
text layer is exact and free. But many text layers lie: fonts without a Unicode map give `(cid:12)`,
legacy Vietnamese fonts (VNI, TCVN3) give Latin-1 garbage, converters and foreign OCR engines strip the
diacritics, and scanners type a header over an image-only body. `read_text_layer` returns the text in
reading order (column by column) together with a verdict and a sentence saying why, so the caller can
fall back to OCR. Nothing here knows about Prefect or storage.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import math
import re
import statistics
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.page import Page
from pdfplumber.utils import cluster_objects
from pydantic import BaseModel, Field

from schemas.document import Word
from schemas.vntext import fold, has_vietnamese_marks, nfc

POINTS_PER_INCH = 72

# PDFium is not thread-safe, not even across different documents (pypdfium2 docs, "Incompatibility
# with Threading"): every call into it, including closing its objects, happens under this lock.
_PDFIUM_LOCK = threading.Lock()

# Reading-order thresholds.
# Words closer than this share of their font size are one word (for PDFs without space characters).
X_TOLERANCE_RATIO = 0.15
# Words whose bottoms differ by less than this share of the median word height share a baseline.
BASELINE_TOLERANCE = 0.3
# A gutter is a vertical strip at least this many median word heights wide (word spaces are ~0.3).
GUTTER_MIN_EM = 1.0
# Columns need this many rows side by side; one row with a wide gap is a tab stop, not columns.
COLUMN_MIN_ROWS = 2
# A gutter that vanished within this many rows was a run of stretched word spaces in justified text.
COLUMN_SETTLE_ROWS = 3
# Text columns are at least this many median word heights wide (A4 in three columns: about 14).
COLUMN_MIN_EM = 6.0
# Column lines start flush; a start this share of a gutter's minimum width inside it is not flush.
FLUSH_TOLERANCE = 0.25
# A vertical gap of this many median word heights ends a column run (e.g. before a page number).
COLUMN_BREAK_EM = 2.5
# Prose columns have mostly full lines; a label|value form has ragged ones and is read row by row.
FULL_LINE_SHARE = 0.6
FULL_LINES_NEEDED = 0.5

# Glyphs drawn twice this close (fake bold) are one character (pdfplumber's `dedupe_chars` default).
_DUPLICATE_TOLERANCE_PT = 1.0

# Trust thresholds.
MIN_CHARS = 20
MAX_BROKEN_SHARE = 0.05
MAX_FOREIGN_SHARE = 0.02
MIN_VIETNAMESE_HITS = 5
MIN_MARKED_SHARE = 0.2
MIN_UPRIGHT_SHARE = 0.5
MAX_BARE_IMAGE_SHARE = 0.4
# Image and text coverage are compared on a grid of quarter-inch cells.
GRID_CELL_PT = 18.0

# Frequent syllables of administrative Vietnamese, folded; written properly they nearly always carry
# marks ("người", "được", "Việt"), and none is an English word. Many of them with no marks at all
# means the layer lost its diacritics.
_MARKED_SYLLABLES = frozenset("""
    nguoi duoc viet nghia cong hoi chu doc lap hanh phuc thanh pho phuong quan huyen tinh xa ngay
    thang nam dia chi thuong tru cu nhan dan nghi xac khai giay chung quyen dung su dat tai cua
    cac nhung mot khong nay ve voi dinh tich quoc toi ong ky uy phi tiep ket truong dong luat nghiep
    bien thu tuc kinh gui cuoc lien duong
""".split())

# Letters of the Vietnamese alphabet that sit outside ASCII; any other Latin-1/Extended letter in
# quantity is the mark of a legacy 8-bit font (VNI "Coäng hoøa", TCVN3 "Céng hßa").
_VIETNAMESE_LETTERS = frozenset(
    "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ"
)
_HARMLESS_SYMBOLS = frozenset("°§×÷±«»©®")
_WORD_RE = re.compile(r"[^\W\d_]+")


class TextLayer(BaseModel):
    """A page's own text in reading order, and whether it can stand in for OCR (with why)."""

    text: str = Field("", description="NFC, lines joined by newlines, blocks (columns) by blank lines")
    words: list[Word] = Field([], description="boxes in pixels of the page rendered at `dpi`")
    trusted: bool
    reason: str = Field(description="why the layer is or is not trusted; no page content, safe to log")
    width: int = Field(description="page width in pixels at `dpi`, as render_page returns it")
    height: int
    dpi: int
    char_count: int = Field(0, description="characters other than whitespace")
    columns: int = Field(0, description="most columns found side by side on the page")
    broken_share: float = Field(0.0, description="share of characters: (cid:N), U+FFFD, private-use")
    foreign_share: float = Field(0.0, description="share of letters foreign to Vietnamese (legacy fonts)")
    upright_share: float = Field(1.0, description="share of characters upright on the displayed page")
    marked_share: float | None = Field(
        None, description="share of common Vietnamese syllables written with marks; None if too few")
    image_share: float = Field(0.0, description="share of the page under images")
    bare_image_share: float = Field(0.0, description="share of the page under images without text")


@dataclass(frozen=True)
class _Box:
    """One extracted word in PDF points, top-left origin (pdfplumber's convention)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass(frozen=True)
class _Row:
    """Words sharing a baseline across the whole page, left to right (may span several columns)."""

    words: tuple[_Box, ...]

    @property
    def top(self) -> float:
        return min(word.top for word in self.words)

    @property
    def bottom(self) -> float:
        return max(word.bottom for word in self.words)


Interval = tuple[float, float]
Rect = tuple[float, float, float, float]  # x0, top, x1, bottom


# --- pdfium --------------------------------------------------------------------------------------


def _checked_index(page_number: int, count: int) -> int:
    """0-based index of a 1-based page number, with an error that names no content."""
    if not 1 <= page_number <= count:
        raise ValueError(f"page {page_number} requested but the PDF has {count} page(s)")
    return page_number - 1


def page_count(path: Path) -> int:
    """Number of pages, as PDFium (the renderer) sees them."""
    with _PDFIUM_LOCK, contextlib.closing(pdfium.PdfDocument(path)) as pdf:
        return len(pdf)


def _pixel_size(page: pdfium.PdfPage, dpi: int) -> tuple[int, int]:
    """(width, height) of the displayed page at `dpi`, rounded to the nearest pixel.

    PDFium takes the ceiling of float32 page sizes, so a scan stored at 150 dpi would come back one
    pixel larger than it went in; rounding gives it back its own size.
    """
    width, height = page.get_size()
    return round(width * dpi / POINTS_PER_INCH), round(height * dpi / POINTS_PER_INCH)


def page_pixel_size(path: Path, page_number: int, dpi: int = 300) -> tuple[int, int]:
    """(width, height) in pixels of the 1-based page as render_page will return it, without rendering."""
    with _PDFIUM_LOCK, contextlib.ExitStack() as stack:
        pdf = stack.enter_context(contextlib.closing(pdfium.PdfDocument(path)))
        page = stack.enter_context(contextlib.closing(pdf[_checked_index(page_number, len(pdf))]))
        return _pixel_size(page, dpi)


# A page that is one image at less than this many dpi (a phone photo wrapped at a nominal 72 dpi; no
# scanner is set so low) is read at the image's own resolution: rendered at 300 dpi its card and
# letters would be blown up four or five times over, past what the card finder looks for.
LEAST_SCAN_DPI = 100
_COVERS = 0.9  # share of the page an image must cover to be the page


def reading_dpi(path: Path, page_number: int, dpi: int = 300) -> int:
    """The resolution to render the 1-based page at for reading: `dpi`, or, for a page that is one
    image of fewer than LEAST_SCAN_DPI dots per inch, the image's own (its pixels, as an image file
    of it would give them)."""
    with _PDFIUM_LOCK, contextlib.ExitStack() as stack:
        pdf = stack.enter_context(contextlib.closing(pdfium.PdfDocument(path)))
        page = stack.enter_context(contextlib.closing(pdf[_checked_index(page_number, len(pdf))]))
        images = list(itertools.islice(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]), 2))
        if len(images) != 1:
            return dpi
        left, bottom, right, top = images[0].get_bounds()
        width, height = page.get_size()
        if (right - left) * (top - bottom) < _COVERS * width * height:
            return dpi
        own = round(max(images[0].get_px_size()) / (max(right - left, top - bottom) / POINTS_PER_INCH))
    return own if 0 < own < LEAST_SCAN_DPI else dpi


def render_page(path: Path, page_number: int, dpi: int = 300) -> np.ndarray:
    """The 1-based page as an RGB uint8 array (H x W x 3) at `dpi`, page rotation applied."""
    scale = dpi / POINTS_PER_INCH
    with _PDFIUM_LOCK, contextlib.ExitStack() as stack:  # the stack closes before the lock opens
        pdf = stack.enter_context(contextlib.closing(pdfium.PdfDocument(path)))
        page = stack.enter_context(contextlib.closing(pdf[_checked_index(page_number, len(pdf))]))
        width, height = _pixel_size(page, dpi)
        # PDFium would make ceil(size * scale) pixels; crop the extra sliver (under one pixel of
        # page) off the right and bottom. It crops ceil(points * scale) pixels, hence the half pixel.
        extra_x, extra_y = (math.ceil(side * scale) - pixels
                            for side, pixels in zip(page.get_size(), (width, height)))
        crop = (0, max(0, extra_y - 0.5) / scale, max(0, extra_x - 0.5) / scale, 0)
        bitmap = stack.enter_context(contextlib.closing(
            page.render(scale=scale, crop=crop, rev_byteorder=True)))
        return bitmap.to_numpy().copy()  # copy: the array is a view of memory the bitmap frees


# --- reading order -------------------------------------------------------------------------------


def _group_rows(words: Sequence[_Box]) -> list[_Row]:
    """Words sharing a baseline (their bottoms agree within a tolerance), top to bottom."""
    if not words:
        return []
    tolerance = BASELINE_TOLERANCE * statistics.median(word.bottom - word.top for word in words)
    rows: list[list[_Box]] = []
    for word in sorted(words, key=lambda w: w.bottom):
        if rows and word.bottom - rows[-1][0].bottom <= tolerance:
            rows[-1].append(word)
        else:
            rows.append([word])
    return [_Row(tuple(sorted(row, key=lambda w: w.x0))) for row in rows]


def _merged(spans: Iterable[Interval]) -> list[Interval]:
    """Overlapping intervals merged, left to right."""
    merged: list[Interval] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _interior_gaps(rows: Sequence[_Row], min_gap: float) -> list[Interval]:
    """Empty strips at least `min_gap` wide with words of `rows` on both sides."""
    spans = _merged((word.x0, word.x1) for row in rows for word in row.words)
    return [(left[1], right[0]) for left, right in zip(spans, spans[1:])
            if right[0] - left[1] >= min_gap]


def _narrowed(gutters: Sequence[Interval], row: _Row,
              min_gap: float) -> list[tuple[Interval, Interval]]:
    """(gutter, its widest part that `row` leaves empty) for each gutter the row does not cross."""
    result = []
    for start, end in gutters:
        pieces, cursor = [], start
        for x0, x1 in _merged((w.x0, w.x1) for w in row.words if w.x1 > start and w.x0 < end):
            pieces.append((cursor, x0))
            cursor = max(cursor, x1)
        pieces.append((cursor, end))
        widest = max(pieces, key=lambda piece: piece[1] - piece[0])
        if widest[1] - widest[0] >= min_gap:
            result.append(((start, end), widest))
    return result


def _starts_in_gutter(row: _Row, gutters: Sequence[Interval], min_gap: float) -> bool:
    """Whether a run of the row's words (words less than `min_gap` apart) begins inside a gutter."""
    starts, reach = [], -math.inf
    for word in row.words:
        if word.x0 - reach >= min_gap:
            starts.append(word.x0)
        reach = max(reach, word.x1)
    margin = FLUSH_TOLERANCE * min_gap
    return any(start + margin < x < end - margin for x in starts for start, end in gutters)


def _column_of(word: _Box, gutters: Sequence[Interval]) -> int:
    """Index of the column a word belongs to, by its centre."""
    return bisect.bisect([(start + end) / 2 for start, end in gutters], (word.x0 + word.x1) / 2)


def _split_columns(rows: Sequence[_Row], gutters: Sequence[Interval]) -> list[list[list[_Box]]]:
    """Rows cut at the gutters: for each column, its lines top to bottom."""
    columns: list[list[list[_Box]]] = [[] for _ in range(len(gutters) + 1)]
    for row in rows:
        parts: list[list[_Box]] = [[] for _ in columns]
        for word in row.words:
            parts[_column_of(word, gutters)].append(word)
        for column, part in zip(columns, parts):
            if part:
                column.append(part)
    return columns


def _is_prose(columns: Sequence[Sequence[Sequence[_Box]]], em: float) -> bool:
    """Every column is wide, has several lines, and most of them run (nearly) its full width."""
    for lines in columns:
        if len(lines) < COLUMN_MIN_ROWS:
            return False
        left, right = min(line[0].x0 for line in lines), max(line[-1].x1 for line in lines)
        if right - left < COLUMN_MIN_EM * em:
            return False
        full = sum(line[-1].x1 - line[0].x0 >= FULL_LINE_SHARE * (right - left) for line in lines)
        if full < FULL_LINES_NEEDED * len(lines):
            return False
    return True


def _column_run(rows: Sequence[_Row], start: int, em: float) -> tuple[list[Interval], int]:
    """Gutters of the columns that begin at row `start`, and the index after their last row.

    Columns begin side by side, so the first rows (those level with row `start`, whose baselines may
    differ when the columns use different fonts) must have words on both sides of every gutter. The
    run then goes down while rows leave the gutters empty. It ends at a tall vertical gap, at a row
    crossing an established gutter, and at a row with a run of words starting inside a gutter: column
    lines may reach into a gutter (ragged right) but start flush, so such a row is centred or
    full-width text, like the title under a Vietnamese letter's two-block header.

    Returns no gutters when the run is not prose columns (a label|value form, a tab stop): its rows
    are then read across, and none of them is tried again as a start, so a form's last rows cannot
    pass for columns on their own.
    """
    min_gap = GUTTER_MIN_EM * em
    end = start + 1
    while end < len(rows) and rows[end].top < rows[start].bottom:
        end += 1
    gutters = _interior_gaps(rows[start:end], min_gap)
    while gutters and end < len(rows):
        if rows[end].top - rows[end - 1].bottom > COLUMN_BREAK_EM * em:
            break
        narrowed = _narrowed(gutters, rows[end], min_gap)
        if not narrowed or (end - start >= COLUMN_SETTLE_ROWS and len(narrowed) < len(gutters)):
            break
        surviving = [gutter for gutter, _ in narrowed]  # early on, one that vanished was word spaces
        if end - start >= COLUMN_MIN_ROWS and _starts_in_gutter(rows[end], surviving, min_gap):
            break
        gutters, end = [piece for _, piece in narrowed], end + 1
    if (not gutters or end - start < COLUMN_MIN_ROWS
            or not _is_prose(_split_columns(rows[start:end], gutters), em)):
        return [], end
    return gutters, end


def _blocks(words: Sequence[_Box]) -> tuple[list[list[list[_Box]]], int]:
    """Words as blocks of lines in reading order, and the most columns found side by side.

    Full-width rows (headings, footers) are blocks of their own; a run of columns yields one block
    per column, left column first, so text is never read straight across a gutter.
    """
    rows = _group_rows(words)
    if not rows:
        return [], 0
    em = statistics.median(word.bottom - word.top for word in words)
    blocks: list[list[list[_Box]]] = []
    single: list[list[_Box]] = []
    most_columns, index = 1, 0
    while index < len(rows):
        gutters, end = _column_run(rows, index, em)
        if not gutters:
            single.extend(list(row.words) for row in rows[index:end])
            index = end
            continue
        if single:
            blocks.append(single)
            single = []
        blocks.extend(_split_columns(rows[index:end], gutters))
        most_columns = max(most_columns, len(gutters) + 1)
        index = end
    if single:
        blocks.append(single)
    return blocks, most_columns


# --- trust ---------------------------------------------------------------------------------------


def _is_broken_glyph(char_text: str) -> bool:
    """A character with no Unicode meaning: unmapped CID, replacement char, private use, control."""
    if char_text.startswith("(cid:"):
        return True
    return any(ch == "\ufffd" or unicodedata.category(ch) in ("Co", "Cc") for ch in char_text)


def _reads_upright(matrix: Sequence[float]) -> bool:
    """Whether a glyph runs left to right as displayed (pdfminer's matrix already includes /Rotate)."""
    angle = math.degrees(math.atan2(matrix[1], matrix[0])) % 360
    return min(angle, 360 - angle) <= 45


def _foreign_share(text: str) -> float:
    """Share of letters (and Latin-1 symbols) that Vietnamese never uses, among all letters."""
    letters = sum(ch.isalpha() for ch in text)
    foreign = sum(
        "\u00a1" <= ch <= "\u024f" and ch not in _VIETNAMESE_LETTERS and ch not in _HARMLESS_SYMBOLS
        for ch in text
    )
    return foreign / letters if letters else 0.0


def _marked_share(text: str) -> float | None:
    """Among common Vietnamese syllables in the text, the share written with marks (None: too few)."""
    hits = [token for token in _WORD_RE.findall(text) if fold(token) in _MARKED_SYLLABLES]
    if len(hits) < MIN_VIETNAMESE_HITS:
        return None
    return sum(has_vietnamese_marks(token) for token in hits) / len(hits)


def _coverage(page_size: tuple[float, float], images: Iterable[Rect],
              words: Iterable[_Box]) -> tuple[float, float]:
    """(share of the page under images, share of the page under images with no word on them)."""
    width, height = page_size
    shape = (max(1, math.ceil(height / GRID_CELL_PT)), max(1, math.ceil(width / GRID_CELL_PT)))

    def mask(boxes: Iterable[Rect]) -> np.ndarray:
        grid = np.zeros(shape, dtype=bool)
        for x0, top, x1, bottom in boxes:
            grid[max(0, int(top // GRID_CELL_PT)):max(0, math.ceil(bottom / GRID_CELL_PT)),
                 max(0, int(x0 // GRID_CELL_PT)):max(0, math.ceil(x1 / GRID_CELL_PT))] = True
        return grid

    image_cells = mask(images)
    text_cells = mask((w.x0, w.top, w.x1, w.bottom) for w in words)
    return float(image_cells.mean()), float((image_cells & ~text_cells).mean())


def _verdict(layer: TextLayer) -> tuple[bool, str]:
    """Whether the layer can replace OCR, and a sentence saying why (no page content)."""
    if layer.char_count < MIN_CHARS:
        return False, f"the page has almost no text layer ({layer.char_count} characters)"
    if layer.broken_share > MAX_BROKEN_SHARE:
        return False, (f"{layer.broken_share:.0%} of the characters have no Unicode meaning "
                       "((cid:N), U+FFFD or private-use glyphs): the fonts lack a usable map")
    if layer.foreign_share > MAX_FOREIGN_SHARE:
        return False, (f"{layer.foreign_share:.0%} of the letters are foreign to Vietnamese: the text "
                       "was typed in a legacy 8-bit font encoding such as VNI or TCVN3")
    if layer.upright_share < MIN_UPRIGHT_SHARE:
        return False, (f"only {layer.upright_share:.0%} of the characters read upright on the displayed "
                       "page: the text runs sideways or upside down, and OCR can find the orientation")
    if layer.marked_share is not None and layer.marked_share < MIN_MARKED_SHARE:
        return False, (f"the text reads as Vietnamese but only {layer.marked_share:.0%} of its common "
                       "syllables carry diacritics: the layer was stripped of its marks")
    if layer.bare_image_share > MAX_BARE_IMAGE_SHARE:
        return False, (f"images with no text over them cover {layer.bare_image_share:.0%} of the page: "
                       "the body is probably a scan whose words exist only as pixels")
    marks = "" if layer.marked_share is None else f", {layer.marked_share:.0%} of common syllables marked"
    return True, f"sound text layer: {layer.char_count} characters in {layer.columns} column(s){marks}"


def _without_doubled_glyphs(page: Page) -> Page:
    """The page without the second copy of glyphs drawn twice (fake bold, shadowed headings).

    pdfplumber's `dedupe_chars` finds the same copies but then restores the page's order with
    `list.index`, quadratic in the page's characters: half of a dense page's reading time. This keeps
    its rule (same text, font, size and orientation; positions within 1 pt, clustered as it does) and
    its choice of copy, and keeps the rest in order by identity.
    """
    chars = page.chars
    key = itemgetter("upright", "text", "fontname", "size")
    kept: set[int] = set()
    for _, group in itertools.groupby(sorted(chars, key=key), key=key):
        for line in cluster_objects(list(group), itemgetter("doctop"), _DUPLICATE_TOLERANCE_PT):
            for copies in cluster_objects(line, itemgetter("x0"), _DUPLICATE_TOLERANCE_PT):
                kept.add(id(min(copies, key=itemgetter("doctop", "x0"))))
    if len(kept) == len(chars):
        return page
    return page.filter(lambda obj: obj.get("object_type") != "char" or id(obj) in kept)


# --- entry point ---------------------------------------------------------------------------------


def read_text_layer(path: Path, page_number: int, dpi: int = 300) -> TextLayer:
    """The 1-based page's text layer in reading order, with words in pixels at `dpi` and a verdict.

    Cheap (no rendering): call it on every page and OCR only the pages it does not trust.
    """
    width, height = page_pixel_size(path, page_number, dpi)  # also rejects a missing page
    with pdfplumber.open(path, pages=[page_number]) as pdf:
        page = pdf.pages[0]
        if page.cropbox != page.bbox:  # PDFium renders the crop box; read what it shows
            page = page.crop(page.cropbox, strict=False)
        page = _without_doubled_glyphs(page)
        origin_x, origin_y, right, bottom = page.bbox
        boxes = [
            _Box(nfc(w["text"]), w["x0"] - origin_x, w["x1"] - origin_x, w["top"] - origin_y,
                 w["bottom"] - origin_y)
            for w in page.extract_words(x_tolerance_ratio=X_TOLERANCE_RATIO)
        ]
        chars = [char["text"] for char in page.chars]
        upright = [_reads_upright(char["matrix"]) for char in page.chars]
        images = [(image["x0"] - origin_x, image["top"] - origin_y,
                   image["x1"] - origin_x, image["bottom"] - origin_y) for image in page.images]
    page_size = (right - origin_x, bottom - origin_y)

    blocks, columns = _blocks(boxes)
    scale = dpi / POINTS_PER_INCH
    words = [
        Word(text=box.text, left=round(box.x0 * scale), top=round(box.top * scale),
             width=round((box.x1 - box.x0) * scale), height=round((box.bottom - box.top) * scale),
             conf=100, block=block_number, line=line_number)
        for block_number, block in enumerate(blocks)
        for line_number, line in enumerate(block)
        for box in line
    ]
    text = "\n\n".join("\n".join(" ".join(box.text for box in line) for line in block)
                       for block in blocks)
    image_share, bare_image_share = _coverage(page_size, images, boxes)
    layer = TextLayer(
        text=text,
        words=words,
        trusted=False,
        reason="",
        width=width,
        height=height,
        dpi=dpi,
        char_count=sum(not ch.isspace() for ch in text),
        columns=columns,
        upright_share=sum(upright) / len(upright) if upright else 1.0,
        broken_share=sum(map(_is_broken_glyph, chars)) / len(chars) if chars else 0.0,
        foreign_share=_foreign_share(text),
        marked_share=_marked_share(text),
        image_share=image_share,
        bare_image_share=bare_image_share,
    )
    layer.trusted, layer.reason = _verdict(layer)
    return layer
