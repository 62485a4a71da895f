"""Benchmark: where a scanned page's seconds go, stage by stage, beside plain `tesseract` on the same file.

Each generated A4 page (the kinds of `ocr_throughput`) is read by the same functions
`ocr.pipeline.read_page` calls, one at a time on one core (OMP_THREAD_LIMIT=1), each stage timed:
decoding the file, the card probe (QR, outlines, MRZ band), preprocessing (orientation, deskew,
cleaning: OpenCV, plus Tesseract where the image leaves the orientation unsure), recognition
(Tesseract `vie`, text + TSV + text-only PDF in one run), the searchable page (image
PDF + text overlay) and the thumbnail. Then plain `tesseract FILE stdout -l vie` on the same file.
What the flow adds on top (Prefect tasks, hashing, fsync'd object writes, catalog) is the difference
to `ocr_throughput`'s whole-flow rate.

    .venv/bin/python -m tests.benchmarks.page_profile --pages 20
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from ocr import searchable  # noqa: E402 - after the thread limit, which Tesseract reads at start
from ocr.engine import recognise  # noqa: E402
from ocr.identity.probe import probe_card  # noqa: E402
from ocr.images import load_page  # noqa: E402
from ocr.pipeline import _thumbnail  # noqa: E402
from ocr.preprocess import preprocess  # noqa: E402
from schemas.document import FileKind  # noqa: E402
from schemas.settings import Settings  # noqa: E402
from tests.benchmarks.ocr_throughput import CATEGORIES, make_pages  # noqa: E402

STAGES = ("decode", "card probe", "preprocess (incl. orientation)", "recognise", "searchable page",
          "thumbnail")


def profile(path: Path, settings: Settings) -> dict[str, float]:
    """Seconds per stage of one page, as `read_page` runs them."""
    spent: dict[str, float] = {}

    def timed(stage: str, work):  # noqa: ANN001, ANN202 - a tiny local helper
        started = time.perf_counter()
        result = work()
        spent[stage] = time.perf_counter() - started
        return result

    image = timed("decode", lambda: load_page(path, FileKind.PNG, 1))
    timed("card probe", lambda: probe_card(image.pixels, image.dpi))
    ready = timed("preprocess (incl. orientation)", lambda: preprocess(image.pixels, image.dpi, timeout=30))
    result = timed("recognise", lambda: recognise(ready.ocr, dpi=ready.dpi, language=settings.ocr_language,
                                                  scale=ready.read_scale))
    timed("searchable page", lambda: searchable.with_words(searchable.image_page(ready.display, ready.dpi),
                                                           result.words, ready.dpi))
    timed("thumbnail", lambda: _thumbnail(ready.display))
    return spent


def plain(path: Path) -> float:
    started = time.perf_counter()
    subprocess.run(["tesseract", str(path), "stdout", "-l", "vie"], capture_output=True, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    settings = Settings()
    kinds = list(CATEGORIES)
    totals: dict[str, list[float]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="sohoa-profile-") as tmp:
        truth = make_pages(Path(tmp), args.pages, args.seed, kinds)
        for name in sorted(truth):
            path = Path(tmp) / name
            for stage, seconds in profile(path, settings).items():
                totals[stage].append(seconds)
            totals["plain tesseract (CLI, same file)"].append(plain(path))
    ours = sum(sum(totals[stage]) for stage in STAGES)
    print(f"{args.pages} A4 pages ({', '.join(kinds)} in turn), one at a time on one core\n")
    print("| stage | seconds per page | share of sohoa's page |")
    print("|---|---:|---:|")
    for stage in STAGES:
        print(f"| {stage} | {sum(totals[stage]) / args.pages:.3f} | {sum(totals[stage]) / ours:.0%} |")
    print(f"| **sohoa page, all stages** | **{ours / args.pages:.3f}** | 100% |")
    mean_plain = sum(totals["plain tesseract (CLI, same file)"]) / args.pages
    print(f"| plain `tesseract FILE stdout -l vie` | {mean_plain:.3f} | {mean_plain * args.pages / ours:.0%} |")


if __name__ == "__main__":
    main()
