"""Benchmark: identity fields read from generated ID cards, per variant, against their known truth.

Every sample of `tests.generators.cards.card_dataset` goes through `ocr.identity.read_identity` as
a one-page document. Per variant and per field the table gives the exact-match rate over the
samples whose image carries that field (printed, in an intact QR, or in the MRZ); names compare
case-insensitively after NFC and tone-mark unification, and a name only the MRZ carries compares
without marks. "review" is the share sent to needs_review; "routed" the share routed correctly
(to review exactly when a damaged QR or a wrong or missing ID number, name, date of birth or sex
calls for it); "wrong id ok" counts documents whose ID number (or CMND number) is wrong yet not
flagged, which must be 0.

    .venv/bin/python -m tests.benchmarks.identity_accuracy --per-variant 10
    .venv/bin/python -m tests.benchmarks.identity_accuracy --per-variant 10 --qr
    .venv/bin/python -m tests.benchmarks.identity_accuracy --per-variant 10 --mrz
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from ocr.identity.barcode import READERS, read_qr
from ocr.identity.locate import locate_cards
from ocr.identity.mrz_reader import read_mrz
from ocr.identity.reader import read_identity
from schemas.identity import Identity
from schemas.vntext import fold, nfc, unify_tones
from tests.generators import cards

FIELDS = ("id_number", "full_name", "date_of_birth", "sex", "place_of_residence", "date_of_expiry")
_CRITICAL = ("id_number", "full_name", "date_of_birth", "sex")
_DAMAGED_QR = ("qr_covered", "qr_scratched")


@dataclass
class Outcome:
    """What one sample scored."""

    variant: str
    group: str  # "qr/mrz" when a readable QR or an MRZ is in the image, else "printed only"
    matches: dict[str, bool]  # field → exact, for the fields the image carries
    review: bool
    should_review: bool
    wrong_id_ok: bool
    seconds: float
    reasons: list[str] = field(default_factory=list)


def _text_key(text: str) -> str:
    return " ".join(unify_tones(nfc(text)).casefold().split())


def _matches(name: str, got: str | None, expected: str, folded: bool) -> bool:
    if got is None:
        return False
    if name in ("full_name", "place_of_residence", "place_of_origin", "nationality"):
        if folded:
            return fold(got).split() == fold(expected).split()
        return _text_key(got) == _text_key(expected)
    return got == expected


def _wrong_id(identity: Identity | None, truth: dict[str, str | None]) -> bool:
    """An ID number (or CMND number) that is there and differs from the person's."""
    if identity is None:
        return False
    return any((value := identity.field(name)) is not None and value.value != truth[name]
               for name in ("id_number", "old_id_number"))


def score(sample: cards.CardSample) -> Outcome:
    """Read one sample and compare with its truth."""
    started = time.monotonic()
    identity = read_identity([(np.asarray(sample.image), sample.dpi)])
    seconds = time.monotonic() - started
    expected = sample.expected_fields()
    printed = frozenset().union(*(cards.PRINTED[sample.card_type, side] for side in sample.sides))
    mrz_only_name = "full_name" not in printed and not sample.qr_readable
    matches = {}
    for name in FIELDS:
        truth = expected[name]
        if truth is None:
            continue
        value = identity.field(name) if identity is not None else None
        matches[name] = _matches(name, value.value if value else None, truth,
                                 folded=name == "full_name" and mrz_only_name)
    review = identity is None or identity.needs_review
    spec = cards.VARIANTS[sample.variant]
    # A name only the MRZ carries lacks its marks: an officer must write it out.
    should_review = spec.damage in _DAMAGED_QR or mrz_only_name or not all(
        matches.get(name, True) for name in _CRITICAL)
    return Outcome(
        variant=sample.variant,
        group="qr/mrz" if sample.qr_readable or sample.mrz_present else "printed only",
        matches=matches, review=review, should_review=should_review,
        wrong_id_ok=_wrong_id(identity, sample.person.expected_fields()) and not review,
        seconds=seconds,
        reasons=[f"{r}:{','.join(f for f, rs in identity.field_reasons.items() if r in rs)}"
                 for r in identity.review_reasons] if identity else ["no identity"])


def _rate(values: list[bool]) -> str:
    return f"{100 * sum(values) / len(values):.1f}" if values else "–"


def table(outcomes: list[Outcome], key: str) -> str:
    """Markdown table of outcomes grouped by `key` ("variant" or "group")."""
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[getattr(outcome, key)].append(outcome)
    header = [key, "n", *FIELDS, "review %", "routed %", "wrong id ok", "s/doc"]
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for name, members in [*groups.items(), ("all", outcomes)]:
        cells = [name, str(len(members))]
        for field_name in FIELDS:
            cells.append(_rate([m.matches[field_name] for m in members
                                if field_name in m.matches]))
        cells += [_rate([m.review for m in members]),
                  _rate([m.review == m.should_review for m in members]),
                  str(sum(m.wrong_id_ok for m in members)),
                  f"{sum(m.seconds for m in members) / len(members):.1f}"]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


# ---------------------------------------------------------------------------------------------------
# QR decoders and MRZ readers compared

Trial = tuple[str, bool, float]  # (reader, read right, seconds)


def qr_trials(sample: cards.CardSample) -> list[Trial]:
    """Each QR decoder on the whole image and on the located cards: decoded the right payload?"""
    page = np.asarray(sample.image)
    located = [card.image for card in locate_cards(page, sample.dpi)]
    trials = []
    for name in READERS:
        for where, images in (("page", [page]), ("card", located)):
            started = time.monotonic()
            texts = [found.text for image in images if (found := read_qr(image, (name,)))]
            trials.append((f"{name} on {where}", any(text.split("|")[0] ==
                                                     sample.person.id_number for text in texts),
                           time.monotonic() - started))
    return trials


MRZ_ENGINES = {"ocr-b": ("ocr-b",), "tesseract": ("tesseract",),
               "ocr-b then tesseract": ("ocr-b", "tesseract")}


def mrz_trials(sample: cards.CardSample) -> list[Trial]:
    """Each MRZ reader on the located cards: composite verified with the right ID number and the
    name line exactly as printed (no check digit guards it)?"""
    located = locate_cards(np.asarray(sample.image), sample.dpi)
    name_line = cards.td1_lines(sample.person)[2]
    trials = []
    for label, engines in MRZ_ENGINES.items():
        started = time.monotonic()
        readings = [r for card in located if (r := read_mrz(card.image, dpi=card.dpi,
                                                            engines=engines)) is not None]
        seconds = time.monotonic() - started
        verified = any(r.composite_ok and "id_number" in r.fields
                       and r.fields["id_number"].value == sample.person.id_number
                       for r in readings)
        name = any("full_name" in r.fields and r.fields["full_name"].raw == name_line
                   for r in readings)
        trials += [(f"{label}: verified", verified, seconds), (f"{label}: name line", name, 0.0)]
    return trials


def trial_table(results: list[tuple[str, list[Trial]]]) -> str:
    """Markdown: per variant and reader, the share read right and the mean milliseconds."""
    cells: dict[tuple[str, str], list[tuple[bool, float]]] = defaultdict(list)
    for variant, trials in results:
        for reader, ok, seconds in trials:
            cells[variant, reader].append((ok, seconds))
            cells["all", reader].append((ok, seconds))
    readers = list(dict.fromkeys(reader for _, reader in cells))
    header = ["variant", *[f"{reader} (% right, ms)" for reader in readers]]
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    variants = [v for v in dict.fromkeys(variant for variant, _ in cells) if v != "all"]
    for variant in [*variants, "all"]:
        row = [variant]
        for reader in readers:
            found = cells[variant, reader]
            rate = 100 * sum(ok for ok, _ in found) / len(found)
            ms = 1000 * sum(seconds for _, seconds in found) / len(found)
            row.append(f"{rate:.0f} ({ms:.0f})")
        rows.append("| " + " | ".join(row) + " |")
    return "\n".join(rows)


Job = tuple[int, str, int, str]  # seed, variant, index, looks


def _jobs(seed: int, per_variant: int, variants: list[str] | None, looks: cards.Looks) -> list[Job]:
    return [(seed, variant, index, looks) for variant in cards.VARIANTS
            if not variants or variant in variants for index in range(per_variant)]


def _sample(job: Job) -> cards.CardSample:
    """The sample `card_dataset(seed, ..., looks)` yields for this variant and index, made in the
    worker (making it costs a core too, and a pool of images would not fit in memory)."""
    return cards.sample_at(*job)


def _score_job(job: Job) -> Outcome:
    return score(_sample(job))


def _qr_job(job: Job) -> tuple[str, list[Trial]] | None:
    """QR trials on a sample that shows a QR, intact or damaged."""
    sample = _sample(job)
    if not sample.qr_readable and cards.VARIANTS[sample.variant].damage not in _DAMAGED_QR:
        return None
    return sample.variant, qr_trials(sample)


def _mrz_job(job: Job) -> tuple[str, list[Trial]] | None:
    sample = _sample(job)
    return (sample.variant, mrz_trials(sample)) if sample.mrz_present else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-variant", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--variants", nargs="*", help="only these variants")
    parser.add_argument("--workers", type=int, default=2, help="processes (Tesseract is "
                        "single-threaded: one per core)")
    parser.add_argument("--qr", action="store_true", help="compare the QR decoders instead")
    parser.add_argument("--mrz", action="store_true", help="compare the MRZ readers instead")
    parser.add_argument("--failures", action="store_true", help="list the failed fields")
    parser.add_argument("--looks", choices=("default", "varied", "held_out"), default="default",
                        help="cards in the default look, random tuning looks, or held-out looks")
    args = parser.parse_args()

    started = time.monotonic()
    jobs = _jobs(args.seed, args.per_variant, args.variants, args.looks)
    with ProcessPoolExecutor(args.workers) as pool:
        if args.qr or args.mrz:
            job = _qr_job if args.qr else _mrz_job
            print(trial_table([found for found in pool.map(job, jobs) if found]))
            return
        outcomes = list(pool.map(_score_job, jobs))
    print(table(outcomes, "variant"))
    print()
    print(table(outcomes, "group"))
    if args.failures:
        for o in outcomes:
            failed = [name for name, ok in o.matches.items() if not ok]
            if failed or o.review != o.should_review:
                print(o.variant, "failed:", failed, "review:", o.review, o.reasons)
    print(f"\n{len(outcomes)} documents in {time.monotonic() - started:.0f} s "
          f"with {args.workers} workers")


if __name__ == "__main__":
    main()
