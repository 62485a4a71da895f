"""Objects as files on this machine, for the readers that need a path (Tesseract, pdfium, OpenCV).

A local store's objects already are files and are read in place; objects of a remote store (S3) are
copied once into the work folder's cache, keyed by their sha256, and removed when the document is done.
Workers may run on other machines than the one that staged a batch, so nothing assumes the inbox file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from storage.objects import LocalStore, ObjectStore


def local_file(store: ObjectStore, key: str, sha256: str, cache_dir: Path) -> Path:
    """A path to the object's bytes: in place for a local store, else a cached copy."""
    if isinstance(store, LocalStore):
        return store.local_path(key)
    return cached_copy(store, key, sha256, cache_dir)


def cached_copy(store: ObjectStore, key: str, sha256: str, cache_dir: Path) -> Path:
    """The object copied into `cache_dir` (once); safe when many tasks ask for the same object at once."""
    cache = cache_dir / sha256
    if not cache.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        # A unique temporary name per call: page tasks of one document copy the same original at once.
        handle, partial = tempfile.mkstemp(dir=cache_dir, prefix=f"{sha256}.", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(store.get_bytes(key))
            os.replace(partial, cache)  # atomic: a reader sees the whole file or none
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    return cache


def forget(sha256: str, cache_dir: Path) -> None:
    """Drop a cached copy once its document is committed."""
    (cache_dir / sha256).unlink(missing_ok=True)
