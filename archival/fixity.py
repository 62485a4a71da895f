"""Fixity: are the stored bytes still the ones the catalog recorded?

Every night, cheaply, the listings of both stores are compared with the catalog: a catalogued object
or bag file that is gone is `missing`; a file in the archive that belongs to no package, or to a
package that does not list it, is `unexpected`. Reading bytes costs more, so it rotates: each night
hashes the least recently verified 1/N of the objects and of the packages (N = fixity_cycle_nights;
never verified first), so everything is read within N nights; a verified package is also validated
by bagit against its own sha256 and sha512 manifests. `everything=True` reads it all now.
"""

from __future__ import annotations

import hashlib
import math
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from archival.bag import validate_bag
from schemas.archive import (
    ArchivePackage,
    FixityIssue,
    FixityProblem,
    FixityReport,
    PackageStatus,
)
from schemas.settings import ArchiveSettings
from storage.catalog import Catalog
from storage.objects import LocalStore, ObjectNotFound, ObjectStore

OK = "ok"


@dataclass(frozen=True)
class Verifier:
    catalog: Catalog
    objects: ObjectStore
    archive: ObjectStore
    settings: ArchiveSettings
    work_dir: Path


def verify(verifier: Verifier, everything: bool = False) -> FixityReport:
    """Check both stores against the catalog and remember what was verified when."""
    started = datetime.now(UTC)
    report = FixityReport(started_at=started, finished_at=started,
                          cycle_nights=1 if everything else verifier.settings.fixity_cycle_nights)
    _verify_objects(verifier, report, everything)
    _verify_archive(verifier, report, everything)
    unique = {(i.area, i.key, i.problem): i for i in report.issues}
    report.issues = sorted(unique.values(), key=lambda i: (i.area, i.key, i.problem.value))
    report.finished_at = datetime.now(UTC)
    return report


def _budget(total: int, nights: int, everything: bool) -> int:
    return total if everything else math.ceil(total / nights)


def _verify_objects(verifier: Verifier, report: FixityReport, everything: bool) -> None:
    expected = verifier.catalog.archive.get_object_digests()
    present = set(verifier.objects.list())
    outcomes: dict[str, str] = {}
    for key in sorted(set(expected) - present):
        report.issues.append(FixityIssue(area="objects", key=key, problem=FixityProblem.MISSING,
                                         expected_sha256=expected[key]))
        outcomes[key] = FixityProblem.MISSING.value
    candidates = sorted(set(expected) & present)
    due = verifier.catalog.archive.find_fixity_due("objects", candidates,
                                      _budget(len(candidates), report.cycle_nights, everything))
    with ThreadPoolExecutor(verifier.settings.archive_workers) as pool:
        digests = list(pool.map(lambda key: _digest(verifier.objects, key), due))
    for key, (found, size) in zip(due, digests, strict=True):
        report.bytes_checked += size
        problem = _compare(expected[key], found)
        outcomes[key] = problem.value if problem else OK
        if problem:
            report.issues.append(FixityIssue(area="objects", key=key, problem=problem,
                                             expected_sha256=expected[key], found_sha256=found))
    report.objects_total, report.objects_checked = len(expected), len(due)
    verifier.catalog.archive.record_fixity("objects", outcomes, report.started_at)


def _verify_archive(verifier: Verifier, report: FixityReport, everything: bool) -> None:
    packages = verifier.catalog.archive.find_packages(with_files=True)
    complete = {p.id: p for p in packages if p.status is PackageStatus.COMPLETE}
    report.abandoned_packages = [p.id for p in packages if p.status is PackageStatus.ABANDONED]
    by_prefix = {p.key: p for p in packages}
    paths = {p.id: {f.path for f in p.files} for p in complete.values()}
    present = set(verifier.archive.list())
    for key in sorted(present):
        package = by_prefix.get(_package_prefix(key))
        if package is None or (package.status is PackageStatus.COMPLETE
                               and key[len(package.key):] not in paths[package.id]):
            report.issues.append(FixityIssue(area="archive", key=key, problem=FixityProblem.UNEXPECTED,
                                             detail="belongs to no package" if package is None
                                             else f"not a file of package {package.id}"))
    for package in complete.values():
        for file in package.files:
            if package.key + file.path not in present:
                report.issues.append(FixityIssue(area="archive", key=package.key + file.path,
                                                 problem=FixityProblem.MISSING, expected_sha256=file.sha256))
    due = verifier.catalog.archive.find_fixity_due("archive", sorted(complete),
                                      _budget(len(complete), report.cycle_nights, everything))
    outcomes = {}
    for package_id in due:
        found = _verify_package(verifier, complete[package_id], present, report)
        outcomes[package_id] = ",".join(sorted({i.problem.value for i in found})) or OK
        report.issues.extend(found)
    report.packages_total, report.packages_checked = len(complete), len(due)
    verifier.catalog.archive.record_fixity("archive", outcomes, report.started_at)


def _verify_package(verifier: Verifier, package: ArchivePackage, present: set[str],
                    report: FixityReport) -> list[FixityIssue]:
    """Hash every file of one package against the catalog, then let bagit validate the bag."""
    issues: list[FixityIssue] = []
    staging = verifier.work_dir / "fixity" / package.id
    archive = verifier.archive
    if isinstance(archive, LocalStore):
        folder = archive.local_path(package.key)
    else:
        folder = staging
        shutil.rmtree(staging, ignore_errors=True)
        for key in sorted(k for k in present if k.startswith(package.key)):
            target = staging / key[len(package.key):]
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(key) as source, target.open("wb") as out:
                shutil.copyfileobj(source, out, 1024 * 1024)
    try:
        for file in package.files:
            path = folder / file.path
            if not path.is_file():
                continue  # reported as missing from the listing
            with path.open("rb") as stream:
                found = hashlib.file_digest(stream, "sha256").hexdigest()
            report.bytes_checked += file.size
            if found != file.sha256:
                issues.append(FixityIssue(area="archive", key=package.key + file.path,
                                          problem=FixityProblem.CHANGED, expected_sha256=file.sha256,
                                          found_sha256=found))
        issues += [FixityIssue(area="archive", key=package.key + path, problem=problem,
                               detail=f"bagit: {detail}")
                   for path, problem, detail in validate_bag(folder)]
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return issues


def _package_prefix(key: str) -> str:
    """'<office>/<yyyy>/<date>/<package>/...' → '<office>/<yyyy>/<date>/<package>/'."""
    return "/".join(key.split("/")[:4]) + "/"


def _digest(store: ObjectStore, key: str) -> tuple[str | None, int]:
    """sha256 and size of the stored bytes (read, never taken from metadata); None if it vanished."""
    digest, size = hashlib.sha256(), 0
    try:
        with store.open(key) as stream:
            while chunk := stream.read(1024 * 1024):
                digest.update(chunk)
                size += len(chunk)
    except ObjectNotFound:
        return None, 0
    return digest.hexdigest(), size


def _compare(expected: str, found: str | None) -> FixityProblem | None:
    if found is None:
        return FixityProblem.MISSING
    return None if found == expected else FixityProblem.CHANGED
