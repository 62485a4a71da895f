"""One office's records of one day become one BagIt package in the archive store.

Per record the bag holds `data/<document>/`: the original bytes, the PDF/A-2b archival copy (or, when
none could be made faithfully, the searchable PDF, and metadata.json says why), the text and
metadata.json. The package is recorded as `writing` before its first object is stored and completed,
with every file's checksum and lock, in the same transaction that marks its records archived.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from archival.bag import CHECKSUMS, make_bag
from archival.pdfa import archival_copy
from archival.record import record_metadata
from schemas.archive import (
    ArchivalCopy,
    ArchivedFile,
    ArchivePackage,
    PackageStatus,
    RecordFacts,
    add_years,
    day_bounds,
)
from schemas.batch import Direction
from schemas.document import FileStatus
from schemas.settings import ArchiveSettings
from storage.archive_store import ArchiveStore
from storage.catalog import Catalog
from storage.objects import ObjectStore

_UNSAFE_KEY_CHARS = re.compile(r"[^0-9A-Za-z._-]+")
NO_OFFICE = "no-office"
# Tag files are stored last: a bag whose tag manifests are present was stored whole.
_TAG_ORDER = ("bagit.txt", "bag-info.txt", *(f"manifest-{a}.txt" for a in CHECKSUMS),
              *(f"tagmanifest-{a}.txt" for a in CHECKSUMS))


@dataclass(frozen=True)
class Archiver:
    """What archiving needs: where records are read from and written to, and how long to keep them."""

    catalog: Catalog
    objects: ObjectStore
    archive: ArchiveStore
    settings: ArchiveSettings
    zone: ZoneInfo  # the office's clock: what a day is
    work_dir: Path
    software: str
    ocr_engine: dict[str, str]


@dataclass(frozen=True)
class _Staged:
    facts: RecordFacts
    copy: ArchivalCopy


def office_slug(office_code: str | None) -> str:
    """The office code as a key segment (codes look like '000.00.12.H12'; keep them readable)."""
    slug = _UNSAFE_KEY_CHARS.sub("-", office_code or "").strip(".-")
    return slug or NO_OFFICE


def archive_office_day(archiver: Archiver, office_code: str | None, day: date,
                       document_ids: list[str]) -> ArchivePackage | None:
    """Pack and store the given (not yet archived) records of one office and day; None if none."""
    facts = archiver.catalog.archive.get_record_facts(document_ids)
    if not facts:
        return None
    catalog, settings = archiver.catalog, archiver.settings
    catalog.archive.abandon_packages(office_code, day)
    earlier = [p for p in catalog.archive.find_packages(day=day) if p.office_code == office_code]
    slug = office_slug(office_code)
    package_id = f"sohoa-{slug}-{day:%Y%m%d}" + (f"-{len(earlier) + 1}" if earlier else "")
    now = datetime.now(UTC)
    staging = archiver.work_dir / "archive" / package_id
    shutil.rmtree(staging, ignore_errors=True)
    bag = staging / "bag"
    try:
        with ThreadPoolExecutor(settings.archive_workers) as pool:
            staged = list(pool.map(lambda f: _stage_record(archiver, f, bag, staging / "tmp", package_id, now),
                                   facts))
        start, end = day_bounds(day, archiver.zone)
        inputs = sum(1 for s in staged if s.facts.record_class is Direction.INPUT)
        package = ArchivePackage(
            id=package_id, office_code=office_code, day=day,
            key=f"{slug}/{day:%Y}/{day.isoformat()}/{package_id}/", created_at=now,
            documents=[s.facts.document.id for s in staged], input_records=inputs,
            output_records=len(staged) - inputs, pages=sum(s.facts.document.page_count for s in staged),
            pdfa_copies=sum(1 for s in staged if s.copy.pdfa), retention_mode=settings.retention_mode,
            store=archiver.archive.describe(),
        )
        make_bag(bag, _bag_info(package, start, end, archiver, staged),
                 processes=settings.archive_workers)
        return _store(archiver, package, bag, {s.facts.document.id: s.facts.record_class for s in staged})
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _stage_record(archiver: Archiver, facts: RecordFacts, bag: Path, tmp: Path, package_id: str,
                  now: datetime) -> _Staged:
    """Fetch a record's objects into the bag folder, make its archival copy, write its metadata."""
    document = facts.document
    folder = bag / document.id
    folder.mkdir(parents=True, exist_ok=True)
    keys = {stored.role: stored.key for stored in document.objects}
    files = {"original": f"original{document.kind.extension}", "text": "text.txt"}
    _fetch(archiver.objects, keys["original"], folder / files["original"])
    if "text" in keys:
        _fetch(archiver.objects, keys["text"], folder / files["text"])
    else:
        (folder / files["text"]).write_text(document.text, encoding="utf-8")
    if "searchable_pdf" in keys:
        work = tmp / document.id
        work.mkdir(parents=True, exist_ok=True)
        _fetch(archiver.objects, keys["searchable_pdf"], work / "searchable.pdf")
        copy = archival_copy(work / "searchable.pdf", folder / "archival-pdfa2b.pdf", work)
        if copy.pdfa:
            files["archival_pdfa"] = "archival-pdfa2b.pdf"
        else:
            shutil.move(work / "searchable.pdf", folder / "searchable.pdf")
            files["searchable_pdf"] = "searchable.pdf"
    else:
        copy = ArchivalCopy(pdfa=False, method="none", reason="no searchable PDF: no page could be read")
    files["metadata"] = "metadata.json"
    in_bag = {role: f"data/{document.id}/{name}" for role, name in files.items()}
    metadata = record_metadata(facts, in_bag, copy, package_id, now, archiver.software, archiver.ocr_engine)
    (folder / files["metadata"]).write_text(metadata.model_dump_json(indent=2), encoding="utf-8")
    return _Staged(facts, copy)


def _bag_info(package: ArchivePackage, start: datetime, end: datetime, archiver: Archiver,
              staged: list[_Staged]) -> dict[str, str]:
    """bag-info.txt: who, which period, how many, kept how long, made by what."""
    settings = archiver.settings
    return {
        "Source-Organization": package.office_code or NO_OFFICE,
        "External-Identifier": package.id,
        "External-Description": f"Digitized records of office {package.office_code or NO_OFFICE} "
                                f"committed on {package.day.isoformat()} ({archiver.zone.key})",
        "Sohoa-Office-Code": package.office_code or "",
        "Sohoa-Date-From": start.isoformat(),
        "Sohoa-Date-To": end.isoformat(),
        "Sohoa-Records": str(len(staged)),
        "Sohoa-Input-Records": str(package.input_records),
        "Sohoa-Output-Records": str(package.output_records),
        "Sohoa-Pages": str(package.pages),
        "Sohoa-Needs-Review": str(sum(1 for s in staged if s.facts.document.status is FileStatus.NEEDS_REVIEW)),
        "Sohoa-PDFA-Copies": str(package.pdfa_copies),
        "Sohoa-Retention": f"inputs {settings.retention_years_input} years, outputs "
                           f"{settings.retention_years_output} years, {settings.retention_mode.value}",
        "Sohoa-Software-Version": archiver.software,
    }


def _store(archiver: Archiver, package: ArchivePackage, bag: Path,
           classes: dict[str, Direction]) -> ArchivePackage:
    """Write every file of the bag with its lock, then complete the package in the catalog."""
    settings = archiver.settings
    until = {record_class: add_years(package.created_at, settings.retention_years(record_class))
             for record_class in Direction}
    tag_until = max(until[c] for c in classes.values())
    payload = sorted(p.relative_to(bag).as_posix() for p in (bag / "data").rglob("*") if p.is_file())
    tags = [name for name in _TAG_ORDER if (bag / name).is_file()]

    def retain_until(path: str) -> datetime:
        parts = path.split("/")
        return until[classes[parts[1]]] if parts[0] == "data" else tag_until

    def put(path: str) -> ArchivedFile:
        info = archiver.archive.put_locked(package.key + path, bag / path, _content_type(path),
                                           retain_until(path), settings.retention_mode)
        return ArchivedFile(path=path, sha256=info.sha256, size=info.size, retain_until=retain_until(path))

    archiver.catalog.archive.begin_package(package)
    with ThreadPoolExecutor(settings.archive_workers) as pool:
        files = list(pool.map(put, payload))
    files += [put(path) for path in tags]
    package = package.model_copy(update={
        "files": files, "bytes": sum(f.size for f in files), "retain_until": tag_until,
        "status": PackageStatus.COMPLETE, "completed_at": datetime.now(UTC),
        "tagmanifest_sha256": _digest(bag / "tagmanifest-sha256.txt", "sha256"),
        "tagmanifest_sha512": _digest(bag / "tagmanifest-sha512.txt", "sha512"),
    })
    archiver.catalog.archive.complete_package(package, {d: c.value for d, c in classes.items()})
    return package


def _fetch(store: ObjectStore, key: str, target: Path) -> None:
    with store.open(key) as source, target.open("wb") as out:
        shutil.copyfileobj(source, out, 1024 * 1024)


def _digest(path: Path, algorithm: str) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, algorithm).hexdigest()


def _content_type(path: str) -> str:
    guessed, _ = mimetypes.guess_type(path)
    return "text/plain; charset=utf-8" if guessed == "text/plain" else guessed or "application/octet-stream"
