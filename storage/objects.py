"""The object-store protocol: originals, searchable PDFs, text and reports live behind it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from pydantic import BaseModel


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
