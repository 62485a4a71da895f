"""Read one page of one file: trust its text layer, or preprocess and OCR it (OCRmyPDF's skip-text rule).

This is the whole per-page decision in one pure function, so a flow only has to call it and store what
comes back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ocr import pdf, searchable
from ocr.engine import OcrTimeout, recognise
from ocr.identity.probe import CardEvidence, probe_card
from ocr.images import encode_jpeg, load_page
from ocr.preprocess import preprocess
from schemas.document import FileKind, PageText, Problem, Reason, TextSource
from schemas.settings import Settings

THUMBNAIL_WIDTH = 320


@dataclass(frozen=True)
class PageReading:
    """A page's text and its searchable one-page PDF (plus a thumbnail when asked for), and for a
    scanned page what its image shows of an identity card."""

    page: PageText
    pdf: bytes
    thumbnail: bytes | None
    card: CardEvidence | None = None


def read_page(path: Path, kind: FileKind, number: int, settings: Settings, *,
              thumbnail: bool = False) -> PageReading:
    """Text of page `number` (1-based): the PDF text layer when trustworthy, else Tesseract."""
    started = time.monotonic()
    decision = "image file: OCR"
    if kind is FileKind.PDF:
        layer = pdf.read_text_layer(path, number, dpi=settings.ocr_dpi)
        decision = layer.reason
        if layer.trusted:
            thumb = _thumbnail(pdf.render_page(path, number, dpi=36)) if thumbnail else None
            page = PageText(number=number, source=TextSource.TEXT_LAYER, text=layer.text,
                            words=layer.words, mean_conf=100.0, dpi=settings.ocr_dpi,
                            width=layer.width, height=layer.height, decision=decision)
            page.seconds = round(time.monotonic() - started, 3)
            return PageReading(page, searchable.extract_page(path, number), thumb)

    image = load_page(path, kind, number, pdf_dpi=settings.ocr_dpi)
    card = probe_card(image.pixels, image.dpi)
    ready = preprocess(image.pixels, image.dpi, timeout=min(30.0, settings.ocr_timeout_seconds))
    page = PageText(number=number, source=TextSource.OCR, dpi=ready.dpi, decision=decision)
    try:
        result = recognise(ready.ocr, dpi=ready.dpi, language=settings.ocr_language,
                           timeout=settings.ocr_timeout_seconds, scale=ready.read_scale)
    except OcrTimeout as exc:
        page.source = TextSource.NONE
        page.problems.append(Problem(code=Reason.OCR_TIMEOUT, message=str(exc), page=number))
        result = None
    page.rotation, page.skew_degrees = ready.rotation, ready.skew_degrees
    page.height, page.width = ready.ocr.shape[:2]
    page_pdf = searchable.image_page(ready.display, ready.dpi)
    if result is not None:
        page.text, page.words, page.mean_conf = result.text, result.words, result.mean_conf
        page.problems.extend(_quality_problems(page, settings))
        page_pdf = searchable.with_words(page_pdf, result.words, ready.dpi)
    page.seconds = round(time.monotonic() - started, 3)
    return PageReading(page, page_pdf, _thumbnail(ready.display) if thumbnail else None, card)


def _quality_problems(page: PageText, settings: Settings) -> list[Problem]:
    """Why a human should look at this OCR'd page, if anything."""
    if not page.text.strip():
        return [Problem(code=Reason.NO_TEXT, message="không nhận dạng được chữ nào trên trang này",
                        page=page.number)]
    if page.mean_conf is not None and page.mean_conf < settings.low_confidence:
        return [Problem(code=Reason.LOW_CONFIDENCE,
                        message=f"độ tin cậy trung bình {page.mean_conf:.0f} thấp hơn "
                                f"{settings.low_confidence:.0f}; quét lại rõ hơn có thể giúp",
                        page=page.number)]
    return []


def _thumbnail(pixels: np.ndarray) -> bytes:
    """A small JPEG of the page for result lists."""
    h, w = pixels.shape[:2]
    scale = THUMBNAIL_WIDTH / w
    small = cv2.resize(pixels, (THUMBNAIL_WIDTH, max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    return encode_jpeg(small, quality=70)
