"""The watcher and the ingest flow with everything on S3, against a real S3 server (SeaweedFS over HTTP).

What a province operator checks in the bucket after an office drops a batch into its inbox prefix
(`inbox/H12/…`): the watcher took it, every object the catalog names is there with the recorded
sha256, the refused file's bytes are kept under quarantine/, the drop moved to done/ with its report,
no local folder another machine would need was written, and dropping the batch again writes nothing
new. The bucket is written and read with a plain S3 client, not through the code under test.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from minio import Minio
from minio.commonconfig import CopySource

from flows.watch import watch_inbox
from schemas.batch import BatchReport, BatchStatus
from schemas.settings import Settings
from storage.resources import resources
from tests.helpers import (REQUIRED_ROLES, assert_documents_complete, sha256, write_manifest, write_pages,
                           write_truncated_png)
from tests.s3server import S3Endpoint

pytestmark = pytest.mark.usefixtures("prefect_server")

PAGES = {"01_to_khai.png": "Tờ khai đăng ký khai sinh", "giay_to/02_uy_quyen.png": "Giấy ủy quyền"}
BROKEN = "03_trang_bi_loi.png"


@dataclass
class S3Batch:
    settings: Settings
    client: Minio
    report: BatchReport
    kept: str  # where the drop went after ingest: done/<batch id>/<drop>/ in the bucket

    def objects(self) -> dict[str, object]:
        """Every object in the bucket: name → (ETag, last modified), which change if it is written again."""
        return {o.object_name: (o.etag, o.last_modified)
                for o in self.client.list_objects(self.settings.s3_bucket, recursive=True)}

    def read(self, name: str) -> bytes:
        return _read(self.client, self.settings.s3_bucket, name)


def _read(client: Minio, bucket: str, name: str) -> bytes:
    response = client.get_object(bucket, name)
    try:
        return response.read()
    finally:
        response.close()
        response.release_conn()


def _upload_drop(client: Minio, bucket: str, folder: Path, office: str) -> None:
    """What an office's scanning PC does: every file under inbox/<office>/<folder>/, manifest last."""
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    for path in sorted(files, key=lambda p: p.name == "batch.yaml"):
        client.fput_object(bucket, f"inbox/{office}/{folder.name}/{path.relative_to(folder).as_posix()}", str(path))


@pytest.fixture(scope="module")
def s3_batch(tmp_path_factory: pytest.TempPathFactory, s3_server: S3Endpoint,
             prefect_server: None) -> Iterator[S3Batch]:
    bucket = f"sohoa-test-{secrets.token_hex(4)}"
    client = s3_server.client()
    client.make_bucket(bucket)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOHOA_DATA_DIR", str(tmp_path_factory.mktemp("s3ingest") / "data"))
        for name, value in {"OBJECT_STORE": "s3", "S3_ENDPOINT": s3_server.endpoint,
                            "S3_ACCESS_KEY": s3_server.access_key, "S3_SECRET_KEY": s3_server.secret_key,
                            "S3_BUCKET": bucket}.items():
            env.setenv(f"SOHOA_{name}", value)
        settings = Settings()
        folder = tmp_path_factory.mktemp("scanning-pc") / "ho-so-s3"
        write_pages(folder, PAGES, seed=51)
        write_truncated_png(folder / BROKEN)
        write_manifest(folder, office_code="H12", operator="Nguyễn Thị Lan")
        _upload_drop(client, bucket, folder, "H12")

        assert watch_inbox() == ["H12/ho-so-s3"]

        [report_key] = [o.object_name for o in client.list_objects(bucket, prefix="done/", recursive=True)
                        if o.object_name.endswith("/report.json")]
        report = BatchReport.model_validate_json(_read(client, bucket, report_key))
        yield S3Batch(settings, client, report, f"done/{report.batch_id}/ho-so-s3/")


def test_the_batch_completes_on_s3_and_nothing_is_left_locally(s3_batch: S3Batch) -> None:
    assert s3_batch.report.status is BatchStatus.PARTIAL
    assert {f.file: f.status.value for f in s3_batch.report.files} == {
        **dict.fromkeys(PAGES, "ok"), BROKEN: "quarantined"}
    assert s3_batch.report.source == "inbox:H12/ho-so-s3" and s3_batch.report.manifest.office_code == "H12"
    data = s3_batch.settings.data_dir
    left = sorted(p.relative_to(data).as_posix() for p in data.rglob("*") if p.is_file())
    assert [name for name in left if not name.startswith("catalog")] == []  # the catalog is PostgreSQL in a province


def test_the_drop_left_the_inbox_for_done_with_its_report(s3_batch: S3Batch) -> None:
    assert not list(s3_batch.client.list_objects(s3_batch.settings.s3_bucket, prefix="inbox/", recursive=True))
    kept = {o.object_name.removeprefix(s3_batch.kept)
            for o in s3_batch.client.list_objects(s3_batch.settings.s3_bucket, prefix=s3_batch.kept, recursive=True)}
    assert kept == {*PAGES, BROKEN, "batch.yaml"}


def test_every_object_the_catalog_names_is_in_the_bucket_with_its_sha256(s3_batch: S3Batch) -> None:
    catalog = resources(s3_batch.settings).catalog
    ids = [f.document_id for f in s3_batch.report.files if f.document_id]
    assert_documents_complete(catalog, resources(s3_batch.settings).objects, ids)
    for document_id in ids:
        document = catalog.batches.get_document(document_id)
        roles = {o.role for o in document.objects}
        assert REQUIRED_ROLES | {"thumbnail"} <= roles, document.original_name
        for stored in document.objects:
            data = s3_batch.read(f"objects/{stored.key}")
            assert (sha256(data), len(data)) == (stored.sha256, stored.size), stored.key
        original = next(o for o in document.objects if o.role == "original")
        dropped = s3_batch.read(s3_batch.kept + document.original_name)
        assert s3_batch.read(f"objects/{original.key}") == dropped
        assert document.sha256 == original.sha256


def test_the_quarantined_file_keeps_its_bytes_in_the_quarantine_area(s3_batch: S3Batch) -> None:
    batch_id = s3_batch.report.batch_id
    kept = s3_batch.read(f"quarantine/{batch_id}/{BROKEN}")
    assert kept == s3_batch.read(s3_batch.kept + BROKEN)
    assert b'"truncated"' in s3_batch.read(f"quarantine/{batch_id}/{BROKEN}.reason.json")


def test_the_batch_report_is_stored_in_the_bucket(s3_batch: S3Batch) -> None:
    key = f"objects/batches/{s3_batch.report.batch_id}/report.json"
    stored = BatchReport.model_validate_json(s3_batch.read(key))
    assert stored.files == s3_batch.report.files


def test_reingesting_the_batch_adds_nothing(s3_batch: S3Batch) -> None:
    catalog = resources(s3_batch.settings).catalog
    before_rows, before_objects = catalog.batches.count_rows(), s3_batch.objects()
    bucket = s3_batch.settings.s3_bucket
    for found in list(s3_batch.client.list_objects(bucket, prefix=s3_batch.kept, recursive=True)):
        s3_batch.client.copy_object(bucket, "inbox/H12/ho-so-s3/" + found.object_name.removeprefix(s3_batch.kept),
                                    CopySource(bucket, found.object_name))
    before_objects = {k: v for k, v in s3_batch.objects().items() if not k.startswith("inbox/")}

    assert watch_inbox() == ["H12/ho-so-s3"]  # the module's SOHOA_ environment is still in force
    report = BatchReport.model_validate_json(s3_batch.read(f"done/{s3_batch.report.batch_id}/report.json"))
    assert report.batch_id == s3_batch.report.batch_id and report.started_at > s3_batch.report.started_at
    assert catalog.batches.count_rows() == before_rows
    after = s3_batch.objects()
    rewritten = {f"objects/batches/{report.batch_id}/report.json",  # with the rerun's times
                 f"done/{report.batch_id}/report.json", *(k for k in after if k.startswith(s3_batch.kept))}
    assert set(after) == set(before_objects)
    assert {k: v for k, v in after.items() if k not in rewritten} == {
        k: v for k, v in before_objects.items() if k not in rewritten}


def test_a_drop_whose_manifest_names_another_office_is_refused_whole_and_parked(
        s3_batch: S3Batch, tmp_path: Path) -> None:
    """Office H13's scanners can write only under inbox/H13/: a manifest there saying H12 would file
    the papers where H12's officers find them, so the batch is refused and parked in failed/."""
    folder = tmp_path / "lo-nham"
    write_pages(folder, {"don.png": "Đơn đề nghị"}, seed=57)
    write_manifest(folder, office_code="H12")
    _upload_drop(s3_batch.client, s3_batch.settings.s3_bucket, folder, "H13")
    before = resources(s3_batch.settings).catalog.batches.count_rows()

    assert watch_inbox() == ["H13/lo-nham"]

    bucket = s3_batch.settings.s3_bucket
    [key] = [o.object_name for o in s3_batch.client.list_objects(bucket, prefix="failed/", recursive=True)
             if o.object_name.endswith("/report.json")]
    report = BatchReport.model_validate_json(s3_batch.read(key))
    assert report.status is BatchStatus.FAILED and [p.code for p in report.problems] == ["manifest_invalid"]
    assert "văn phòng H13" in report.problems[0].message
    after = resources(s3_batch.settings).catalog.batches.count_rows()
    assert after["documents"] == before["documents"]  # nothing filed under either office
    assert s3_batch.read(key.removesuffix("report.json") + "lo-nham/don.png") == (folder / "don.png").read_bytes()
