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
"""

from __future__ import annotations

import argparse
import time
import zlib
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from ocr.identity.barcode import READERS, read_qr
from ocr.identity.locate import locate_cards
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
# QR decoders compared


def qr_scores(sample: cards.CardSample) -> list[tuple[str, str, bool, float]]:
    """(decoder, where, decoded the right payload, seconds) on the whole image and on the cards."""
    page = np.asarray(sample.image)
    located = [card.image for card in locate_cards(page, sample.dpi)]
    truth = sample.person.id_number
    results = []
    for name in READERS:
        for where, images in (("page", [page]), ("card", located)):
            started = time.monotonic()
            texts = [found.text for image in images if (found := read_qr(image, (name,)))]
            ok = any(text.split("|")[0] == truth for text in texts)
            results.append((name, where, ok, time.monotonic() - started))
    return results


def qr_table(samples: list[tuple[str, list[tuple[str, str, bool, float]]]]) -> str:
    cells: dict[tuple[str, str, str], list[tuple[bool, float]]] = defaultdict(list)
    for variant, results in samples:
        for decoder, where, ok, seconds in results:
            cells[variant, decoder, where].append((ok, seconds))
            if cards.VARIANTS[variant].damage not in _DAMAGED_QR:
                cells["all intact", decoder, where].append((ok, seconds))
    columns = [(d, w) for d in READERS for w in ("page", "card")]
    header = ["variant", *[f"{d} {w} (read %, ms)" for d, w in columns]]
    rows = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    variants = [v for v in dict.fromkeys(k[0] for k in cells) if v != "all intact"]
    for variant in [*variants, "all intact"]:
        row = [variant]
        for decoder, where in columns:
            results = cells[variant, decoder, where]
            rate = 100 * sum(ok for ok, _ in results) / len(results)
            ms = 1000 * sum(s for _, s in results) / len(results)
            row.append(f"{rate:.0f} ({ms:.0f})")
        rows.append("| " + " | ".join(row) + " |")
    return "\n".join(rows)


Job = tuple[int, str, int]  # seed, variant, index


def _jobs(seed: int, per_variant: int, variants: list[str] | None) -> list[Job]:
    return [(seed, variant, index) for variant in cards.VARIANTS
            if not variants or variant in variants for index in range(per_variant)]


def _sample(job: Job) -> cards.CardSample:
    """The sample `card_dataset(seed, ...)` yields for this variant and index, made in the
    worker (making it costs a core too, and a pool of images would not fit in memory)."""
    seed, variant, index = job
    return cards.make_sample(variant, np.random.default_rng([seed, zlib.crc32(variant.encode()),
                                                             index]))


def _score_job(job: Job) -> Outcome:
    return score(_sample(job))


def _qr_job(job: Job) -> tuple[str, list[tuple[str, str, bool, float]]] | None:
    sample = _sample(job)
    if not sample.qr_readable and cards.VARIANTS[sample.variant].damage not in _DAMAGED_QR:
        return None
    return sample.variant, qr_scores(sample)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-variant", type=int, default=10)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--variants", nargs="*", help="only these variants")
    parser.add_argument("--workers", type=int, default=2, help="processes (Tesseract is "
                        "single-threaded: one per core)")
    parser.add_argument("--qr", action="store_true", help="compare the QR decoders instead")
    parser.add_argument("--failures", action="store_true", help="list the failed fields")
    args = parser.parse_args()

    started = time.monotonic()
    jobs = _jobs(args.seed, args.per_variant, args.variants)
    with ProcessPoolExecutor(args.workers) as pool:
        if args.qr:
            print(qr_table([found for found in pool.map(_qr_job, jobs) if found]))
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
