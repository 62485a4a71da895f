"""Benchmark: the ingest pipeline against plain `tesseract -l vie` on the same generated pages.

Both sides get the same cores: plain Tesseract runs one single-threaded process per core (its best
configuration here), the pipeline runs its Prefect flow with its default pool. The pipeline's time is
the flow's wall time on an already running Prefect server and includes everything it produces
(preflight and hashing, preprocessing, OCR, searchable PDF, thumbnails, stored objects, catalog).

    .venv/bin/python -m tests.benchmarks.ocr_throughput --pages 40
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from ocr.metrics import cer
from tests.generators import pages

Degrade = Callable[[Image.Image, np.random.Generator], Image.Image]

# The kinds of page a one-stop counter produces, from easy to hard.
CATEGORIES: dict[str, Degrade] = {
    "clean": lambda im, rng: im,
    "skewed 4-8°": lambda im, rng: pages.skew(im, float(rng.uniform(4, 8) * rng.choice([-1, 1]))),
    "noisy + uneven light": lambda im, rng: pages.gaussian_noise(
        pages.uneven_light(im, 0.6, rng=rng), 22, rng=rng),
    "dark border + blur": lambda im, rng: pages.blur(pages.border(im, 0.06, rng=rng), 1.3),
    "sideways / upside down": lambda im, rng: pages.rotate90(im, int(rng.integers(1, 4))),
}


def make_pages(folder: Path, count: int, seed: int, names: list[str]) -> dict[str, tuple[str, str]]:
    """Write `count` A4 pages, cycling through the categories; returns file → (category, truth)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    truth = {}
    for index in range(count):
        category = names[index % len(names)]
        page = pages.sample_page(rng, paper="A4", paragraphs=5)
        name = f"page_{index:03d}.png"
        pages.save_png(CATEGORIES[category](page.image, rng), folder / name)
        truth[name] = (category, page.text)
    return truth


def run_plain(folder: Path, names: list[str], workers: int) -> tuple[float, dict[str, str]]:
    """Plain Tesseract CLI, one single-threaded process per core; returns wall seconds and texts."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(name: str) -> tuple[str, str]:
        done = subprocess.run(["tesseract", str(folder / name), "stdout", "-l", "vie"],
                              capture_output=True, env=env, check=True)
        return name, done.stdout.decode("utf-8")

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        texts = dict(pool.map(one, names))
    return time.perf_counter() - started, texts


def run_pipeline(folder: Path, data_dir: Path) -> tuple[float, dict[str, str]]:
    """The ingest flow on a running Prefect server; returns wall seconds and page texts per file."""
    os.environ["SOHOA_DATA_DIR"] = str(data_dir)
    from flows.ingest import ingest_batch
    from schemas.settings import Settings
    from storage.resources import resources

    started = time.perf_counter()
    report = ingest_batch(str(folder))
    seconds = time.perf_counter() - started
    catalog = resources(Settings()).catalog
    texts = {f.file: "\n".join(p.text for p in catalog.batches.get_pages(f.document_id)) for f in report.files}
    return seconds, texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--only", choices=list(CATEGORIES), action="append",
                        help="restrict to these categories (default: all, in turn)")
    args = parser.parse_args()

    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from prefect.testing.utilities import prefect_test_harness

    with tempfile.TemporaryDirectory(prefix="sohoa-bench-") as tmp, prefect_test_harness():
        folder = Path(tmp) / "batch"
        truth = make_pages(folder, args.pages, args.seed, args.only or list(CATEGORIES))
        plain_seconds, plain = run_plain(folder, sorted(truth), args.workers)
        pipeline_seconds, piped = run_pipeline(folder, Path(tmp) / "data")

    by_category: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for name, (category, text) in truth.items():
        by_category[category].append((cer(text, plain[name]), cer(text, piped[name])))
    plain_rate, piped_rate = 60 * len(truth) / plain_seconds, 60 * len(truth) / pipeline_seconds
    print(f"{len(truth)} A4 pages, {args.workers} cores, Tesseract {_tesseract_version()}")
    print()
    print("| | plain `tesseract -l vie` | sohoa pipeline |")
    print("|---|---:|---:|")
    print(f"| pages/minute | {plain_rate:.1f} | {piped_rate:.1f} ({piped_rate / plain_rate:.0%} of plain) |")
    for category in args.only or CATEGORIES:
        rows = by_category[category]
        plain_cer = np.mean([r[0] for r in rows])
        piped_cer = np.mean([r[1] for r in rows])
        print(f"| CER {category} ({len(rows)} pages) | {plain_cer:.2%} | {piped_cer:.2%} |")
    overall_plain = np.mean([r[0] for rows in by_category.values() for r in rows])
    overall_piped = np.mean([r[1] for rows in by_category.values() for r in rows])
    print(f"| CER all pages | {overall_plain:.2%} | {overall_piped:.2%} |")


def _tesseract_version() -> str:
    return subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.split()[1]


if __name__ == "__main__":
    main()
