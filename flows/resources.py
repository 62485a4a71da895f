"""The object stores and catalog a flow run works with, opened once per process and settings."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from schemas.settings import Settings
from storage.catalog import Catalog
from storage.factory import open_object_store
from storage.objects import ObjectStore


@dataclass(frozen=True)
class Resources:
    """Shared by every task of a run: the catalog engine and store clients are thread-safe."""

    objects: ObjectStore
    quarantine: ObjectStore
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
                catalog=Catalog(settings.catalog),
            )
        return _opened[key]
