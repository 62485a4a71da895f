"""How far off level a card scanned alone may lie before its readers fail, measured on own cards
with levelling switched off: the chip back's MRZ and a 2016 front's printed fields, turned by growing
angles. The answer sets `ocr.identity.locate._LEVEL_ENOUGH` (levelling costs a resampling, so it is
done only where the readers need it).

    .venv/bin/python -m tests.benchmarks.skew_tolerance [--cards 6]
"""

from __future__ import annotations

import argparse
from unittest import mock

import cv2
import numpy as np

from ocr.identity import locate
from ocr.identity.mrz_reader import read_mrz
from ocr.identity.reader import read_card
from tests.generators import cards, people

ANGLES = (0.5, 1.0, 1.5, 2.0, 2.5, 3.0)
PRINTED = ("id_number", "full_name", "date_of_birth", "place_of_origin", "place_of_residence")


def _turned(face: np.ndarray, degrees: float) -> np.ndarray:
    h, w = face.shape[:2]
    return cv2.warpAffine(face, cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0), (w, h),
                          borderMode=cv2.BORDER_REPLICATE)


def _half(image: object) -> np.ndarray:
    """A 600 dpi generated face at 300 dpi, RGB."""
    return cv2.resize(np.array(image.convert("RGB")), None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)


def measure(count: int) -> dict[float, tuple[int, int, int]]:
    """Per angle: MRZs read right, printed fields read right, printed fields asked for."""
    results = {angle: [0, 0, 0] for angle in ANGLES}
    with mock.patch.object(locate, "_LEVEL_ENOUGH", 99.0):
        for seed in range(1, count + 1):
            chip = people.make_person(np.random.default_rng(seed), "cccd_chip")
            back = _half(cards.chip_back(chip).image)
            old = people.make_person(np.random.default_rng(seed), "cccd_2016")
            front = _half(cards.cccd2016_front(old).image)
            want = old.expected_fields()
            for angle in ANGLES:
                signed = angle if seed % 2 else -angle
                [card] = locate.locate_cards(_turned(back, signed), 300)
                mrz = read_mrz(card.image, dpi=card.dpi)
                results[angle][0] += mrz is not None and "id_number" in mrz.fields \
                    and mrz.fields["id_number"].value == chip.id_number
                reading = read_card([(_turned(front, signed), 300)])
                got = reading.identity.model_dump() if reading is not None else {}
                for field in PRINTED:
                    value = got.get(field)
                    value = value.get("value") if isinstance(value, dict) else value
                    results[angle][1] += str(value or "").lower() == str(want[field]).lower()
                    results[angle][2] += 1
    return {angle: (mrz, good, asked) for angle, (mrz, good, asked) in results.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=6)
    args = parser.parse_args()
    print("| degrees | MRZ read | 2016 front fields |\n|---:|---:|---:|")  # noqa: T201
    for angle, (mrz, good, asked) in measure(args.cards).items():
        print(f"| {angle} | {mrz}/{args.cards} | {good}/{asked} |")  # noqa: T201


if __name__ == "__main__":
    main()
