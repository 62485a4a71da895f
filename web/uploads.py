"""Uploaded scans become a drop in the inbox the watcher reads, so one ingest path serves both.

Here: the names a browser sends, made safe, and the batch's name. Writing the drop is the inbox's
(`storage.inbox`): in the folder inbox it appears in one rename, in the S3 inbox with its manifest last.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from pathlib import PurePosixPath

from schemas.batch import MANIFEST_NAME
from storage.inbox import UploadRefused

__all__ = ["UploadRefused", "folder_name", "safe_name"]


def safe_name(name: str) -> str:
    """A relative '/'-separated path inside the batch, from what a browser sent as the file name.

    Folder uploads send 'folder/sub/scan.png'; Windows browsers may send backslashes. Hidden
    segments, '..' and absolute paths are refused rather than repaired.
    """
    name = unicodedata.normalize("NFC", name.replace("\\", "/")).strip("/")
    parts = PurePosixPath(name).parts
    if not parts or any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        raise UploadRefused("tên tệp không hợp lệ")
    if any(unicodedata.category(ch) == "Cc" for ch in name) or len(name.encode()) > 1000:
        raise UploadRefused("tên tệp không hợp lệ")
    if parts[-1] == MANIFEST_NAME:
        raise UploadRefused(f"không được tải lên tệp {MANIFEST_NAME}: biểu mẫu tạo tệp này")
    return "/".join(parts)


def folder_name(upload_id: str, office_code: str | None, now: datetime) -> str:
    """The batch name the clerk will see in reports: date, office and a short id."""
    office = "".join(ch for ch in (office_code or "") if ch.isalnum()).lower() or "chung"
    return f"tai-len-{now:%Y%m%d-%H%M%S}-{office}-{upload_id[:8]}"
