"""The S3 inbox against a real S3 server (SeaweedFS): what counts as a drop, what a run checks out, where
a finished or failed drop goes and how `sohoa retry` brings it back, and an upload that is refused
halfway leaving nothing behind. Written and read with a plain S3 client beside the code under test."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

import pytest
from minio import Minio

from flows.watch import ready_batches
from schemas.batch import BatchManifest, BatchReport, BatchStatus
from storage.inbox import BucketInbox, UploadRefused
from tests.s3server import S3Endpoint

pytestmark = pytest.mark.s3


@pytest.fixture
def bucket(s3_server: S3Endpoint) -> tuple[Minio, str]:
    client, name = s3_server.client(), f"inbox-{secrets.token_hex(4)}"
    client.make_bucket(name)
    return client, name


def _put(client: Minio, bucket: str, key: str, data: bytes) -> None:
    client.put_object(bucket, key, io.BytesIO(data), len(data))


def _keys(client: Minio, bucket: str, prefix: str = "") -> list[str]:
    return sorted(o.object_name for o in client.list_objects(bucket, prefix=prefix, recursive=True))


def _report(status: BatchStatus) -> BatchReport:
    now = "2026-12-05T08:00:00+07:00"
    return BatchReport.model_validate({"batch_id": "lo-1-abc", "name": "lo-1", "source": "inbox:H12/lo-1",
                                       "status": status, "started_at": now, "finished_at": now})


def test_drops_are_folders_and_files_per_office_and_hidden_names_are_skipped(bucket: tuple[Minio, str]) -> None:
    client, name = bucket
    _put(client, name, "inbox/H12/lo-1/a.png", b"a")
    _put(client, name, "inbox/H12/lo-1/sub/b.png", b"b")
    _put(client, name, "inbox/H12/lo-1/batch.yaml", b"office_code: H12\n")
    _put(client, name, "inbox/H12/le.png", b"c")  # a loose scan: a batch of one
    _put(client, name, "inbox/H13/lo-2.zip", b"PK\x05\x06" + bytes(18))
    _put(client, name, "inbox/H13/.dang-tai/a.png", b"d")  # an upload tool's temporary name
    inbox = BucketInbox(client, name)

    drops = {drop.name: drop for drop in inbox.drops()}
    assert set(drops) == {"H12/lo-1", "H12/le.png", "H13/lo-2.zip"}
    assert drops["H12/lo-1"].has_manifest and not drops["H12/le.png"].has_manifest
    assert [drop.name for drop in ready_batches(inbox, settle_seconds=3600)] == ["H12/lo-1"]  # others settle
    later = drops["H12/lo-1"].last_change + 3600
    assert len(ready_batches(inbox, settle_seconds=3600, now=later)) == 3

    before = drops["H12/lo-1"].fingerprint
    _put(client, name, "inbox/H12/lo-1/c.png", b"e")
    assert {d.name: d.fingerprint for d in inbox.drops()}["H12/lo-1"] != before


def test_a_run_checks_out_a_folder_drop_and_a_loose_scan_into_its_scratch(bucket: tuple[Minio, str],
                                                                          tmp_path: Path) -> None:
    client, name = bucket
    _put(client, name, "inbox/H12/lo-1/a.png", b"a")
    _put(client, name, "inbox/H12/lo-1/sub/b.png", b"b")
    _put(client, name, "inbox/H12/le.png", b"c")
    inbox = BucketInbox(client, name)

    folder = inbox.checkout("H12/lo-1", tmp_path)
    assert folder == tmp_path / "lo-1"
    assert {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()} == {
        "a.png": b"a", "sub/b.png": b"b"}
    assert inbox.checkout("H12/le.png", tmp_path).read_bytes() == b"c"
    _put(client, name, "inbox/H12/lo-1/.DS_Store", b"y")  # a Mac's junk travels with the drop (staging skips it)
    again = inbox.checkout("H12/lo-1", tmp_path / "lan-2")
    assert sorted(p.relative_to(again).as_posix() for p in again.rglob("*") if p.is_file()) == [
        ".DS_Store", "a.png", "sub/b.png"]
    with pytest.raises(FileNotFoundError):
        inbox.checkout("H12/khong-co", tmp_path)
    with pytest.raises(ValueError, match="not a drop name"):
        inbox.checkout("../objects", tmp_path)


def test_a_finished_drop_goes_to_done_a_failed_one_to_failed_and_retry_brings_it_back(
        bucket: tuple[Minio, str]) -> None:
    client, name = bucket
    _put(client, name, "inbox/H12/lo-1/a.png", b"a")
    inbox = BucketInbox(client, name)

    inbox.retire("H12/lo-1", _report(BatchStatus.FAILED))
    assert _keys(client, name) == ["failed/lo-1-abc/lo-1/a.png", "failed/lo-1-abc/report.json"]
    assert not inbox.contains("H12/lo-1")

    assert inbox.restore("H12/lo-1", "lo-1-abc")
    assert _keys(client, name) == ["failed/lo-1-abc/report.json", "inbox/H12/lo-1/a.png"]
    assert not inbox.restore("H12/lo-1", "lo-1-abc")  # nothing parked any more

    inbox.retire("H12/lo-1", _report(BatchStatus.DONE))
    assert "done/lo-1-abc/lo-1/a.png" in _keys(client, name) and _keys(client, name, "inbox/") == []


def test_an_upload_lands_under_its_office_manifest_last_and_a_refused_one_leaves_nothing(
        bucket: tuple[Minio, str]) -> None:
    client, name = bucket
    inbox = BucketInbox(client, name)
    manifest = BatchManifest(office_code="H12", operator="so-hoa")

    drop, count = inbox.put_batch("tai-len-1", [("a.png", io.BytesIO(b"a" * 100)), ("sub/b.png", io.BytesIO(b"b"))],
                                  manifest, max_file_bytes=1000, office_code="H12")
    assert (drop, count) == ("H12/tai-len-1", 2)
    objects = {o.object_name: o.last_modified for o in client.list_objects(name, prefix="inbox/", recursive=True)}
    assert set(objects) == {"inbox/H12/tai-len-1/a.png", "inbox/H12/tai-len-1/sub/b.png",
                            "inbox/H12/tai-len-1/batch.yaml"}
    assert objects["inbox/H12/tai-len-1/batch.yaml"] == max(objects.values())
    with pytest.raises(UploadRefused, match="đã được tải lên"):
        inbox.put_batch("tai-len-1", [("c.png", io.BytesIO(b"c"))], manifest, 1000, "H12")

    with pytest.raises(UploadRefused, match="lớn hơn"):
        inbox.put_batch("tai-len-2", [("a.png", io.BytesIO(b"a")), ("b.png", io.BytesIO(b"b" * 2000))],
                        manifest, max_file_bytes=1000, office_code="H12")
    assert _keys(client, name, "inbox/H12/tai-len-2") == []
    assert inbox.put_batch("tai-len-3", [("a.png", io.BytesIO(b"a"))], BatchManifest(), 1000, None)[0] == \
        "chung/tai-len-3"
