"""Files a scanning desk really drops, good and bad, written by code with the verdict preflight owes them.

Bad inputs are the ones capture systems meet every week: an empty file from a failed scan, a copy cut
short, a Word file renamed `.png`, a password-protected PDF, a zip with members that climb out of the
folder, and the hostile ones (decompression bomb, zip bomb). Each writer takes the path to write and
returns the Reason expected for it. Two of them exceed limits that would be expensive to reach at the
default settings; merge `BAD_INPUT_LIMITS` into the Settings of any test that uses `write_bad_inputs`.

For an archive the expected reason is the one `ocr.unzip.extract_zip` gives to every member of it
(the archive itself opens, so preflight only says it is a ZIP).
"""

from __future__ import annotations

import io
import random
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pikepdf
import pyzipper
from PIL import Image, ImageDraw

from schemas.document import FileKind, Reason

_MB = 1024 * 1024
BAD_INPUT_LIMITS: dict[str, int] = {"max_file_bytes": 8 * _MB, "max_archive_bytes": 16 * _MB}
BOMB_SIDE = 60_000  # pixels per side of the decompression bomb: 3.6 Gpx, 3.6 GB once decoded
ABSOLUTE_MEMBER = "/tmp/sohoa-absolute-member.png"  # must never exist after extracting traversal.zip
_ZIP_BOMB_BYTES = 64 * _MB
_GARBAGE_SEED = 766


class Expected(NamedTuple):
    """What preflight must report for a valid input."""

    kind: FileKind
    pages: int
    width: int
    height: int


# --- valid inputs -----------------------------------------------------------------------------------

def page_image(number: int = 1, size: tuple[int, int] = (620, 877)) -> Image.Image:
    """A white A4-proportioned page with a heading bar, text-like lines and its page number."""
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    width, height = size
    draw.rectangle((width // 8, height // 12, width * 7 // 8, height // 12 + 12), fill=0)
    for top in range(height // 6, height * 5 // 6, 24):
        draw.rectangle((width // 10, top, width * 9 // 10 - (top * 37) % (width // 3), top + 8), fill=40)
    draw.text((width // 2, height - 40), f"- {number} -", fill=0)
    return image


def noise_image(size: tuple[int, int], seed: int = 1) -> Image.Image:
    """Random RGB pixels: incompressible, so a cut anywhere in the file falls inside the image data."""
    return Image.frombytes("RGB", size, random.Random(seed).randbytes(size[0] * size[1] * 3))


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def write_png(path: Path) -> Expected:
    path.write_bytes(png_bytes(page_image()))
    return Expected(FileKind.PNG, 1, 620, 877)


def write_jpeg(path: Path) -> Expected:
    page_image(size=(800, 600)).convert("RGB").save(path, "JPEG", quality=85)
    return Expected(FileKind.JPEG, 1, 800, 600)


def write_tiff(path: Path, pages: int = 3) -> Expected:
    """A multi-page scan, deflate-compressed like many office scanners write it."""
    first, *rest = [page_image(n) for n in range(1, pages + 1)]
    first.save(path, "TIFF", save_all=True, append_images=rest, compression="tiff_deflate", dpi=(75, 75))
    return Expected(FileKind.TIFF, pages, 620, 877)


def pdf_bytes(pages: int = 2, image: Callable[[int], Image.Image] = page_image) -> bytes:
    """An image-only PDF with A4 pages (620×877 px at 75 dpi), like a scanner's 'scan to PDF'."""
    first, *rest = [image(n) for n in range(1, pages + 1)]
    buffer = io.BytesIO()
    first.save(buffer, "PDF", save_all=True, append_images=rest, resolution=75)
    return buffer.getvalue()


_A4_AT_300_DPI = (2480, 3508)


def write_pdf(path: Path) -> Expected:
    path.write_bytes(pdf_bytes(2))
    return Expected(FileKind.PDF, 2, *_A4_AT_300_DPI)


def write_owner_locked_pdf(path: Path) -> Expected:
    """Permissions set by an owner password but no open password: readable by everyone, so accepted."""
    with pikepdf.open(io.BytesIO(pdf_bytes(1))) as pdf:
        pdf.save(path, encryption=pikepdf.Encryption(
            user="", owner="chủ sở hữu", allow=pikepdf.Permissions(extract=False, modify_other=False)))
    return Expected(FileKind.PDF, 1, *_A4_AT_300_DPI)


def write_pdf_after_junk(path: Path) -> Expected:
    """Some scanners put bytes before `%PDF-`; readers accept it within the first 1024 bytes."""
    path.write_bytes(b"SCANNER-JOB 0042\r\n" * 20 + pdf_bytes(1))
    return Expected(FileKind.PDF, 1, *_A4_AT_300_DPI)


VALID_INPUTS: dict[str, Callable[[Path], Expected]] = {
    "page.png": write_png,
    "photo.jpg": write_jpeg,
    "scan-3-pages.tif": write_tiff,
    "form-2-pages.pdf": write_pdf,
    "owner-locked.pdf": write_owner_locked_pdf,
    "junk-before-header.pdf": write_pdf_after_junk,
}


def write_valid_inputs(folder: Path) -> dict[str, Expected]:
    """Write every valid input into `folder`; file name → what preflight must report."""
    folder.mkdir(parents=True, exist_ok=True)
    return {name: writer(folder / name) for name, writer in VALID_INPUTS.items()}


def write_office_zip(path: Path) -> list[str]:
    """A zip as offices make them, returning the names extraction must give (NFC, '/'-separated).

    It holds a UTF-8-flagged name, a UTF-8 name without the flag (macOS Archive Utility, Linux zip), a
    CP437 name (old Windows tools), a backslash path (old PowerShell), a decomposed (NFD) name from
    macOS, a directory entry and desktop junk (`__MACOSX/`, `.DS_Store`, `Thumbs.db`) to be skipped.
    """
    page = png_bytes(page_image())
    flagged = {"Hồ sơ/": b"", "Hồ sơ/Giấy khai sinh.png": page, "Hồ sơ\\Tờ khai.png": page,
               "Quye\u0302\u0301t đi\u0323nh.png": page, "__MACOSX/Hồ sơ/._Giấy khai sinh.png": b"\0" * 82,
               ".DS_Store": b"\0" * 64, "Thumbs.db": b"\0"}
    unflagged = {"CCCD mặt trước.png".encode(): page, "Báo cáo.png".encode("cp437"): page}
    _write_zip_with_raw_names(path, flagged, unflagged)
    return ["Hồ sơ/Giấy khai sinh.png", "Hồ sơ/Tờ khai.png", "Quyết định.png", "CCCD mặt trước.png",
            "Báo cáo.png"]


def _write_zip_with_raw_names(path: Path, members: dict[str, bytes], raw_members: dict[bytes, bytes]) -> None:
    """Write `members` normally and `raw_members` under raw name bytes without the UTF-8 flag.

    zipfile flags and UTF-8-encodes every non-ASCII name, so raw names are written as ASCII placeholders
    of the same length and then swapped in, in both the local header and the central directory.
    """
    buffer = io.BytesIO()
    placeholders: dict[bytes, bytes] = {}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for index, (raw, data) in enumerate(raw_members.items()):
            placeholder = f"~{index}~".ljust(len(raw), "~").encode()
            placeholders[placeholder] = raw
            archive.writestr(placeholder.decode(), data)
    content = buffer.getvalue()
    for placeholder, raw in placeholders.items():
        assert content.count(placeholder) == 2, "placeholder must occur exactly in the two headers"
        content = content.replace(placeholder, raw)
    path.write_bytes(content)


# --- bad inputs -------------------------------------------------------------------------------------

def write_empty(path: Path) -> Reason:
    path.write_bytes(b"")
    return Reason.EMPTY


def write_oversize_tiff(path: Path) -> Reason:
    """A valid uncompressed TIFF just over `BAD_INPUT_LIMITS['max_file_bytes']`: only its size is wrong."""
    Image.new("RGB", (2000, 1600), "white").save(path, "TIFF")
    assert path.stat().st_size > BAD_INPUT_LIMITS["max_file_bytes"]
    return Reason.TOO_LARGE


def _cut(data: bytes, fraction: float = 0.5) -> bytes:
    return data[: int(len(data) * fraction)]


def write_truncated_png(path: Path) -> Reason:
    path.write_bytes(_cut(png_bytes(noise_image((300, 200)))))
    return Reason.TRUNCATED


def write_truncated_jpeg(path: Path) -> Reason:
    buffer = io.BytesIO()
    noise_image((300, 200)).save(buffer, "JPEG", quality=90)
    path.write_bytes(_cut(buffer.getvalue()))
    return Reason.TRUNCATED


def write_truncated_tiff(path: Path) -> Reason:
    """Compressed TIFFs keep their directory after the pixels: a cut copy loses it."""
    buffer = io.BytesIO()
    noise_image((300, 200)).save(buffer, "TIFF", compression="tiff_deflate")
    path.write_bytes(_cut(buffer.getvalue()))
    return Reason.TRUNCATED


def write_truncated_pdf(path: Path) -> Reason:
    """A two-page scan cut at 60%: qpdf still 'recovers' one page, which is exactly the danger."""
    path.write_bytes(_cut(pdf_bytes(2, image=lambda n: noise_image((300, 400), seed=n)), 0.6))
    return Reason.TRUNCATED


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def write_corrupt_png_header(path: Path) -> Reason:
    """The PNG signature followed by garbage."""
    path.write_bytes(_PNG_SIGNATURE + random.Random(_GARBAGE_SEED).randbytes(4000))
    return Reason.CORRUPT


def write_corrupt_png_data(path: Path) -> Reason:
    """Every chunk well-formed (checksums right), but the pixel data is not a zlib stream."""
    header = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 300, 200, 8, 0, 0, 0, 0))
    data = _png_chunk(b"IDAT", random.Random(_GARBAGE_SEED).randbytes(4000))
    path.write_bytes(_PNG_SIGNATURE + header + data + _png_chunk(b"IEND", b""))
    return Reason.CORRUPT


def write_decompression_bomb_png(path: Path) -> Reason:
    """A real, valid 1-bit PNG of BOMB_SIDE² white pixels in about half a megabyte.

    Its IDAT is a genuine zlib stream of ~450 MB of zero rows, made without holding or compressing
    them: after a full flush deflate forgets its history, so every block of identical rows compresses
    to the same bytes and is simply repeated; only the Adler-32 checksum runs over all the rows.
    """
    rows_per_block, blocks = 1000, BOMB_SIDE // 1000
    block = bytes(1 + BOMB_SIDE // 8) * rows_per_block  # each row: filter byte 0, then packed bits
    compressor = zlib.compressobj(9)
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    checksum = 1
    for _ in range(blocks):
        checksum = zlib.adler32(block, checksum)
    end = compressor.flush()[:-4] + struct.pack(">I", checksum)
    stream = first + repeated * (blocks - 1) + end
    header = struct.pack(">IIBBBBB", BOMB_SIDE, BOMB_SIDE, 1, 0, 0, 0, 0)  # 1-bit greyscale
    path.write_bytes(_PNG_SIGNATURE + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", stream)
                     + _png_chunk(b"IEND", b""))
    return Reason.TOO_MANY_PIXELS


def write_encrypted_pdf(path: Path) -> Reason:
    with pikepdf.open(io.BytesIO(pdf_bytes(1))) as pdf:
        pdf.save(path, encryption=pikepdf.Encryption(user="mật khẩu", owner="chủ sở hữu"))
    return Reason.ENCRYPTED


def write_corrupt_pdf(path: Path) -> Reason:
    """A PDF header and end marker around garbage: complete, but nothing readable inside."""
    path.write_bytes(b"%PDF-1.7\n" + random.Random(_GARBAGE_SEED).randbytes(4000) + b"\n%%EOF\n")
    return Reason.CORRUPT


def write_huge_page_pdf(path: Path) -> Reason:
    """One 5000×5000 pt page (1.76 m square): 20833² pixels at 300 dpi, far over the page limit."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(5000, 5000))
    pdf.save(path)
    return Reason.TOO_MANY_PIXELS


def write_text_named_png(path: Path) -> Reason:
    path.write_text("Biên bản họp ngày 05/11/2024\nNội dung: ...\n", encoding="utf-8")
    return Reason.UNSUPPORTED_TYPE


def write_docx_named_png(path: Path) -> Reason:
    """A minimal Word document: a ZIP by its bytes, but an office file, not an archive of scans."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml",
                         '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                         '2006/content-types"><Override PartName="/word/document.xml" ContentType='
                         '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main'
                         '+xml"/></Types>')
        archive.writestr("word/document.xml",
                         '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                         "<w:body><w:p><w:r><w:t>Đơn đề nghị</w:t></w:r></w:p></w:body></w:document>")
    return Reason.UNSUPPORTED_TYPE


def write_traversal_zip(path: Path) -> Reason:
    """Members that would land outside the destination: '..', absolute, backslash '..', drive letter."""
    page = png_bytes(page_image())
    with zipfile.ZipFile(path, "w") as archive:
        for name in ("../evil.png", ABSOLUTE_MEMBER, "..\\..\\evil.png", "C:/Windows/evil.png",
                     "a/../../evil.png"):
            archive.writestr(name, page)
    return Reason.UNSAFE_ARCHIVE_MEMBER


def write_symlink_zip(path: Path) -> Reason:
    """A Unix symlink member pointing at a system file."""
    info = zipfile.ZipInfo("page.png")
    info.create_system = 3  # Unix: external_attr carries the mode
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(info, "/etc/passwd")
    return Reason.UNSAFE_ARCHIVE_MEMBER


def write_zip_bomb(path: Path) -> Reason:
    """One member that inflates ~1000× to four times BAD_INPUT_LIMITS['max_archive_bytes']."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("page.png", "w") as member:
        for _ in range(_ZIP_BOMB_BYTES // _MB):
            member.write(bytes(_MB))
    return Reason.TOO_LARGE


def write_nested_zip(path: Path) -> Reason:
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr("page.png", png_bytes(page_image()))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("more-scans.zip", inner.getvalue())
    return Reason.UNSUPPORTED_TYPE


def write_encrypted_zip(path: Path) -> Reason:
    """AES encryption as 7-Zip and WinRAR write it when a clerk sets a password."""
    with pyzipper.AESZipFile(path, "w", compression=zipfile.ZIP_DEFLATED,
                             encryption=pyzipper.WZ_AES) as archive:
        archive.setpassword(b"mat-khau")
        archive.writestr("page.png", png_bytes(page_image()))
    return Reason.ENCRYPTED


BAD_INPUTS: dict[str, Callable[[Path], Reason]] = {
    "empty.png": write_empty,
    "oversize.tif": write_oversize_tiff,
    "truncated.png": write_truncated_png,
    "truncated.jpg": write_truncated_jpeg,
    "truncated.tif": write_truncated_tiff,
    "truncated.pdf": write_truncated_pdf,
    "corrupt-header.png": write_corrupt_png_header,
    "corrupt-data.png": write_corrupt_png_data,
    "corrupt.pdf": write_corrupt_pdf,
    "encrypted.pdf": write_encrypted_pdf,
    "notes.png": write_text_named_png,
    "letter.png": write_docx_named_png,
    "bomb.png": write_decompression_bomb_png,
    "huge-page.pdf": write_huge_page_pdf,
    "traversal.zip": write_traversal_zip,
    "symlink.zip": write_symlink_zip,
    "bomb.zip": write_zip_bomb,
    "nested.zip": write_nested_zip,
    "encrypted.zip": write_encrypted_zip,
}
ARCHIVES = {name for name in BAD_INPUTS if name.endswith(".zip")}


def write_bad_inputs(folder: Path) -> dict[str, Reason]:
    """Write every bad input into `folder`; file name → expected reason (see the module docstring)."""
    folder.mkdir(parents=True, exist_ok=True)
    return {name: writer(folder / name) for name, writer in BAD_INPUTS.items()}
