"""The object-store protocol: originals, searchable PDFs, text and reports live behind it."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from pydantic import BaseModel

# S3 allows 1024 bytes of UTF-8 per key and common file systems 255 bytes per file name: one limit
# for all backends keeps a key that works locally valid on S3.
MAX_KEY_BYTES = 1024
MAX_SEGMENT_BYTES = 255


class ObjectNotFound(KeyError):
    """The key has no object: a KeyError, so `except KeyError` callers keep working."""


def normalize_key(key: str) -> str:
    """The one key rule of every backend, so code that works on a folder also works on S3.

    Keys are NFC-normalized (a scanner or an OS may hand us NFD Vietnamese, and 'tệp' must name one
    object, not two) and must be relative '/'-separated paths whose segments are non-empty, do not
    start with '.' (no '..' escape, and room for the local backend's hidden temp and metadata files),
    hold no backslash or control character, and fit the length limits above.
    """
    key = unicodedata.normalize("NFC", key)
    if not key:
        raise ValueError("object key is empty")
    if "\\" in key:
        raise ValueError("object key must use '/' as separator, not a backslash")
    if any(unicodedata.category(ch) == "Cc" for ch in key):
        raise ValueError("object key contains a control character")
    if key.startswith("/"):
        raise ValueError("object key must be relative (no leading '/')")
    if len(key.encode()) > MAX_KEY_BYTES:
        raise ValueError(f"object key is longer than {MAX_KEY_BYTES} bytes of UTF-8")
    segments = key.split("/")
    if any(len(segment.encode()) > MAX_SEGMENT_BYTES for segment in segments):
        raise ValueError(f"object key has a segment longer than {MAX_SEGMENT_BYTES} bytes of UTF-8")
    if any(not segment for segment in segments):
        raise ValueError("object key has an empty segment ('//' or a trailing '/')")
    if any(segment.startswith(".") for segment in segments):
        raise ValueError("object key segments must not start with '.' ('.', '..' or hidden names)")
    return key


def normalize_prefix(prefix: str) -> str:
    """A listing prefix is the start of some valid key ('docs/', 'docs/ab'); '' means everything."""
    if not prefix:
        return ""
    return normalize_key(prefix + "x")[:-1]


class ObjectInfo(BaseModel):
    """What the store knows of one object. sha256 is recorded at write time (S3 user metadata)."""

    key: str
    size: int
    sha256: str
    content_type: str = "application/octet-stream"


@runtime_checkable
class ObjectStore(Protocol):
    """A flat key space ('docs/ab/abcd.../original.png'); keys use '/' and never start with it.

    Writes are whole-object and atomic: a reader never sees half an object, and writing the same key
    again replaces it (so a rerun after a crash simply rewrites what it had written).
    """

    def put_bytes(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> ObjectInfo: ...

    def put_file(self, key: str, path: Path, content_type: str = "application/octet-stream") -> ObjectInfo: ...

    def get_bytes(self, key: str) -> bytes: ...

    def open(self, key: str) -> BinaryIO:
        """A readable stream of the object (caller closes it); for downloads without loading it all."""
        ...

    def stat(self, key: str) -> ObjectInfo | None:
        """None when the key does not exist."""
        ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error."""
        ...

    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys under `prefix`, in lexicographic order."""
        ...

    def describe(self) -> str:
        """Where the store is, for logs and reports (never credentials)."""
        ...


# Optional capabilities: what some backends can do beyond the protocol. Callers ask with isinstance on
# these, never on a backend class, so a new backend gains a capability by having the method.


@runtime_checkable
class LinkingStore(Protocol):
    """Hands out time-limited download links (S3 presigned URLs): the browser fetches the bytes."""

    def presigned_url(self, key: str, expires: timedelta) -> str: ...


@runtime_checkable
class LocalStore(Protocol):
    """Its objects are files on this machine: readers open them in place, without a copy."""

    def local_path(self, key: str) -> Path:
        """The file holding the object (or, for a prefix ending in '/', the folder of those keys)."""
        ...
