"""The production path, exactly as the README's operator section tells an operator to run it.

A real Prefect server (its own PREFECT_HOME and SQLite database, a free port), the `process` work pool,
`prefect deploy --all` from prefect.yaml, a worker, then a batch dropped into the inbox: the scheduled
`inbox-watch` deployment must find it and hand it to the `ingest` deployment, which makes it searchable
with `sohoa search`. Then the `nightly-archive` deployment is run for that day and must leave a valid
BagIt package holding the document. Nothing here calls a flow function directly: every run is scheduled
or triggered on the server and executed by the worker, as in production. (This path once shipped broken:
the server's scheduler failed every minute with SQLAlchemy 2.1 and no scheduled flow ever ran.)
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import bagit
import pytest

from tests.helpers import write_manifest, write_page, write_typed_pdf

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WATCH_INTERVAL_SECONDS = 60  # prefect.yaml's schedule of inbox-watch
# Bounds on hung processes only, never judged as speed: a cold server and worker on two busy cores.
STARTUP_DEADLINE_SECONDS = 180
SEARCHABLE_DEADLINE_SECONDS = 6 * WATCH_INTERVAL_SECONDS
OFFICE = "000.00.12.H12"


@dataclass
class Deployment:
    env: dict[str, str]
    data: Path
    logs: Path

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """A command of the project's environment (prefect or sohoa), as the operator types it."""
        result = subprocess.run([str(BIN / args[0]), *args[1:]], cwd=REPO, env=self.env, text=True,
                                capture_output=True, timeout=timeout, check=False)
        assert result.returncode == 0, f"{args}: {result.stdout[-2000:]}{result.stderr[-2000:]}"
        return result


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """A worker needs two signals to stop (the first lets its running flows finish); then the group."""
    for sig in (signal.SIGINT, signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
        if process.poll() is not None:
            return
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            continue


def _wait_for(check: Callable[[], bool], deadline_seconds: float, what: str, logs: Path) -> float:
    started = time.monotonic()
    while time.monotonic() - started < deadline_seconds:
        if check():
            return time.monotonic() - started
        time.sleep(3)
    tails = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}" for p in sorted(logs.glob("*.log")))
    pytest.fail(f"{what} did not happen within {deadline_seconds:.0f} s\n{tails}")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    root = tmp_path_factory.mktemp("production")
    logs = root / "logs"
    logs.mkdir()
    port = _free_port()
    base = {key: value for key, value in os.environ.items()
            if not key.startswith(("PREFECT_", "SOHOA_"))}
    base.update(PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_LOGGING_LEVEL="INFO")
    server_env = {**base, "PREFECT_HOME": str(root / "server-home")}
    server = _start([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                    server_env, logs / "server.log")
    env = {**base, "PREFECT_HOME": str(root / "client-home"), "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
           "SOHOA_DATA_DIR": str(root / "data"), "SOHOA_CODE_DIR": str(REPO)}
    deployed = Deployment(env=env, data=root / "data", logs=logs)
    worker = None
    try:
        from flows.server import healthy

        _wait_for(lambda: healthy(env["PREFECT_API_URL"]), STARTUP_DEADLINE_SECONDS, "the server's start", logs)
        deployed.run("prefect", "work-pool", "create", "sohoa", "--type", "process")
        deployed.run("prefect", "--no-prompt", "deploy", "--all")
        worker = _start([str(BIN / "prefect"), "worker", "start", "--pool", "sohoa"], env, logs / "worker.log")
        yield deployed
    finally:
        if worker is not None:
            _stop(worker)
        _stop(server)


def test_a_dropped_batch_is_found_by_the_scheduled_watch_and_becomes_searchable(deployment: Deployment) -> None:
    inbox = deployment.data / "inbox" / "ho-so-mot-cua"
    write_page(inbox / "01_to_khai.png", seed=91, title="Tờ khai đăng ký khai sinh")
    write_typed_pdf(inbox / "02_don.pdf", seed=92)
    write_manifest(inbox, office_code=OFFICE, operator="Nguyễn Thị Lan")

    def searchable() -> bool:
        found = deployment.run("sohoa", "search", "to khai dang ky khai sinh", "--json").stdout.splitlines()
        return any(json.loads(line)["original_name"] == "01_to_khai.png" for line in found)

    waited = _wait_for(searchable, SEARCHABLE_DEADLINE_SECONDS, "the dropped batch becoming searchable",
                       deployment.logs)
    print(f"searchable {waited:.0f} s after the drop")  # noqa: T201 - the operator's figure, for the README
    assert not inbox.exists()  # retired to done/ by the ingest run
    reports = list((deployment.data / "done").glob("*/report.json"))
    assert [json.loads(r.read_text(encoding="utf-8"))["status"] for r in reports] == ["done"]


def test_the_nightly_archive_deployment_packs_that_day(deployment: Deployment) -> None:
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()
    deployment.run("prefect", "deployment", "run", "nightly-archive/nightly-archive",
                   "--param", f"date_from={today}", "--param", f"date_to={today}",
                   "--watch", "--watch-timeout", "600", timeout=660)
    bags = list((deployment.data / "archive").glob(f"*/{today[:4]}/{today}/sohoa-*"))
    assert len(bags) == 1, bags
    bag = bagit.Bag(str(bags[0]))
    bag.validate()
    assert bag.info["Sohoa-Records"] == "2"
    assert {Path(name).name for name in bag.payload_files()} >= {"original.png", "original.pdf", "text.txt"}
