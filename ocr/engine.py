"""Tesseract through pytesseract: one single-threaded call per page yields text, words and a text layer.

One call writes three renderers at once (txt, tsv and a text-only PDF), so a page is recognised once.
Tesseract must run with one OpenMP thread: pages are parallelised by the caller, and oversubscribed
Tesseract processes are known to run 10-30x slower.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytesseract

from schemas.document import Word
from schemas.vntext import nfc

os.environ["OMP_THREAD_LIMIT"] = "1"


class OcrTimeout(Exception):
    """Tesseract did not finish in time; the page goes to review, the batch goes on."""


@dataclass(frozen=True)
class OcrResult:
    """What Tesseract read on one page image."""

    text: str
    words: list[Word]
    mean_conf: float | None
    text_pdf: bytes  # one page, invisible text only, sized to the image at `dpi`


def tesseract_version() -> str:
    """The engine version, recorded with every OCR'd page."""
    return str(pytesseract.get_tesseract_version())


def recognise(image: np.ndarray, *, dpi: int, language: str = "vie", timeout: float = 180,
              psm: int = 3, scale: float = 1.0) -> OcrResult:
    """OCR a grey or RGB page image; raise OcrTimeout when Tesseract runs past `timeout` seconds.

    `scale` < 1 has Tesseract read a smaller copy (large print reads as well, faster); the words and
    the text layer still fit `image` at `dpi`."""
    if scale != 1.0:
        height, width = image.shape[:2]
        image = cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
        dpi = round(dpi * scale)
    with tempfile.TemporaryDirectory(prefix="sohoa-ocr-") as tmp:
        # Uncompressed PNM: Tesseract reads it directly and nobody pays for PNG compression.
        source = Path(tmp, "page.pgm" if image.ndim == 2 else "page.ppm")
        cv2.imwrite(str(source), image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        base = Path(tmp, "out")
        config = f"--psm {psm} --oem 1 --dpi {dpi} -c tessedit_create_tsv=1 -c textonly_pdf=1"
        with _timeout_as_ocr_timeout(timeout):
            pytesseract.pytesseract.run_tesseract(
                str(source), str(base), extension="txt pdf", lang=language, config=config,
                timeout=timeout,
            )
        text = nfc(base.with_suffix(".txt").read_text(encoding="utf-8"))
        words = parse_tsv(base.with_suffix(".tsv").read_text(encoding="utf-8"))
        text_pdf = base.with_suffix(".pdf").read_bytes()
    if scale != 1.0:
        words = [_scaled(word, 1 / scale) for word in words]
    confident = [w.conf for w in words if w.conf >= 0]
    mean = round(sum(confident) / len(confident), 2) if confident else None
    return OcrResult(text=_tidy(text), words=words, mean_conf=mean, text_pdf=text_pdf)


def _scaled(word: Word, factor: float) -> Word:
    return word.model_copy(update={"left": round(word.left * factor), "top": round(word.top * factor),
                                   "width": round(word.width * factor), "height": round(word.height * factor)})


def read_words(image: np.ndarray, *, dpi: int, language: str, psm: int, timeout: float,
               whitelist: str | None = None) -> list[Word]:
    """Only the words (boxes, confidences) of an image: the cheap call for small crops such as card
    fields, with an optional character whitelist; raises OcrTimeout like `recognise`."""
    config = f"--psm {psm} --oem 1 --dpi {dpi}"
    if whitelist:
        config += f" -c tessedit_char_whitelist={whitelist}"
    with _timeout_as_ocr_timeout(timeout):
        return parse_tsv(pytesseract.image_to_data(image, lang=language, config=config, timeout=timeout))


@contextmanager
def _timeout_as_ocr_timeout(timeout: float) -> Iterator[None]:
    """pytesseract reports its own kill on timeout as a RuntimeError; callers want OcrTimeout."""
    try:
        yield
    except RuntimeError as exc:
        if "timeout" in str(exc).lower():
            raise OcrTimeout(f"nhận dạng quá {timeout:g} giây") from exc
        raise


def parse_tsv(tsv: str) -> list[Word]:
    """Word rows (level 5) of Tesseract's TSV as Words, NFC-normalised, empty words dropped."""
    words: list[Word] = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = nfc((row.get("text") or "").strip())
        if row.get("level") != "5" or not text:
            continue
        words.append(Word(
            text=text, left=int(row["left"]), top=int(row["top"]), width=int(row["width"]),
            height=int(row["height"]), conf=max(-1.0, min(100.0, float(row["conf"]))),
            block=int(row["block_num"]), line=int(row["par_num"]) * 1000 + int(row["line_num"]),
        ))
    return words


def _tidy(text: str) -> str:
    """Tesseract's text with trailing spaces and the form-feed page terminator removed."""
    lines = [line.rstrip() for line in text.replace("\f", "").splitlines()]
    return "\n".join(lines).strip()
