"""Where things live in the object store: the one place that names keys.

Documents are keyed by content (`docs/<first two hex digits>/<document id>/…`), so the same bytes
always land in the same folder and a rerun overwrites rather than duplicates; a batch's report lives
under `batches/<batch id>/`.
"""

from __future__ import annotations

from schemas.document import FileKind


def document_id(sha256: str) -> str:
    """Documents are identified by their content: the same bytes are the same document."""
    return sha256[:20]


def document_prefix(sha256: str) -> str:
    return f"docs/{sha256[:2]}/{document_id(sha256)}"


def original_key(prefix: str, kind: FileKind) -> str:
    return f"{prefix}/original{kind.extension}"


def document_key(prefix: str, name: str) -> str:
    """One of the document's own objects: searchable.pdf, text.txt, words.json, thumbnail.jpg, card.jpg."""
    return f"{prefix}/{name}"


def batch_report_key(batch_id: str) -> str:
    return f"batches/{batch_id}/report.json"
