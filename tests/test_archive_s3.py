"""The nightly archive on a real S3 server (SeaweedFS) with object lock: what a province operator checks.

Records are stored through the S3 objects store, archived by the nightly flow into a bucket created
with object lock, then attacked with a plain S3 client (not the code under test): deleting a locked
version is refused, an overwrite or a plain DELETE only stacks a newer version or a delete marker on
top of the untouched locked version, and fixity reports both.
"""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from minio import Minio
from minio.commonconfig import COMPLIANCE, GOVERNANCE
from minio.error import S3Error
from minio.retention import Retention

from flows.archive import NightlyRunFailed, fixity_check, nightly_archive
from schemas.archive import ArchivePackage
from schemas.batch import Direction
from schemas.settings import LockMode, Settings
from storage.archive_store import ArchiveConflict
from storage.resources import archive_store, resources
from tests.archive_records import add_batch, add_record
from tests.s3server import S3Endpoint

pytestmark = pytest.mark.usefixtures("prefect_server")

ICT = timezone(timedelta(hours=7))
DAY = date(2025, 6, 2)


@dataclass
class S3Night:
    settings: Settings
    client: Minio
    bucket: str
    package: ArchivePackage

    def versions(self, name: str) -> list[str]:
        return [v.version_id for v in self.client.list_objects(self.bucket, prefix=name, include_version=True)
                if v.object_name == name and not v.is_delete_marker]

    def read(self, name: str, version_id: str | None = None) -> bytes:
        response = self.client.get_object(self.bucket, name, version_id=version_id)
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()


def _archive_on_s3(env: pytest.MonkeyPatch, root: Path, s3: S3Endpoint, mode: LockMode) -> S3Night:
    bucket = f"sohoa-archive-{secrets.token_hex(4)}"
    env.setenv("SOHOA_DATA_DIR", str(root / "data"))
    for name, value in {"OBJECT_STORE": "s3", "S3_ENDPOINT": s3.endpoint, "S3_ACCESS_KEY": s3.access_key,
                        "S3_SECRET_KEY": s3.secret_key, "S3_BUCKET": f"sohoa-{secrets.token_hex(4)}",
                        "ARCHIVE_BUCKET": bucket, "RETENTION_MODE": mode.value}.items():
        env.setenv(f"SOHOA_{name}", value)
    settings = Settings()
    catalog, store = resources(settings).catalog, resources(settings).objects
    add_batch(catalog, "quay-1", "H12", datetime(2025, 6, 2, 8, tzinfo=ICT))
    for seed, direction in ((1, Direction.INPUT), (2, Direction.OUTPUT)):
        add_record(catalog, store, seed=seed, batch_id="quay-1", office="H12",
                   created_at=datetime(2025, 6, 2, 9, tzinfo=ICT), direction=direction)
    [package] = nightly_archive(date_from=DAY, date_to=DAY).packages
    return S3Night(settings, s3.client(), bucket, package)


@pytest.fixture(scope="module")
def s3_night(tmp_path_factory: pytest.TempPathFactory, s3_server: S3Endpoint,
             prefect_server: None) -> Iterator[S3Night]:
    with pytest.MonkeyPatch.context() as env:
        yield _archive_on_s3(env, tmp_path_factory.mktemp("s3archive"), s3_server, LockMode.GOVERNANCE)


def test_the_archive_bucket_has_object_lock_and_versioning(s3_night: S3Night) -> None:
    s3_night.client.get_object_lock_config(s3_night.bucket)  # raises when the bucket has no object lock
    assert s3_night.client.get_bucket_versioning(s3_night.bucket).status == "Enabled"
    names = sorted(o.object_name for o in s3_night.client.list_objects(s3_night.bucket, recursive=True))
    assert names == sorted(s3_night.package.key + f.path for f in s3_night.package.files)
    assert not (s3_night.settings.data_dir / "archive").exists()  # nothing archived locally


def test_every_object_is_locked_until_its_record_class_retention(s3_night: S3Night) -> None:
    archived_at = s3_night.package.created_at
    for file in s3_night.package.files:
        retention = s3_night.client.get_object_retention(s3_night.bucket, s3_night.package.key + file.path)
        assert retention.mode == GOVERNANCE
        assert abs(retention.retain_until_date - file.retain_until) < timedelta(seconds=1)
    years = {f.retain_until.year - archived_at.year for f in s3_night.package.files}
    assert years == {5, 10}  # inputs 5 years, outputs (and the bag's tag files) 10


def test_deleting_or_overwriting_a_locked_version_is_refused(s3_night: S3Night) -> None:
    name = s3_night.package.key + "bag-info.txt"
    [locked] = s3_night.versions(name)
    original = s3_night.read(name, locked)
    with pytest.raises(S3Error) as refused:
        s3_night.client.remove_object(s3_night.bucket, name, version_id=locked)
    assert refused.value.code == "AccessDenied"
    with pytest.raises(ArchiveConflict):  # sohoa itself never replaces an archived object
        archive_store(s3_night.settings, s3_night.settings.archive.archive_bucket).put_locked(
            name, _file(s3_night.settings, b"forged"), "text/plain", datetime.now(UTC), LockMode.GOVERNANCE)
    with pytest.raises(PermissionError):
        archive_store(s3_night.settings, s3_night.settings.archive.archive_bucket).delete(name)
    assert s3_night.read(name, locked) == original


def test_an_overwrite_or_delete_by_another_client_keeps_the_locked_version_and_fails_fixity(
        s3_night: S3Night) -> None:
    files = sorted(f.path for f in s3_night.package.files if f.path.startswith("data/"))
    overwritten, deleted = s3_night.package.key + files[0], s3_night.package.key + files[1]
    [locked_overwritten] = s3_night.versions(overwritten)
    [locked_deleted] = s3_night.versions(deleted)
    before = s3_night.read(overwritten, locked_overwritten)
    s3_night.client.put_object(s3_night.bucket, overwritten, io.BytesIO(b"forged"), 6)  # a new version
    s3_night.client.remove_object(s3_night.bucket, deleted)  # a delete marker, not a deletion
    assert s3_night.read(overwritten, locked_overwritten) == before
    assert s3_night.read(deleted, locked_deleted)  # still there under its version id
    outcome = fixity_check(everything=True, return_state=True).result(raise_on_failure=False)
    assert isinstance(outcome, NightlyRunFailed)
    found = {(i.key, i.problem.value) for i in outcome.report.issues}
    assert {(overwritten, "changed"), (deleted, "missing")} <= found


def test_compliance_mode_cannot_be_lifted_even_by_an_administrator(
        tmp_path: Path, s3_server: S3Endpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    night = _archive_on_s3(monkeypatch, tmp_path, s3_server, LockMode.COMPLIANCE)
    name = night.package.key + "bagit.txt"
    assert night.client.get_object_retention(night.bucket, name).mode == COMPLIANCE
    [locked] = night.versions(name)
    shorter = Retention(COMPLIANCE, datetime.now(UTC) + timedelta(days=1))
    with pytest.raises(S3Error) as refused:  # shortening a COMPLIANCE lock is refused
        night.client.set_object_retention(night.bucket, name, shorter, version_id=locked)
    assert refused.value.code == "AccessDenied"
    with pytest.raises(S3Error):  # and so is deleting the version
        night.client.remove_object(night.bucket, name, version_id=locked)


def _file(settings: Settings, data: bytes) -> Path:
    path = settings.data_dir / "forged.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
