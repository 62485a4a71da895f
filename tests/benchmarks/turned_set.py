"""A stress copy of a card set: every JPEG card turned a little more, or scanned coarser, to see how
much the reading depends on how straight a card lay (the independent set's own scans lie up to 2° off)
and on the scanner's resolution (its coarsest flat scans are 200 dpi).

    .venv/bin/python -m tests.benchmarks.turned_set ../shared/devset/cards OUT --degrees 1.5
    .venv/bin/python -m tests.benchmarks.turned_set ../shared/devset/cards OUT --degrees 0 --scale 0.67
    .venv/bin/python -m tests.benchmarks.card_manifest --misses OUT

Each image is turned by +degrees or -degrees (a fixed random choice per file), on the same canvas, its
edges carried outwards, resampled by `scale` (its resolution scaled alike), saved as JPEG at `quality`;
the truth is copied. PDFs are left out. A measuring aid only: nothing is tuned on these copies.
"""

from __future__ import annotations

import argparse
import json
import zlib
from pathlib import Path

import cv2
import numpy as np
from PIL import Image


def write_turned(source: Path, target: Path, degrees: float, scale: float = 1.0, quality: int = 90) -> int:
    """Turned copies of the JPEG cards listed in `source`'s manifest, and their manifest; their count."""
    target.mkdir(parents=True, exist_ok=True)
    rows, count = [], 0
    for line in (source / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry.get("kind") != "id_card":
            rows.append(line)
            continue
        if not entry["file"].lower().endswith((".jpg", ".jpeg")):
            continue
        with Image.open(source / entry["file"]) as image:
            dpi = image.info.get("dpi", (300, 300))
            pixels = np.array(image.convert("RGB"))
        height, width = pixels.shape[:2]
        angle = degrees if zlib.crc32(entry["file"].encode()) % 2 else -degrees
        turned = cv2.warpAffine(pixels, cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0),
                                (width, height), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)
        if scale != 1.0:
            turned = cv2.resize(turned, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        Image.fromarray(turned).save(target / entry["file"], quality=quality,
                                     dpi=tuple(round(value * scale) for value in dpi))
        rows.append(json.dumps(entry, ensure_ascii=False))
        count += 1
    (target / "manifest.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--degrees", type=float, default=1.5)
    parser.add_argument("--scale", type=float, default=1.0, help="resampling factor (0.67: 300 dpi → 200 dpi)")
    parser.add_argument("--quality", type=int, default=90, help="JPEG quality of the copies")
    args = parser.parse_args()
    count = write_turned(args.source, args.target, args.degrees, args.scale, args.quality)
    print(f"wrote {count} stressed cards to {args.target}")  # noqa: T201


if __name__ == "__main__":
    main()
