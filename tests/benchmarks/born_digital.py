"""Benchmark: `sohoa ingest FOLDER` on born-digital PDFs against pdfplumber alone on the same files.

Issue 12 asks for ≥ 20 pages/s per core on text-layer PDFs. The anchor is the bare library the
pipeline reads them with: `pdfplumber`'s `extract_text` on every page, one process per core. sohoa is
measured as issue 12 measures it (`tests.benchmarks.ocr_throughput.run_sohoa`: fresh data folder,
one warm-up ingest, the timed command), and does more per page: reading order, the trust verdict, a
thumbnail, the searchable PDF, text and words objects, understanding, the catalog. Documents have
1 to 3 pages in one, two or three columns and the generators' fonts in turn.

    .venv/bin/python -m tests.benchmarks.born_digital --documents 40
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pdfplumber

from ocr.metrics import cer
from tests.benchmarks.ocr_throughput import run_sohoa
from tests.generators import corpus, pdfs
from tests.generators.pages import FONTS


def make_documents(folder: Path, count: int, seed: int) -> dict[str, str]:
    """Write `count` PDFs of 1-3 pages; returns file → its text in reading order, pages joined."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    fonts = sorted(FONTS)
    truth = {}
    for index in range(count):
        parts, texts = [], []
        for page in range(rng.randint(1, 3)):
            columns = (index + page) % 3 + 1
            data, text = pdfs.born_digital_pdf(corpus.paragraphs(rng, 2 + columns), columns=columns,
                                               size_pt=(11, 10, 8)[columns - 1], font=fonts[(index + page) % len(fonts)],
                                               heading="ĐƠN ĐỀ NGHỊ" if page == 0 else None)
            parts.append(data)
            texts.append(text)
        name = f"doc_{index:03d}.pdf"
        (folder / name).write_bytes(pdfs.concatenate_pdfs(parts))
        truth[name] = "\n".join(texts)
    return truth


def _plumb(path: Path) -> tuple[str, int]:
    with pdfplumber.open(path) as pdf:
        return "\n".join(page.extract_text() or "" for page in pdf.pages), len(pdf.pages)


def run_pdfplumber(folder: Path, names: list[str], workers: int) -> tuple[float, dict[str, str], int]:
    """pdfplumber's text of every page, one process per core; wall seconds, texts, pages."""
    started = time.perf_counter()
    with ProcessPoolExecutor(workers) as pool:
        results = dict(zip(names, pool.map(_plumb, [folder / name for name in names])))
    seconds = time.perf_counter() - started
    return seconds, {name: text for name, (text, _) in results.items()}, sum(n for _, n in results.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=40)
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sohoa-bench-") as tmp:
        folder = Path(tmp) / "batch"
        truth = make_documents(folder, args.documents, args.seed)
        warm_up = Path(tmp) / "warm-up"
        make_documents(warm_up, 1, args.seed + 1)
        plain_seconds, plain, pages = run_pdfplumber(folder, sorted(truth), args.workers)
        command_seconds, batch_seconds, piped = run_sohoa(folder, warm_up, Path(tmp) / "data")

    print(f"{len(truth)} born-digital PDFs, {pages} pages, {args.workers} cores")
    print()
    print("| | pdfplumber `extract_text` | `sohoa ingest FOLDER` | the batch itself |")
    print("|---|---:|---:|---:|")
    print(f"| seconds | {plain_seconds:.1f} | {command_seconds:.1f} | {batch_seconds:.1f} |")
    rates = [pages / s / args.workers for s in (plain_seconds, command_seconds, batch_seconds)]
    print("| pages/s per core | " + " | ".join(f"{rate:.1f}" for rate in rates) + " |")
    print(f"| CER | {np.mean([cer(truth[n], plain[n]) for n in truth]):.2%} "
          f"| {np.mean([cer(truth[n], piped[n]) for n in truth]):.2%} | |")


if __name__ == "__main__":
    main()
