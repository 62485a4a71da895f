"""Benchmark: the same batch set through 1 and then 2 Prefect workers, as a province runs them.

One Prefect server with prefect.yaml's deployments and a `process` pool, the catalog on a private
PostgreSQL cluster, inbox and objects on SeaweedFS; each worker is pinned to one core (`taskset`), takes
one run at a time and reads one page at a time (`SOHOA_OCR_WORKERS=1`), with its own data folder. The
drops (generated once, the same for every run) are put in the S3 inbox, `sohoa watch --once` hands them
all to the ingest deployment, and the clock stops when the last report lands in `done/`. Each worker
count starts from an empty bucket and catalog.

`--one-batch PAGES` measures instead one drop of PAGES pages through `sohoa ingest` with
`SOHOA_DASK_SCHEDULER`: its documents read by 1, then 2 Dask workers pinned to one core each.

    .venv/bin/python -m tests.benchmarks.scale_out --drops 20 --pages-per-drop 10
    .venv/bin/python -m tests.benchmarks.scale_out --one-batch 60
"""

from __future__ import annotations

import argparse
import io
import os
import secrets
import shutil
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from distributed import Client

from tests.helpers import write_manifest, write_page
from tests.pgserver import PostgresServer, running_postgres
from tests.prefect_site import BIN, free_port, prefect_deployment, province_settings, start, stop
from tests.s3server import S3Endpoint, running_s3_server

RUN_DEADLINE_SECONDS = 3 * 3600  # a bound on a hung deployment only


def make_drops(folder: Path, drops: int, pages_per_drop: int) -> list[Path]:
    """`drops` folders of `pages_per_drop` one-page scans each, with a manifest."""
    made = []
    for index in range(drops):
        drop = folder / f"lo-{index:03d}"
        for page in range(pages_per_drop):
            seed = 10_000 + index * pages_per_drop + page
            write_page(drop / f"trang_{page:02d}.png", seed=seed, title=f"Tờ khai số {seed}")
        write_manifest(drop, office_code="H12", operator="Nguyễn Thị Lan")
        made.append(drop)
    return made


def run(workers: int, drops: list[Path], root: Path, s3: S3Endpoint, postgres: PostgresServer) -> float:
    """Wall seconds from handing every drop to the pool until the last batch report is in done/."""
    bucket = f"scale-{workers}-{secrets.token_hex(3)}"
    client = s3.client()
    client.make_bucket(bucket)
    for drop in drops:
        for path in sorted(drop.iterdir(), key=lambda p: p.name == "batch.yaml"):
            data = path.read_bytes()
            client.put_object(bucket, f"inbox/H12/{drop.name}/{path.name}", io.BytesIO(data), len(data))
    settings = {**province_settings(s3, bucket, postgres.url(postgres.create_database())),
                "SOHOA_INGEST_DEPLOYMENT": "ingest-batch/ingest", "PREFECT_WORKER_QUERY_SECONDS": "2"}
    site = root / f"workers-{workers}"
    site.mkdir()
    with prefect_deployment(site, settings) as deployed:
        started = []
        try:
            for number in range(workers):
                core = number % (os.cpu_count() or 1)
                env = {**deployed.env, "SOHOA_DATA_DIR": str(site / f"may-{number + 1}")}
                started.append(start(["taskset", "-c", str(core), str(BIN / "prefect"), "worker", "start",
                                      "--pool", "sohoa", "--limit", "1", "--name", f"may-{number + 1}"],
                                     env, site / "logs" / f"may-{number + 1}.log"))
            time.sleep(10)  # the workers register with the server before the first run is offered
            clock = time.monotonic()
            deployed.run("sohoa", "watch", "--once")
            while time.monotonic() - clock < RUN_DEADLINE_SECONDS:
                reports = [o for o in client.list_objects(bucket, prefix="done/", recursive=True)
                           if o.object_name.endswith("/report.json")]
                if len(reports) >= len(drops):
                    return time.monotonic() - clock
                time.sleep(2)
            raise TimeoutError(f"{workers} worker(s): not every batch finished within {RUN_DEADLINE_SECONDS} s")
        finally:
            for worker in started:
                stop(worker)


def run_dask(workers: int, drop: Path, root: Path, s3: S3Endpoint, postgres: PostgresServer) -> float:
    """Wall seconds of `sohoa ingest DROP` whose documents go to `workers` single-core Dask workers."""
    bucket = f"dask-{workers}-{secrets.token_hex(3)}"
    address = f"tcp://127.0.0.1:{free_port()}"
    settings = province_settings(s3, bucket, postgres.url(postgres.create_database()))
    site = root / f"dask-{workers}"
    site.mkdir()
    with prefect_deployment(site, settings) as deployed:
        processes = [start([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port",
                            address.rsplit(":", 1)[1], "--no-dashboard"], deployed.env, site / "logs" / "dask.log")]
        try:
            for number in range(workers):
                core = str(number % (os.cpu_count() or 1))
                processes.append(start(["taskset", "-c", core, str(BIN / "dask"), "worker", address, "--nthreads",
                                        "1", "--no-nanny", "--no-dashboard"], deployed.env,
                                       site / "logs" / f"dask-worker-{number}.log"))
            with Client(address, timeout=120) as client:
                client.wait_for_workers(workers, timeout=120)
            clock = time.monotonic()
            deployed.run("sohoa", "ingest", str(drop), timeout=RUN_DEADLINE_SECONDS,
                         env={"SOHOA_DASK_SCHEDULER": address})
            return time.monotonic() - clock
        finally:
            for process in processes:
                stop(process)


def _table(title: str, pages: int, rows: list[tuple[int, float]]) -> None:
    first = pages / rows[0][1]
    print(f"{title}\n")  # noqa: T201
    print("| workers | wall s | pages/hour | × one worker |\n|---:|---:|---:|---:|")  # noqa: T201
    for workers, seconds in rows:
        print(f"| {workers} | {seconds:.0f} | {pages / seconds * 3600:,.0f} | {pages / seconds / first:.2f} |")  # noqa: T201


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--drops", type=int, default=20)
    parser.add_argument("--pages-per-drop", type=int, default=10)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--one-batch", type=int, metavar="PAGES", help="one drop of PAGES pages, on Dask workers")
    args = parser.parse_args()
    if shutil.which("taskset") is None:
        raise SystemExit("taskset (util-linux) is needed to pin each worker to one core")
    root = Path(tempfile.mkdtemp(prefix="sohoa-scale-"))
    try:
        with ExitStack() as stack:
            s3 = stack.enter_context(running_s3_server(root / "s3"))
            postgres = stack.enter_context(running_postgres())
            if args.one_batch:
                [drop] = make_drops(root / "drops", 1, args.one_batch)
                rows = [(workers, run_dask(workers, drop, root, s3, postgres)) for workers in args.workers]
                _table(f"one drop of {args.one_batch} pages, documents on Dask workers of one core each",
                       args.one_batch, rows)
                return
            drops = make_drops(root / "drops", args.drops, args.pages_per_drop)
            rows = [(workers, run(workers, drops, root, s3, postgres)) for workers in args.workers]
        _table(f"{args.drops} drops × {args.pages_per_drop} pages; Prefect process workers of one core each",
               args.drops * args.pages_per_drop, rows)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
