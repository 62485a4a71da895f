"""Small shared helpers for the flow-level tests: tiny batches a clerk would drop, and catalog checks.

Pages are the generators' default A5 pages (about a second of OCR each on this machine), so every
batch built here stays small.
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from storage.catalog import Catalog
from storage.inbox import FolderInbox
from storage.objects import ObjectStore
from tests.generators import bad_inputs, corpus, pages, pdfs

# Roles every digitized document must have in the object store (thumbnail: only OCR'd/rendered pages).
REQUIRED_ROLES = {"original", "searchable_pdf", "text", "words"}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_page(path: Path, seed: int, title: str | None = None) -> str:
    """A small scanned page (PNG, 300 dpi A5) with a known heading; returns its ground truth."""
    page = pages.sample_page(np.random.default_rng(seed), title=title, paragraphs=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    pages.save_png(page.image, path)
    return page.text


def write_pages(folder: Path, titles: dict[str, str], seed: int = 0) -> dict[str, str]:
    """One page per name (relative to `folder`) with the given heading; returns name → ground truth."""
    return {name: write_page(folder / name, seed + offset, title)
            for offset, (name, title) in enumerate(sorted(titles.items()))}


def write_typed_pdf(path: Path, seed: int = 0) -> str:
    """A born-digital PDF (text layer, no OCR needed); returns its text."""
    data, text = pdfs.born_digital_pdf(corpus.paragraphs(random.Random(seed), 1), heading="ĐƠN ĐỀ NGHỊ")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return text


def write_truncated_png(path: Path) -> str:
    """A scan cut short while copying: must be quarantined; returns the expected reason code."""
    return bad_inputs.write_truncated_png(path).value


def write_manifest(folder: Path, **fields: Any) -> None:
    """`batch.yaml` exactly as given (not validated here, so tests can drop invalid ones too)."""
    (folder / "batch.yaml").write_text(yaml.safe_dump(fields, allow_unicode=True), encoding="utf-8")


def tree_digests(folder: Path) -> dict[str, str]:
    """Relative name → sha256 of every file under `folder`: what a clerk dropped, byte for byte."""
    return {p.relative_to(folder).as_posix(): sha256(p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_file()}


def document_ids(catalog_file: Path, *, after_crash: bool = False) -> list[str]:
    """Ids of every committed document, read straight from the SQLite file (no migrations run).
    `after_crash`: the writer was killed; its write-ahead log may need recovering, which a read-only
    connection cannot do (SQLITE_READONLY_RECOVERY), so the file is opened for writing (never created)."""
    mode = "rw" if after_crash else "ro"
    with sqlite3.connect(f"file:{catalog_file}?mode={mode}", uri=True, timeout=30) as db:
        return [row[0] for row in db.execute("SELECT id FROM document ORDER BY id")]


def assert_documents_complete(catalog: Catalog, store: ObjectStore, ids: list[str]) -> None:
    """No half record: each document has all its pages and objects, and each object's bytes exist in
    the store with the sha256 and size the catalog recorded (hashed here, not read from metadata)."""
    assert ids, "no document to check"
    for document_id in ids:
        document = catalog.batches.get_document(document_id)
        assert document is not None, document_id
        numbers = [p.number for p in catalog.batches.get_pages(document_id)]
        assert numbers == list(range(1, document.page_count + 1)) and numbers, document.original_name
        assert REQUIRED_ROLES <= {o.role for o in document.objects}, document.original_name
        for stored in document.objects:
            data = store.get_bytes(stored.key)
            assert (sha256(data), len(data)) == (stored.sha256, stored.size), stored.key


def folder_inbox(folder: Path) -> FolderInbox:
    """The folder `folder` as an inbox, its done/ and failed/ hidden inside it (never taken for drops)."""
    return FolderInbox(folder, folder / ".done", folder / ".failed")
