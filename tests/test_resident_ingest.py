"""The resident ingest process's side of the shortcut, over a real unix socket: a command of the same
environment gets its batch read there, with its progress; any other command, a busy or vanished
process, or one that fails mid-batch leaves the batch to the command itself. (The whole path, with
Prefect and the local server, is in tests/test_local_server.py.)"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flows import progress, resident
from schemas.batch import BatchReport, BatchStatus
from schemas.settings import Settings


def _report(source: str) -> BatchReport:
    now = datetime.now(UTC)
    return BatchReport(batch_id="lo-1", name="lo", source=source, status=BatchStatus.DONE, started_at=now,
                       finished_at=now)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("SOHOA_DATA_DIR", str(tmp_path / "data"))
    resident.socket_path(Settings()).parent.mkdir(parents=True)
    return Settings()


@pytest.fixture
def serving(settings: Settings) -> Iterator[Callable[[str, Callable[[str], BatchReport]], list[bool]]]:
    """Serve one command with `_serve_one` under a fingerprint, in a thread; the list it returns
    gets whether the process would go on serving."""
    listener = resident.listening(resident.socket_path(settings))
    threads = []

    def serve(own: str, run: Callable[[str], BatchReport]) -> list[bool]:
        goes_on: list[bool] = []

        def one() -> None:
            try:
                connection, _ = listener.accept()
            except OSError:  # the test ended without a command
                return
            with connection:
                goes_on.append(resident._serve_one(connection, own, run))

        threads.append(threading.Thread(target=one, daemon=True))
        threads[-1].start()
        return goes_on

    yield serve
    listener.shutdown(socket.SHUT_RDWR)
    for thread in threads:
        thread.join(timeout=10)
    listener.close()


def _answered(goes_on: list[bool]) -> None:
    """Wait (5 s at most) for the serving thread to finish its command."""
    for _ in range(100):
        if goes_on:
            return
        threading.Event().wait(0.05)


def test_a_command_of_the_same_environment_gets_its_batch_read_there_with_its_progress(
        settings: Settings, serving: Callable, tmp_path: Path) -> None:
    asked: list[str] = []

    def run(source: str) -> BatchReport:
        asked.append(source)
        progress.emit(progress.Event.PAGES_PLANNED, 3)
        progress.emit(progress.Event.PAGE_DONE)
        return _report(source)

    goes_on = serving(resident.fingerprint(), run)
    seen: list[tuple[progress.Event, int]] = []
    report = resident.ingest(settings, tmp_path / "lo", lambda event, amount: seen.append((event, amount)))
    assert asked == [str(tmp_path / "lo")]
    assert report is not None and (report.source, report.status) == (str(tmp_path / "lo"), BatchStatus.DONE)
    assert seen == [(progress.Event.PAGES_PLANNED, 3), (progress.Event.PAGE_DONE, 1)]
    assert resident.socket_path(settings).stat().st_mode & 0o077 == 0  # the owner's alone
    _answered(goes_on)
    assert goes_on == [True]


def test_a_process_grown_too_large_by_a_batch_ends_after_answering_it(
        settings: Settings, serving: Callable, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resident, "RETIRE_RESIDENT_BYTES", 1)  # any process is larger than a byte
    goes_on = serving(resident.fingerprint(), lambda source: _report(source))
    report = resident.ingest(settings, tmp_path / "lo", lambda *_: None)
    assert report is not None and report.status is BatchStatus.DONE  # the command got its report first
    _answered(goes_on)
    assert goes_on == [False]


def test_a_process_of_another_environment_or_code_is_not_handed_the_batch(settings: Settings, serving: Callable,
                                                                          tmp_path: Path) -> None:
    asked: list[str] = []
    serving("another environment", lambda source: asked.append(source) or _report(source))
    assert resident.ingest(settings, tmp_path / "lo", lambda *_: None) is None
    assert asked == []


def test_a_batch_that_fails_in_the_process_is_left_to_the_command(settings: Settings, serving: Callable,
                                                                 tmp_path: Path) -> None:
    def run(source: str) -> BatchReport:
        raise RuntimeError("the server went away")

    goes_on = serving(resident.fingerprint(), run)
    assert resident.ingest(settings, tmp_path / "lo", lambda *_: None) is None
    _answered(goes_on)
    assert goes_on == [True]  # and it serves the next command


def test_no_process_or_a_busy_one_leaves_the_batch_to_the_command(settings: Settings, tmp_path: Path) -> None:
    assert resident.ingest(settings, tmp_path / "lo", lambda *_: None) is None  # no socket at all
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as busy:  # listens, never greets
        busy.bind(str(resident.socket_path(settings)))
        busy.listen(1)
        assert resident.ingest(settings, tmp_path / "lo", lambda *_: None) is None


def test_stop_ends_the_process_and_the_setting_turns_the_shortcut_off(
        settings: Settings, serving: Callable, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    goes_on = serving("any", lambda source: _report(source))
    resident.stop(settings)
    _answered(goes_on)
    assert goes_on == [False]
    monkeypatch.setenv("SOHOA_RESIDENT_INGEST", "false")
    asked: list[str] = []
    serving(resident.fingerprint(), lambda source: asked.append(source) or _report(source))
    assert resident.ingest(Settings(), tmp_path / "lo", lambda *_: None) is None
    assert asked == []
