"""Searchable PDFs: the page image with the recognised words laid invisibly exactly over it.

Like Tesseract's own PDF renderer (and OCRmyPDF's sandwich): each word is drawn in invisible text
mode (3 Tr) with a glyph-less font whose every glyph is half an em wide, stretched to the word's
box, so a viewer selects and finds the words where the scan shows them. Pages that already had a
trusted text layer are copied from the original PDF.
"""

from __future__ import annotations

import io
from functools import lru_cache
from itertools import groupby
from pathlib import Path

import numpy as np
import pikepdf
from pikepdf import Dictionary, Name
from PIL import Image

from ocr.engine import TESSDATA
from schemas.document import Word

_FONT = Name("/F-ocr")
# The font's CID-to-glyph map: each of the 65,536 two-byte codes shows glyph 1, the blank one.
_EVERY_CODE_TO_GLYPH_ONE = b"\x00\x01" * 65536
# Maps every character code to itself in Unicode, so copied or searched text is the words read.
_IDENTITY_TO_UNICODE = b"""/CIDInit /ProcSet findresource begin
12 dict begin
begincmap
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def
/CMapName /Adobe-Identity-UCS def
/CMapType 2 def
1 begincodespacerange
<0000> <FFFF>
endcodespacerange
1 beginbfrange
<0000> <FFFF> <0000>
endbfrange
endcmap
CMapName currentdict /CMap defineresource pop
end
end
"""


def image_page(pixels: np.ndarray, dpi: int, *, quality: int = 80) -> bytes:
    """A one-page PDF of the image at `dpi` (JPEG inside; grey when the scan has no colour)."""
    image = Image.fromarray(pixels)
    if pixels.ndim == 3 and _is_grey(pixels):
        image = image.convert("L")
    buffer = io.BytesIO()
    image.save(buffer, format="PDF", resolution=float(dpi), quality=quality)
    return buffer.getvalue()


def with_words(image_pdf: bytes, words: list[Word], dpi: int) -> bytes:
    """The image page with `words` (pixel boxes on the image at `dpi`) as invisible text over it."""
    with pikepdf.open(io.BytesIO(image_pdf)) as pdf:
        page = pdf.pages[0]
        if words:
            page.add_resource(_glyphless_font(pdf), Name.Font, _FONT)
            page.contents_add(pdf.make_stream(_text_operators(words, dpi, float(page.mediabox[3]))))
        return _save(pdf)


def _text_operators(words: list[Word], dpi: int, page_height: float) -> bytes:
    """One text object per line: each word at its box, its size the line's height, stretched (Tz)
    so that its half-em glyphs fill the box's width; a space ends every word but a line's last."""
    points = 72 / dpi
    operators = ["BT", "3 Tr"]
    for _, group in groupby(words, key=lambda w: (w.block, w.line)):
        line = list(group)
        size = max(1.0, max(w.height for w in line) * points)
        baseline = page_height - max(w.top + w.height for w in line) * points
        for index, word in enumerate(line):
            text = word.text + (" " if index < len(line) - 1 else "")
            stretch = 100 * word.width * points / (len(word.text) * size / 2)
            operators.append(f"{_FONT} {size:.2f} Tf {stretch:.2f} Tz 1 0 0 1 {word.left * points:.2f} "
                             f"{baseline:.2f} Tm <{text.encode('utf-16-be').hex()}> Tj")
    operators.append("ET")
    return "\n".join(operators).encode()


def _glyphless_font(pdf: pikepdf.Pdf) -> pikepdf.Object:
    """Tesseract's glyph-less font (its tessdata `pdf.ttf`: one blank glyph, half an em wide)
    as a composite font whose codes are UTF-16 and all show that glyph."""
    font_file = _glyphless_program()
    program = pdf.make_stream(font_file)
    program.Length1 = len(font_file)
    descriptor = pdf.make_indirect(Dictionary(
        Type=Name.FontDescriptor, FontName=Name.GlyphLessFont, Flags=5, FontBBox=[0, 0, 500, 1000],
        ItalicAngle=0, Ascent=1000, Descent=0, CapHeight=1000, StemV=80, FontFile2=program))
    glyphs = pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.CIDFontType2, BaseFont=Name.GlyphLessFont, DW=500,
        CIDSystemInfo=Dictionary(Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"),
                                 Supplement=0),
        FontDescriptor=descriptor, CIDToGIDMap=pdf.make_stream(_EVERY_CODE_TO_GLYPH_ONE)))
    return pdf.make_indirect(Dictionary(
        Type=Name.Font, Subtype=Name.Type0, BaseFont=Name.GlyphLessFont, Encoding=Name("/Identity-H"),
        DescendantFonts=[glyphs], ToUnicode=pdf.make_stream(_IDENTITY_TO_UNICODE)))


@lru_cache(maxsize=1)
def _glyphless_program() -> bytes:
    return (TESSDATA / "pdf.ttf").read_bytes()


def extract_page(pdf_path: Path, number: int) -> bytes:
    """Page `number` (1-based) of an existing PDF as a one-page PDF, text layer and all."""
    with pikepdf.open(pdf_path) as source, pikepdf.new() as single:
        single.pages.append(source.pages[number - 1])
        return _save(single)


def merge(pages: list[bytes]) -> bytes:
    """One PDF from one-page PDFs, in order."""
    with pikepdf.new() as document:
        opened = [pikepdf.open(io.BytesIO(page)) for page in pages]
        try:
            for pdf in opened:
                document.pages.extend(pdf.pages)
            return _save(document)
        finally:
            for pdf in opened:
                pdf.close()


def _save(pdf: pikepdf.Pdf) -> bytes:
    buffer = io.BytesIO()
    pdf.save(buffer, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return buffer.getvalue()


def _is_grey(rgb: np.ndarray) -> bool:
    """True when no pixel differs between channels by more than scanner noise."""
    sample = rgb[::8, ::8].astype(np.int16)
    return bool(np.abs(sample[..., 0] - sample[..., 1]).max() <= 12
                and np.abs(sample[..., 1] - sample[..., 2]).max() <= 12)
