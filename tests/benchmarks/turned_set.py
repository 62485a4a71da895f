"""A stress copy of a card set: every JPEG card turned a little more, scanned coarser, blurred or with
its QR hidden, to see how much the reading depends on how straight a card lay (the independent set's
own scans lie up to 2° off), on the scanner's resolution (its coarsest flat scans are 200 dpi), on
focus, and on the QR (about 40 % of its files must be read from their print alone).

    .venv/bin/python -m tests.benchmarks.turned_set ../shared/devset/cards OUT --degrees 1.5
    .venv/bin/python -m tests.benchmarks.turned_set ../shared/devset/cards OUT --degrees 0 --scale 0.67
    .venv/bin/python -m tests.benchmarks.turned_set ../shared/devset/cards OUT --degrees 0 --hide-qr
    .venv/bin/python -m tests.benchmarks.turned_set ../shared/devset/cards OUT --degrees 0 --quarter-turns
    .venv/bin/python -m tests.benchmarks.turned_set ../shared/devset/cards OUT --degrees 0 --grey --no-dpi
    .venv/bin/python -m tests.benchmarks.turned_set ../shared/devset/cards OUT --degrees 0 --shade 0.5 --noise 8
    .venv/bin/python -m tests.benchmarks.turned_set ../shared/devset/cards OUT --degrees 0 --keystone 0.08 --fade 0.4
    .venv/bin/python -m tests.benchmarks.turned_set ../shared/devset/cards OUT --degrees 0 --specks 60 --stain 0.4
    .venv/bin/python -m tests.benchmarks.card_manifest --misses OUT

Each image is turned by +degrees or -degrees (a fixed random choice per file), on the same canvas, its
edges carried outwards (its corners cut off; with `--keep-corners` on a canvas grown to hold it whole,
the scanner's bed round it), resampled by `scale` (its resolution scaled alike), blurred by `blur` (sigma in
pixels at 300 dpi) and saved as JPEG at `quality`; the truth is copied. PDFs are left out. With
`--quarter-turns` each page is first laid sideways or upside down (one, two or three quarter turns,
a fixed choice per file), as a page put on the scanner the wrong way round. `--grey` saves grey scans;
`--no-dpi` saves PNGs that do not say their resolution (as phone apps and some scanners write).
`--shade` darkens the image towards one side (a fixed direction per file; 0.5: the far side gets half
the light), as a lamp or a window lights a photo; `--noise` adds sensor grain (sigma in grey levels).
`--keystone` shoots the page at a slant (one edge, a fixed choice per file, shorter by that share), as a
phone held over a desk does; `--fade` lifts the ink towards yellowed paper (0.4: ink keeps 60 % of its
contrast), as an old photocopy or an over-exposed photo; `--pad` adds that share of each side of paper
round the image (the colour of its frame), as a scanner cropping loosely. `--specks` scatters dark
dots (dust, toner spatter; the independent set's hard scans have ~60 per megapixel at 300 dpi) and
`--stain` lays one translucent brown stain somewhere on the image. `--pdf` saves each copy as a
one-page image-only PDF (the JPEG inside it, its resolution kept), as scanning software does. With
`--hide-qr` every QR code zxing-cpp finds is painted over with the paper round it, so the card's print
alone must be read (the truth then lists only what the print shows: no old ID number, no issue date on
a front alone). A measuring aid: no constant is tuned on these copies, and a copy whose misses were
studied is no longer an unseen measure (the README says which were).
"""

from __future__ import annotations

import argparse
import json
import zlib
from pathlib import Path

import cv2
import numpy as np
import zxingcpp
from PIL import Image


_SCANNER_DPI = 150  # below this a file's dpi is a camera's nominal figure, not the print's


def _without_qr(pixels: np.ndarray, entry: dict) -> tuple[np.ndarray, dict]:
    """The image with its QR codes painted over in the median colour just round each, and the truth
    the print alone shows."""
    found = zxingcpp.read_barcodes(pixels)
    if not found:
        return pixels, entry
    pixels = pixels.copy()
    for barcode in found:
        where = barcode.position
        corners = np.array([[point.x, point.y] for point in (where.top_left, where.top_right,
                                                             where.bottom_right, where.bottom_left)], np.int32)
        hull = cv2.convexHull(corners)
        # The code's quiet zone and a little more: the paper round the code, and all of the code.
        margin = max(4, int(0.15 * cv2.arcLength(hull, True) / 4))
        mask = cv2.dilate(cv2.fillConvexPoly(np.zeros(pixels.shape[:2], np.uint8), hull, 255),
                          np.ones((2 * margin + 1, 2 * margin + 1), np.uint8))
        ring = cv2.dilate(mask, np.ones((9, 9), np.uint8)) & ~mask
        pixels[mask > 0] = np.median(pixels[ring > 0], axis=0).astype(np.uint8)
    fields = {name: value for name, value in entry["expected_fields"].items()
              if name != "old_id_number" and (name != "date_of_issue" or "back" in entry.get("sides", []))}
    return pixels, {**entry, "qr": "absent", "expected_fields": fields}


def _lit_unevenly(pixels: np.ndarray, shade: float, noise: float, seed: int) -> np.ndarray:
    """The image under light that falls off towards one side by `shade`, with grain of `noise` grey levels."""
    height, width = pixels.shape[:2]
    direction = 2 * np.pi * (seed % 360) / 360
    rows, columns = np.mgrid[0:height, 0:width].astype(np.float32)
    along = np.cos(direction) * columns / width + np.sin(direction) * rows / height
    along = (along - along.min()) / max(float(np.ptp(along)), 1e-6)
    lit = pixels.astype(np.float32) * (1 - shade * along)[..., None]
    lit += np.random.default_rng(seed).normal(0, noise, lit.shape[:2])[..., None] if noise else 0
    return np.clip(lit, 0, 255).astype(np.uint8)


def _slanted(pixels: np.ndarray, keystone: float, seed: int) -> np.ndarray:
    """The image as a camera sees it at a slant: one edge (top, right, bottom or left by `seed`) shorter
    by `keystone` of its length, the frame's own colour round it (see `_frame_colour`)."""
    height, width = pixels.shape[:2]
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    slanted = corners.copy()
    edge = seed % 4  # which edge is farther from the lens: its two corners move towards each other
    first, second = edge, (edge + 1) % 4
    inward = (corners[second] - corners[first]) * keystone / 2
    slanted[first] += inward
    slanted[second] -= inward
    return cv2.warpPerspective(pixels, cv2.getPerspectiveTransform(corners, slanted), (width, height),
                               flags=cv2.INTER_AREA, borderMode=cv2.BORDER_CONSTANT,
                               borderValue=_frame_colour(pixels))


def _frame_colour(pixels: np.ndarray) -> tuple[float, ...]:
    """The median colour of the image's outermost pixels: the paper or the scanner's bed that a looser
    crop or a slanted shot shows more of. Carrying each edge pixel outwards instead drew streaks of a
    tight card scan's own border that no scanner or camera makes."""
    frame = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    return tuple(float(value) for value in np.median(frame.reshape(len(frame), -1), axis=0))


def _faded(pixels: np.ndarray, fade: float) -> np.ndarray:
    """The image with its ink lifted towards yellowed paper: dark keeps (1 - fade) of its contrast."""
    paper = np.array([250, 243, 222], np.float32)  # RGB of a yellowed sheet
    return np.clip(paper - (paper - pixels.astype(np.float32)) * (1 - fade), 0, 255).astype(np.uint8)


def _specked(pixels: np.ndarray, specks: float, dpi: float, seed: int) -> np.ndarray:
    """The image with `specks` dark dots per megapixel at 300 dpi (dust on the glass, toner spatter),
    each 1-5 pixels across at 300 dpi, wherever they fall: on paper, print or a letter's mark."""
    rng = np.random.default_rng(seed)
    height, width = pixels.shape[:2]
    # A phone photo says 72 dpi and shows a card at about 270: its pixels are counted as a scan's.
    at_300 = 300 / dpi if dpi >= _SCANNER_DPI else 1.0
    pixels = pixels.copy()
    for _ in range(round(specks * height * width * at_300 * at_300 / 1e6)):
        centre = int(rng.integers(0, width)), int(rng.integers(0, height))
        radius = max(1, round(rng.uniform(0.5, 2.5) / at_300))
        cv2.circle(pixels, centre, radius, tuple(int(value) for value in rng.integers(20, 70, 3)), -1,
                   cv2.LINE_AA)
    return pixels


def _stained(pixels: np.ndarray, stain: float, seed: int) -> np.ndarray:
    """The image under one brown, soft-edged stain (coffee, water, a dirty thumb) of opacity `stain`,
    a quarter to near half of the shorter side across, at a place chosen by `seed`."""
    rng = np.random.default_rng(seed)
    height, width = pixels.shape[:2]
    size = min(height, width) * rng.uniform(0.25, 0.45)
    mask = np.zeros((height, width), np.float32)
    centre = int(rng.uniform(0.15, 0.85) * width), int(rng.uniform(0.15, 0.85) * height)
    axes = int(size / 2), int(size / 2 * rng.uniform(0.5, 1.0))
    cv2.ellipse(mask, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), size / 12)[..., None] * stain
    brown = np.array([126, 105, 87], np.float32)  # RGB of the independent set's stains over QR codes
    return np.clip(pixels * (1 - mask) + brown * mask, 0, 255).astype(np.uint8)


def _turned(pixels: np.ndarray, angle: float) -> np.ndarray:
    """Turned on its own canvas: what falls outside is cut off (a tight card scan loses its corners)."""
    height, width = pixels.shape[:2]
    return cv2.warpAffine(pixels, cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0),
                          (width, height), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)


def _turned_whole(pixels: np.ndarray, angle: float) -> np.ndarray:
    """Turned on a canvas grown to hold it whole, the new corners the colour round the image's edge:
    a card lying askew on the scanner's bed, scanned with the bed round it."""
    height, width = pixels.shape[:2]
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    cos, sin = abs(turn[0, 0]), abs(turn[0, 1])
    size = (round(width * cos + height * sin), round(width * sin + height * cos))
    turn[:, 2] += (size[0] - width) / 2, (size[1] - height) / 2
    edge = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    return cv2.warpAffine(pixels, turn, size, flags=cv2.INTER_AREA, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=tuple(int(v) for v in np.median(edge, axis=0)))


def write_turned(source: Path, target: Path, degrees: float, scale: float = 1.0, quality: int = 90,
                 hide_qr: bool = False, blur: float = 0.0, quarter_turns: bool = False, grey: bool = False,
                 no_dpi: bool = False, shade: float = 0.0, noise: float = 0.0, keystone: float = 0.0,
                 fade: float = 0.0, pad: float = 0.0, specks: float = 0.0, stain: float = 0.0,
                 pdf: bool = False, keep_corners: bool = False) -> int:
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
        if hide_qr:
            pixels, entry = _without_qr(pixels, entry)
        if quarter_turns:
            pixels = np.ascontiguousarray(np.rot90(pixels, 1 + zlib.crc32(entry["file"].encode()) % 3))
        angle = degrees if zlib.crc32(entry["file"].encode()) % 2 else -degrees
        turned = _turned_whole(pixels, angle) if keep_corners else _turned(pixels, angle)
        if pad:
            turned = cv2.copyMakeBorder(turned, *[round(pad * turned.shape[0])] * 2,
                                        *[round(pad * turned.shape[1])] * 2, cv2.BORDER_CONSTANT,
                                        value=_frame_colour(turned))
        if keystone:
            turned = _slanted(turned, keystone, zlib.crc32(entry["file"].encode()) // 7)
        if fade:
            turned = _faded(turned, fade)
        if specks:
            turned = _specked(turned, specks, dpi[0], zlib.crc32(entry["file"].encode()) // 11)
        if stain:
            turned = _stained(turned, stain, zlib.crc32(entry["file"].encode()) // 13)
        if scale != 1.0:
            turned = cv2.resize(turned, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        if blur:
            turned = cv2.GaussianBlur(turned, (0, 0), blur * dpi[0] * scale / 300)
        if shade or noise:
            turned = _lit_unevenly(turned, shade, noise, zlib.crc32(entry["file"].encode()))
        copy = Image.fromarray(turned).convert("L" if grey else "RGB")
        if no_dpi:
            entry = {**entry, "file": Path(entry["file"]).with_suffix(".png").name}
            copy.save(target / entry["file"])
        elif pdf:
            entry = {**entry, "file": Path(entry["file"]).with_suffix(".pdf").name, "format": "pdf_image"}
            copy.save(target / entry["file"], "PDF", quality=quality, resolution=round(dpi[0] * scale))
        else:
            copy.save(target / entry["file"], quality=quality, dpi=tuple(round(value * scale) for value in dpi))
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
    parser.add_argument("--hide-qr", action="store_true", help="paint the QR codes over: the print alone is read")
    parser.add_argument("--blur", type=float, default=0.0, help="Gaussian blur, sigma in pixels at 300 dpi")
    parser.add_argument("--quarter-turns", action="store_true", help="lay each page sideways or upside down first")
    parser.add_argument("--grey", action="store_true", help="save grey scans")
    parser.add_argument("--no-dpi", action="store_true", help="save PNGs that do not say their resolution")
    parser.add_argument("--shade", type=float, default=0.0, help="light lost towards one side (0.5: half)")
    parser.add_argument("--noise", type=float, default=0.0, help="sensor grain, sigma in grey levels")
    parser.add_argument("--keystone", type=float, default=0.0, help="one edge shorter by this share (a slant shot)")
    parser.add_argument("--pad", type=float, default=0.0, help="paper added round, share of each side (0.06)")
    parser.add_argument("--fade", type=float, default=0.0, help="ink contrast lost towards yellowed paper (0.4)")
    parser.add_argument("--specks", type=float, default=0.0, help="dark dots per megapixel at 300 dpi (60)")
    parser.add_argument("--stain", type=float, default=0.0, help="opacity of one brown stain (0.4)")
    parser.add_argument("--pdf", action="store_true", help="save image-only PDFs (JPEG inside) instead")
    parser.add_argument("--keep-corners", action="store_true",
                        help="grow the canvas so a turned image keeps its corners (the scanner bed round it)")
    args = parser.parse_args()
    count = write_turned(args.source, args.target, args.degrees, args.scale, args.quality, args.hide_qr,
                         args.blur, args.quarter_turns, args.grey, args.no_dpi, args.shade, args.noise,
                         args.keystone, args.fade, args.pad, args.specks, args.stain, args.pdf,
                         args.keep_corners)
    print(f"wrote {count} stressed cards to {args.target}")  # noqa: T201


if __name__ == "__main__":
    main()
