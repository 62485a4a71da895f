"""Settings in, stores out: the one place that knows which backend the deployment runs."""

from __future__ import annotations

from typing import Literal, get_args

from minio import Minio

from schemas.settings import ObjectStoreKind, Settings
from storage.archive_store import ArchiveStore, LocalArchiveStore, S3ArchiveStore
from storage.inbox import BucketInbox, FolderInbox, Inbox
from storage.local import LocalObjectStore
from storage.objects import ObjectStore
from storage.s3 import S3ObjectStore

Area = Literal["objects", "quarantine"]


def open_object_store(settings: Settings, area: Area = "objects") -> ObjectStore:
    """The store for one area: digitized objects, or quarantined inbox files kept with their bytes.

    Locally each area is its own folder. On S3 both share `settings.s3_bucket` under the prefixes
    'objects/' and 'quarantine/', so that listing one area never shows the other's keys.
    """
    if area not in get_args(Area):
        raise ValueError(f"unknown object-store area {area!r}; expected one of {get_args(Area)}")
    if settings.object_store is ObjectStoreKind.LOCAL:
        return LocalObjectStore(settings.objects_dir if area == "objects" else settings.quarantine_dir)
    store = S3ObjectStore(_s3_client(settings), settings.s3_bucket, prefix=f"{area}/")
    store.ensure_bucket()
    return store


def open_inbox(settings: Settings) -> Inbox:
    """Where drops arrive: the inbox folder, or `inbox/` of the bucket when workers share nothing else."""
    if settings.inbox_kind is ObjectStoreKind.LOCAL:
        return FolderInbox(settings.inbox, settings.done_dir, settings.failed_dir)
    client = _s3_client(settings)
    S3ObjectStore(client, settings.s3_bucket).ensure_bucket()
    return BucketInbox(client, settings.s3_bucket)


def open_archive_store(settings: Settings, bucket: str) -> ArchiveStore:
    """The write-once archive beside the objects: a bucket with object lock on the same S3 server, or
    locally DATA_DIR/archive."""
    if settings.object_store is ObjectStoreKind.LOCAL:
        return LocalArchiveStore(settings.data_dir / "archive")
    store = S3ArchiveStore(_s3_client(settings), bucket)
    store.ensure_bucket()
    return store


def _s3_client(settings: Settings) -> Minio:
    return Minio(settings.s3_endpoint, access_key=settings.s3_access_key, secret_key=settings.s3_secret_key,
                 secure=settings.s3_secure, region=settings.s3_region)
