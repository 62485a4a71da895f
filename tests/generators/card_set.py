"""Write generated cards as a folder a user would ingest, with a manifest in the independent
development set's format (`../shared/devset/cards/manifest.jsonl`), so the same benchmark scores both:

    .venv/bin/python -m tests.generators.card_set OUT --per-variant 2 --looks held_out
    .venv/bin/python -m tests.benchmarks.card_manifest OUT
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tests.generators import cards, pages

_QR_STATE = {"qr_covered": "covered", "qr_scratched": "damaged"}


def qr_state(sample: cards.CardSample) -> str:
    """The manifest's `qr` field: intact, damaged, covered, absent (a QR side not shown) or n/a."""
    damage = cards.VARIANTS[sample.variant].damage
    if damage in _QR_STATE:
        return _QR_STATE[damage]
    if sample.qr_readable:
        return "intact"
    return "absent" if sample.card_type in ("cccd_chip", "can_cuoc") else "n/a"


def write_set(folder: Path, seed: int, per_variant: int, looks: cards.Looks) -> int:
    """Every variant `per_variant` times as JPEG files plus manifest.jsonl; returns the file count."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for sample in cards.card_dataset(seed, per_variant, looks):
        name = f"{sample.variant}_{len(rows):04d}.jpg"
        pages.save_jpeg(sample.image.convert("RGB"), folder / name, quality=90, dpi=sample.dpi)
        expected = {key: value for key, value in sample.expected_fields().items() if value is not None}
        if not any("full_name" in cards.PRINTED[sample.card_type, side] for side in sample.sides) \
                and not sample.qr_readable:
            expected.pop("full_name", None)  # only the MRZ's unmarked name: not a field to score
        rows.append({"kind": "id_card", "file": name, "variant": sample.variant, "qr": qr_state(sample),
                     "looks": looks, "expected_fields": expected})
    meta = {"kind": "meta", "what": f"{len(rows)} generated cards, looks={looks}, seed={seed}", "files": len(rows)}
    (folder / "manifest.jsonl").write_text(
        "\n".join(json.dumps(row, ensure_ascii=False) for row in [meta, *rows]) + "\n", encoding="utf-8")
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--per-variant", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--looks", choices=("default", "varied", "held_out", "glyphless", "tofu"), default="held_out")
    args = parser.parse_args()
    print(f"wrote {write_set(args.folder, args.seed, args.per_variant, args.looks)} cards to {args.folder}")  # noqa: T201


if __name__ == "__main__":
    main()
