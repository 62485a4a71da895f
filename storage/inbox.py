"""Where drops arrive: a folder of this machine, or the shared bucket (a prefix per office).

A drop is what scanning staff or the web upload put in the inbox: a folder of scans, a .zip, or one
loose scan. The watcher lists drops (`drops`), an ingest run takes one into its scratch folder
(`checkout`), and once its batch is finished moves it to `done/<batch id>/` or `failed/<batch id>/`
with the report beside it (`retire`); `sohoa retry` brings a failed one back (`restore`). A run names
a drop of the inbox as `inbox:<name>`, so the same run works on whichever worker takes it.

On S3 the inbox is `inbox/<office>/<drop>/…` in the deployment's bucket: each office's scanners can
be given credentials for their own prefix only, and no worker needs a folder another machine sees.
S3 has no rename, so an upload writes `batch.yaml` last: a drop with its manifest is complete.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Protocol

import yaml
from minio import Minio
from minio.commonconfig import CopySource
from minio.deleteobjects import DeleteObject
from pydantic import BaseModel

from schemas.batch import MANIFEST_NAME, BatchManifest, BatchReport, BatchStatus
from schemas.codes import office_prefix

INBOX_SOURCE = "inbox:"  # a run's `source` naming a drop of the inbox, not a path of one machine
SHARED_OFFICE = "chung"  # the S3 inbox prefix of uploads with no office
_CHUNK = 1024 * 1024
_SPOOL_BYTES = 8 * 1024 * 1024  # an upload is spooled to scratch above this, never held whole in memory


class UploadRefused(ValueError):
    """The upload cannot become a drop (bad name, too large, twice the same); the message is for the clerk."""


class Drop(BaseModel):
    """One drop of the inbox, as the watcher sees it."""

    name: str  # 'lo-1' in a folder inbox; '<office>/lo-1' in the bucket
    fingerprint: str  # changes as soon as any file is added, removed or rewritten
    last_change: float  # seconds since the epoch of its newest change
    has_manifest: bool


class Inbox(Protocol):
    """The inbox of one deployment; one class per backend."""

    def drops(self) -> list[Drop]:
        """Every drop now in the inbox, complete or not, by name."""
        ...

    def contains(self, name: str) -> bool: ...

    def checkout(self, name: str, scratch: Path) -> Path:
        """A path on this machine holding the drop (a folder, a zip or a file) for staging; FileNotFoundError
        when it is gone. `scratch` is this run's own folder, removed by the caller when the run ends."""
        ...

    def retire(self, name: str, report: BatchReport) -> None:
        """Move the drop to done/ (or failed/ when the batch failed) under its batch id, with its report."""
        ...

    def restore(self, name: str, batch_id: str) -> bool:
        """Put a drop parked in failed/ back into the inbox; False when it is not there."""
        ...

    def put_batch(self, folder: str, files: Iterable[tuple[str, BinaryIO]], manifest: BatchManifest,
                  max_file_bytes: int, office_code: str | None) -> tuple[str, int]:
        """Write an uploaded batch as one complete drop; its name and how many files were written."""
        ...

    def drop_of(self, source: str) -> str | None:
        """The drop a run's `source` names, or None for a path outside the inbox (left where it is)."""
        ...

    def office_of(self, name: str) -> str | None:
        """The office whose part of the inbox holds the drop (its scanners alone can write there), or
        None when the inbox has no parts per office."""
        ...

    def describe(self) -> str: ...


def inbox_source(name: str) -> str:
    return INBOX_SOURCE + name


def manifest_bytes(manifest: BatchManifest) -> bytes:
    return yaml.safe_dump(manifest.model_dump(mode="json", exclude_defaults=True),
                          allow_unicode=True).encode()


def copy_capped(name: str, source: BinaryIO, out: BinaryIO, max_bytes: int) -> int:
    """Copy an uploaded file, refusing it as soon as it passes `max_bytes` (never trusting a stated size)."""
    written = 0
    while chunk := source.read(_CHUNK):
        written += len(chunk)
        if written > max_bytes:
            raise UploadRefused(f"tệp {name} lớn hơn {max_bytes // (1024 * 1024)} MB")
        out.write(chunk)
    return written


class FolderInbox:
    """The embedded default: drops are the entries of one folder; done/ and failed/ are folders beside it."""

    def __init__(self, root: Path, done: Path, failed: Path) -> None:
        self.root, self.done, self.failed = root, done, failed

    def drops(self) -> list[Drop]:
        if not self.root.is_dir():
            return []
        found = []
        for entry in sorted(self.root.iterdir()):
            if entry.name.startswith("."):
                continue
            stats = {path: path.stat() for path in sorted(_tree(entry))}
            digest = hashlib.sha256(entry.name.encode())
            for path, stat in stats.items():
                digest.update(f"{path.relative_to(self.root)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
            # The folder's own time counts too: it changes when a file is added or removed.
            changed = max([entry.stat().st_mtime] + [stat.st_mtime for stat in stats.values()])
            found.append(Drop(name=entry.name, fingerprint=digest.hexdigest(), last_change=changed,
                              has_manifest=entry.is_dir() and (entry / MANIFEST_NAME).is_file()))
        return found

    def contains(self, name: str) -> bool:
        return self._path(name).exists()

    def checkout(self, name: str, scratch: Path) -> Path:
        """The drop itself, read in place: it is already on this machine."""
        path = self._path(name)
        if not path.exists():
            raise FileNotFoundError(f"no drop {name} in the inbox")
        return path

    def retire(self, name: str, report: BatchReport) -> None:
        source = self._path(name)
        target = (self.failed if report.status is BatchStatus.FAILED else self.done) / report.batch_id
        target.mkdir(parents=True, exist_ok=True)
        destination = target / source.name
        if destination.exists():
            shutil.rmtree(destination) if destination.is_dir() else destination.unlink()
        shutil.move(str(source), destination)
        (target / "report.json").write_text(report.model_dump_json(indent=2), encoding="utf-8")

    def restore(self, name: str, batch_id: str) -> bool:
        parked = self.failed / batch_id / PurePosixPath(name).name
        if not parked.exists():
            return False
        self.root.mkdir(parents=True, exist_ok=True)
        shutil.move(str(parked), self._path(name))
        return True

    def put_batch(self, folder: str, files: Iterable[tuple[str, BinaryIO]], manifest: BatchManifest,
                  max_file_bytes: int, office_code: str | None) -> tuple[str, int]:
        """Written into a hidden folder of the inbox (the watcher skips it), `batch.yaml` last, then
        renamed into place in one step, so the watcher never sees half an upload."""
        self.root.mkdir(parents=True, exist_ok=True)
        staging, target = self.root / f".{folder}.part", self.root / folder
        if target.exists() or staging.exists():
            raise UploadRefused("lô này đã được tải lên")
        count = 0
        try:
            for name, source in files:
                path = staging / name
                if path.exists():
                    raise UploadRefused(f"tệp {name} xuất hiện hai lần")
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("wb") as out:
                    copy_capped(name, source, out, max_file_bytes)
                count += 1
            if count == 0:
                raise UploadRefused("chưa chọn tệp nào")
            (staging / MANIFEST_NAME).write_bytes(manifest_bytes(manifest))
            staging.rename(target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return folder, count

    def drop_of(self, source: str) -> str | None:
        if source.startswith(INBOX_SOURCE):
            return source.removeprefix(INBOX_SOURCE)
        root, path = self.root.resolve(), Path(source).resolve()
        if path == root or not path.is_relative_to(root):
            return None
        return path.relative_to(root).as_posix()

    def office_of(self, name: str) -> str | None:
        return None

    def describe(self) -> str:
        return f"thư mục {self.root}"

    def _path(self, name: str) -> Path:
        return self.root / _checked_name(name)


class BucketInbox:
    """Drops under `inbox/` of an S3 bucket (the deployment's own), retired to `done/` and `failed/` of it.

    A drop is `inbox/<office>/<name>/…` (a folder) or `inbox/<office>/<file>` (a zip or a loose
    scan); a file straight under `inbox/` is a drop of its own. Names starting with '.' are skipped.
    """

    def __init__(self, client: Minio, bucket: str) -> None:
        self._client, self.bucket = client, bucket

    def drops(self) -> list[Drop]:
        grouped: dict[str, list] = {}
        for found in self._client.list_objects(self.bucket, prefix="inbox/", recursive=True):
            parts = found.object_name.removeprefix("inbox/").split("/")
            if found.is_dir or any(part.startswith(".") or not part for part in parts):
                continue
            grouped.setdefault("/".join(parts[:2]), []).append(found)
        drops = []
        for name, objects in sorted(grouped.items()):
            digest = hashlib.sha256(name.encode())
            for found in sorted(objects, key=lambda o: o.object_name):
                # The time too: the same bytes uploaded again are a new drop, as a file's mtime makes it.
                digest.update(f"{found.object_name}\0{found.size}\0{found.etag}\0{found.last_modified}\n".encode())
            drops.append(Drop(name=name, fingerprint=digest.hexdigest(),
                              last_change=max(o.last_modified.timestamp() for o in objects),
                              has_manifest=any(o.object_name == f"inbox/{name}/{MANIFEST_NAME}" for o in objects)))
        return drops

    def contains(self, name: str) -> bool:
        return next(self._keys("inbox/", name), None) is not None

    def checkout(self, name: str, scratch: Path) -> Path:
        """Downloaded into `scratch`, keeping the drop's own name (the batch's name comes from it)."""
        target = scratch / PurePosixPath(name).name
        keys = list(self._keys("inbox/", name))
        if not keys:
            raise FileNotFoundError(f"no drop {name} in the inbox")
        if target.exists():
            shutil.rmtree(target) if target.is_dir() else target.unlink()
        for key, relative in keys:
            # A key is any string (minio-py refuses '..' segments, other S3 clients may not): a key
            # that would lead outside the scratch folder is not fetched.
            if relative and any(part in ("", ".", "..") for part in relative.split("/")):
                continue
            self._client.fget_object(self.bucket, key, str(target / relative if relative else target))
        return target

    def retire(self, name: str, report: BatchReport) -> None:
        """Copied server-side, then deleted from the inbox: a crash in between leaves the drop whole
        in the inbox (rerun: nothing is duplicated), never lost."""
        tray = f"{'failed' if report.status is BatchStatus.FAILED else 'done'}/{report.batch_id}/"
        self._move("inbox/", name, tray + PurePosixPath(name).name)
        data = report.model_dump_json(indent=2).encode()
        self._put(tray + "report.json", io.BytesIO(data), len(data))

    def restore(self, name: str, batch_id: str) -> bool:
        parked = f"failed/{batch_id}/"
        if next(self._keys(parked, PurePosixPath(name).name), None) is None:
            return False
        self._move(parked, PurePosixPath(name).name, "inbox/" + _checked_name(name))
        return True

    def put_batch(self, folder: str, files: Iterable[tuple[str, BinaryIO]], manifest: BatchManifest,
                  max_file_bytes: int, office_code: str | None) -> tuple[str, int]:
        """Each file is spooled (memory, then scratch) under the size cap, then uploaded; the manifest
        goes last. A refused upload deletes what it had written."""
        office = office_prefix(office_code) or SHARED_OFFICE
        name = f"{office}/{folder}"
        if self.contains(name):
            raise UploadRefused("lô này đã được tải lên")
        written: list[str] = []
        try:
            for file_name, source in files:
                key = f"inbox/{name}/{_checked_name(file_name)}"
                if key in written:
                    raise UploadRefused(f"tệp {file_name} xuất hiện hai lần")
                with tempfile.SpooledTemporaryFile(_SPOOL_BYTES) as spool:
                    size = copy_capped(file_name, source, spool, max_file_bytes)
                    spool.seek(0)
                    written.append(key)
                    self._put(key, spool, size)
            if not written:
                raise UploadRefused("chưa chọn tệp nào")
            data = manifest_bytes(manifest)
            self._put(f"inbox/{name}/{MANIFEST_NAME}", io.BytesIO(data), len(data))
        except BaseException:
            self._delete(written)
            raise
        return name, len(written)

    def drop_of(self, source: str) -> str | None:
        return source.removeprefix(INBOX_SOURCE) if source.startswith(INBOX_SOURCE) else None

    def office_of(self, name: str) -> str | None:
        office, _, rest = _checked_name(name).partition("/")
        return office if rest and office != SHARED_OFFICE else None

    def describe(self) -> str:
        return f"S3 bucket {self.bucket!r}, prefix 'inbox/'"

    def _keys(self, area: str, name: str) -> Iterator[tuple[str, str]]:
        """(object name, path inside the drop) of every object of drop `name` under `area`; a loose
        file's path inside is ''."""
        base = area + _checked_name(name)
        for found in self._client.list_objects(self.bucket, prefix=base, recursive=True):
            if found.object_name == base:
                yield found.object_name, ""
            elif found.object_name.startswith(base + "/"):
                yield found.object_name, found.object_name[len(base) + 1:]

    def _move(self, area: str, name: str, to: str) -> None:
        moved = []
        for key, relative in list(self._keys(area, name)):
            self._client.copy_object(self.bucket, f"{to}/{relative}" if relative else to,
                                     CopySource(self.bucket, key))
            moved.append(key)
        self._delete(moved)

    def _put(self, key: str, data: BinaryIO, size: int) -> None:
        self._client.put_object(self.bucket, key, data, size)

    def _delete(self, keys: list[str]) -> None:
        errors = list(self._client.remove_objects(self.bucket, [DeleteObject(key) for key in keys]))
        if errors:
            raise OSError(f"could not delete {errors[0].name} from the inbox: {errors[0].code}")


def _checked_name(name: str) -> str:
    """A drop name or a path inside one: relative, '/'-separated, no hidden or '..' part."""
    parts = PurePosixPath(name).parts
    if not parts or name.startswith("/") or any(part in (".", "..") or part.startswith(".") for part in parts):
        raise ValueError(f"not a drop name: {name!r}")
    return "/".join(parts)


def _tree(entry: Path) -> list[Path]:
    return [path for path in entry.rglob("*") if path.is_file()] if entry.is_dir() else [entry]
