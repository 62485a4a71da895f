"""Uploaded scans become a batch folder in the inbox the watcher reads, so one ingest path serves both.

Files are written into a hidden folder of the inbox (the watcher skips names starting with '.'),
`batch.yaml` last, and the folder is renamed into place in one step: the watcher never sees half an
upload. The rename stays on one file system because the temp folder is inside the inbox.
"""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import yaml

from schemas.batch import MANIFEST_NAME, BatchManifest

_CHUNK = 1024 * 1024


class UploadRefused(ValueError):
    """The upload cannot become a batch (bad name, too large); the message is for the clerk."""


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


def write_batch(inbox: Path, folder: str, files: Iterable[tuple[str, BinaryIO]],
                manifest: BatchManifest, max_file_bytes: int) -> int:
    """Write the files and the manifest as `inbox/folder`; returns how many files were written."""
    inbox.mkdir(parents=True, exist_ok=True)
    staging = inbox / f".{folder}.part"
    target = inbox / folder
    if target.exists() or staging.exists():
        raise UploadRefused("lô này đã được tải lên")
    count = 0
    try:
        for name, source in files:
            path = staging / name
            if path.exists():
                raise UploadRefused(f"tệp {name} xuất hiện hai lần")
            path.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            with path.open("wb") as out:
                while chunk := source.read(_CHUNK):
                    written += len(chunk)
                    if written > max_file_bytes:
                        raise UploadRefused(f"tệp {name} lớn hơn {max_file_bytes // (1024 * 1024)} MB")
                    out.write(chunk)
            count += 1
        if count == 0:
            raise UploadRefused("chưa chọn tệp nào")
        (staging / MANIFEST_NAME).write_text(
            yaml.safe_dump(manifest.model_dump(mode="json", exclude_defaults=True), allow_unicode=True),
            encoding="utf-8")
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return count
