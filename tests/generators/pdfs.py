"""PDFs as offices receive them, with the text a reader should get back, in reading order.

Born-digital pages are typeset by reportlab with embedded TrueType fonts that cover Vietnamese, in one
to three balanced columns, so reading-order code meets real justified text; forms and landscape pages
are drawn directly. The spoiled variants are the failures met in practice: a text layer stripped of
its diacritics, a font without a Unicode map (text extracts as `(cid:NN)`), a legacy VNI font, pages
displayed sideways, image-only scans, and a scan whose only text is a typed header and footer.
"""

from __future__ import annotations

import contextlib
import io
import unicodedata
from collections.abc import Sequence
from xml.sax.saxutils import escape

import pikepdf
from PIL import Image
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph, Spacer
from reportlab.platypus.flowables import BalancedColumns

from tests.generators import corpus
from tests.generators.pages import FONT_DIR, FONTS

POINTS_PER_INCH = 72


def _register(family: str, bold: bool) -> str:
    """Register a font family's face with reportlab once and return its reportlab name."""
    name = f"{family} Bold" if bold else family
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / FONTS[family][bold])))
    return name


def strip_marks(text: str) -> str:
    """Vietnamese without its diacritics, case kept ('Đơn đề nghị' → 'Don de nghi').

    This is what a text layer looks like after a non-Vietnamese OCR engine or a lossy converter.
    """
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.replace("đ", "d").replace("Đ", "D")


def born_digital_pdf(
    paragraphs: Sequence[str],
    columns: int = 1,
    font: str = "Liberation Serif",
    heading: str | None = None,
    size_pt: float = 11,
    footer: str | None = None,
    justify: bool = True,
) -> tuple[bytes, str]:
    """A one-page A4 PDF of paragraphs (justified, or ragged right) in `columns` balanced columns, with
    an optional heading above them and a footer (a page number, say) centred at the foot of the page.

    Returns the PDF bytes and the ground truth in reading order: the heading, the paragraphs in order
    (column by column), one per line, then the footer. Raises ValueError when the text does not fit on
    one page or a word is wider than a column (reportlab would cut it in two): the truth would lie.
    """
    regular = _register(font, bold=False)
    gutter = size_pt * 1.5
    buffer = io.BytesIO()
    doc = BaseDocTemplate(buffer, pagesize=A4, title="sohoa test page")
    # BalancedColumns' narrowest column (a middle one), inside reportlab's 6 pt frame paddings
    column_width = (doc.width - 12) / columns - (gutter if columns > 1 else 12)
    words = (word for text in paragraphs for word in text.split())
    widest = max((pdfmetrics.stringWidth(word, regular, size_pt) for word in words), default=0)
    if widest > column_width:
        raise ValueError("a word is wider than a column; use fewer columns or a smaller font")
    body = ParagraphStyle("body", fontName=regular, fontSize=size_pt, leading=size_pt * 1.3,
                          alignment=TA_JUSTIFY if justify else TA_LEFT, spaceAfter=size_pt * 0.5)
    title = ParagraphStyle("heading", fontName=_register(font, bold=True), fontSize=size_pt * 1.3,
                           leading=size_pt * 1.6, alignment=TA_CENTER)
    story: list[Flowable] = []
    if heading:
        story += [Paragraph(escape(heading), title), Spacer(0, size_pt)]
    texts = [Paragraph(escape(text), body) for text in paragraphs]
    story += [BalancedColumns(texts, nCols=columns, innerPadding=gutter)] if columns > 1 else texts

    def draw_footer(page: canvas.Canvas, _: BaseDocTemplate) -> None:
        if footer:
            page.setFont(regular, size_pt)
            page.drawCentredString(A4[0] / 2, doc.bottomMargin / 2, footer)

    doc.addPageTemplates([PageTemplate(frames=[
        Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body")], onPage=draw_footer)])
    doc.build(story)
    if doc.page != 1:
        raise ValueError(f"the text needs {doc.page} pages; give fewer or shorter paragraphs")
    truth = "\n".join(([heading] if heading else []) + list(paragraphs) + ([footer] if footer else []))
    return buffer.getvalue(), truth


def official_letter_pdf(agency: tuple[str, str], number: str, place_date: str, title: str,
                        paragraphs: Sequence[str], font: str = "Liberation Serif",
                        size_pt: float = 12) -> tuple[bytes, str]:
    """A letter laid out as Decree 30/2020 prescribes: agency and document number in a block on the
    left, the national motto and place and date in a block on the right, the title centred below,
    then the body. Returns the PDF and the ground truth: left block, right block, title, body.
    """
    regular, bold = _register(font, bold=False), _register(font, bold=True)
    left_centre, right_centre = A4[0] * 0.27, A4[0] * 0.66
    body_width = A4[0] - 2 * 72
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    y = A4[1] - 60
    header = [(agency[0], corpus.MOTTO[0], bold), (agency[1], corpus.MOTTO[1], bold),
              (number, place_date, regular)]
    for left, right, face in header:
        page.setFont(face, size_pt)
        page.drawCentredString(left_centre, y, left)
        page.drawCentredString(right_centre, y, right)
        y -= size_pt * 1.5
    y -= size_pt * 2
    page.setFont(bold, size_pt * 1.2)
    page.drawCentredString(A4[0] / 2, y, title)
    y -= size_pt * 2.5
    page.setFont(regular, size_pt)
    for text in paragraphs:
        for line in simpleSplit(text, regular, size_pt, body_width):
            page.drawString(72, y, line)
            y -= size_pt * 1.5
    page.showPage()
    page.save()
    truth = [agency[0], agency[1], number, *corpus.MOTTO, place_date, title, *paragraphs]
    return buffer.getvalue(), "\n".join(truth)


def form_pdf(fields: Sequence[tuple[str, str]], font: str = "Liberation Serif",
             size_pt: float = 11) -> tuple[bytes, str]:
    """A declaration form: labels on the left, values at a tab stop, one field per line.

    The wide, aligned gap between labels and values looks like a gutter but is not one: the ground
    truth keeps each label with its value ("Giới tính: Nữ"), as field extraction needs.
    """
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setFont(_register(font, bold=False), size_pt)
    tab_stop = 72 + max(pdfmetrics.stringWidth(label, _register(font, bold=False), size_pt)
                        for label, _ in fields) + 3 * size_pt
    for number, (label, value) in enumerate(fields):
        y = A4[1] - 90 - number * size_pt * 2
        page.drawString(72, y, label)
        page.drawString(tab_stop, y, value)
    page.showPage()
    page.save()
    return buffer.getvalue(), "\n".join(f"{label} {value}" for label, value in fields)


def fake_bold_pdf(lines: Sequence[str], font: str = "Liberation Serif", size_pt: float = 12,
                  strokes: int = 3) -> tuple[bytes, str]:
    """A page whose lines are made bold the way office software without a bold face does it: each
    line drawn `strokes` times, shifted a fraction of a point. Returns the PDF and its lines."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setFont(_register(font, bold=False), size_pt)
    for number, line in enumerate(lines):
        for stroke in range(strokes):
            page.drawString(72 + 0.3 * stroke, A4[1] - 90 - number * size_pt * 2, line)
    page.showPage()
    page.save()
    return buffer.getvalue(), "\n".join(lines)


def stripped_diacritics_pdf(paragraphs: Sequence[str], font: str = "Liberation Serif") -> bytes:
    """A born-digital page whose text layer reads 'Cong hoa xa hoi chu nghia Viet Nam'."""
    pdf, _ = born_digital_pdf([strip_marks(text) for text in paragraphs], font=font)
    return pdf


# VNI, the most common pre-Unicode Vietnamese font encoding: marks become Latin-1 letters typed after
# the vowel; the circumflex (â ê ô) and breve (ă) fuse with the tone into one letter.
_VNI_TONES = {"": "", "\u0301": "ù", "\u0300": "ø", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_VNI_HATS = {
    "\u0302": {"": "â", "\u0301": "á", "\u0300": "à", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"},
    "\u0306": {"": "ê", "\u0301": "é", "\u0300": "è", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"},
}
_VNI_I = {"\u0301": "í", "\u0300": "ì", "\u0309": "æ", "\u0303": "ó", "\u0323": "ò"}
_VNI_HORN = {"o": "ô", "u": "ö"}


def vni_text(text: str) -> str:
    """Vietnamese as a VNI font stores it ('Cộng hòa' → 'Coäng hoøa').

    A PDF typed with VNI-Times has exactly this text layer, since the font draws Vietnamese glyphs
    at these Latin-1 code points. Lowercase forms follow VNI; capitals use the capital of each byte,
    which is what VNI does for the common cases.
    """
    out = []
    for char in unicodedata.normalize("NFC", text):
        if char in "đĐ":
            out.append("ñ" if char == "đ" else "Ñ")
            continue
        base, *marks = unicodedata.normalize("NFD", char)
        tone = next((mark for mark in marks if mark in _VNI_TONES), "")
        hat = next((mark for mark in marks if mark in _VNI_HATS), None)
        if base.lower() == "i" and tone:
            letters, suffix = _VNI_I[tone], ""
        elif "\u031b" in marks:
            letters, suffix = _VNI_HORN[base.lower()], _VNI_TONES[tone]
        elif hat:
            letters, suffix = base.lower(), _VNI_HATS[hat][tone]
        elif marks:
            letters, suffix = base.lower(), _VNI_TONES[tone]
        else:
            out.append(char)
            continue
        out.append((letters + suffix).upper() if base.isupper() else letters + suffix)
    return "".join(out)


def legacy_font_pdf(paragraphs: Sequence[str], font: str = "Liberation Serif") -> bytes:
    """A page whose text layer is VNI-encoded Vietnamese, as old documents typed in VNI-Times have."""
    pdf, _ = born_digital_pdf([vni_text(text) for text in paragraphs], font=font)
    return pdf


def broken_font_map_pdf(paragraphs: Sequence[str], font: str = "Liberation Serif") -> bytes:
    """A page that prints correctly but whose fonts lost their /ToUnicode map.

    Real converters produce this: reportlab's subset fonts keep ASCII at ASCII codes, so without the
    map every Vietnamese letter extracts as `(cid:NN)` while plain Latin letters survive.
    """
    pdf_bytes, _ = born_digital_pdf(paragraphs, font=font)
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        for page in pdf.pages:
            for font_dict in page.Resources.Font.values():
                if "/ToUnicode" in font_dict:
                    del font_dict["/ToUnicode"]
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def rotate_pages(pdf_bytes: bytes, degrees: int) -> bytes:
    """The same PDF with /Rotate set on every page: upright content then displays sideways."""
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        for page in pdf.pages:
            page.Rotate = degrees
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def landscape_pdf(lines: Sequence[str], font: str = "Liberation Serif",
                  size_pt: float = 12) -> tuple[bytes, str]:
    """A landscape page stored the way many converters write it: a portrait page, text drawn turned a
    quarter, and /Rotate 90 so viewers show it upright. Returns the PDF and its lines (ground truth).
    """
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setFont(_register(font, bold=False), size_pt)
    page.translate(72, 72)  # user-space origin shows as the top-left corner; start one inch in
    page.rotate(90)
    for number, line in enumerate(lines):
        page.drawString(0, -size_pt * 1.5 * number, line)
    page.showPage()
    page.save()
    return rotate_pages(buffer.getvalue(), 90), "\n".join(lines)


def image_pdf(images: Sequence[Image.Image], dpi: int = 300) -> bytes:
    """An image-only PDF, one page per image, each page sized so the image is at `dpi`: a plain scan."""
    buffer = io.BytesIO()
    first, *rest = images
    first.save(buffer, format="PDF", resolution=dpi, save_all=True, append_images=rest)
    return buffer.getvalue()


def scan_with_typed_header_pdf(image: Image.Image, header: str, footer: str, dpi: int = 300,
                               font: str = "Liberation Serif") -> bytes:
    """A scanned page whose only text layer is a header and footer typed over it by the scanning software.

    Such a page has real characters, but they say nothing about the body, which is only pixels.
    """
    width, height = (image.width * POINTS_PER_INCH / dpi, image.height * POINTS_PER_INCH / dpi)
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=(width, height))
    page.drawImage(ImageReader(image), 0, 0, width, height)
    page.setFont(_register(font, bold=False), 8)
    page.drawString(20, height - 14, header)
    page.drawRightString(width - 20, 8, footer)
    page.showPage()
    page.save()
    return buffer.getvalue()


def concatenate_pdfs(parts: Sequence[bytes]) -> bytes:
    """One PDF holding the pages of `parts` in order: how a dossier mixes typed and scanned papers."""
    out = io.BytesIO()
    with contextlib.ExitStack() as stack:
        merged = stack.enter_context(pikepdf.new())
        for part in parts:  # sources stay open until the merged file is written
            merged.pages.extend(stack.enter_context(pikepdf.open(io.BytesIO(part))).pages)
        merged.save(out)
    return out.getvalue()


def mixed_pdf(paragraphs: Sequence[str], scan: Image.Image, dpi: int = 300) -> tuple[bytes, str]:
    """Page 1 born-digital, page 2 an image-only scan; returns the PDF and page 1's ground truth."""
    text_page, truth = born_digital_pdf(paragraphs)
    return concatenate_pdfs([text_page, image_pdf([scan], dpi)]), truth
