"""A folder on this machine as the object store: the embedded default, browsable by operators."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from pydantic import BaseModel, ValidationError

from storage.objects import ObjectInfo, ObjectNotFound, normalize_key, normalize_prefix

DEFAULT_CONTENT_TYPE = "application/octet-stream"
_META_DIR = ".meta"
_CHUNK_BYTES = 1024 * 1024
# A path that does not lead to a file: missing, or a folder where a file was expected, or the reverse.
_NOT_A_FILE = (FileNotFoundError, NotADirectoryError, IsADirectoryError)


class _Sidecar(BaseModel):
    """What a file cannot say about itself. size and mtime_ns name the data file the sidecar was
    written for, so a sidecar left stale (a crash between the two renames, a file replaced by hand)
    is noticed instead of reporting a wrong sha256."""

    sha256: str
    content_type: str
    size: int
    mtime_ns: int


class LocalObjectStore:
    """Objects are plain files at `root/<key>`; sha256 and content type are JSON at `root/.meta/<key>`.

    Every write streams into a hidden temp file in the target's folder, is fsynced and renamed over
    the target, so a reader sees the old object or the new one, never half of one. Files are created
    readable by the service user only (mkstemp's 0600): they hold citizens' personal data.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def put_bytes(self, key: str, data: bytes, content_type: str = DEFAULT_CONTENT_TYPE) -> ObjectInfo:
        return self._put(key, io.BytesIO(data), content_type)

    def put_file(self, key: str, path: Path, content_type: str = DEFAULT_CONTENT_TYPE) -> ObjectInfo:
        with path.open("rb") as source:
            return self._put(key, source, content_type)

    def get_bytes(self, key: str) -> bytes:
        with self.open(key) as stream:
            return stream.read()

    def open(self, key: str) -> BinaryIO:
        try:
            return self._data_path(key).open("rb")
        except _NOT_A_FILE:
            raise ObjectNotFound(key) from None

    def stat(self, key: str) -> ObjectInfo | None:
        key = normalize_key(key)
        data_path = self._data_path(key)
        try:
            file_stat = data_path.stat()
        except _NOT_A_FILE:
            return None
        if not stat.S_ISREG(file_stat.st_mode):
            return None
        sidecar = self._read_sidecar(key)
        if sidecar is not None and (sidecar.size, sidecar.mtime_ns) == (file_stat.st_size, file_stat.st_mtime_ns):
            return ObjectInfo(key=key, size=sidecar.size, sha256=sidecar.sha256, content_type=sidecar.content_type)
        # Stale or missing metadata: the bytes on disk are the truth, so hash them.
        with data_path.open("rb") as stream:
            sha256 = hashlib.file_digest(stream, "sha256").hexdigest()
        content_type = sidecar.content_type if sidecar is not None else DEFAULT_CONTENT_TYPE
        return ObjectInfo(key=key, size=file_stat.st_size, sha256=sha256, content_type=content_type)

    def exists(self, key: str) -> bool:
        return self._data_path(key).is_file()

    def delete(self, key: str) -> None:
        # Data first: a crash in between leaves an orphan sidecar, which the next put of the key replaces.
        for path in (self._data_path(key), self._meta_path(key)):
            with contextlib.suppress(*_NOT_A_FILE):
                path.unlink()

    def list(self, prefix: str = "") -> Iterator[str]:
        prefix = normalize_prefix(prefix)
        # Walk only the deepest folder wholly named by the prefix ('docs/ab' → 'docs').
        start = self.root.joinpath(*prefix.split("/")[:-1])
        keys: list[str] = []
        for folder, subfolders, files in os.walk(start):
            subfolders[:] = [name for name in subfolders if not name.startswith(".")]
            relative = Path(folder).relative_to(self.root)
            keys.extend(
                key
                for name in files
                if not name.startswith(".") and (key := (relative / name).as_posix()).startswith(prefix)
            )
        # Python orders str by code point, which is the UTF-8 byte order S3 lists in.
        return iter(sorted(keys))

    def local_path(self, key: str) -> Path:
        return self.root.joinpath(*key.rstrip("/").split("/"))

    def describe(self) -> str:
        return f"local folder {self.root}"

    def _data_path(self, key: str) -> Path:
        return self.root.joinpath(*normalize_key(key).split("/"))

    def _meta_path(self, key: str) -> Path:
        # Same relative path in a parallel hidden tree: no suffix, so a 255-byte file name still fits.
        return self.root.joinpath(_META_DIR, *normalize_key(key).split("/"))

    def _read_sidecar(self, key: str) -> _Sidecar | None:
        try:
            return _Sidecar.model_validate_json(self._meta_path(key).read_bytes())
        except (*_NOT_A_FILE, ValidationError):
            return None

    def _put(self, key: str, source: BinaryIO, content_type: str) -> ObjectInfo:
        key = normalize_key(key)
        digest = hashlib.sha256()

        def copy_hashing(target: BinaryIO) -> None:
            while chunk := source.read(_CHUNK_BYTES):
                digest.update(chunk)
                target.write(chunk)

        written = _write_atomically(self._data_path(key), copy_hashing)
        sidecar = _Sidecar(
            sha256=digest.hexdigest(), content_type=content_type, size=written.st_size, mtime_ns=written.st_mtime_ns
        )
        _write_atomically(self._meta_path(key), lambda target: target.write(sidecar.model_dump_json().encode()))
        return ObjectInfo(key=key, size=sidecar.size, sha256=sidecar.sha256, content_type=content_type)


def _write_atomically(path: Path, write: Callable[[BinaryIO], object]) -> os.stat_result:
    """Write through a temp file in the same folder (so the rename is atomic), fsync, rename.

    Returns the stat of the written file; a rename keeps size and mtime, so it also describes `path`.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with open(handle, "wb") as temp:
            write(temp)
            temp.flush()
            os.fsync(temp.fileno())
            written = os.fstat(temp.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)
    return written


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable: without this a power cut can forget the new name."""
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
