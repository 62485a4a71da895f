"""Tesseract in this process through tesserocr: a page is recognised once, with no process spawn.

Each language's engine is loaded once per process and kept in a small pool, so a page or a card
field pays only for recognition (a CLI call also pays ~0.1 s to start and load the model, and
writes and re-reads the image). Recognition releases the GIL, so OCR slots run side by side in
threads. Tesseract must run with one OpenMP thread: pages are parallelised by the caller, and
oversubscribed Tesseract processes are known to run 10-30x slower.
"""

from __future__ import annotations

import csv
import ctypes
import ctypes.util
import io
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

os.environ["OMP_THREAD_LIMIT"] = "1"

import cv2  # noqa: E402 - after the thread limit, which the engine reads when loaded
import numpy as np  # noqa: E402
import tesserocr  # noqa: E402
from PIL import Image  # noqa: E402

from schemas.document import Word  # noqa: E402
from schemas.vntext import nfc  # noqa: E402

# Debian's tesseract-ocr-* packages put the trained models here; TESSDATA_PREFIX overrides it.
TESSDATA = Path(os.environ.get("TESSDATA_PREFIX") or "/usr/share/tesseract-ocr/5/tessdata")


class OcrTimeout(Exception):
    """Tesseract did not finish in time; the page goes to review, the batch goes on."""


class EngineError(RuntimeError):
    """Tesseract could not be loaded or refused the image."""


@dataclass(frozen=True)
class OcrResult:
    """What Tesseract read on one page image."""

    text: str
    words: list[Word]
    mean_conf: float | None


@dataclass(frozen=True)
class Orientation:
    """Tesseract's orientation detection: the clockwise turn that makes the image upright."""

    rotate: int
    confidence: float


def tesseract_version() -> str:
    """The engine version, recorded with every OCR'd page."""
    return tesserocr.tesseract_version().split()[1]


def recognise(image: np.ndarray, *, dpi: int, language: str = "vie", timeout: float = 180,
              psm: int = 3, scale: float = 1.0) -> OcrResult:
    """OCR a grey or RGB page image; raise OcrTimeout when Tesseract runs past `timeout` seconds.

    `scale` < 1 has Tesseract read a smaller copy (large print reads as well, faster); the words
    still fit `image` at `dpi`."""
    if scale != 1.0:
        height, width = image.shape[:2]
        image = cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
        dpi = round(dpi * scale)
    with _engine(language) as api:
        _read(api, image, dpi=dpi, psm=psm, timeout=timeout)
        text, tsv = api.GetUTF8Text(), api.GetTSVText(0)
    _return_freed_memory()
    words = _parse_tsv(tsv)
    if scale != 1.0:
        words = [_scaled(word, 1 / scale) for word in words]
    confident = [w.conf for w in words if w.conf >= 0]
    mean = round(sum(confident) / len(confident), 2) if confident else None
    return OcrResult(text=_tidy(nfc(text)), words=words, mean_conf=mean)


def _scaled(word: Word, factor: float) -> Word:
    return word.model_copy(update={"left": round(word.left * factor), "top": round(word.top * factor),
                                   "width": round(word.width * factor), "height": round(word.height * factor)})


def read_words(image: np.ndarray, *, dpi: int, language: str, psm: int, timeout: float,
               whitelist: str | None = None) -> list[Word]:
    """Only the words (boxes, confidences) of an image: the cheap call for small crops such as card
    fields, with an optional character whitelist; raises OcrTimeout like `recognise`."""
    with _engine(language) as api:
        api.SetVariable("tessedit_char_whitelist", whitelist or "")
        try:
            _read(api, image, dpi=dpi, psm=psm, timeout=timeout)
            return _parse_tsv(api.GetTSVText(0))
        finally:
            api.SetVariable("tessedit_char_whitelist", "")


def detect_orientation(image: np.ndarray, *, min_characters: int) -> Orientation | None:
    """Tesseract's orientation and script detection (psm 0) on an image; None when it finds too
    few characters to judge."""
    with _engine("osd") as api:
        api.SetPageSegMode(tesserocr.PSM.OSD_ONLY)
        api.SetVariable("min_characters_to_try", str(min_characters))
        api.SetImage(Image.fromarray(image))
        found = api.DetectOrientationScript()
    if not found:
        return None
    return Orientation(rotate=(360 - int(found["orient_deg"])) % 360, confidence=float(found["orient_conf"]))


def _read(api: tesserocr.PyTessBaseAPI, image: np.ndarray, *, dpi: int, psm: int, timeout: float) -> None:
    """Recognise `image` with `api`, within `timeout` seconds."""
    api.SetPageSegMode(psm)
    api.SetImage(Image.fromarray(image))
    api.SetSourceResolution(dpi)
    started = time.monotonic()
    if not api.Recognize(timeout=max(1, round(timeout * 1000))):
        if time.monotonic() - started >= timeout:
            raise OcrTimeout(f"nhận dạng quá {timeout:g} giây")
        raise EngineError("Tesseract không đọc được ảnh này")


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    """The C library, for malloc_trim (None where there is none to find)."""
    name = ctypes.util.find_library("c")
    return ctypes.CDLL(name) if name else None


def _return_freed_memory() -> None:
    """Hand the page's freed buffers back to the system (glibc's malloc_trim).

    A page's images and Tesseract's buffers are freed in whichever thread read it; glibc keeps such
    memory in per-thread arenas, so without this a long batch's resident memory creeps up."""
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


_idle: dict[str, list[tesserocr.PyTessBaseAPI]] = {}
_idle_lock = threading.Lock()


@contextmanager
def _engine(language: str) -> Iterator[tesserocr.PyTessBaseAPI]:
    """A loaded engine for `language` that no other thread uses meanwhile; back to the pool after.

    The pool grows to the number of pages read at once (the caller's OCR slots) and no further."""
    with _idle_lock:
        idle = _idle.setdefault(language, [])
        api = idle.pop() if idle else None
    if api is None:
        api = _load(language)
    try:
        yield api
    finally:
        api.Clear()  # the page image and its results are not kept while the engine waits
        with _idle_lock:
            idle.append(api)


def _load(language: str) -> tesserocr.PyTessBaseAPI:
    """Load `language`'s model (LSTM only; OSD uses the legacy engine, its only one)."""
    _check_tessdata(str(TESSDATA))
    oem = tesserocr.OEM.DEFAULT if language == "osd" else tesserocr.OEM.LSTM_ONLY
    try:
        return tesserocr.PyTessBaseAPI(path=str(TESSDATA), lang=language, oem=oem)
    except RuntimeError as exc:
        raise EngineError(f"không nạp được dữ liệu Tesseract '{language}' từ {TESSDATA}: "
                          "cài gói tesseract-ocr-vie (make install)") from exc


@lru_cache(maxsize=4)
def _check_tessdata(folder: str) -> None:
    """A clear error instead of Tesseract's own when the models are not installed."""
    if not Path(folder).is_dir():
        raise EngineError(f"không có thư mục dữ liệu Tesseract {folder}: cài gói tesseract-ocr-vie "
                          "(make install) hoặc đặt TESSDATA_PREFIX")


def _parse_tsv(tsv: str) -> list[Word]:
    """Word rows (level 5) of Tesseract's TSV as Words, NFC-normalised, empty words dropped."""
    words: list[Word] = []
    for row in csv.reader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if len(row) < 12 or row[0] != "5":
            continue
        text = nfc(row[11].strip())
        if not text:
            continue
        words.append(Word(
            text=text, left=int(row[6]), top=int(row[7]), width=int(row[8]), height=int(row[9]),
            conf=max(-1.0, min(100.0, float(row[10]))), block=int(row[2]),
            line=int(row[3]) * 1000 + int(row[4]),
        ))
    return words


def _tidy(text: str) -> str:
    """Tesseract's text with trailing spaces and the form-feed page terminator removed."""
    lines = [line.rstrip() for line in text.replace("\f", "").splitlines()]
    return "\n".join(lines).strip()
