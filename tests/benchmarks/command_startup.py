"""Benchmark: what `sohoa ingest` costs around its batch once the local server runs (issue 12: ≤ 2 s).

Measured as a clerk meets it: on a fresh data folder, after one warm-up `sohoa ingest` of a single
file (which starts the local Prefect server and, by default, the resident ingest process), the
wall time of `sohoa ingest FILE` for a file already in the catalog (nothing to read: the command's
own cost) and for a new one-page scan (a small batch end to end), each run several times; once with
the resident process (the default) and once without it (`SOHOA_RESIDENT_INGEST=false`, every command
imports and sets up everything itself).

    .venv/bin/python -m tests.benchmarks.command_startup [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from tests.benchmarks.ocr_throughput import make_pages
from tests.benchmarks.ingest_memory import SOHOA


def _seconds(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([SOHOA, *args], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def measure(root: Path, runs: int, resident: bool) -> tuple[list[float], list[float]]:
    """Seconds of `sohoa ingest` of a known file and of new one-page files, after a warm-up."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SOHOA_", "PREFECT_"))}
    env.update(SOHOA_DATA_DIR=str(root / "data"), SOHOA_RESIDENT_INGEST=str(resident).lower())
    make_pages(root / "known", 1, seed=5, names=["clean"], paragraphs=1)
    for run in range(runs):
        make_pages(root / f"new-{run}", 1, seed=100 + run, names=["clean"], paragraphs=1)
    known = root / "known" / "page_000.png"
    _seconds(["ingest", str(known)], env)  # the warm-up: the server (and the resident process) start
    try:
        again = [_seconds(["ingest", str(known)], env) for _ in range(runs)]
        new = [_seconds(["ingest", str(root / f"new-{run}" / "page_000.png")], env) for run in range(runs)]
    finally:
        subprocess.run([SOHOA, "server", "stop"], env=env, check=False, capture_output=True)
    return again, new


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print("| `sohoa ingest FILE` after a warm-up | known file: median (min-max) s | new one-page scan: median (min-max) s |")
    print("|---|---:|---:|")
    for resident, label in ((False, "every command starts up (`SOHOA_RESIDENT_INGEST=false`)"),
                            (True, "resident ingest process (the default)")):
        with tempfile.TemporaryDirectory(prefix="sohoa-startup-") as tmp:
            again, new = measure(Path(tmp), args.runs, resident)
        cells = [f"{statistics.median(times):.2f} ({min(times):.2f}-{max(times):.2f})" for times in (again, new)]
        print(f"| {label} | {cells[0]} | {cells[1]} |", flush=True)


if __name__ == "__main__":
    main()
