"""A Prefect deployment as an operator runs it, for the tests: `prefect server start` (its own home and
SQLite database, a free port), the `process` work pool, `prefect deploy --all` from prefect.yaml, and
workers started and stopped as processes. Used by the production-path and worker-loss tests.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.s3server import S3Endpoint

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# A bound on hung processes only, never judged as speed: a cold server on two busy cores.
STARTUP_DEADLINE_SECONDS = 180


@dataclass
class Deployment:
    env: dict[str, str]  # what every command and worker of the deployment runs with
    data: Path
    logs: Path

    def run(self, *args: str, timeout: float = 300, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
        """A command of the project's environment (prefect or sohoa), as the operator types it."""
        result = subprocess.run([str(BIN / args[0]), *args[1:]], cwd=REPO, env={**self.env, **(env or {})},
                                text=True, capture_output=True, timeout=timeout, check=False)
        assert result.returncode == 0, f"{args}: {result.stdout[-2000:]}{result.stderr[-2000:]}"
        return result

    def start_worker(self, name: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        """`prefect worker start --pool sohoa`, logging to logs/<name>.log."""
        return start([str(BIN / "prefect"), "worker", "start", "--pool", "sohoa", "--name", name],
                     {**self.env, **(env or {})}, self.logs / f"{name}.log")


def province_settings(s3: S3Endpoint, bucket: str, catalog_url: str) -> dict[str, str]:
    """What every process of a province test shares: objects and inbox in `bucket`, the catalog at
    `catalog_url`, and one OCR slot per process (each stands for one small machine)."""
    return {"SOHOA_OBJECT_STORE": "s3", "SOHOA_S3_ENDPOINT": s3.endpoint, "SOHOA_S3_ACCESS_KEY": s3.access_key,
            "SOHOA_S3_SECRET_KEY": s3.secret_key, "SOHOA_S3_BUCKET": bucket, "SOHOA_CATALOG_URL": catalog_url,
            "SOHOA_OCR_WORKERS": "1", "OMP_THREAD_LIMIT": "1"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def stop(process: subprocess.Popen[bytes]) -> None:
    """A worker needs two signals to stop (the first lets its running flows finish); then the group."""
    for sig in (signal.SIGINT, signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        if process.poll() is not None:
            return
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            continue


def wait_for(check: Callable[[], bool], deadline_seconds: float, what: str, logs: Path, *,
             every: float = 3) -> float:
    started = time.monotonic()
    while time.monotonic() - started < deadline_seconds:
        if check():
            return time.monotonic() - started
        time.sleep(every)
    tails = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(logs.glob("*.log")))
    pytest.fail(f"{what} did not happen within {deadline_seconds:.0f} s\n{tails}")


@contextmanager
def prefect_deployment(root: Path, settings: dict[str, str] | None = None) -> Iterator[Deployment]:
    """A running server with the pool and prefect.yaml's deployments; `settings` (SOHOA_…, PREFECT_…)
    reach every command and worker. Workers are the caller's; the server is stopped on exit."""
    logs = root / "logs"
    logs.mkdir()
    port = free_port()
    base = {key: value for key, value in os.environ.items() if not key.startswith(("PREFECT_", "SOHOA_"))}
    base.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_LOGGING_LEVEL="INFO")
    server = start([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                   {**base, "PREFECT_HOME": str(root / "server-home")}, logs / "server.log")
    env = {**base, "PREFECT_HOME": str(root / "client-home"), "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
           "SOHOA_DATA_DIR": str(root / "data"), "SOHOA_CODE_DIR": str(REPO), **(settings or {})}
    deployed = Deployment(env=env, data=root / "data", logs=logs)
    try:
        from flows.server import healthy

        wait_for(lambda: healthy(env["PREFECT_API_URL"]), STARTUP_DEADLINE_SECONDS, "the server's start", logs)
        deployed.run("prefect", "work-pool", "create", "sohoa", "--type", "process")
        deployed.run("prefect", "--no-prompt", "deploy", "--all")
        yield deployed
    finally:
        stop(server)
