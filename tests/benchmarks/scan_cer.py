"""Benchmark: character error rate on hard scans of prose pages, sohoa's page reader beside plain Tesseract.

The page kinds follow the ones an independent test of issue 14 scored (clean; moderate: skew ≤ 2°,
noise, JPEG, shadows, seals, bleed-through; hard: skew ≤ 4°, strong noise, 200 dpi, faded ink, JPEG
q40-60; turned 90/180/270°; 200 dpi; hard two-column; hard JPEG), on A4 pages in two looks: `tuned`
uses the typefaces the reading code is developed on, `held_out` typefaces it never saw
(`pages.HELD_OUT_FONTS`), so the figure an unseen office would get is reported apart.

Each page goes through `ocr.pipeline.read_page` (what the ingest flow calls per page) and through
`tesseract FILE stdout -l vie --psm 3`, both single-threaded, one page per core. CER is edit distance over
reference length after NFC and whitespace folding; the truth of a two-column page is column by column.

    .venv/bin/python -m tests.benchmarks.scan_cer --per-kind 4 --looks held_out
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

import numpy as np  # noqa: E402 - after the thread limit, which Tesseract reads at start
from PIL import Image  # noqa: E402

from ocr.metrics import cer  # noqa: E402
from ocr.pipeline import read_page  # noqa: E402
from schemas.document import FileKind  # noqa: E402
from schemas.settings import Settings  # noqa: E402
from tests.generators import corpus, pages  # noqa: E402

Spoil = Callable[[Image.Image, np.random.Generator], Image.Image]


def _moderate(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A day's ordinary scan: a little skew, sensor noise, a shadow, a seal or show-through."""
    image = pages.skew(image, float(rng.uniform(-2, 2)))
    if rng.random() < 0.5:
        image = pages.bleed_through(image, float(rng.uniform(0.08, 0.2)), rng=rng)
    image = pages.uneven_light(image, float(rng.uniform(0.15, 0.4)), rng=rng)
    if rng.random() < 0.5:  # a blue received-stamp or an office's red seal
        red = bool(rng.random() < 0.5)
        image = pages.color_paper(image, rng=rng, stamp_text="ỦY BAN NHÂN DÂN\nXÃ AN BÌNH" if red else "ĐÃ TIẾP NHẬN",
                                  stamp_ink=(200, 30, 40, 200) if red else (35, 60, 170, 190))
    return pages.gaussian_noise(image, float(rng.uniform(4, 10)), rng=rng)


def _hard(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A bad scan: up to 4° skew, faded ink, strong noise, 200 dpi."""
    image = pages.faded_ink(image, float(rng.uniform(0.3, 0.6)))
    image = pages.skew(image, float(rng.uniform(2, 4) * rng.choice([-1, 1])))
    image = pages.gaussian_noise(image, float(rng.uniform(12, 25)), rng=rng)
    return pages.low_dpi(image) if rng.random() < 0.5 else image


def _soft_small(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Beyond the issue's kinds, to find where reading breaks: a soft (out of focus) 200 dpi scan
    with noise and skew, saved as a small JPEG."""
    image = pages.skew(image, float(rng.uniform(-3, 3)))
    image = pages.blur(pages.low_dpi(image), float(rng.uniform(0.7, 1.1)))
    return pages.gaussian_noise(image, float(rng.uniform(6, 12)), rng=rng)


# kind → (columns, spoil, JPEG quality range or None for PNG, dpi the file is written at)
KINDS: dict[str, tuple[int, Spoil, tuple[int, int] | None, int]] = {
    "clean": (1, lambda im, rng: im, None, 300),
    "moderate": (1, _moderate, (60, 85), 300),
    "hard": (1, _hard, None, 0),
    "turned 90/180/270": (1, lambda im, rng: pages.rotate90(_moderate(im, rng), int(rng.integers(1, 4))),
                          (70, 85), 300),
    "200 dpi": (1, lambda im, rng: pages.gaussian_noise(pages.low_dpi(im), 5, rng=rng), None, 200),
    "hard two-column": (2, _hard, None, 0),
    "hard JPEG": (1, _hard, (40, 60), 0),
    "soft 200 dpi JPEG": (1, _soft_small, (30, 45), 200),
}


def make_pages(folder: Path, per_kind: int, seed: int, looks: str) -> dict[str, tuple[str, str]]:
    """Write the pages; returns file name → (kind, truth). dpi 0 means: as the spoil left it."""
    rng = np.random.default_rng(seed)
    fonts = sorted(pages.HELD_OUT_FONTS if looks == "held_out" else pages.FONTS)
    truth = {}
    for kind, (columns, spoil, quality, dpi) in KINDS.items():
        for index in range(per_kind):
            words = random.Random(int(rng.integers(2**32)))  # the corpus draws with the stdlib's rng
            page = pages.render_page(corpus.paragraphs(words, 6, sentences_each=3),
                                     title=words.choice(corpus.HEADINGS), font=fonts[index % len(fonts)],
                                     size_pt=float(rng.integers(22, 27)) / 2, paper="A4",
                                     columns=columns)
            image = spoil(page.image, rng)
            written = dpi or (200 if image.width < 2000 else 300)
            stem = f"{kind.split()[0]}_{columns}_{index:02d}"
            if quality:
                name = f"{stem}.jpg"
                pages.save_jpeg(image, folder / name, quality=int(rng.integers(*quality)), dpi=written)
            else:
                name = f"{stem}.png"
                pages.save_png(image, folder / name, dpi=written)
            truth[name] = (kind, page.text)
    return truth


def read_sohoa(path: Path) -> str:
    """The text `sohoa ingest` stores for this one-page scan."""
    kind = FileKind.JPEG if path.suffix == ".jpg" else FileKind.PNG
    return read_page(path, kind, 1, Settings()).page.text


def read_plain(path: Path) -> str:
    """Plain Tesseract's text, its default page segmentation."""
    done = subprocess.run(["tesseract", str(path), "stdout", "-l", "vie", "--psm", "3"],
                          capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-kind", type=int, default=4)
    parser.add_argument("--seed", type=int, default=29)
    parser.add_argument("--looks", choices=("tuned", "held_out"), default="held_out")
    parser.add_argument("--keep", type=Path, help="write the pages here and keep them")
    parser.add_argument("--no-plain", action="store_true", help="skip plain Tesseract")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="sohoa-scan-cer-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        truth = make_pages(folder, args.per_kind, args.seed, args.looks)
        names = sorted(truth)
        with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
            ours = dict(zip(names, pool.map(read_sohoa, [folder / n for n in names]), strict=True))
            plain = ({} if args.no_plain else
                     dict(zip(names, pool.map(read_plain, [folder / n for n in names]), strict=True)))

    rows: dict[str, list[tuple[str, float, float | None]]] = defaultdict(list)
    for name, (kind, text) in truth.items():
        rows[kind].append((name, cer(text, ours[name]), cer(text, plain[name]) if plain else None))
    print(f"{len(truth)} A4 pages, looks {args.looks}, seed {args.seed}")
    print()
    print("| pages | sohoa CER | plain tesseract CER | worst page (sohoa) |")
    print("|---|---:|---:|---|")
    for kind, found in rows.items():
        worst = max(found, key=lambda r: r[1])
        plain_cer = f"{np.mean([r[2] for r in found]):.1%}" if plain else "—"
        print(f"| {kind} ({len(found)}) | {np.mean([r[1] for r in found]):.1%} | {plain_cer} | "
              f"{worst[0]} {worst[1]:.1%} |")


if __name__ == "__main__":
    main()
