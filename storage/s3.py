"""Any S3 server (MinIO, SeaweedFS, Ceph RGW, AWS) as the object store, through the minio client."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from minio import Minio
from minio.error import S3Error
from urllib3 import BaseHTTPResponse

from storage.objects import ObjectInfo, ObjectNotFound, normalize_key, normalize_prefix

DEFAULT_CONTENT_TYPE = "application/octet-stream"
SHA256_HEADER = "x-amz-meta-sha256"


class S3ObjectStore:
    """Objects live at `<prefix><key>` in one bucket, so several stores (objects, quarantine) can share it.

    The sha256 travels with the object as user metadata (x-amz-meta-sha256) written in the same PUT,
    so `stat` answers without reading the data and a fixity check can compare against it.
    """

    def __init__(self, client: Minio, bucket: str, prefix: str = "") -> None:
        prefix = normalize_prefix(prefix)
        if prefix and not prefix.endswith("/"):
            raise ValueError("an S3 store prefix must end with '/'")
        self._client = client
        self.bucket = bucket
        self.prefix = prefix

    def ensure_bucket(self) -> None:
        """Create the bucket when missing: a fresh S3 server is empty and sohoa should start on it."""
        if self._client.bucket_exists(self.bucket):
            return
        try:
            self._client.make_bucket(self.bucket)
        except S3Error as error:
            # Another worker created it between our check and our request: that is what we wanted.
            if error.code != "BucketAlreadyOwnedByYou":
                raise

    def put_bytes(self, key: str, data: bytes, content_type: str = DEFAULT_CONTENT_TYPE) -> ObjectInfo:
        sha256 = hashlib.sha256(data).hexdigest()
        return self._put(key, io.BytesIO(data), len(data), sha256, content_type)

    def put_file(self, key: str, path: Path, content_type: str = DEFAULT_CONTENT_TYPE) -> ObjectInfo:
        """Two streaming passes over one open file: hash it, then upload it (multipart when large).

        The metadata must be sent before the data, hence the first pass. Both passes read the same open
        file, so a scanner replacing the file by rename meanwhile cannot mix two versions.
        """
        with path.open("rb") as source:
            sha256 = hashlib.file_digest(source, "sha256").hexdigest()
            size = source.tell()
            source.seek(0)
            return self._put(key, source, size, sha256, content_type)

    def get_bytes(self, key: str) -> bytes:
        with self.open(key) as stream:
            return stream.read()

    def open(self, key: str) -> io.BufferedReader:
        try:
            response = self._client.get_object(self.bucket, self._name(key))
        except S3Error as error:
            if error.code == "NoSuchKey":
                raise ObjectNotFound(key) from None
            raise
        return io.BufferedReader(_ReleasingStream(response))

    def stat(self, key: str) -> ObjectInfo | None:
        key = normalize_key(key)
        try:
            found = self._client.stat_object(self.bucket, self.prefix + key)
        except S3Error as error:
            if error.code == "NoSuchKey":
                return None
            raise
        sha256 = found.metadata.get(SHA256_HEADER) if found.metadata else None
        if sha256 is None:
            # Written by another tool without our metadata: hash the bytes rather than guess.
            with self.open(key) as stream:
                sha256 = hashlib.file_digest(stream, "sha256").hexdigest()
        return ObjectInfo(
            key=key,
            size=found.size or 0,
            sha256=sha256,
            content_type=found.content_type or DEFAULT_CONTENT_TYPE,
        )

    def exists(self, key: str) -> bool:
        return self.stat(key) is not None

    def delete(self, key: str) -> None:
        # S3 DELETE of a missing key succeeds, which is the contract.
        self._client.remove_object(self.bucket, self._name(key))

    def list(self, prefix: str = "") -> Iterator[str]:
        """Sorted here, holding the listing in memory, because not every server lists in key order:
        SeaweedFS walks its folder tree depth-first and returns 'a/b' before 'a-b'."""
        listing = self._client.list_objects(
            self.bucket, prefix=self.prefix + normalize_prefix(prefix), recursive=True
        )
        keys = [
            found.object_name[len(self.prefix):]
            for found in listing
            if found.object_name is not None and not found.is_dir
        ]
        return iter(sorted(keys))

    def presigned_url(self, key: str, expires: timedelta) -> str:
        """A URL that downloads the object without credentials until `expires` has passed."""
        return self._client.presigned_get_object(self.bucket, self._name(key), expires=expires)

    def describe(self) -> str:
        return f"S3 bucket {self.bucket!r}, prefix {self.prefix!r}"

    def _name(self, key: str) -> str:
        return self.prefix + normalize_key(key)

    def _put(self, key: str, source: BinaryIO, size: int, sha256: str, content_type: str) -> ObjectInfo:
        key = normalize_key(key)
        self._client.put_object(
            self.bucket,
            self.prefix + key,
            source,
            size,
            content_type=content_type,
            metadata={SHA256_HEADER: sha256},
        )
        return ObjectInfo(key=key, size=size, sha256=sha256, content_type=content_type)


class _ReleasingStream(io.RawIOBase):
    """The body of a GET as a file; closing it also hands the connection back to the client's pool.

    Without release_conn() every opened object would hold one pooled connection until garbage collection.
    """

    def __init__(self, response: BaseHTTPResponse) -> None:
        super().__init__()
        self._response = response

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        return self._response.readinto(buffer)

    def close(self) -> None:
        if not self.closed:
            self._response.close()
            self._response.release_conn()
        super().close()
