"""The inbox watcher: start one ingest run per ready batch, retry a failed one, never run one twice.

A drop (a sub-folder or a .zip of the inbox, or of an office's prefix of the S3 inbox; a loose scan is
a batch of one) is ready when its `batch.yaml` is present, or when nothing in it has changed for the
settle time: scanners write files one by one, and a half-copied batch must not be ingested. The
catalog remembers each drop's attempts (`DropAttempt`): a run that failed, or finished with files
still to process (the drop then stays in the inbox), is retried after a back-off that doubles, up to
`SOHOA_INGEST_ATTEMPTS` runs; then the drop waits for `sohoa retry`. When an ingest deployment is
configured (`SOHOA_INGEST_DEPLOYMENT`, as in prefect.yaml) each attempt is a run of that deployment
with its own idempotency key, so a restarted watcher cannot start the same attempt twice; otherwise
the attempt runs in this process.

A worker whose machine dies leaves its run `Running` on the server for ever. So the watcher makes sure
the server has Prefect's documented zombie-run automation: a run whose heartbeats stop for
`SOHOA_RUN_SILENCE_SECONDS` is marked `Crashed`, the attempt ends failed, and the retry goes to
whichever worker is alive. Records are keyed by content, so what the dead run had committed is kept
and not written twice.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import UTC, datetime, timedelta
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.automations import Automation, ChangeFlowRunState, EventTrigger, Posture, ResourceSpecification
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.deployments import run_deployment
from prefect.exceptions import MissingContextError

from flows.ingest import ingest_batch
from flows.server import pid_alive
from schemas.batch import AttemptState, BatchReport, DropAttempt
from schemas.document import FileStatus
from schemas.settings import Settings
from storage.inbox import Drop, Inbox, inbox_source
from storage.resources import resources

_ERROR_LENGTH = 500  # characters of a run's failure message kept for `sohoa batches`


def ready_batches(inbox: Inbox, settle_seconds: float, now: float | None = None) -> list[Drop]:
    """Drops that are complete: manifest present, or untouched for `settle_seconds`."""
    now = time.time() if now is None else now
    return [drop for drop in inbox.drops() if drop.has_manifest or now - drop.last_change >= settle_seconds]


def idempotency_key(drop: Drop, attempt: int = 1) -> str:
    """Stable for an unchanged drop, different as soon as any file is added, removed or rewritten,
    and different for each attempt (Prefect hands back the old run for a key it has seen)."""
    key = f"ingest-{drop.fingerprint[:24]}"
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


CRASH_AUTOMATION = "sohoa: mark silent flow runs crashed"


def ensure_crash_detection(silence: timedelta) -> None:
    """Create the zombie-run automation on the server unless it is there (see the module's docstring)."""
    try:
        Automation.read(name=CRASH_AUTOMATION)
        return
    except ValueError:  # Prefect's way of saying "no automation of that name"
        pass
    Automation(
        name=CRASH_AUTOMATION,
        description="A flow run that stopped sending heartbeats lost its machine: mark it Crashed so "
                    "sohoa's inbox watcher retries its batch on a live worker.",
        trigger=EventTrigger(
            after={"prefect.flow-run.heartbeat"},
            expect={"prefect.flow-run.heartbeat", "prefect.flow-run.Completed", "prefect.flow-run.Failed",
                    "prefect.flow-run.Cancelled", "prefect.flow-run.Crashed"},
            match=ResourceSpecification({"prefect.resource.id": ["prefect.flow-run.*"]}),
            for_each={"prefect.resource.id"}, posture=Posture.Proactive, threshold=1, within=silence),
        actions=[ChangeFlowRunState(state=StateType.CRASHED,
                                    message=f"no heartbeat for {silence.total_seconds():.0f} s: its worker is gone")],
    ).create()


@flow(name="inbox-watch")
def watch_inbox() -> list[str]:
    """Start ingestion of every ready batch that is due; returns the names of the batches started."""
    settings = Settings()
    opened = resources(settings)
    if os.environ.get("SOHOA_INGEST_DEPLOYMENT"):
        ensure_crash_detection(timedelta(seconds=settings.run_silence_seconds))
    started = []
    ready = ready_batches(opened.inbox, settings.settle_seconds)
    for drop in ready:
        previous = _conclude(opened.catalog.batches.get_drop_attempt(drop.name), settings)
        number = next_attempt(previous, idempotency_key(drop), datetime.now(UTC), settings.ingest_attempts)
        if number is not None:
            start_attempt(drop, number, settings)
            started.append(drop.name)
    looked_at = {drop.name for drop in ready}
    for attempt in opened.catalog.batches.find_running_drops():
        if attempt.name not in looked_at:  # its run may have ended and retired the drop: say how it ended
            _conclude(attempt, settings)
    return started


def start_attempt(drop: Drop, number: int, settings: Settings) -> DropAttempt:
    """Hand the drop to the ingest deployment, or ingest it here; returns the attempt as recorded."""
    catalog = resources(settings).catalog
    deployment = os.environ.get("SOHOA_INGEST_DEPLOYMENT")
    attempt = DropAttempt(name=drop.name, fingerprint=idempotency_key(drop), attempts=number,
                          started_at=datetime.now(UTC), run_id=f"local:{socket.gethostname()}:{os.getpid()}")
    if deployment:
        run = run_deployment(deployment, parameters={"source": inbox_source(drop.name)},
                             idempotency_key=idempotency_key(drop, number), timeout=0)
        attempt.run_id = str(run.id)
        catalog.batches.record_drop_attempt(attempt)
        _log().info("drop %s attempt %d handed to %s as run %s", attempt.fingerprint, number, deployment, run.id)
        return attempt
    catalog.batches.record_drop_attempt(attempt)
    state = ingest_batch(inbox_source(drop.name), return_state=True)
    outcome = state.result(raise_on_failure=False) if state.is_completed() else None
    error = None if isinstance(outcome, BatchReport) else (state.message or state.name)
    return _record_end(attempt, error, outcome if isinstance(outcome, BatchReport) else None, settings)


def _conclude(previous: DropAttempt | None, settings: Settings) -> DropAttempt | None:
    """Bring a `running` attempt up to date: has its run ended, and how?"""
    if previous is None or previous.state is not AttemptState.RUNNING:
        return previous
    if previous.run_id and previous.run_id.startswith("local:"):
        _, host, pid = previous.run_id.split(":")
        if host != socket.gethostname() or pid_alive(int(pid)):
            return previous  # still running here, or on another machine, which only that one can tell
        # A drop no longer in the inbox was retired by its run: the run ended after finishing it.
        stopped = resources(settings).inbox.contains(previous.name)
        return _record_end(previous, "the ingest process stopped before the batch finished" if stopped else None,
                           None, settings)
    with get_client(sync_client=True) as client:
        state = client.read_flow_run(UUID(previous.run_id)).state
    if state is None or not state.is_final():
        return previous
    error = None if state.is_completed() else (state.message or state.name)
    return _record_end(previous, error, None, settings)


def _record_end(attempt: DropAttempt, error: str | None, report: BatchReport | None,
                settings: Settings) -> DropAttempt:
    """Record how an attempt ended. A drop still in the inbox after a finished run has files left."""
    if error is None and report is not None and report.count(FileStatus.FAILED):
        error = f"{report.count(FileStatus.FAILED)} file(s) could not be processed"
    elif error is None and resources(settings).inbox.contains(attempt.name):
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
