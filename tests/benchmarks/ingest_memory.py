"""Benchmark: peak memory of `sohoa ingest` as a batch grows (issue 12: flat from 50 to 2,000 pages).

For each size, that many generated single-page A4 scans (PNG, clean) go into one batch folder and
`sohoa ingest FOLDER` runs as a user runs it, on a local Prefect server started beforehand (so the
server's own memory is not counted). The resident memory of the command and of all its descendants
(Tesseract runs inside the command since session 10) is sampled from /proc every quarter second; the
table gives the peaks and the wall time. The resident ingest process is off (each command reads its
own batch).

    .venv/bin/python -m tests.benchmarks.ingest_memory --pages 50 500 2000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.ocr_throughput import make_pages

_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
SOHOA = str(Path(sys.executable).with_name("sohoa"))


def _tree_rss(root: int) -> tuple[int, int]:
    """(RSS of `root`, RSS of `root` and every descendant), in bytes, from /proc."""
    parents, rss = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        parents[int(entry.name)] = int(fields[1])
        rss[int(entry.name)] = int(fields[21]) * _PAGE_BYTES
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return rss.get(root, 0), sum(rss.get(pid, 0) for pid in tree)


def measure(folder: Path, env: dict[str, str]) -> tuple[float, int, int]:
    """Wall seconds and peak RSS (command alone, command with descendants) of one `sohoa ingest`."""
    started = time.perf_counter()
    process = subprocess.Popen([SOHOA, "ingest", str(folder)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    peak_own = peak_tree = 0
    while process.poll() is None:
        own, tree = _tree_rss(process.pid)
        peak_own, peak_tree = max(peak_own, own), max(peak_tree, tree)
        time.sleep(0.25)
    if process.returncode != 0:
        raise SystemExit(f"sohoa ingest exited {process.returncode}")
    return time.perf_counter() - started, peak_own, peak_tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, nargs="+", default=[50, 500, 2000])
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    print("| pages | wall s | pages/min | peak RSS, sohoa ingest | peak RSS, with its workers and Tesseract |")
    print("|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="sohoa-memory-") as tmp:
        # Each batch read in its own command's process, whose peaks are the ones measured (a resident
        # ingest process would read them all, its peak the largest batch's).
        env = {**os.environ, "SOHOA_DATA_DIR": str(Path(tmp) / "data"), "SOHOA_RESIDENT_INGEST": "false"}
        subprocess.run([SOHOA, "server", "start"], env=env, check=True, stdout=subprocess.DEVNULL)
        try:
            for count in args.pages:
                folder = Path(tmp) / f"lo-{count}"
                make_pages(folder, count, args.seed + count, ["clean"])
                seconds, own, tree = measure(folder, env)
                print(f"| {count} | {seconds:.0f} | {60 * count / seconds:.1f} | {own / 2**20:.0f} MiB | "
                      f"{tree / 2**20:.0f} MiB |", flush=True)
        finally:
            subprocess.run([SOHOA, "server", "stop"], env=env, check=False, stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
