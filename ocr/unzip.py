"""Safe extraction of ZIP archives dropped as a batch: nothing is ever written outside the destination.

Archives come from Windows (names in the OEM code page or UTF-8, backslash separators from older
PowerShell `Compress-Archive`), from macOS (`__MACOSX/` and `.DS_Store` junk, decomposed Unicode names)
and from attackers (names climbing out with `..`, absolute paths or drive letters, symlinks, zip bombs).
Each member is judged by its name first, then streamed with a byte budget counted on the real
decompressed output: a bomb's header may lie about its size, the bytes cannot.

Nested archives are not opened: a zip inside the zip is refused as UNSUPPORTED_TYPE. This keeps
recursive bombs out and the clerk's report one level deep; the sender can unpack it and drop it again.
"""

from __future__ import annotations

import lzma
import stat
import zipfile
import zlib
from pathlib import Path, PurePosixPath
from typing import IO

from pydantic import BaseModel

from ocr.preflight import sniff
from schemas.document import FileKind, Problem, Reason
from schemas.settings import Settings
from schemas.vntext import nfc

_CHUNK = 1024 * 1024
_MB = 1024 * 1024
_UTF8_NAMES = 0x800  # general-purpose flag bit 11: the name is UTF-8
_ENCRYPTED = 0x1  # general-purpose flag bit 0
_JUNK_FILES = {".ds_store", "thumbs.db", "desktop.ini"}
_JUNK_DIRS = {"__macosx"}
# What a damaged member raises while being decompressed (bz2 reports bad data as OSError).
_DECODE_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError)


class ExtractResult(BaseModel):
    """Members written under the destination, and members refused with the reason."""

    files: list[str] = []  # relative posix names, NFC
    rejected: list[tuple[str, Problem]] = []


def extract_zip(zip_path: Path, dest: Path, settings: Settings) -> ExtractResult:
    """Extract the safe members of `zip_path` into `dest` (created if needed), refusing the others.

    Limits: at most `max_archive_members` files, each at most `max_file_bytes` and together at most
    `max_archive_bytes` of decompressed data; bytes of refused members count against the total too, so
    the work spent on a bomb is bounded. An archive that cannot be opened is one rejected entry.
    """
    dest.mkdir(parents=True, exist_ok=True)
    root = dest.resolve()
    result = ExtractResult()
    try:
        archive = zipfile.ZipFile(zip_path)
    except Exception:  # noqa: BLE001 - zipfile raises many kinds of errors on hostile bytes
        result.rejected.append((zip_path.name, _problem(
            Reason.CORRUPT, "Tệp nén bị hỏng, không mở được; hãy nén lại.")))
        return result
    seen: set[str] = set()
    budget = settings.max_archive_bytes
    with archive:
        for info in archive.infolist():
            name = _member_name(info)
            relative = _relative_path(name)
            if relative is None:
                result.rejected.append((name, _problem(
                    Reason.UNSAFE_ARCHIVE_MEMBER,
                    "The archive member's name points outside the archive (absolute path, '..' or drive"
                    " letter); it was not extracted.")))
                continue
            if not relative.parts or _is_junk(relative):
                continue  # directory entries and desktop junk, silently
            problem = _refusal(info, relative, seen, len(result.files), budget, settings)
            if problem is None:
                if settings.max_file_bytes <= budget:
                    limit, too_large = settings.max_file_bytes, _member_too_large(settings)
                else:  # the total is what runs out first
                    limit, too_large = budget, _archive_too_large(settings)
                consumed, problem = _extract_member(archive, info, root / relative, root, limit, too_large)
                budget -= consumed
            if problem is None:
                result.files.append(relative.as_posix())
            else:
                result.rejected.append((name, problem))
    return result


def _member_name(info: zipfile.ZipInfo) -> str:
    """The name its creator meant, in NFC.

    With the UTF-8 flag the name is UTF-8. Without it the standard says CP437, but many tools
    (macOS, Linux, 7-Zip in some modes) write UTF-8 without setting the flag; a byte string that
    decodes as UTF-8 is practically never CP437 text, so it is read as UTF-8 first.
    """
    if info.flag_bits & _UTF8_NAMES:
        return nfc(info.orig_filename)
    raw = info.orig_filename.encode("cp437")  # zipfile decoded it as CP437: this gives the bytes back
    try:
        return nfc(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return nfc(info.orig_filename)


def _relative_path(name: str) -> PurePosixPath | None:
    """The member's path below the destination, or None when the name could land anywhere else.

    Backslashes are separators (old Windows tools write them), so `..\\x` is caught like `../x`.
    Any colon is refused: drive letters (`C:`), NTFS streams, and names Windows cannot hold anyway.
    """
    if any(ord(char) < 32 for char in name) or ":" in name:
        return None
    posix = name.replace("\\", "/")
    if posix.startswith("/"):
        return None
    parts = [part for part in posix.split("/") if part not in ("", ".")]
    if ".." in parts:
        return None
    if posix.endswith("/"):
        return PurePosixPath()  # a directory entry
    return PurePosixPath(*parts)


def _is_junk(relative: PurePosixPath) -> bool:
    """macOS resource forks and Finder/Explorer metadata files: never scans."""
    return (any(part.lower() in _JUNK_DIRS for part in relative.parts)
            or relative.name.lower() in _JUNK_FILES or relative.name.startswith("._"))


def _refusal(info: zipfile.ZipInfo, relative: PurePosixPath, seen: set[str], extracted: int, budget: int,
             settings: Settings) -> Problem | None:
    """Why a member must not be extracted, judged from the central directory alone."""
    if stat.S_ISLNK(info.external_attr >> 16):
        return _problem(Reason.UNSAFE_ARCHIVE_MEMBER,
                        "Mục trong tệp nén là liên kết tượng trưng, không phải tệp; không được giải nén.")
    key = relative.as_posix().casefold()
    if key in seen:
        return _problem(Reason.UNSAFE_ARCHIVE_MEMBER,
                        "Tệp nén có hai mục trùng tên; chỉ mục đầu tiên được giải nén.")
    seen.add(key)
    if info.flag_bits & _ENCRYPTED:
        return _problem(Reason.ENCRYPTED,
                        "Mục trong tệp nén có mật khẩu; hãy gửi bản không có mật khẩu.")
    if extracted >= settings.max_archive_members:
        return _problem(Reason.TOO_LARGE,
                        f"Tệp nén có hơn {settings.max_archive_members} tệp; hãy chia nhỏ.")
    if budget <= 0:
        return _archive_too_large(settings)
    return None


def _extract_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path, root: Path,
                    limit: int, too_large: Problem) -> tuple[int, Problem | None]:
    """Write one member to `target`; return the decompressed bytes read and why it was refused.

    The target must resolve below `root` (a symlink already in the destination cannot redirect us)
    and must not exist yet (`xb` never overwrites nor follows a link). A refused member leaves no file.
    """
    if not target.resolve().is_relative_to(root):
        return 0, _problem(Reason.UNSAFE_ARCHIVE_MEMBER,
                           "Đường dẫn của mục trong tệp nén trỏ ra ngoài thư mục đích; không được giải nén.")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        out = target.open("xb")
    except OSError:
        return 0, _problem(Reason.UNSAFE_ARCHIVE_MEMBER,
                           "Tên mục trong tệp nén trùng với mục khác hoặc không dùng được làm tên tệp;"
                           " không được giải nén.")
    with out:
        consumed, problem = _copy(archive, info, out, limit, too_large)
    if problem is not None:
        target.unlink()
    return consumed, problem


def _copy(archive: zipfile.ZipFile, info: zipfile.ZipInfo, out: IO[bytes], limit: int,
          too_large: Problem) -> tuple[int, Problem | None]:
    """Stream the member's real decompressed bytes into `out`; past `limit`, stop and answer `too_large`."""
    read = 0
    try:
        source = archive.open(info)
    except NotImplementedError:
        return 0, _problem(Reason.UNSUPPORTED_TYPE,
                           "Mục trong tệp nén dùng kiểu nén không đọc được; hãy nén lại"
                           " bằng kiểu nén thông thường (Deflate).")
    except _DECODE_ERRORS:
        return 0, _corrupt_member()
    with source:
        while True:
            try:
                chunk = source.read(_CHUNK)
            except _DECODE_ERRORS:
                return read, _corrupt_member()
            if not chunk:
                return read, None
            if read == 0 and sniff(chunk) is FileKind.ZIP:
                return len(chunk), _problem(
                    Reason.UNSUPPORTED_TYPE,
                    "Mục trong tệp nén lại là một tệp nén; hãy giải nén và thả các tệp bên trong.")
            read += len(chunk)
            if read > limit:
                return read, too_large
            out.write(chunk)


def _member_too_large(settings: Settings) -> Problem:
    return _problem(Reason.TOO_LARGE,
                    f"Mục trong tệp nén giải nén ra hơn {settings.max_file_bytes / _MB:.1f} MB.")


def _archive_too_large(settings: Settings) -> Problem:
    return _problem(Reason.TOO_LARGE,
                    f"Tệp nén giải nén ra tổng cộng hơn {settings.max_archive_bytes / _MB:.1f} MB;"
                    " hãy chia nhỏ.")


def _corrupt_member() -> Problem:
    return _problem(Reason.CORRUPT,
                    "Mục trong tệp nén bị hỏng, không giải nén được; hãy nén lại.")


def _problem(code: Reason, message: str) -> Problem:
    return Problem(code=code, message=message)
