"""A province loses a worker's machine in the middle of a batch: the batch still completes, on the
other worker, and nothing is recorded twice.

Shared for real, as issue 11 asks: one Prefect server (prefect.yaml's deployments, a `process` pool),
the catalog on PostgreSQL, inbox and objects on S3 (SeaweedFS); each worker has its own data folder,
as a second machine would, and one OCR slot. The watcher hands the drop to the ingest deployment; once
the run has committed its first document, the worker running it is killed with everything it started
(SIGKILL: no clean-up, as a power cut). Prefect's zombie-run automation, which the watcher installs,
marks the silent run Crashed; the watcher's retry goes to the surviving worker.
"""

from __future__ import annotations

import io
import os
import secrets
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from schemas.batch import AttemptState, BatchReport, BatchStatus
from schemas.settings import OFFICE_TIMEZONE
from storage.catalog import Catalog
from tests.helpers import write_manifest, write_page
from tests.pgserver import PostgresServer
from tests.prefect_site import Deployment, prefect_deployment, province_settings, stop, wait_for
from tests.s3server import S3Endpoint

pytestmark = pytest.mark.s3

PAGES = 24  # enough that a fast machine is still busy with the batch when the worker is killed
DROP = "H12/lo-lon"
HEARTBEAT_SECONDS = 30  # Prefect's shortest
SILENCE_SECONDS = 60
# Bounds on a hung deployment only, never judged as speed.
RUN_DEADLINE_SECONDS = 300
RECOVERY_DEADLINE_SECONDS = 480


@dataclass
class Province:
    deployment: Deployment
    workers: dict[str, object]  # name → its process
    catalog: Catalog
    s3: S3Endpoint
    bucket: str

    def flow_runs(self) -> list[dict]:
        """The ingest runs of our drop, as the server knows them, oldest first."""
        response = httpx.post(self.deployment.env["PREFECT_API_URL"] + "/flow_runs/filter",
                              json={"sort": "EXPECTED_START_TIME_ASC"}, timeout=30)
        response.raise_for_status()
        return [run for run in response.json() if run["parameters"].get("source") == f"inbox:{DROP}"]

    def watch_once(self) -> None:
        self.deployment.run("sohoa", "watch", "--once")


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory, s3_server: S3Endpoint,
             postgres_server: PostgresServer) -> Iterator[Province]:
    root = tmp_path_factory.mktemp("province")
    bucket = f"tinh-{secrets.token_hex(4)}"
    s3_server.client().make_bucket(bucket)  # made by the operator, as the offices' scanners write into it
    catalog_url = postgres_server.url(postgres_server.create_database())
    settings = {**province_settings(s3_server, bucket, catalog_url),
                "SOHOA_INGEST_DEPLOYMENT": "ingest-batch/ingest", "SOHOA_RETRY_SECONDS": "1",
                "SOHOA_RUN_SILENCE_SECONDS": str(SILENCE_SECONDS),
                "PREFECT_FLOWS_HEARTBEAT_FREQUENCY": str(HEARTBEAT_SECONDS), "PREFECT_WORKER_QUERY_SECONDS": "2"}
    with prefect_deployment(root, settings) as deployed:
        workers = {name: deployed.start_worker(name, {"SOHOA_DATA_DIR": str(root / name)})
                   for name in ("may-1", "may-2")}
        catalog = Catalog(catalog_url, ZoneInfo(OFFICE_TIMEZONE))
        try:
            yield Province(deployed, workers, catalog, s3_server, bucket)
        finally:
            catalog.close()
            for worker in workers.values():
                stop(worker)


def _descendants(pid: int) -> list[int]:
    """Every process started by `pid`, however deep (a flow run starts its own session, so a process
    group does not hold it)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _runs_a_flow(pid: int) -> bool:
    for child in _descendants(pid):
        try:
            if b"prefect.engine" in Path(f"/proc/{child}/cmdline").read_bytes():
                return True
        except OSError:
            continue
    return False


def _drop_batch(province: Province, folder: Path) -> None:
    for number in range(1, PAGES + 1):
        write_page(folder / f"trang_{number:02d}.png", seed=600 + number, title=f"Tờ khai số {number}")
    write_manifest(folder, office_code="H12", operator="Nguyễn Thị Lan")
    client = province.s3.client()
    for path in sorted(folder.iterdir(), key=lambda p: p.name == "batch.yaml"):  # the manifest last
        data = path.read_bytes()
        client.put_object(province.bucket, f"inbox/{DROP}/{path.name}", io.BytesIO(data), len(data))


def test_a_worker_killed_mid_batch_loses_nothing_and_the_other_worker_completes_it(
        province: Province, tmp_path: Path) -> None:
    logs = province.deployment.logs
    _drop_batch(province, tmp_path / "lo-lon")
    province.watch_once()

    def some_committed() -> bool:
        return province.catalog.batches.count_rows()["documents"] >= 1

    wait_for(some_committed, RUN_DEADLINE_SECONDS, "the first documents of the batch", logs, every=0.3)
    [busy] = [name for name, worker in province.workers.items() if _runs_a_flow(worker.pid)]
    committed = province.catalog.batches.count_rows()["documents"]
    assert committed < PAGES, "the batch finished before the worker could be killed: make it larger"
    for pid in [province.workers[busy].pid, *_descendants(province.workers[busy].pid)]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    province.workers[busy].wait(timeout=30)
    killed_at = time.monotonic()

    report_key = None

    def finished_elsewhere() -> bool:
        nonlocal report_key
        province.watch_once()  # what the scheduled watcher does every minute
        client = province.s3.client()
        reports = [o.object_name for o in client.list_objects(province.bucket, prefix="done/", recursive=True)
                   if o.object_name.endswith("/report.json")]
        report_key = reports[0] if reports else None
        return report_key is not None

    wait_for(finished_elsewhere, RECOVERY_DEADLINE_SECONDS, "the batch completing on the other worker", logs)
    print(f"recovered {time.monotonic() - killed_at:.0f} s after the kill")  # noqa: T201 - for docs/deploy.md

    response = province.s3.client().get_object(province.bucket, report_key)
    report = BatchReport.model_validate_json(response.read())
    response.close()
    response.release_conn()
    assert report.status is BatchStatus.DONE
    assert len(report.files) == PAGES and {f.status.value for f in report.files} == {"ok"}
    rows = province.catalog.batches.count_rows()
    assert rows["documents"] == PAGES  # what the dead run committed was kept, nothing written twice
    assert len({f.document_id for f in report.files}) == PAGES
    runs = province.flow_runs()
    assert [run["state_type"] for run in runs] == ["CRASHED", "COMPLETED"]
    province.watch_once()  # the watcher's next pass notes how the retried run ended
    attempt = province.catalog.batches.get_drop_attempt(DROP)
    assert attempt.attempts == 2 and attempt.state is AttemptState.FINISHED
    assert not list(province.s3.client().list_objects(province.bucket, prefix="inbox/", recursive=True))
    survivor = next(name for name in province.workers if name != busy)
    assert province.workers[survivor].poll() is None
