"""A batch hit by a fault outside its files (a broken object store, a catalog that does not answer) is
never lost and never left half-done: its files end `failed`, nothing is recorded for them, the drop stays
in the inbox, and the watcher retries it with back-off until the fault is gone (or `sohoa retry` does).

Faults are real: the object store's `docs/` folder is taken by a file, so storing an original fails the
way a full or broken disk would. Concurrent copies of one original are run for real, 100 times.
"""

from __future__ import annotations

import socket
import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from flows.ingest import ingest_batch
from flows.watch import idempotency_key, next_attempt, watch_inbox
from schemas.batch import AttemptState, BatchStatus, DropAttempt
from schemas.document import FileStatus, Reason
from schemas.settings import Settings
from storage.cache import cached_copy
from storage.local import LocalObjectStore
from storage.resources import resources
from tests.helpers import document_ids, folder_inbox, write_manifest, write_page, write_typed_pdf

COPIES_AT_ONCE = 16
ROUNDS = 100


def test_many_page_tasks_copying_one_original_at_once_all_get_the_whole_file(
        tmp_path: Path, settings: Settings) -> None:
    """Page tasks of a multi-page scan copy its original at the same moment (issue: a shared `.part`
    name made one `replace` fail and the flow run end unfinished)."""
    store = LocalObjectStore(tmp_path / "objects")
    data = bytes(range(256)) * 4096  # 1 MiB: large enough for the writes to overlap
    info = store.put_bytes("docs/ab/original.tif", data, "image/tiff")
    cache = settings.work_dir / "cache"
    for _ in range(ROUNDS):
        start = threading.Barrier(COPIES_AT_ONCE)
        copies: list[Path] = []
        failures: list[BaseException] = []

        def copy() -> None:
            start.wait()
            try:
                copies.append(cached_copy(store, info.key, info.sha256, cache))
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                failures.append(exc)

        threads = [threading.Thread(target=copy) for _ in range(COPIES_AT_ONCE)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        assert {path.read_bytes() == data for path in copies} == {True}
        assert [p.name for p in cache.iterdir()] == [info.sha256]  # no temporary file left behind
        (cache / info.sha256).unlink()


def _break_object_store(settings: Settings) -> Path:
    """The store's `docs/` folder is taken by a file: storing any original fails."""
    blocker = settings.objects_dir / "docs"
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_bytes(b"not a folder")
    return blocker


def _drop(settings: Settings, name: str, seed: int) -> Path:
    folder = settings.inbox / name
    write_page(folder / "trang.png", seed=seed)
    write_typed_pdf(folder / "don.pdf", seed=seed + 1)
    write_manifest(folder, operator="Nguyễn Thị Lan")
    return folder


@pytest.mark.usefixtures("prefect_server")
def test_a_fault_outside_the_files_leaves_them_failed_and_the_drop_in_the_inbox(settings: Settings) -> None:
    folder = _drop(settings, "ho-so-loi-dia", seed=71)
    blocker = _break_object_store(settings)

    report = ingest_batch(str(folder))  # the flow completes: no unfinished run, no traceback

    assert {f.file: (f.status, f.reason) for f in report.files} == {
        "trang.png": (FileStatus.FAILED, Reason.PROCESSING_FAILED.value),
        "don.pdf": (FileStatus.FAILED, Reason.PROCESSING_FAILED.value)}
    assert report.status is BatchStatus.PARTIAL
    assert folder.is_dir() and (folder / "trang.png").is_file()  # nothing left the inbox
    assert document_ids(settings.data_dir / "catalog.sqlite3") == []  # nothing half-recorded

    blocker.unlink()  # the disk is repaired: running the same drop again completes it
    again = ingest_batch(str(folder))
    assert {f.file: f.status for f in again.files} == {"trang.png": FileStatus.OK, "don.pdf": FileStatus.OK}
    assert again.batch_id == report.batch_id and again.status is BatchStatus.DONE
    assert not folder.exists()


def _attempt(state: AttemptState, attempts: int, retry_in: float | None = None,
             fingerprint: str = "f") -> DropAttempt:
    now = datetime(2026, 12, 5, tzinfo=UTC)
    return DropAttempt(name="ho-so", fingerprint=fingerprint, attempts=attempts, state=state, started_at=now,
                       retry_at=None if retry_in is None else now + timedelta(seconds=retry_in))


@pytest.mark.parametrize(("previous", "expected"), [
    (None, 1),                                                  # a new drop
    (_attempt(AttemptState.RUNNING, 1), None),                  # its run is still going
    (_attempt(AttemptState.FINISHED, 1), None),                 # done
    (_attempt(AttemptState.FAILED, 1, retry_in=60), None),      # failed, back-off not over
    (_attempt(AttemptState.FAILED, 1, retry_in=-1), 2),         # failed, back-off over: retry
    (_attempt(AttemptState.FAILED, 4, retry_in=-1), None),      # failed four times: given up
    (_attempt(AttemptState.FAILED, 4, retry_in=-1, fingerprint="changed"), 1),  # the clerk changed it
])
def test_the_watcher_retries_a_failed_drop_after_its_back_off_until_the_cap(
        previous: DropAttempt | None, expected: int | None) -> None:
    assert next_attempt(previous, "f", datetime(2026, 12, 5, tzinfo=UTC), max_attempts=4) == expected


def test_each_attempt_gets_its_own_idempotency_key(tmp_path: Path) -> None:
    write_page(tmp_path / "ho-so" / "trang.png", seed=1)
    [drop] = folder_inbox(tmp_path).drops()
    keys = [idempotency_key(drop, n) for n in (1, 2, 3)]
    assert len(set(keys)) == 3 and keys[0] == idempotency_key(drop)


@pytest.mark.usefixtures("prefect_server")
def test_the_watcher_retries_a_failed_batch_lists_it_and_sohoa_retry_runs_it(
        settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_SETTLE_SECONDS", "600")
    monkeypatch.setenv("SOHOA_INGEST_ATTEMPTS", "2")
    folder = _drop(settings, "ho-so-thu-lai", seed=73)
    blocker = _break_object_store(settings)
    catalog = resources(settings).catalog

    assert watch_inbox() == ["ho-so-thu-lai"]  # attempt 1 fails
    first = catalog.batches.get_drop_attempt("ho-so-thu-lai")
    assert (first.state, first.attempts) == (AttemptState.FAILED, 1) and "2 file" in first.error
    assert watch_inbox() == []  # back-off: not again at once

    catalog.batches.record_drop_attempt(first.model_copy(update={"retry_at": datetime.now(UTC)}))  # time passes
    assert watch_inbox() == ["ho-so-thu-lai"]  # attempt 2, still failing: the cap is reached
    assert catalog.batches.get_drop_attempt("ho-so-thu-lai").attempts == 2
    assert watch_inbox() == []
    listing = CliRunner().invoke(app, ["batches"], env={"COLUMNS": "250"}, catch_exceptions=False)
    assert "Lô chạy lỗi" in listing.output and "ho-so-thu-lai" in listing.output
    assert "sohoa retry ho-so-thu-lai" in " ".join(listing.output.split())

    blocker.unlink()
    result = CliRunner().invoke(app, ["retry", "ho-so-thu-lai"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert catalog.batches.get_drop_attempt("ho-so-thu-lai").state is AttemptState.FINISHED
    assert not folder.exists() and len(document_ids(settings.data_dir / "catalog.sqlite3")) == 2
    assert "Lô chạy lỗi" not in CliRunner().invoke(app, ["batches"], catch_exceptions=False).output


def test_retry_of_an_unknown_batch_says_where_to_look(settings: Settings) -> None:
    result = CliRunner().invoke(app, ["retry", "khong-co"])
    assert result.exit_code == 2 and "sohoa batches" in result.output


@pytest.mark.usefixtures("prefect_server")
def test_a_run_whose_process_died_is_concluded_by_whether_its_drop_left_the_inbox(settings: Settings) -> None:
    """The watcher looks at every attempt still marked running, in the inbox or not: a dead ingest
    process that had retired its drop finished it; one whose drop is still there stopped half-way."""
    ended = subprocess.Popen(["true"])  # noqa: S603,S607 - a process id that surely ended
    ended.wait()
    catalog = resources(settings).catalog
    stuck = _drop(settings, "ho-so-dung-giua-chung", seed=75)
    [drop] = resources(settings).inbox.drops()
    for name in ("ho-so-da-xong", stuck.name):
        catalog.batches.record_drop_attempt(DropAttempt(
            name=name, fingerprint=idempotency_key(drop), attempts=1, started_at=datetime.now(UTC),
            run_id=f"local:{socket.gethostname()}:{ended.pid}"))

    watch_inbox()

    assert catalog.batches.get_drop_attempt("ho-so-da-xong").state is AttemptState.FINISHED
    halfway = catalog.batches.get_drop_attempt(stuck.name)
    assert halfway.state is AttemptState.FAILED and "stopped before the batch finished" in halfway.error
    assert stuck.is_dir()  # left for the retry after the back-off
