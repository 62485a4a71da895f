"""The ingest flow with the S3 object store, against a real S3 server (SeaweedFS over HTTP).

What a province operator checks in the bucket after a batch: every object the catalog names is there
with the recorded sha256, the refused file's bytes are kept under quarantine/, and dropping the batch
again writes nothing new. The bucket is read with a plain S3 client, not through the code under test.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from minio import Minio

from flows.ingest import ingest_batch
from schemas.batch import BatchReport, BatchStatus
from schemas.settings import Settings
from storage.resources import resources
from tests.helpers import REQUIRED_ROLES, assert_documents_complete, sha256, write_pages, write_truncated_png
from tests.s3server import S3Endpoint

pytestmark = pytest.mark.usefixtures("prefect_server")

PAGES = {"01_to_khai.png": "Tờ khai đăng ký khai sinh", "giay_to/02_uy_quyen.png": "Giấy ủy quyền"}
BROKEN = "03_trang_bi_loi.png"


@dataclass
class S3Batch:
    settings: Settings
    client: Minio
    report: BatchReport
    kept: Path  # where the drop went after ingest (done/...)

    def objects(self) -> dict[str, object]:
        """Every object in the bucket: name → (ETag, last modified), which change if it is written again."""
        return {o.object_name: (o.etag, o.last_modified)
                for o in self.client.list_objects(self.settings.s3_bucket, recursive=True)}

    def read(self, name: str) -> bytes:
        response = self.client.get_object(self.settings.s3_bucket, name)
        try:
            return response.read()
        finally:
            response.close()
            response.release_conn()


@pytest.fixture(scope="module")
def s3_batch(tmp_path_factory: pytest.TempPathFactory, s3_server: S3Endpoint,
             prefect_server: None) -> Iterator[S3Batch]:
    bucket = f"sohoa-test-{secrets.token_hex(4)}"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOHOA_DATA_DIR", str(tmp_path_factory.mktemp("s3ingest") / "data"))
        for name, value in {"OBJECT_STORE": "s3", "S3_ENDPOINT": s3_server.endpoint,
                            "S3_ACCESS_KEY": s3_server.access_key, "S3_SECRET_KEY": s3_server.secret_key,
                            "S3_BUCKET": bucket}.items():
            env.setenv(f"SOHOA_{name}", value)
        settings = Settings()
        folder = settings.inbox / "ho-so-s3"
        write_pages(folder, PAGES, seed=51)
        write_truncated_png(folder / BROKEN)
        report = ingest_batch(str(folder))
        yield S3Batch(settings, s3_server.client(), report,
                      settings.done_dir / report.batch_id / folder.name)


def test_the_batch_completes_on_s3_and_nothing_is_written_locally(s3_batch: S3Batch) -> None:
    assert s3_batch.report.status is BatchStatus.PARTIAL
    assert {f.file: f.status.value for f in s3_batch.report.files} == {
        **dict.fromkeys(PAGES, "ok"), BROKEN: "quarantined"}
    assert not s3_batch.settings.objects_dir.exists() and not s3_batch.settings.quarantine_dir.exists()


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
        dropped = (s3_batch.kept / document.original_name).read_bytes()
        assert s3_batch.read(f"objects/{original.key}") == dropped
        assert document.sha256 == original.sha256


def test_the_quarantined_file_keeps_its_bytes_in_the_quarantine_area(s3_batch: S3Batch) -> None:
    batch_id = s3_batch.report.batch_id
    kept = s3_batch.read(f"quarantine/{batch_id}/{BROKEN}")
    assert kept == (s3_batch.kept / BROKEN).read_bytes()
    assert b'"truncated"' in s3_batch.read(f"quarantine/{batch_id}/{BROKEN}.reason.json")


def test_the_batch_report_is_stored_in_the_bucket(s3_batch: S3Batch) -> None:
    key = f"objects/batches/{s3_batch.report.batch_id}/report.json"
    stored = BatchReport.model_validate_json(s3_batch.read(key))
    assert stored.files == s3_batch.report.files


def test_reingesting_the_batch_adds_nothing(s3_batch: S3Batch) -> None:
    catalog = resources(s3_batch.settings).catalog
    before_rows, before_objects = catalog.batches.count_rows(), s3_batch.objects()
    again = s3_batch.settings.inbox / s3_batch.kept.name
    shutil.copytree(s3_batch.kept, again)
    report = ingest_batch(str(again))  # the module's SOHOA_ environment is still in force
    assert report.batch_id == s3_batch.report.batch_id
    assert catalog.batches.count_rows() == before_rows
    after = s3_batch.objects()
    report_key = f"objects/batches/{report.batch_id}/report.json"  # rewritten with the rerun's times
    assert set(after) == set(before_objects)
    assert {k: v for k, v in after.items() if k != report_key} == {
        k: v for k, v in before_objects.items() if k != report_key}
