"""Preflight: decide from the bytes alone whether a dropped file may enter the pipeline (DESIGN 2).

Everything here reads hostile input: scans cut short when a USB stick is pulled, Word files renamed
`.png`, password-protected PDFs, the occasional decompression bomb. The rule is *cheap checks first,
decoding last*: the size before reading, the type from magic bytes, image and PDF headers before any
pixel, so a bomb is refused from its header alone and never decoded.

Encryption policy for PDFs: a *user* (open) password quarantines the file as ENCRYPTED, since nobody at
the counter can type it in for us. An *owner*-password-only PDF (permission flags, empty open password)
is accepted: every reader used downstream (pikepdf, pdfium, pdfminer) opens it without a password, so
its pages and text can be read and archived like any other PDF.

ZIP files are only opened here; their members are checked one by one by `ocr.unzip.extract_zip`.
"""

from __future__ import annotations

import hashlib
import struct
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pikepdf
from PIL import Image

from ocr import pdf
from schemas.document import FileKind, PreflightResult, Problem, Reason
from schemas.settings import Settings

__all__ = ["HEAD_BYTES", "PreflightResult", "preflight", "sniff", "unreadable_head"]

# PDF readers accept the `%PDF-` header anywhere in the first 1024 bytes (scanner junk before it).
HEAD_BYTES = 1024  # what `sniff` needs to see of a file
_MAGIC: tuple[tuple[bytes, FileKind], ...] = (
    (b"\x89PNG\r\n\x1a\n", FileKind.PNG),
    (b"\xff\xd8\xff", FileKind.JPEG),
    (b"II*\x00", FileKind.TIFF),
    (b"MM\x00*", FileKind.TIFF),
    (b"II+\x00", FileKind.TIFF),  # BigTIFF
    (b"MM\x00+", FileKind.TIFF),
    (b"PK\x03\x04", FileKind.ZIP),
    (b"PK\x05\x06", FileKind.ZIP),  # an empty archive is only its end record
)
_PIL_FORMATS = {FileKind.PNG: "PNG", FileKind.JPEG: "JPEG", FileKind.TIFF: "TIFF"}
# Members that make a ZIP an office document (OOXML: Word/Excel; OpenDocument/EPUB), not a bundle of scans.
_OFFICE_MEMBERS = {"[Content_Types].xml", "mimetype"}
_MB = 1024 * 1024


@dataclass
class _Contents:
    """What a type-specific inspection found inside the file."""

    page_count: int = 0
    width: int | None = None
    height: int | None = None
    problems: list[Problem] = field(default_factory=list)


def sniff(head: bytes) -> FileKind | None:
    """The file type from its first bytes (pass at least 1024), never from its name."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if b"%PDF-" in head[:HEAD_BYTES]:
        return FileKind.PDF
    return None


def unreadable_head(head: bytes) -> Problem | None:
    """Why a file whose first bytes are `head` (at least HEAD_BYTES, or the whole file) is no scan:
    empty, or of no kind sohoa reads; None when it may be one. The web upload asks this before a
    batch is accepted, preflight for every dropped file."""
    if not head:
        return _problem(Reason.EMPTY, "Tệp rỗng (0 byte) — hãy quét lại hoặc chép lại tệp.")
    if sniff(head) is None:
        return _problem(Reason.UNSUPPORTED_TYPE,
                        "Không phải ảnh quét PNG, JPEG, TIFF hay tệp PDF/ZIP (xét theo nội dung, không theo"
                        " tên) — hãy chọn đúng tệp quét, hoặc xuất ra PDF.")
    return None


def preflight(path: Path, settings: Settings) -> PreflightResult:
    """Type, sha256, size and page geometry of one file, plus every reason to quarantine it.

    Never raises on file contents: whatever the bytes, the answer is a kind or a problem.
    """
    size = path.stat().st_size
    if size > settings.max_file_bytes:
        return PreflightResult(size=size, problems=[_problem(
            Reason.TOO_LARGE,
            f"Tệp nặng {size / _MB:.1f} MB, vượt giới hạn {settings.max_file_bytes / _MB:.1f} MB;"
            " hãy tách thành nhiều tệp hoặc quét ở độ phân giải thấp hơn.")])
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
        handle.seek(0)
        sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
    kind = sniff(head)
    if (unreadable := unreadable_head(head)) is not None:
        contents = _Contents(problems=[unreadable])
    elif kind is FileKind.PDF:
        contents = _inspect_pdf(path, size, settings)
    elif kind is FileKind.ZIP:
        contents = _inspect_zip(path, size)
    else:
        contents = _inspect_image(path, kind, size, settings)
    return PreflightResult(kind=kind, sha256=sha256, size=size, **asdict(contents))


def _inspect_image(path: Path, kind: FileKind, size: int, settings: Settings) -> _Contents:
    """Headers of every frame first (dimensions, frame count), then a full decode of each frame.

    PIL's `Image.open` only reads the header, and its own bomb guard (set from settings) refuses images
    far over the limit right there; our check refuses the rest before `load()` decodes anything.
    """
    Image.MAX_IMAGE_PIXELS = settings.max_page_pixels  # process-wide, but every caller passes the same limits
    try:
        with Image.open(path, formats=[_PIL_FORMATS[kind]]) as image:
            pages = image.n_frames if kind is FileKind.TIFF else 1
            width, height = image.size
            if pages > settings.max_pages:
                return _Contents(pages, width, height, [_too_many_pages(pages, settings)])
            for index in range(pages):
                image.seek(index)
                if image.width * image.height > settings.max_page_pixels:
                    return _Contents(pages, width, height, [_too_many_pixels(
                        index + 1, image.width, image.height, settings)])
            for index in range(pages):
                image.seek(index)
                image.load()
    except Image.DecompressionBombError:
        return _Contents(problems=[_problem(
            Reason.TOO_MANY_PIXELS,
            f"Ảnh khai báo hơn gấp đôi giới hạn {settings.max_page_pixels:,} điểm ảnh"
            " (tệp độc hại hoặc độ phân giải quá cao); tệp không được giải mã.")])
    except Exception as error:  # noqa: BLE001 - image parsers raise anything on hostile bytes
        return _Contents(problems=[_damage(path, kind, size, error)])
    return _Contents(pages, width, height)


def _inspect_pdf(path: Path, size: int, settings: Settings) -> _Contents:
    """Open with pikepdf (structure, encryption, page boxes) without rendering anything (a page
    too large at the reading resolution asks PDFium what it holds, still without rendering).

    qpdf silently rebuilds a damaged cross-reference table, which can hide lost pages of a file cut
    short; hence the explicit check for the `%%EOF` marker that every complete PDF ends with.
    """
    try:
        with pikepdf.open(path) as document:
            sizes = [_page_points(page) for page in document.pages]
    except pikepdf.PasswordError:
        return _Contents(problems=[_problem(
            Reason.ENCRYPTED, "PDF có mật khẩu mở tệp; hãy xin bản không có mật khẩu.")])
    except Exception as error:  # noqa: BLE001 - qpdf raises many kinds of errors on hostile bytes
        return _Contents(problems=[_damage(path, FileKind.PDF, size, error)])
    if _ends_early(path, FileKind.PDF, size):
        return _Contents(len(sizes), problems=[_truncated()])
    if not sizes:
        return _Contents(problems=[_problem(Reason.CORRUPT,
                                            "PDF không có trang nào; hãy quét hoặc xuất lại.")])
    if len(sizes) > settings.max_pages:
        return _Contents(len(sizes), problems=[_too_many_pages(len(sizes), settings)])
    pixels = [_pixels_at(points, settings.ocr_dpi) for points in sizes]
    contents = _Contents(len(pixels), *pixels[0])
    for number, (width, height) in enumerate(pixels, start=1):
        if width * height <= settings.max_page_pixels:
            continue
        # A photo printed to PDF at a nominal 72 dpi is read at its own resolution, not blown up.
        dpi = _reading_dpi(path, number, settings.ocr_dpi)
        width, height = _pixels_at(sizes[number - 1], dpi)
        if width * height > settings.max_page_pixels:
            contents.problems.append(_too_many_pixels(number, width, height, settings, dpi=dpi))
            break
    return contents


def _pixels_at(points: tuple[float, float], dpi: int) -> tuple[int, int]:
    return round(points[0] / pdf.POINTS_PER_INCH * dpi), round(points[1] / pdf.POINTS_PER_INCH * dpi)


def _reading_dpi(path: Path, number: int, dpi: int) -> int:
    """The resolution the page will be read at (ocr.pdf.reading_dpi); `dpi` if PDFium cannot say."""
    try:
        return pdf.reading_dpi(path, number, dpi)
    except Exception:  # noqa: BLE001 - qpdf accepted the file; a renderer's complaint refuses nothing here
        return dpi


def _page_points(page: pikepdf.Page) -> tuple[float, float]:
    """The visible page size in PDF points (1/72 inch), with the rarely used UserUnit scale."""
    box = pikepdf.Rectangle(page.cropbox)
    unit = float(page.obj.get("/UserUnit", 1))
    return abs(box.width) * unit, abs(box.height) * unit


def _inspect_zip(path: Path, size: int) -> _Contents:
    """Only check that the archive opens and is not an office document; members are `unzip.py`'s job."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except Exception as error:  # noqa: BLE001 - zipfile raises many kinds of errors on hostile bytes
        return _Contents(problems=[_damage(path, FileKind.ZIP, size, error)])
    if names & _OFFICE_MEMBERS:
        return _Contents(problems=[_problem(
            Reason.UNSUPPORTED_TYPE,
            "Tệp là văn bản soạn thảo (Word, Excel hoặc OpenDocument), không phải bản quét;"
            " hãy xuất ra PDF hoặc in ra rồi quét.")])
    return _Contents()


def _damage(path: Path, kind: FileKind, size: int, error: Exception) -> Problem:
    """TRUNCATED when the data stops early (a copy cut short: copy again), else CORRUPT (scan again).

    The parsers' messages are used only to classify, never shown: they may carry the file's path.
    """
    if "truncated" in str(error).lower() or _ends_early(path, kind, size):
        return _truncated()
    return _problem(Reason.CORRUPT,
                    "Nội dung tệp bị hỏng, không đọc được; hãy quét hoặc sao chép lại.")


def _ends_early(path: Path, kind: FileKind, size: int) -> bool:
    """Signs of a cut file: a PDF without its final `%%EOF`, a TIFF whose first directory is past the end."""
    with path.open("rb") as handle:
        if kind is FileKind.PDF:
            handle.seek(max(0, size - HEAD_BYTES))
            return b"%%EOF" not in handle.read()
        if kind is FileKind.TIFF:
            head = handle.read(16)
            order = "<" if head.startswith(b"II") else ">"
            if head[2:4] in (b"+\x00", b"\x00+"):  # BigTIFF: a 64-bit directory offset at byte 8
                return len(head) < 16 or struct.unpack(order + "Q", head[8:16])[0] >= size
            return len(head) < 8 or struct.unpack(order + "I", head[4:8])[0] >= size
    return False


def _truncated() -> Problem:
    return _problem(Reason.TRUNCATED,
                    "Tệp kết thúc trước khi hết dữ liệu (bị cắt ngắn khi sao chép hoặc lưu);"
                    " hãy sao chép hoặc quét lại.")


def _too_many_pages(pages: int, settings: Settings) -> Problem:
    return _problem(Reason.TOO_MANY_PAGES,
                    f"Tệp có {pages} trang, vượt giới hạn {settings.max_pages} trang;"
                    " hãy tách thành các tệp nhỏ hơn.")


def _too_many_pixels(page: int, width: int, height: int, settings: Settings,
                     dpi: int | None = None) -> Problem:
    at = f" ở {dpi} dpi" if dpi else ""
    return _problem(Reason.TOO_MANY_PIXELS,
                    f"Trang {page} có {width}×{height} điểm ảnh{at}, vượt giới hạn"
                    f" {settings.max_page_pixels:,} điểm ảnh; hãy quét ở 300 dpi.", page=page)


def _problem(code: Reason, message: str, page: int | None = None) -> Problem:
    return Problem(code=code, message=message, page=page)
