"""One batch's documents spread over several machines: with `SOHOA_DASK_SCHEDULER` the ingest flow hands
each document to a Dask cluster's workers (Prefect's DaskTaskRunner), so a large batch is read by every
OCR machine at once. A real Dask scheduler and two workers (separate processes, one thread each, as two
small machines would run them); `sohoa ingest` as an operator types it. Every document must be
complete in the catalog and the store, and both workers must have read some of its documents.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from distributed import Client

from schemas.settings import Settings
from storage.resources import resources
from tests.helpers import assert_documents_complete, write_pages
from tests.prefect_site import free_port, start, stop

BIN = Path(sys.executable).parent
WORKERS = ("may-1", "may-2")
PAGES = {f"trang_{n:02d}.png": f"Tờ khai số {n}" for n in range(1, 9)}
CONNECT_SECONDS = 120  # a bound on a hung start only


@pytest.fixture
def cluster(tmp_path: Path, data_dir: Path, prefect_server: None) -> Iterator[tuple[str, dict[str, object]]]:
    """A scheduler and two workers on loopback; yields its address and the workers' processes."""
    from prefect.settings import PREFECT_API_URL

    address = f"tcp://127.0.0.1:{free_port()}"
    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "SOHOA_DATA_DIR": str(data_dir),
           "OMP_THREAD_LIMIT": "1", "SOHOA_OCR_WORKERS": "1"}
    scheduler = start([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
                       "--no-dashboard"], env, tmp_path / "scheduler.log")
    workers = {name: start([str(BIN / "dask"), "worker", address, "--nthreads", "1", "--no-nanny",
                            "--no-dashboard", "--name", name], env, tmp_path / f"{name}.log") for name in WORKERS}
    try:
        with Client(address, timeout=CONNECT_SECONDS) as client:
            client.wait_for_workers(len(WORKERS), timeout=CONNECT_SECONDS)
        yield address, {"env": env, **workers}
    finally:
        for process in [*workers.values(), scheduler]:
            stop(process)


def _documents_read(address: str) -> dict[str, int]:
    """Tasks each worker of the cluster has run since it started, by worker name."""
    with Client(address, timeout=CONNECT_SECONDS) as client:
        names = {worker: info["name"] for worker, info in client.scheduler_info()["workers"].items()}
        return {names[worker]: count for worker, count in
                client.run(lambda dask_worker: dask_worker.state.executed_count).items()}


def _progress_of(source: str) -> Counter[str]:
    """The progress events a batch ingested in this process sends its listeners (the CLI's bar),
    each event's amounts added up; waits a moment for the last document's report to arrive."""
    from flows import progress
    from flows.ingest import ingest_batch

    seen: Counter[str] = Counter()
    stop_listening = progress.listen(lambda event, amount: seen.update({event.value: amount}))
    try:
        ingest_batch(source)
        for _ in range(50):
            if seen["file_done"] >= seen["pages_planned"]:
                break
            time.sleep(0.2)
    finally:
        stop_listening()
    return seen


def test_the_documents_of_one_batch_are_read_on_every_worker_of_the_cluster(
        cluster: tuple[str, dict[str, object]], tmp_path: Path, settings: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    address, processes = cluster
    folder = tmp_path / "lo-lon"
    write_pages(folder, PAGES, seed=83)

    result = subprocess.run([str(BIN / "sohoa"), "ingest", str(folder), "--json"], text=True, capture_output=True,
                            env={**processes["env"], "SOHOA_DASK_SCHEDULER": address}, timeout=900, check=False)

    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert {f["file"]: f["status"] for f in report["files"]} == dict.fromkeys(PAGES, "ok")
    assert_documents_complete(resources(settings).catalog, resources(settings).objects,
                              [f["document_id"] for f in report["files"]])
    read = _documents_read(address)
    assert sorted(read) == sorted(WORKERS) and all(count >= 1 for count in read.values()), read
    assert sum(read.values()) == len(PAGES)  # one task per document, each run once

    # The progress bar listens where the flow runs: pages read on the workers advance it there.
    small = tmp_path / "lo-nho"
    write_pages(small, {f"giay_{n}.png": f"Giấy tờ số {n}" for n in range(1, 4)}, seed=84)
    monkeypatch.setenv("SOHOA_DASK_SCHEDULER", address)
    assert _progress_of(str(small)) == {"pages_planned": 3, "page_done": 3, "file_done": 3}
