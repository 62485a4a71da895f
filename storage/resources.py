"""The object stores and catalog that settings name, opened once per process (flows and web share them)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from schemas.settings import Settings
from storage.archive_store import ArchiveStore
from storage.catalog import Catalog
from storage.factory import open_archive_store, open_inbox, open_object_store
from storage.inbox import Inbox
from storage.objects import ObjectStore


@dataclass(frozen=True)
class Resources:
    """Shared by every task of a run: the catalog engine and store clients are thread-safe."""

    objects: ObjectStore
    quarantine: ObjectStore
    inbox: Inbox
    catalog: Catalog


_opened: dict[str, Resources] = {}
_lock = threading.Lock()


def resources(settings: Settings) -> Resources:
    """Open (once) the stores and catalog that `settings` point at."""
    key = settings.model_dump_json()
    with _lock:
        if key not in _opened:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            _opened[key] = Resources(
                objects=open_object_store(settings, "objects"),
                quarantine=open_object_store(settings, "quarantine"),
                inbox=open_inbox(settings),
                catalog=Catalog(settings.catalog, settings.zone),
            )
        return _opened[key]


_archives: dict[str, ArchiveStore] = {}


def archive_store(settings: Settings, bucket: str) -> ArchiveStore:
    """Open (once) the write-once archive store beside the objects store that `settings` point at."""
    key = settings.model_dump_json() + bucket
    with _lock:
        if key not in _archives:
            _archives[key] = open_archive_store(settings, bucket)
        return _archives[key]
