"""One contract for every object-store backend: a local folder and a real S3 server (SeaweedFS)."""

from __future__ import annotations

import hashlib
import io
import os
import random
import unicodedata
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import pytest

from schemas.settings import ObjectStoreKind, Settings
from storage.factory import open_object_store
from storage.local import LocalObjectStore, _write_atomically
from storage.objects import ObjectInfo, ObjectNotFound, ObjectStore
from storage.s3 import S3ObjectStore

if TYPE_CHECKING:  # imported at run time by pytest_plugins, which also rewrites its asserts
    from tests.s3server import S3Endpoint

pytest_plugins = ["tests.s3server"]

MIB = 1024 * 1024


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fresh_bucket_name() -> str:
    return f"t{uuid.uuid4().hex[:20]}"


@pytest.fixture
def s3_store(s3_server: S3Endpoint) -> S3ObjectStore:
    """A store under a fresh prefix of a shared bucket: every test starts empty, and the prefix
    handling of the store is exercised by every test."""
    store = S3ObjectStore(s3_server.client(), "contract", prefix=f"{uuid.uuid4().hex}/")
    store.ensure_bucket()
    return store


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.s3)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "local":
        return LocalObjectStore(tmp_path / "objects")
    s3_store: ObjectStore = request.getfixturevalue("s3_store")
    return s3_store


# --- the contract, for both backends ---------------------------------------------------------------


def test_store_satisfies_the_protocol(store: ObjectStore) -> None:
    assert isinstance(store, ObjectStore)
    assert store.describe()


def test_put_then_get_returns_the_same_bytes(store: ObjectStore) -> None:
    data = "Giấy khai sinh của Nguyễn Văn An".encode()
    info = store.put_bytes("docs/ab/original.txt", data, "text/plain; charset=utf-8")
    assert info == ObjectInfo(
        key="docs/ab/original.txt", size=len(data), sha256=sha256_of(data), content_type="text/plain; charset=utf-8"
    )
    assert store.get_bytes("docs/ab/original.txt") == data


def test_stat_reports_what_was_written(store: ObjectStore) -> None:
    data = os.urandom(1000)
    store.put_bytes("docs/scan.png", data, "image/png")
    assert store.stat("docs/scan.png") == ObjectInfo(
        key="docs/scan.png", size=1000, sha256=sha256_of(data), content_type="image/png"
    )
    assert store.exists("docs/scan.png")


def test_content_type_defaults_to_octet_stream(store: ObjectStore) -> None:
    store.put_bytes("docs/blob", b"x")
    info = store.stat("docs/blob")
    assert info is not None and info.content_type == "application/octet-stream"


def test_writing_a_key_again_replaces_the_object(store: ObjectStore) -> None:
    store.put_bytes("docs/page-1.txt", b"first version, longer than the second", "text/plain")
    store.put_bytes("docs/page-1.txt", b"second", "application/json")
    assert store.get_bytes("docs/page-1.txt") == b"second"
    assert store.stat("docs/page-1.txt") == ObjectInfo(
        key="docs/page-1.txt", size=6, sha256=sha256_of(b"second"), content_type="application/json"
    )
    assert list(store.list()) == ["docs/page-1.txt"]


def test_a_missing_key_is_absent_everywhere(store: ObjectStore) -> None:
    store.put_bytes("docs/present/file.txt", b"x")
    for missing in ("docs/absent.txt", "docs/present"):  # the second names a 'folder', not an object
        assert store.stat(missing) is None
        assert not store.exists(missing)
        with pytest.raises(ObjectNotFound):
            store.get_bytes(missing)
        with pytest.raises(KeyError):  # ObjectNotFound is a KeyError for callers that expect one
            store.open(missing)


def test_list_gives_the_keys_under_a_prefix_in_order(store: ObjectStore) -> None:
    # '-' < '.' < '/' in code-point order: a tree walk would put 'docs/a/b' before 'docs/a-b'.
    keys = ["docs/a-b", "docs/a.txt", "docs/a/b", "docs/aa/c", "docs/b", "other/x", "z"]
    for key in random.Random(7).sample(keys, len(keys)):
        store.put_bytes(key, b"x")
    assert list(store.list()) == keys
    assert list(store.list("docs/")) == keys[:5]
    assert list(store.list("docs/a")) == keys[:4]
    assert list(store.list("docs/a/")) == ["docs/a/b"]
    assert list(store.list("nothing/")) == []


def test_delete_removes_and_is_idempotent(store: ObjectStore) -> None:
    store.put_bytes("docs/tmp.bin", b"x")
    store.delete("docs/tmp.bin")
    assert not store.exists("docs/tmp.bin")
    with pytest.raises(ObjectNotFound):
        store.get_bytes("docs/tmp.bin")
    store.delete("docs/tmp.bin")
    store.delete("never/written.bin")
    assert list(store.list()) == []


def test_open_streams_the_object_in_chunks(store: ObjectStore) -> None:
    data = random.Random(1).randbytes(3 * MIB)
    store.put_bytes("docs/big.pdf", data, "application/pdf")
    with store.open("docs/big.pdf") as stream:
        digest = hashlib.sha256()
        while chunk := stream.read(64 * 1024):
            digest.update(chunk)
    assert digest.hexdigest() == sha256_of(data)


def test_an_object_closed_after_a_partial_read_leaves_the_store_usable(store: ObjectStore) -> None:
    data = random.Random(2).randbytes(2 * MIB)
    store.put_bytes("docs/big.bin", data)
    for _ in range(20):  # more than the S3 client's pool of 10 connections
        with store.open("docs/big.bin") as stream:
            assert stream.read(10) == data[:10]
    assert store.get_bytes("docs/big.bin") == data


def test_put_file_stores_a_multi_megabyte_file(store: ObjectStore, tmp_path: Path) -> None:
    # 12 MiB: above the S3 client's 5 MiB part size, so S3 takes the multipart path.
    data = random.Random(3).randbytes(12 * MIB)
    source = tmp_path / "scan.tiff"
    source.write_bytes(data)
    info = store.put_file("docs/scan.tiff", source, "image/tiff")
    expected = ObjectInfo(key="docs/scan.tiff", size=len(data), sha256=sha256_of(data), content_type="image/tiff")
    assert info == expected
    assert store.stat("docs/scan.tiff") == expected
    assert store.get_bytes("docs/scan.tiff") == data


def test_binary_content_with_every_byte_value_survives(store: ObjectStore) -> None:
    data = bytes(range(256)) * 4 + b"\r\n\x00\r"
    store.put_bytes("docs/every-byte.bin", data)
    assert store.get_bytes("docs/every-byte.bin") == data


def test_vietnamese_keys_are_allowed_and_normalized_to_nfc(store: ObjectStore) -> None:
    nfc_key = "docs/hồ-sơ/tệp.png"
    nfd_key = unicodedata.normalize("NFD", nfc_key)
    assert nfd_key != nfc_key
    info = store.put_bytes(nfd_key, b"png bytes", "image/png")
    assert info.key == nfc_key
    assert store.get_bytes(nfc_key) == b"png bytes"
    assert store.stat(nfd_key) == store.stat(nfc_key)
    assert list(store.list("docs/hồ-sơ/")) == [nfc_key]
    store.put_bytes(nfc_key, b"replaced")  # both spellings name one object
    assert store.get_bytes(nfd_key) == b"replaced"
    assert list(store.list()) == [nfc_key]


BAD_KEYS = {
    "empty": "",
    "absolute": "/etc/passwd",
    "parent segment": "../escape.txt",
    "inner parent segment": "docs/../../escape.txt",
    "current segment": "./docs/x",
    "hidden segment": "docs/.meta",
    "empty segment": "docs//x",
    "trailing slash": "docs/",
    "backslash": "docs\\x",
    "control character": "docs/a\nb",
    "nul": "docs/a\x00b",
    "segment over 255 bytes": "docs/" + "ệ" * 86,  # 3 bytes of UTF-8 each
    "key over 1024 bytes": "/".join(["a" * 200] * 6),
}


@pytest.mark.parametrize("key", BAD_KEYS.values(), ids=BAD_KEYS.keys())
def test_invalid_keys_are_rejected_and_nothing_is_written(store: ObjectStore, key: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="object key"):
        store.put_bytes(key, b"x")
    source = tmp_path / "source.bin"
    source.write_bytes(b"x")
    with pytest.raises(ValueError, match="object key"):
        store.put_file(key, source)
    for read in (store.get_bytes, store.stat, store.exists, store.delete, store.open):
        with pytest.raises(ValueError, match="object key"):
            read(key)
    assert list(store.list()) == []
    assert not (tmp_path / "escape.txt").exists()


@pytest.mark.parametrize("prefix", ["../", "docs//", "/docs", "docs/.meta"])
def test_invalid_list_prefixes_are_rejected(store: ObjectStore, prefix: str) -> None:
    with pytest.raises(ValueError, match="object key"):
        list(store.list(prefix))


# --- the local folder ------------------------------------------------------------------------------


def test_local_objects_are_plain_files_and_leave_no_temp_files(tmp_path: Path) -> None:
    root = tmp_path / "objects"
    store = LocalObjectStore(root)
    store.put_bytes("docs/a/original.png", b"v1")
    store.put_bytes("docs/a/original.png", b"v2")
    store.put_file("docs/b.txt", _write(tmp_path / "b.txt", b"b"))
    assert (root / "docs" / "a" / "original.png").read_bytes() == b"v2"
    every_file = sorted(path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())
    # Only the objects and their metadata sidecars: no temp file survives, and list() hides sidecars.
    assert every_file == [".meta/docs/a/original.png", ".meta/docs/b.txt", "docs/a/original.png", "docs/b.txt"]
    assert list(store.list()) == ["docs/a/original.png", "docs/b.txt"]


def test_local_failed_write_keeps_the_old_object_and_no_temp_file(tmp_path: Path) -> None:
    target = _write(tmp_path / "object.bin", b"old complete object")

    def write_half_then_fail(stream: BinaryIO) -> None:
        stream.write(b"new but ha")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        _write_atomically(target, write_half_then_fail)
    assert target.read_bytes() == b"old complete object"
    assert [path.name for path in tmp_path.iterdir()] == ["object.bin"]


def test_local_stat_trusts_the_bytes_over_stale_metadata(tmp_path: Path) -> None:
    # As after a crash between writing an object and its sidecar, or a file replaced by hand.
    store = LocalObjectStore(tmp_path)
    store.put_bytes("docs/page.txt", b"what the sidecar describes", "text/plain")
    _write(tmp_path / "docs" / "page.txt", b"what is really on disk now")
    (tmp_path / "docs" / "hand-copied.txt").write_bytes(b"no sidecar at all")
    assert store.stat("docs/page.txt") == ObjectInfo(
        key="docs/page.txt",
        size=len(b"what is really on disk now"),
        sha256=sha256_of(b"what is really on disk now"),
        content_type="text/plain",
    )
    assert store.stat("docs/hand-copied.txt") == ObjectInfo(
        key="docs/hand-copied.txt", size=17, sha256=sha256_of(b"no sidecar at all")
    )


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


# --- S3 only ---------------------------------------------------------------------------------------


@pytest.mark.s3
def test_presigned_url_downloads_the_object_without_credentials(s3_store: S3ObjectStore) -> None:
    data = "Phiếu lý lịch tư pháp".encode()
    s3_store.put_bytes("docs/hồ-sơ/phiếu.pdf", data, "application/pdf")
    url = s3_store.presigned_url("docs/hồ-sơ/phiếu.pdf", timedelta(minutes=5))
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read() == data
        assert response.headers["Content-Type"] == "application/pdf"
    unsigned = url.split("?", 1)[0]
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(unsigned, timeout=10)
    assert refused.value.code == 403


@pytest.mark.s3
def test_ensure_bucket_creates_a_missing_bucket_once(s3_server: S3Endpoint) -> None:
    client = s3_server.client()
    bucket = fresh_bucket_name()
    store = S3ObjectStore(client, bucket)
    assert not client.bucket_exists(bucket)
    store.ensure_bucket()
    store.ensure_bucket()
    assert client.bucket_exists(bucket)
    store.put_bytes("at/the/root.txt", b"x")
    assert [found.object_name for found in client.list_objects(bucket, recursive=True)] == ["at/the/root.txt"]


@pytest.mark.s3
@pytest.mark.parametrize("size", [100, 12 * MIB], ids=["single PUT", "multipart"])
def test_s3_sha256_travels_as_user_metadata(
    s3_store: S3ObjectStore, s3_server: S3Endpoint, tmp_path: Path, size: int
) -> None:
    data = random.Random(size).randbytes(size)
    s3_store.put_file("docs/scan.tiff", _write(tmp_path / "scan.tiff", data))
    found = s3_server.client().stat_object(s3_store.bucket, f"{s3_store.prefix}docs/scan.tiff")
    assert found.metadata is not None and found.metadata["x-amz-meta-sha256"] == sha256_of(data)


@pytest.mark.s3
def test_s3_stat_hashes_objects_written_without_our_metadata(s3_store: S3ObjectStore, s3_server: S3Endpoint) -> None:
    data = b"uploaded by another tool"
    s3_server.client().put_object(s3_store.bucket, f"{s3_store.prefix}foreign.bin", io.BytesIO(data), len(data))
    info = s3_store.stat("foreign.bin")
    assert info is not None and info.sha256 == sha256_of(data)


@pytest.mark.s3
def test_s3_store_prefix_must_be_a_folder(s3_server: S3Endpoint) -> None:
    with pytest.raises(ValueError, match="end with '/'"):
        S3ObjectStore(s3_server.client(), "contract", prefix="quarantine")


# --- the factory -----------------------------------------------------------------------------------


def test_factory_opens_local_folders_per_area(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, object_store=ObjectStoreKind.LOCAL)
    open_object_store(settings).put_bytes("docs/a.txt", b"kept")
    open_object_store(settings, "quarantine").put_bytes("batch-1/bad.pdf", b"encrypted")
    assert (tmp_path / "objects" / "docs" / "a.txt").read_bytes() == b"kept"
    assert (tmp_path / "quarantine" / "batch-1" / "bad.pdf").read_bytes() == b"encrypted"


def test_factory_rejects_an_unknown_area(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown object-store area"):
        settings = Settings(data_dir=tmp_path, object_store=ObjectStoreKind.LOCAL)
        open_object_store(settings, "archive")  # type: ignore[arg-type]


@pytest.mark.s3
def test_factory_opens_s3_areas_that_do_not_see_each_other(s3_server: S3Endpoint) -> None:
    settings = Settings(
        object_store=ObjectStoreKind.S3,
        s3_endpoint=s3_server.endpoint,
        s3_access_key=s3_server.access_key,
        s3_secret_key=s3_server.secret_key,
        s3_bucket=fresh_bucket_name(),
    )
    objects = open_object_store(settings)
    quarantine = open_object_store(settings, "quarantine")
    objects.put_bytes("docs/a.txt", b"kept")
    quarantine.put_bytes("batch-1/bad.pdf", b"encrypted")
    assert list(objects.list()) == ["docs/a.txt"]
    assert list(quarantine.list()) == ["batch-1/bad.pdf"]
    assert not objects.exists("batch-1/bad.pdf")
    assert settings.s3_secret_key not in objects.describe()
