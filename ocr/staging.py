"""Turn what the clerk dropped (a folder, a zip or one file) into a staged batch with a stable id.

The batch id is derived from the batch's name and the sha256 of every file in it, so dropping the same
folder again yields the same id: the catalog then already knows every file and nothing is redone.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from ocr.preflight import PreflightResult, preflight
from ocr.unzip import extract_zip
from schemas.batch import MANIFEST_NAME, BatchManifest
from schemas.codes import office_prefix
from schemas.document import FileKind, Problem, Reason
from schemas.messages import validation_message
from schemas.settings import Settings
from schemas.vntext import fold

_JUNK_NAMES = {".ds_store", "thumbs.db", "desktop.ini"}


class StagedFile(BaseModel):
    """One file of the batch, with its preflight verdict."""

    name: str  # relative to the batch folder, '/'-separated
    path: Path
    preflight: PreflightResult


class StagedBatch(BaseModel):
    """Everything the ingest flow needs to know before any page is read."""

    batch_id: str
    name: str
    source: str
    manifest: BatchManifest
    problems: list[Problem] = []  # batch-level: an invalid manifest
    files: list[StagedFile] = []
    rejected: list[tuple[str, Problem]] = []  # archive members refused before extraction


def stage(source: Path, settings: Settings) -> StagedBatch:
    """Resolve, extract, preflight and identify a batch. Never modifies the source."""
    source = source.resolve()
    if not source.exists():
        raise FileNotFoundError(f"no batch at {source}")
    rejected: list[tuple[str, Problem]] = []
    if source.is_dir():
        root, name, candidates = source, source.name, _files_under(source)
    elif _is_zip(source):
        root = settings.work_dir / f"zip-{_sha256(source)[:16]}"
        if root.exists():
            shutil.rmtree(root)
        extracted = extract_zip(source, root, settings)
        rejected = list(extracted.rejected)
        name, candidates = source.stem, [root / f for f in extracted.files]
    else:
        root, name, candidates = source.parent, source.stem, [source]

    manifest, problems = read_manifest(root / MANIFEST_NAME if source.is_dir() or _is_zip(source) else None)
    paths = [path for path in sorted(candidates) if path.name != MANIFEST_NAME]
    # Preflight decodes every image to find damage: spread it over the cores like the OCR.
    with ThreadPoolExecutor(max_workers=settings.ocr_workers) as pool:
        staged = pool.map(lambda path: _stage_file(path, path.relative_to(root).as_posix(), settings), paths)
        files = [file for group in staged for file in group]
    return StagedBatch(
        batch_id=batch_id(name, [(f.name, f.preflight.sha256) for f in files]),
        name=name, source=str(source), manifest=manifest, problems=problems, files=files,
        rejected=rejected,
    )


def within_office(batch: StagedBatch, office: str | None) -> StagedBatch:
    """A drop found in one office's part of the inbox (`office`, as `office_prefix` writes it; None:
    the inbox has no such parts) belongs to that office, whose scanners alone can write there: a
    manifest naming no office gets it; one naming another is refused whole, rather than filing the
    papers where that other office's officers would find them."""
    named = batch.manifest.office_code
    if office is None or (named is not None and office_prefix(named) == office):
        return batch
    if named is None:
        return batch.model_copy(update={"manifest": batch.manifest.model_copy(update={"office_code": office})})
    problem = Problem(code=Reason.MANIFEST_INVALID,
                      message=f"batch.yaml ghi văn phòng {named}, nhưng lô nằm trong hộp thư của văn phòng "
                              f"{office}: hãy sửa batch.yaml hoặc đặt lô vào hộp thư của đúng văn phòng")
    return batch.model_copy(update={"problems": [*batch.problems, problem]})


def _stage_file(path: Path, name: str, settings: Settings) -> list[StagedFile]:
    """Preflight one file; a zip inside a batch folder is unpacked in place of itself.

    A zip with any refused member (unsafe name, encryption, an archive inside it, a bomb) is
    quarantined whole, bytes kept, so the clerk gets one clear reason instead of a partial unpacking.
    """
    checked = preflight(path, settings)
    if checked.kind is not FileKind.ZIP or checked.problems:
        return [StagedFile(name=name, path=path, preflight=checked)]
    unpacked = settings.work_dir / f"zip-{checked.sha256[:16]}"
    extracted = extract_zip(path, unpacked, settings)
    if extracted.rejected:
        checked.problems = [problem for _, problem in extracted.rejected]
        return [StagedFile(name=name, path=path, preflight=checked)]
    return [StagedFile(name=f"{name}/{member}", path=unpacked / member,
                       preflight=preflight(unpacked / member, settings))
            for member in sorted(extracted.files)]


def batch_id(name: str, contents: list[tuple[str, str]]) -> str:
    """`<folded-name>-<digest>`: readable, stable for identical content, distinct otherwise."""
    digest = hashlib.sha256()
    for file_name, sha in sorted(contents):
        digest.update(f"{file_name}\0{sha}\n".encode())
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")[:40] or "batch"
    return f"{slug}-{digest.hexdigest()[:12]}"


def read_manifest(path: Path | None) -> tuple[BatchManifest, list[Problem]]:
    """The manifest, or an empty one plus a batch-level problem when it is unreadable or invalid."""
    if path is None or not path.is_file():
        return BatchManifest(), []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return BatchManifest.model_validate(data), []
    except (yaml.YAMLError, UnicodeDecodeError, ValidationError, TypeError) as exc:
        detail = "; ".join(validation_message(error) for error in exc.errors()) \
            if isinstance(exc, ValidationError) else type(exc).__name__
        return BatchManifest(), [Problem(code=Reason.MANIFEST_INVALID,
                                         message=f"batch.yaml không hợp lệ ({detail})")]


def _files_under(folder: Path) -> list[Path]:
    """Regular files of the batch folder, without hidden files and desktop junk."""
    return [
        path for path in folder.rglob("*")
        if path.is_file() and not path.is_symlink()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
        and path.name.lower() not in _JUNK_NAMES
    ]


def _is_zip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) in (b"PK\x03\x04", b"PK\x05\x06")


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
