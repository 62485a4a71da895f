"""Searchable PDFs: the page image with Tesseract's invisible text laid exactly over it.

Like OCRmyPDF's sandwich renderer: Tesseract writes a text-only PDF page sized to the OCR image at its
dpi; the colour page image of the same geometry becomes a PDF page of the same size; pikepdf lays the
text over the image. Pages that already had a trusted text layer are copied from the original PDF.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pikepdf
from PIL import Image


def image_page(pixels: np.ndarray, dpi: int, *, quality: int = 80) -> bytes:
    """A one-page PDF of the image at `dpi` (JPEG inside; grey when the scan has no colour)."""
    image = Image.fromarray(pixels)
    if pixels.ndim == 3 and _is_grey(pixels):
        image = image.convert("L")
    buffer = io.BytesIO()
    image.save(buffer, format="PDF", resolution=float(dpi), quality=quality)
    return buffer.getvalue()


def overlay_text(image_pdf: bytes, text_pdf: bytes) -> bytes:
    """Lay the invisible text page over the image page; both must have the same size."""
    with pikepdf.open(io.BytesIO(image_pdf)) as target, pikepdf.open(io.BytesIO(text_pdf)) as text:
        page = target.pages[0]
        page.add_overlay(text.pages[0], pikepdf.Rectangle(*page.mediabox))
        return _save(target)


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
