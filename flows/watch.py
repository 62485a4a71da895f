"""The inbox watcher: start one ingest run per ready batch, retry a failed one, never run one twice.

A batch (a sub-folder or a .zip of the inbox; a loose scan is a batch of one) is ready when its
`batch.yaml` is present, or when nothing in it has changed for the settle time: scanners write files
one by one, and a half-copied batch must not be ingested. The catalog remembers each drop's attempts
(`DropAttempt`): a run that failed, or finished with files still to process (the drop then stays in
the inbox), is retried after a back-off that doubles, up to `SOHOA_INGEST_ATTEMPTS` runs; then the drop
waits for `sohoa retry`. When an ingest deployment is configured (`SOHOA_INGEST_DEPLOYMENT`, as in
prefect.yaml) each attempt is a run of that deployment with its own idempotency key, so a restarted
watcher cannot start the same attempt twice; otherwise the attempt runs in this process.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment
from prefect.exceptions import MissingContextError

from flows.ingest import ingest_batch
from flows.server import pid_alive
from schemas.batch import MANIFEST_NAME, AttemptState, BatchReport, DropAttempt
from schemas.document import FileStatus
from schemas.settings import Settings
from storage.resources import resources

_ERROR_LENGTH = 500  # characters of a run's failure message kept for `sohoa batches`


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


def idempotency_key(batch: Path, attempt: int = 1) -> str:
    """Stable for an unchanged drop, different as soon as any file is added, removed or rewritten,
    and different for each attempt (Prefect hands back the old run for a key it has seen)."""
    digest = hashlib.sha256(batch.name.encode())
    for path in sorted(_tree(batch)):
        stat = path.stat()
        digest.update(f"{path.relative_to(batch.parent)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    key = f"ingest-{digest.hexdigest()[:24]}"
    return key if attempt == 1 else f"{key}-{attempt}"


def next_attempt(previous: DropAttempt | None, fingerprint: str, now: datetime, max_attempts: int) -> int | None:
    """Which attempt to start for a ready drop now, or None to leave it alone.

    A new or changed drop starts at 1; a running or finished one is left alone; a failed one is
    retried once its back-off has passed, until `max_attempts` runs have failed.
    """
    if previous is None or previous.fingerprint != fingerprint:
        return 1
    if previous.state is not AttemptState.FAILED or previous.attempts >= max_attempts:
        return None
    if previous.retry_at is not None and now < previous.retry_at:
        return None
    return previous.attempts + 1


def backoff(attempt: int, settings: Settings) -> timedelta:
    """Wait after failed attempt `attempt`: the first retry after `retry_seconds`, then doubling."""
    return timedelta(seconds=settings.retry_seconds * 2 ** (attempt - 1))


@flow(name="inbox-watch")
def watch_inbox() -> list[str]:
    """Start ingestion of every ready batch that is due; returns the names of the batches started."""
    settings = Settings()
    catalog = resources(settings).catalog
    started = []
    for batch in ready_batches(settings.inbox, settings.settle_seconds):
        previous = _conclude(catalog.batches.get_drop_attempt(batch.name), batch, settings)
        number = next_attempt(previous, idempotency_key(batch), datetime.now(UTC), settings.ingest_attempts)
        if number is not None:
            start_attempt(batch, number, settings)
            started.append(batch.name)
    return started


def start_attempt(batch: Path, number: int, settings: Settings) -> DropAttempt:
    """Hand the drop to the ingest deployment, or ingest it here; returns the attempt as recorded."""
    catalog = resources(settings).catalog
    deployment = os.environ.get("SOHOA_INGEST_DEPLOYMENT")
    attempt = DropAttempt(name=batch.name, fingerprint=idempotency_key(batch), attempts=number,
                          started_at=datetime.now(UTC), run_id=f"local:{socket.gethostname()}:{os.getpid()}")
    if deployment:
        run = run_deployment(deployment, parameters={"source": str(batch)},
                             idempotency_key=idempotency_key(batch, number), timeout=0)
        attempt.run_id = str(run.id)
        catalog.batches.record_drop_attempt(attempt)
        _log().info("drop %s attempt %d handed to %s as run %s", attempt.fingerprint, number, deployment, run.id)
        return attempt
    catalog.batches.record_drop_attempt(attempt)
    state = ingest_batch(str(batch), return_state=True)
    outcome = state.result(raise_on_failure=False) if state.is_completed() else None
    error = None if isinstance(outcome, BatchReport) else (state.message or state.name)
    return _record_end(attempt, batch, error, outcome if isinstance(outcome, BatchReport) else None, settings)


def _conclude(previous: DropAttempt | None, batch: Path, settings: Settings) -> DropAttempt | None:
    """Bring a `running` attempt up to date: has its run ended, and how?"""
    if previous is None or previous.state is not AttemptState.RUNNING:
        return previous
    if previous.run_id and previous.run_id.startswith("local:"):
        _, host, pid = previous.run_id.split(":")
        if host == socket.gethostname() and pid_alive(int(pid)):
            return previous
        return _record_end(previous, batch, "the ingest process stopped before the batch finished", None,
                           settings)
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(UUID(previous.run_id)).state
    if state is None or not state.is_final():
        return previous
    error = None if state.is_completed() else (state.message or state.name)
    return _record_end(previous, batch, error, None, settings)


def _record_end(attempt: DropAttempt, batch: Path, error: str | None, report: BatchReport | None,
                settings: Settings) -> DropAttempt:
    """Record how an attempt ended. A drop still in the inbox after a finished run has files left."""
    if error is None and report is not None and report.count(FileStatus.FAILED):
        error = f"{report.count(FileStatus.FAILED)} file(s) could not be processed"
    elif error is None and batch.exists():
        error = "the run finished but left the batch in the inbox"
    ended = attempt.model_copy(update={
        "state": AttemptState.FINISHED if error is None else AttemptState.FAILED,
        "error": None if error is None else error[:_ERROR_LENGTH],
        "retry_at": None if error is None else datetime.now(UTC) + backoff(attempt.attempts, settings)})
    resources(settings).catalog.batches.record_drop_attempt(ended)
    if error is not None:
        _log().warning("drop %s attempt %d failed; retry %s", attempt.fingerprint, attempt.attempts,
                       "given up" if attempt.attempts >= settings.ingest_attempts else f"after {ended.retry_at}")
    return ended


def _log() -> logging.Logger | logging.LoggerAdapter:
    """Prefect's run logger inside a run (its lines reach the server), the module's logger outside."""
    try:
        return get_run_logger()
    except MissingContextError:
        return logging.getLogger(__name__)


def _tree(entry: Path) -> list[Path]:
    return [p for p in entry.rglob("*") if p.is_file()] if entry.is_dir() else [entry]


def _last_change(entry: Path) -> float:
    """Newest modification time in the batch (the folder's own time counts for added/removed files)."""
    return max([entry.stat().st_mtime] + [p.stat().st_mtime for p in _tree(entry)])
