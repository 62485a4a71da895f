"""The embedded default's Prefect server: started once, on first use, and reused by every command.

Prefect's throwaway (ephemeral) API server costs many seconds per command and can time out when the
cores are busy. Instead, the first command that runs a flow starts `prefect server start` in the
background (its home and SQLite database under DATA_DIR/prefect), records its address, and the next
commands reuse it. A server named by PREFECT_API_URL (a province's server, a test server) always wins;
the ephemeral mode is only the fallback when a local server cannot be started.
"""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel

from schemas.settings import Settings

START_TIMEOUT_SECONDS = 180.0  # a cold start on two busy cores takes well under a minute; only a bound
_POLL_SECONDS = 0.25


class ServerUnavailable(RuntimeError):
    """No Prefect server could be reached or started."""


class LocalServer(BaseModel):
    """What `server.json` records of the running local server."""

    pid: int
    url: str  # the API address, e.g. http://127.0.0.1:41234/api


def prepare_prefect(verbose: bool) -> None:
    """Environment for Prefect before it is imported: no analytics (no network), quiet console."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")
    # Only for the fallback in-process server: a cold start on two busy cores can take this long.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")


def home(settings: Settings) -> Path:
    return settings.data_dir.resolve() / "prefect"


def configured_url() -> str | None:
    """The server the environment or Prefect profile names, if any."""
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value() or None


def running(settings: Settings) -> LocalServer | None:
    """The local server recorded for this data folder, if it answers."""
    record = home(settings) / "server.json"
    try:
        server = LocalServer.model_validate_json(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return server if pid_alive(server.pid) and healthy(server.url) else None


def healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=timeout) as answer:  # noqa: S310 - loopback
            return answer.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def ensure_local(settings: Settings, say: Callable[[str], None] = lambda _: None,
                 timeout: float = START_TIMEOUT_SECONDS) -> LocalServer:
    """The local server, started if needed (one start at a time per data folder, across processes)."""
    with _start_lock(settings):
        server = running(settings)
        if server is not None:
            return server
        say("Đang khởi động máy chủ Prefect cục bộ (chỉ lần đầu, có thể mất một phút)…")
        try:
            return _start(settings, timeout)
        except ServerUnavailable:
            say("Máy chủ Prefect khởi động chậm; đang thử lại…")
            return _start(settings, timeout)


def stop(settings: Settings) -> bool:
    """Stop the local server of this data folder; False when none was running. (The resident ingest
    process, flows/resident.py, ends with it.)"""
    server = running(settings)
    (home(settings) / "server.json").unlink(missing_ok=True)
    if server is None:
        return False
    _terminate(server.pid)
    return True


@contextmanager
def api(settings: Settings, say: Callable[[str], None] = lambda _: None) -> Iterator[str | None]:
    """Run flows against the configured server, else the local one; None means ephemeral fallback."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    url = configured_url()
    if url:
        yield url
        return
    try:
        server = ensure_local(settings, say)
    except ServerUnavailable:
        say("Không khởi động được máy chủ Prefect cục bộ; chạy với máy chủ tạm thời trong tiến trình này.")
        yield None
        return
    with temporary_settings(updates={PREFECT_API_URL: server.url}):
        yield server.url


def _start(settings: Settings, timeout: float) -> LocalServer:
    folder = home(settings)
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = {**os.environ, "PREFECT_HOME": str(folder), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_SERVER_UI_SHOW_PROMOTIONAL_CONTENT": "false"}
    env.pop("PREFECT_API_URL", None)
    with (folder / "server.log").open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = LocalServer(pid=process.pid, url=f"http://127.0.0.1:{port}/api")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerUnavailable(f"the Prefect server exited ({process.returncode}); see {folder / 'server.log'}")
        if healthy(server.url):
            (folder / "server.json").write_text(server.model_dump_json(), encoding="utf-8")
            return server
        time.sleep(_POLL_SECONDS)
    _terminate(process.pid)
    raise ServerUnavailable(f"the Prefect server did not answer within {timeout:.0f} s")


@contextmanager
def _start_lock(settings: Settings) -> Iterator[None]:
    folder = home(settings)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "server.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pid_alive(pid: int) -> bool:
    """Whether a process of this machine still runs (ours or not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _terminate(pid: int) -> None:
    """Stop the server's whole process group (uvicorn and its services), politely first."""
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not pid_alive(pid):
                return
            time.sleep(_POLL_SECONDS)
