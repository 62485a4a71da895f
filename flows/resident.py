"""The embedded default's resident ingest process: `sohoa ingest` without paying for start-up each time.

A command spends about three seconds importing Prefect, OpenCV, Tesseract's wrapper and the catalog,
and one more on its first flow run's set-up, before its first page. So once a command has started the
local Prefect server (flows/server.py), it also starts one process per data folder that has paid for
that once (`python -m flows.resident`). The next `sohoa ingest` connects to it over a unix socket in
DATA_DIR/prefect (owner only), hands it the batch's path, and draws the progress bar and the report
from what it sends back (cli/launch.py), importing none of the engine itself.

The process runs one batch at a time, as the command would have, in the environment, working folder
and code of the command that started it. A command whose environment, folder or code differ, or
that finds it busy or gone, runs its batch itself as before (the resident process is only ever a
shortcut), then starts a process of its own; one that was busy ends after its batch. It ends with the local server (`sohoa server stop`, or the server gone) and never serves a
server named by PREFECT_API_URL. `SOHOA_RESIDENT_INGEST=false` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from flows import progress
from schemas.batch import BatchReport
from schemas.settings import Settings

_GREETING_SECONDS = 1.0  # a busy process does not greet: the command then runs its batch itself
_READY_SECONDS = 60.0  # how long the starting command waits for the new process to listen
_LIFE_CHECK_SECONDS = 30.0  # how often an idle process checks that its server still runs
_MAX_REQUEST_BYTES = 64 * 1024
# A process that has grown past this after a batch ends, and the next command starts a fresh one:
# between batches it holds ~0.4 GB (Tesseract's models, Prefect); a flow's process was seen to creep
# by ~0.3 MB a document (README "Memory as a batch grows"), which a long life would add up.
RETIRE_RESIDENT_BYTES = 3 * 2**29
# What decides how a batch is read and stored, besides the SOHOA_ settings: the same values, or no
# shortcut. (PREFECT_LOGGING_LEVEL and the like only change what a console shows.)
_ENVIRONMENT = ("PATH", "PREFECT_API_URL", "PREFECT_HOME", "PREFECT_PROFILE", "TESSDATA_PREFIX")
_CODE_PACKAGES = ("cli", "flows", "ocr", "storage", "schemas", "archival")

Message = dict[str, Any]


def socket_path(settings: Settings) -> Path:
    return settings.data_dir.resolve() / "prefect" / "resident.sock"


def fingerprint() -> str:
    """What the process and a command must share: settings, tools, working folder, interpreter and
    the code's last change (an upgraded install is never served by the old code still in memory)."""
    root = Path(__file__).resolve().parent.parent
    code = max((source.stat().st_mtime_ns for package in _CODE_PACKAGES
                for source in (root / package).rglob("*.py")), default=0)
    environment = sorted((name, value) for name, value in os.environ.items()
                         if name.startswith("SOHOA_") or name in _ENVIRONMENT)
    return hashlib.sha256(json.dumps([environment, os.getcwd(), sys.executable, code]).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------------
# The command's side


def ingest(settings: Settings, path: Path, on_event: progress.Listener) -> BatchReport | None:
    """The batch's report, read by the resident process; None when there is none to take it (not
    started, busy, another environment, or it failed before the report): run it here then."""
    if not settings.resident_ingest:
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            serving, answers = _greeted(connection, settings)
            if serving != fingerprint():
                return None
            connection.settimeout(None)
            _send(connection, {"path": str(path)})
            for message in answers:
                if "event" in message:
                    on_event(progress.Event(message["event"]), int(message["amount"]))
                elif "report" in message:
                    return BatchReport.model_validate(message["report"])
    except (OSError, ValueError):
        return None
    return None  # it stopped before the report: the batch is run here (ingest is idempotent)


def start(settings: Settings) -> None:
    """Start the resident process for this data folder unless one with this command's environment
    and code answers (one with others is stopped first), and wait until it listens, so the next
    command finds it. Only for the local server of the embedded default."""
    if not settings.resident_ingest or _serving(settings) == fingerprint():
        return
    stop(settings)
    folder = socket_path(settings).parent
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "resident.log").open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "flows.resident"], stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + _READY_SECONDS
    while time.monotonic() < deadline and process.poll() is None and _serving(settings) is None:
        time.sleep(0.2)


def stop(settings: Settings) -> None:
    """Ask the resident process of this data folder to end (it ends with its server anyway)."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            if _greeted(connection, settings)[0] is not None:
                _send(connection, {"stop": True})
    except (OSError, ValueError):
        pass


def running(settings: Settings) -> bool:
    """Whether a resident process answers for this data folder."""
    return _serving(settings) is not None


def _serving(settings: Settings) -> str | None:
    """The fingerprint of the resident process that answers, if one does."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            return _greeted(connection, settings)[0]
    except (OSError, ValueError):
        return None


def _greeted(connection: socket.socket, settings: Settings) -> tuple[str | None, Iterator[Message]]:
    """Connect to the resident process: the fingerprint it greets with (None when it does not greet
    in time: busy, or gone) and its further messages."""
    connection.settimeout(_GREETING_SECONDS)
    connection.connect(str(socket_path(settings)))
    answers = _messages(connection)
    greeting = next(answers, {})
    serving = greeting.get("fingerprint") if greeting.get("ready") is True else None
    return (serving if isinstance(serving, str) else None), answers


def _send(connection: socket.socket, message: Message) -> None:
    connection.sendall(json.dumps(message, ensure_ascii=False).encode() + b"\n")


def _messages(connection: socket.socket) -> Iterator[Message]:
    """The JSON lines the other side sends, one object each, until it closes."""
    buffered = b""
    while True:
        while b"\n" not in buffered:
            chunk = connection.recv(65536)
            if not chunk:
                return
            buffered += chunk
            if len(buffered) > _MAX_REQUEST_BYTES and b"\n" not in buffered:
                raise ValueError("message too long")
        line, buffered = buffered.split(b"\n", 1)
        yield json.loads(line)


# ---------------------------------------------------------------------------------------------------
# The resident process


def serve(settings: Settings) -> None:
    """Take batches from commands until asked to stop or the local server is gone."""
    from flows import server

    server.prepare_prefect(verbose=False)
    import flows.ingest  # noqa: F401 - the imports every command would pay for, paid once

    if server.configured_url() or server.running(settings) is None:
        return  # a configured server's workers take batches; no local server, nothing to serve
    own = fingerprint()
    path = socket_path(settings)
    with listening(path) as listener:
        listener.settimeout(_LIFE_CHECK_SECONDS)
        own_socket = path.stat().st_ino
        try:
            while True:
                try:
                    connection, _ = listener.accept()
                except TimeoutError:
                    if server.running(settings) is None or not _still_ours(path, own_socket):
                        return  # the server is gone, or a successor took the socket while we were busy
                    continue
                with connection:
                    if not _serve_one(connection, own, partial(_run, settings)):
                        return
        finally:
            if _still_ours(path, own_socket):  # not a successor's, started meanwhile
                path.unlink(missing_ok=True)


def _still_ours(path: Path, inode: int) -> bool:
    try:
        return path.stat().st_ino == inode
    except OSError:
        return False


def listening(path: Path) -> socket.socket:
    """A unix socket listening at `path` (a stale one replaced) that only its owner may connect to."""
    path.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old_mask = os.umask(0o177)
    try:
        listener.bind(str(path))
    finally:
        os.umask(old_mask)
    listener.listen(8)
    return listener


def _serve_one(connection: socket.socket, own: str, run: Callable[[str], BatchReport]) -> bool:
    """Answer one command; False when it asked the process to stop, or the batch left it too large."""
    try:
        _send(connection, {"ready": True, "fingerprint": own})
        connection.settimeout(_GREETING_SECONDS * 5)
        request = next(_messages(connection), {})
        connection.settimeout(None)
    except (OSError, ValueError):
        return True  # a command that gave up waiting, or no command at all
    if request.get("stop") is True:
        return False
    if not isinstance(request.get("path"), str):
        return True  # a command of another environment, gone after the greeting
    stop_listening = progress.listen(lambda event, amount: _quietly(connection, {"event": event.value,
                                                                                 "amount": amount}))
    try:
        report = run(request["path"])
    except Exception as exc:  # noqa: BLE001 - the command runs the batch itself and shows the error
        print(f"the batch failed here ({type(exc).__name__}); the command runs it itself", flush=True)
        return True
    finally:
        stop_listening()
    _quietly(connection, {"report": report.model_dump(mode="json")})
    return _resident_bytes() < RETIRE_RESIDENT_BYTES


def _resident_bytes() -> int:
    """This process's resident memory now (Linux)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _run(settings: Settings, source: str) -> BatchReport:
    """One batch, as `sohoa ingest` runs it, on the local server."""
    from flows import server
    from flows.ingest import ingest_batch

    with server.api(settings):
        return ingest_batch(source)


def _quietly(connection: socket.socket, message: Message) -> None:
    """Send, ignoring a command that went away (Ctrl-C): its batch still finishes here."""
    try:
        _send(connection, message)
    except OSError:
        pass


if __name__ == "__main__":
    serve(Settings())
