"""Benchmark: `sohoa ingest FOLDER` against plain `tesseract -l vie` on the same generated scans.

Both sides get the same cores: plain Tesseract runs one single-threaded process per core (its best
configuration here). sohoa is measured as issue 12 asks: the `sohoa ingest FOLDER` command a user
runs, on a fresh data folder, after one warm-up `sohoa ingest` of a single other file (which starts
the local Prefect server the timed command reuses); its wall time includes everything it produces
(preflight and hashing, preprocessing, OCR, searchable PDF, thumbnails, stored objects, catalog).
The batch's own time (its report's start to finish) is shown beside it. Pages cycle through PNG,
JPEG and TIFF files and five kinds of damage.

    .venv/bin/python -m tests.benchmarks.ocr_throughput --pages 40 [--paragraphs 12]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
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


def _tiff(image: Image.Image, path: Path) -> Path:
    return pages.save_tiff_multipage([image], path)


# The scanner's formats, in turn (a format per page, independent of its damage).
FORMATS: dict[str, Callable[[Image.Image, Path], Path]] = {
    "png": pages.save_png, "jpg": lambda image, path: pages.save_jpeg(image.convert("RGB"), path), "tif": _tiff}


def make_pages(folder: Path, count: int, seed: int, names: list[str], *, paragraphs: int = 5,
               formats: list[str] | None = None) -> dict[str, tuple[str, str]]:
    """Write `count` A4 pages, cycling through the categories and the file formats (PNG only unless
    `formats` says otherwise); returns file → (category, truth)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    formats = formats or ["png"]
    truth = {}
    for index in range(count):
        category = names[index % len(names)]
        page = pages.sample_page(rng, paper="A4", paragraphs=paragraphs)
        name = f"page_{index:03d}.{formats[index % len(formats)]}"
        FORMATS[name.rsplit(".", 1)[1]](CATEGORIES[category](page.image, rng), folder / name)
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


def run_sohoa(folder: Path, warm_up: Path, data_dir: Path) -> tuple[float, float, dict[str, str]]:
    """`sohoa ingest FOLDER` as a user runs it, after a warm-up ingest; returns the command's wall
    seconds, the batch's own seconds and the page texts per file."""
    env = {**os.environ, "SOHOA_DATA_DIR": str(data_dir)}
    sohoa = [sys.executable, "-m", "cli"]
    subprocess.run([*sohoa, "ingest", str(warm_up)], env=env, check=True, capture_output=True)
    try:
        started = time.perf_counter()
        subprocess.run([*sohoa, "ingest", str(folder)], env=env, check=True, capture_output=True)
        seconds = time.perf_counter() - started
    finally:
        subprocess.run([*sohoa, "server", "stop"], env=env, capture_output=True)
    os.environ["SOHOA_DATA_DIR"] = str(data_dir)
    from schemas.settings import Settings
    from storage.resources import resources

    catalog = resources(Settings()).catalog
    report = next(r for r in catalog.batches.find_batches() if r.name == folder.name)
    texts = {f.file: "\n".join(p.text for p in catalog.batches.get_pages(f.document_id)) for f in report.files}
    return seconds, (report.finished_at - report.started_at).total_seconds(), texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--only", choices=list(CATEGORIES), action="append",
                        help="restrict to these categories (default: all, in turn)")
    parser.add_argument("--paragraphs", type=int, default=5, help="paragraphs of text per page")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sohoa-bench-") as tmp:
        folder = Path(tmp) / "batch"
        truth = make_pages(folder, args.pages, args.seed, args.only or list(CATEGORIES),
                           paragraphs=args.paragraphs, formats=list(FORMATS))
        warm_up = Path(tmp) / "warm-up"
        make_pages(warm_up, 1, args.seed + 1, ["clean"])
        plain_seconds, plain = run_plain(folder, sorted(truth), args.workers)
        command_seconds, batch_seconds, piped = run_sohoa(folder, warm_up, Path(tmp) / "data")

    by_category: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for name, (category, text) in truth.items():
        by_category[category].append((cer(text, plain[name]), cer(text, piped[name])))
    print(f"{len(truth)} A4 pages ({args.paragraphs} paragraphs each; PNG, JPEG, TIFF), {args.workers} cores, "
          f"plain: Tesseract {_tesseract_version()}, sohoa: {_sohoa_engine()}")
    print()
    print("| | plain `tesseract -l vie` | `sohoa ingest FOLDER` | the batch itself |")
    print("|---|---:|---:|---:|")
    print(f"| seconds | {plain_seconds:.1f} | {command_seconds:.1f} | {batch_seconds:.1f} |")
    print(f"| pages/minute | {60 * len(truth) / plain_seconds:.1f} | {60 * len(truth) / command_seconds:.1f} "
          f"| {60 * len(truth) / batch_seconds:.1f} |")
    print(f"| ratio to plain | 1.00 | {plain_seconds / command_seconds:.2f} | {plain_seconds / batch_seconds:.2f} |")
    for category in args.only or CATEGORIES:
        rows = by_category[category]
        plain_cer = np.mean([r[0] for r in rows])
        piped_cer = np.mean([r[1] for r in rows])
        print(f"| CER {category} ({len(rows)} pages) | {plain_cer:.2%} | {piped_cer:.2%} | |")
    overall_plain = np.mean([r[0] for rows in by_category.values() for r in rows])
    overall_piped = np.mean([r[1] for rows in by_category.values() for r in rows])
    print(f"| CER all pages | {overall_plain:.2%} | {overall_piped:.2%} | |")


def _sohoa_engine() -> str:
    from ocr.engine import tesseract_version

    return f"Tesseract {tesseract_version()} in-process"


def _tesseract_version() -> str:
    return subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.split()[1]


if __name__ == "__main__":
    main()
