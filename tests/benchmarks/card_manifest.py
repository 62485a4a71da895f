"""Benchmark: ID cards through the real ingest flow, scored against a manifest of known truth.

Runs exactly what a user runs — `sohoa ingest FOLDER` on a fresh data folder, then
`sohoa export --format jsonl` — and compares each card file's `fields` row with the manifest's
`expected_fields` (the fields visible on that file). The manifest format is the independent
development set's (`../shared/devset/cards/manifest.jsonl`): line 1 metadata, then one object per
file with `file`, `variant`, `qr` (intact / damaged / covered / absent / n/a) and `expected_fields`.
Normalisation as that set's README says: IDs digits only; names and places case-insensitive with
runs of spaces folded and spaces around commas ignored; dates ISO; `date_of_expiry` "none" for a card
without expiry; sex M/F.

    .venv/bin/python -m tests.benchmarks.card_manifest ../shared/devset/cards
    .venv/bin/python -m tests.benchmarks.card_manifest FOLDER --json    # the scores as JSON

Reported per field, per variant and per QR state: cards recognised as cards (a `fields` row), exact
matches per field, "core" (id_number, full_name, date_of_birth, sex and place_of_residence, those
visible, all right), "all" (every visible field right), and the wrong ID numbers that ended `ok`
(must be 0).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

FIELDS = ("id_number", "full_name", "date_of_birth", "sex", "place_of_residence", "place_of_origin",
          "nationality", "date_of_issue", "date_of_expiry", "old_id_number")
CORE = ("id_number", "full_name", "date_of_birth", "sex", "place_of_residence")
SOHOA = str(Path(sys.executable).parent / "sohoa")


def normalized(name: str, value: str | None) -> str | None:
    """A value as the manifest's conventions compare it."""
    if value is None:
        return None
    value = unicodedata.normalize("NFC", value)
    if name in ("id_number", "old_id_number"):
        return re.sub(r"\D", "", value)
    if name in ("full_name", "place_of_residence", "place_of_origin", "nationality"):
        value = re.sub(r"\s*,\s*", ",", " ".join(value.split()))
        return value.casefold()
    return value.strip()


@dataclass
class Outcome:
    """How one file scored."""

    file: str
    variant: str
    qr: str
    recognised: bool
    matches: dict[str, bool] = field(default_factory=dict)
    status: str | None = None
    wrong_id_ok: bool = False

    @property
    def core(self) -> bool:
        shown = [name for name in CORE if name in self.matches]
        return self.recognised and all(self.matches[name] for name in shown)

    @property
    def every(self) -> bool:
        return self.recognised and all(self.matches.values())


def read_manifest(folder: Path) -> list[dict]:
    lines = (folder / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines if line.strip()]
    return [entry for entry in entries if entry.get("kind") != "meta"]


def ingest_and_export(folder: Path, entries: list[dict], work: Path) -> tuple[list[dict], float]:
    """Copy the manifest's files into a batch folder, ingest it, return the export rows and seconds."""
    batch = work / "the" / folder.name
    batch.mkdir(parents=True)
    for entry in entries:
        target = batch / entry["file"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(folder / entry["file"], target)
    env = {key: value for key, value in os.environ.items() if not key.startswith("SOHOA_")}
    # One command per set: no resident process to start for a next one.
    env.update(SOHOA_DATA_DIR=str(work / "data"), OMP_THREAD_LIMIT="1", SOHOA_RESIDENT_INGEST="false")
    started = time.perf_counter()
    subprocess.run([SOHOA, "ingest", str(batch), "--json"], env=env, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    exported = subprocess.run([SOHOA, "export", "--format", "jsonl"], env=env, check=True,
                              capture_output=True, text=True).stdout
    subprocess.run([SOHOA, "server", "stop"], env=env, check=False, capture_output=True)
    return [json.loads(line) for line in exported.splitlines() if line.strip()], seconds


def score(entries: list[dict], rows: Iterable[dict]) -> list[Outcome]:
    fields: dict[str, dict] = {}
    statuses: dict[str, str] = {}
    for row in rows:
        if "fields" in row:
            fields[row["file"]] = row["fields"]
        elif "status" in row:
            statuses[row["file"]] = row["status"]
    outcomes = []
    for entry in entries:
        name = entry["file"]
        got = fields.get(name)
        outcome = Outcome(file=name, variant=entry.get("variant", "?"), qr=entry.get("qr", "?"),
                          recognised=got is not None, status=statuses.get(name))
        for key, expected in entry.get("expected_fields", {}).items():
            if key in FIELDS:
                outcome.matches[key] = got is not None and normalized(key, got.get(key)) == normalized(key, expected)
        truth = entry.get("expected_fields", {}).get("id_number")
        if got and got.get("id_number") and truth and outcome.status == "ok":
            outcome.wrong_id_ok = normalized("id_number", got["id_number"]) != normalized("id_number", truth)
        outcomes.append(outcome)
    return outcomes


def summary(outcomes: list[Outcome]) -> dict[str, object]:
    """Rates in percent (of the files showing each field) and counts."""
    def rate(hits: int, total: int) -> float | None:
        return round(100 * hits / total, 1) if total else None

    per_field = {name: rate(sum(o.matches[name] for o in outcomes if name in o.matches),
                            sum(name in o.matches for o in outcomes)) for name in FIELDS}
    return {"files": len(outcomes), "recognised": sum(o.recognised for o in outcomes),
            **per_field, "core": rate(sum(o.core for o in outcomes), len(outcomes)),
            "all": rate(sum(o.every for o in outcomes), len(outcomes)),
            "wrong_id_ok": sum(o.wrong_id_ok for o in outcomes)}


def grouped(outcomes: list[Outcome], key: str) -> dict[str, dict[str, object]]:
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        groups[getattr(outcome, key)].append(outcome)
    return {name: summary(group) for name, group in sorted(groups.items())}


def table(title: str, rows: dict[str, dict[str, object]]) -> str:
    columns = ("files", "recognised", *CORE, "date_of_expiry", "core", "all", "wrong_id_ok")
    lines = [f"### {title}", "", "| | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for name, values in rows.items():
        cells = ["—" if values[c] is None else str(values[c]) for c in columns]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a folder with manifest.jsonl and the files it names")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument("--misses", action="store_true", help="list each file's wrong fields (names only)")
    args = parser.parse_args()
    entries = read_manifest(args.folder)
    with tempfile.TemporaryDirectory(prefix="sohoa-cards-") as work:
        rows, seconds = ingest_and_export(args.folder, entries, Path(work))
    outcomes = score(entries, rows)
    result = {"all": summary(outcomes), "by_variant": grouped(outcomes, "variant"),
              "by_qr": grouped(outcomes, "qr"), "seconds": round(seconds, 1)}
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))  # noqa: T201 - the benchmark's output
        return
    print(table(f"{args.folder} ({len(entries)} files, {seconds:.0f} s)", {"all": result["all"]}))  # noqa: T201
    print()  # noqa: T201
    print(table("by variant", result["by_variant"]))  # noqa: T201
    print()  # noqa: T201
    print(table("by QR state", result["by_qr"]))  # noqa: T201
    if args.misses:
        for outcome in outcomes:
            wrong = [name for name, ok in outcome.matches.items() if not ok]
            if wrong or not outcome.recognised:
                print(f"{outcome.file} {outcome.variant} qr={outcome.qr} status={outcome.status} "  # noqa: T201
                      f"{'not a card' if not outcome.recognised else 'wrong: ' + ', '.join(wrong)}")


if __name__ == "__main__":
    main()
