"""The inbox watcher: start one ingest run per ready batch, never twice for the same drop.

A batch (a sub-folder or a .zip of the inbox; a loose scan is a batch of one) is ready when its
`batch.yaml` is present, or when
nothing in it has changed for the settle time: scanners write files one by one, and a half-copied
batch must not be ingested. Each batch gets an idempotency key from its names, sizes and times; when an
ingest deployment is configured (`SOHOA_INGEST_DEPLOYMENT`, as in prefect.yaml) the run is created there
with that key, so a restarted watcher cannot start a batch twice; otherwise it runs in this process.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.deployments import run_deployment

from flows.ingest import ingest_batch
from flows.staging import MANIFEST_NAME
from schemas.settings import Settings


def ready_batches(inbox: Path, settle_seconds: float, now: float | None = None) -> list[Path]:
    """Inbox entries that are complete: manifest present, or untouched for `settle_seconds`."""
    now = time.time() if now is None else now
    ready = []
    for entry in sorted(inbox.iterdir()) if inbox.is_dir() else []:
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and (entry / MANIFEST_NAME).is_file():
            ready.append(entry)
        elif now - _last_change(entry) >= settle_seconds:  # a folder, a zip, or one loose scan
            ready.append(entry)
    return ready


def idempotency_key(batch: Path) -> str:
    """Stable for an unchanged drop, different as soon as any file is added, removed or rewritten."""
    digest = hashlib.sha256(batch.name.encode())
    for path in sorted(_tree(batch)):
        stat = path.stat()
        digest.update(f"{path.relative_to(batch.parent)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return f"ingest-{digest.hexdigest()[:24]}"


@flow(name="inbox-watch")
def watch_inbox() -> list[str]:
    """Start ingestion of every ready batch; returns the names of the batches started."""
    settings = Settings()
    log = get_run_logger()
    deployment = os.environ.get("SOHOA_INGEST_DEPLOYMENT")
    started = []
    for batch in ready_batches(settings.inbox, settings.settle_seconds):
        key = idempotency_key(batch)
        if deployment:
            run = run_deployment(deployment, parameters={"source": str(batch)}, idempotency_key=key,
                                 timeout=0)
            log.info("batch %s handed to %s as run %s", key, deployment, run.id)
        else:
            report = ingest_batch(str(batch))
            log.info("batch %s ingested: %s", report.batch_id, report.status.value)
        started.append(batch.name)
    return started


def _tree(entry: Path) -> list[Path]:
    return [p for p in entry.rglob("*") if p.is_file()] if entry.is_dir() else [entry]


def _last_change(entry: Path) -> float:
    """Newest modification time in the batch (the folder's own time counts for added/removed files)."""
    return max([entry.stat().st_mtime] + [p.stat().st_mtime for p in _tree(entry)])
