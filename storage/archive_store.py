"""Where archival packages go: write once, never overwritten, locked on S3 until their retention ends.

Both stores read like any `ObjectStore` (fixity streams and lists them) and add `put_locked`. Writing a
key again with the same bytes is a no-op (a rerun after a crash); with other bytes it is refused.
sohoa itself never deletes from the archive.

- `LocalArchiveStore`: a folder of its own (DATA_DIR/archive). Files are made read-only, but a folder
  cannot enforce retention against its administrator: keep a second copy on independent media (DESIGN
  5.6), or use S3.
- `S3ArchiveStore`: a bucket created with object lock (which turns versioning on); every object is
  written with a retention date and mode (GOVERNANCE or COMPLIANCE). The server then refuses to delete
  or shorten the lock of that version before the date: an overwrite or a plain DELETE by another client
  only adds a newer version or a delete marker, which fixity reports, and the locked version stays.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from minio.error import S3Error
from minio.retention import Retention

from schemas.settings import LockMode
from storage.local import LocalObjectStore
from storage.objects import ObjectInfo, ObjectStore, normalize_key
from storage.s3 import SHA256_HEADER, S3ObjectStore


class ArchiveConflict(RuntimeError):
    """The key already holds other bytes: archived objects are never replaced."""


@runtime_checkable
class ArchiveStore(ObjectStore, Protocol):
    """An object store whose writes are once-only and locked until a date."""

    def put_locked(self, key: str, path: Path, content_type: str, retain_until: datetime,
                   mode: LockMode) -> ObjectInfo: ...


class LocalArchiveStore(LocalObjectStore):
    """A folder as the archive: create-only, read-only files."""

    def put_locked(self, key: str, path: Path, content_type: str, retain_until: datetime,
                   mode: LockMode) -> ObjectInfo:
        existing = _same_or_conflict(self, key, path)
        if existing is not None:
            return existing
        info = self.put_file(key, path, content_type)
        os.chmod(self.root.joinpath(*normalize_key(key).split("/")), 0o400)
        return info

    def delete(self, key: str) -> None:
        raise PermissionError("sohoa never deletes archived objects")

    def describe(self) -> str:
        return f"local archive folder {self.root}"


class S3ArchiveStore(S3ObjectStore):
    """A bucket with object lock; each object carries its own retention."""

    def ensure_bucket(self) -> None:
        """Create the bucket with object lock, or check that an existing one has it.

        Object lock can only be switched on when a bucket is created, so an existing bucket without
        it is an error for the operator to fix, never something to archive into.
        """
        if not self._client.bucket_exists(self.bucket):
            try:
                self._client.make_bucket(self.bucket, object_lock=True)
            except S3Error as error:
                if error.code != "BucketAlreadyOwnedByYou":
                    raise
        try:
            self._client.get_object_lock_config(self.bucket)
        except S3Error as error:
            raise RuntimeError(f"archive bucket {self.bucket!r} exists without object lock; "
                               "create a new bucket (object lock is set at creation only)") from error
        if self._client.get_bucket_versioning(self.bucket).status != "Enabled":
            raise RuntimeError(f"archive bucket {self.bucket!r} does not have versioning enabled")

    def put_locked(self, key: str, path: Path, content_type: str, retain_until: datetime,
                   mode: LockMode) -> ObjectInfo:
        existing = _same_or_conflict(self, key, path)
        if existing is not None:
            return existing
        key = normalize_key(key)
        with path.open("rb") as source:
            sha256 = hashlib.file_digest(source, "sha256").hexdigest()
            size = source.tell()
            source.seek(0)
            self._client.put_object(self.bucket, key, source, size, content_type=content_type,
                                    metadata={SHA256_HEADER: sha256},
                                    retention=Retention(mode.value, retain_until))
        return ObjectInfo(key=key, size=size, sha256=sha256, content_type=content_type)

    def delete(self, key: str) -> None:
        raise PermissionError("sohoa never deletes archived objects")

    def describe(self) -> str:
        return f"S3 bucket {self.bucket!r} with object lock"


def _same_or_conflict(store: ObjectStore, key: str, path: Path) -> ObjectInfo | None:
    """The stored object when `key` already holds exactly these bytes; None when the key is free."""
    existing = store.stat(key)
    if existing is None:
        return None
    with path.open("rb") as source:
        if hashlib.file_digest(source, "sha256").hexdigest() == existing.sha256:
            return existing
    raise ArchiveConflict(f"archive object {key} already exists with other content")
