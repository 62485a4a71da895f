"""Digitized records made directly in the catalog and object store, as ingest would leave them.

No OCR: each record gets a small scan (PNG with noise, so every original is unique), a searchable PDF
built like Tesseract's (the page image under invisible text in an embedded font), its text and words.
Archive, fixity and indicator tests and the benchmark start from these.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import struct
import zlib
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ocr import searchable
from ocr.engine import recognise
from schemas.batch import BatchManifest, BatchReport, BatchStatus, Direction, FileReport
from schemas.document import (
    DocType,
    Document,
    FileKind,
    FileStatus,
    PageText,
    Problem,
    Reason,
    StoredObject,
    TextSource,
    Word,
)
from storage.catalog import Catalog
from storage.objects import ObjectStore
from tests.generators.pages import FONT_DIR, FONTS

PAGE_TEXT = ("GIẤY XÁC NHẬN THÔNG TIN VỀ CƯ TRÚ", "Nội dung hồ sơ được số hóa tại bộ phận một cửa.",
             "Thửa đất số 215, tờ bản đồ số 09, diện tích 120,5 mét vuông.")
SCAN_DPI = 100


@functools.cache
def _blank_scan(width: int, height: int) -> np.ndarray:
    """A grey page with a few printed lines (compresses like a real scan, unlike pure noise)."""
    image = Image.new("L", (width, height), 244)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT_DIR / FONTS["DejaVu Sans"][0]), max(10, width // 40))
    for number, line in enumerate(PAGE_TEXT * 3):
        draw.text((width // 12, height // 10 + number * width // 18), line, fill=30, font=font)
    return np.asarray(image)


def scan_png(seed: int, width: int = 600, height: int = 850) -> bytes:
    """The page with a seed-specific stamp of noise in a corner, so every original's bytes are unique."""
    pixels = _blank_scan(width, height).copy()
    pixels[-40:, -40:] = np.random.default_rng(seed).integers(0, 255, (40, 40), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", dpi=(SCAN_DPI, SCAN_DPI))
    return buffer.getvalue()


def unique_png(png: bytes, seed: int) -> bytes:
    """The same image with a text chunk naming `seed` before IEND: new bytes without re-encoding."""
    payload = b"tEXt" + b"Comment\0" + f"record {seed}".encode()
    chunk = struct.pack(">I", len(payload) - 4) + payload + struct.pack(">I", zlib.crc32(payload))
    return png[:-12] + chunk + png[-12:]


@functools.cache
def _words(width: int, height: int) -> tuple[Word, ...]:
    """Tesseract's words on the blank scan, read once per process and size."""
    return tuple(recognise(_blank_scan(width, height), dpi=SCAN_DPI, language="vie").words)


def searchable_pdf(png: bytes) -> bytes:
    """What ingest stores for a scan: the page image (JPEG) under Tesseract's glyph-less text."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    return searchable.with_words(searchable.image_page(pixels, SCAN_DPI),
                                 list(_words(pixels.shape[1], pixels.shape[0])), SCAN_DPI)


@dataclass(frozen=True)
class Made:
    document: Document
    bytes: int


def add_batch(catalog: Catalog, batch_id: str, office: str | None, started_at: datetime,
              files: list[FileReport] | None = None) -> None:
    """A finished batch of the office, started at `started_at` (its files counted by the indicators)."""
    manifest = BatchManifest(office_code=office)
    catalog.batches.begin_batch(batch_id, batch_id, f"inbox/{batch_id}", manifest)
    for file in files or []:
        catalog.batches.record_file(batch_id, file)
    catalog.batches.finish_batch(BatchReport(batch_id=batch_id, name=batch_id, source=f"inbox/{batch_id}",
                                     status=BatchStatus.DONE, manifest=manifest, started_at=started_at,
                                     finished_at=started_at, files=files or []), f"batches/{batch_id}/report.json")


def add_record(catalog: Catalog, store: ObjectStore, *, seed: int, batch_id: str, office: str | None,
               created_at: datetime, direction: Direction = Direction.INPUT, dossier_code: str | None = None,
               status: FileStatus = FileStatus.OK, text_layer: bool = False, pdf: bytes | None = None,
               text: str | None = None, scan_size: tuple[int, int] = (600, 850),
               png: bytes | None = None) -> Made:
    """One committed one-page document with its original, searchable PDF, text and words stored."""
    png = png or scan_png(seed, *scan_size)
    sha256 = hashlib.sha256(png).hexdigest()
    document_id = sha256[:20]
    prefix = f"docs/{sha256[:2]}/{document_id}"
    text = text if text is not None else f"GIẤY XÁC NHẬN số {seed}\nNội dung hồ sơ được số hóa."
    parts = [
        ("original", "original.png", png, "image/png"),
        ("searchable_pdf", "searchable.pdf", pdf or searchable_pdf(png), "application/pdf"),
        ("text", "text.txt", text.encode(), "text/plain; charset=utf-8"),
        ("words", "words.json", json.dumps([{"page": 1, "words": []}]).encode(), "application/json"),
    ]
    objects = [StoredObject(role=role, **store.put_bytes(f"{prefix}/{name}", data, kind).model_dump())
               for role, name, data, kind in parts]
    problems = ([Problem(code=Reason.LOW_CONFIDENCE, message="low confidence", page=1)]
                if status is FileStatus.NEEDS_REVIEW else [])
    page = PageText(number=1, source=TextSource.TEXT_LAYER if text_layer else TextSource.OCR, text=text,
                    mean_conf=100.0 if text_layer else 88.0, width=scan_size[0], height=scan_size[1],
                    dpi=SCAN_DPI, rotation=90 if seed % 5 == 0 else 0, skew_degrees=0.4,
                    decision="trusted text layer" if text_layer else "image file: OCR", problems=problems)
    document = Document(
        id=document_id, sha256=sha256, kind=FileKind.PNG, original_name=f"scan-{seed:05d}.png",
        batch_id=batch_id, page_count=1, status=status, problems=problems, dossier_code=dossier_code,
        office_code=office, direction=direction.value, doc_type=DocType.RESIDENCE_CONFIRMATION,
        doc_type_score=0.9, text=text, created_at=created_at, objects=objects,
    )
    file = FileReport(file=document.original_name, status=status, sha256=sha256, size=len(png), pages=1,
                      document_id=document_id, problems=problems)
    catalog.batches.record_document(document, [page], file)
    return Made(document, sum(o.size for o in objects))
