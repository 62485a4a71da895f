"""End to end as an office uses it: ingest a tiny batch, then `sohoa archive` and `sohoa report`.

The batch is one born-digital PDF (read from its text layer, no OCR) dropped with a manifest naming the
office and the dossier. A record committed yesterday at 23:30 (office time) sits beside it, so the
default run (no dates: yesterday) and a run for today can be told apart.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import bagit
import pytest
from typer.testing import CliRunner

from cli import app
from flows.ingest import ingest_batch
from schemas.batch import BatchStatus
from schemas.settings import Settings
from storage.resources import resources
from tests.archive_records import add_batch, add_record
from tests.helpers import write_manifest, write_typed_pdf

pytestmark = pytest.mark.usefixtures("prefect_server")

OFFICE = "000.00.12.H29"


def sohoa(*args: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "250"}, catch_exceptions=False)


def test_ingested_papers_are_archived_by_the_command_and_counted_in_the_report(data_dir: Path) -> None:
    settings = Settings()
    zone = settings.zone
    today = datetime.now(zone).date()
    folder = settings.inbox / "ho-so-0007"
    dossier = f"000.00.12.H29-{today:%y%m%d}-0007"
    write_typed_pdf(folder / "don_de_nghi.pdf", seed=5)
    write_manifest(folder, office_code=OFFICE, dossier_code=dossier, operator="can-bo-1")
    assert ingest_batch(str(folder)).status is BatchStatus.DONE
    catalog = resources(settings).catalog
    yesterday = today - timedelta(days=1)
    add_batch(catalog, "hom-qua", OFFICE, datetime(yesterday.year, yesterday.month, yesterday.day, 8, tzinfo=zone))
    late = add_record(catalog, resources(settings).objects, seed=11, batch_id="hom-qua", office=OFFICE,
                      created_at=datetime(yesterday.year, yesterday.month, yesterday.day, 23, 30, tzinfo=zone))

    default = sohoa("archive", "--json")  # the nightly default: yesterday, office time
    assert default.exit_code == 0, default.output
    night = json.loads(default.output)
    assert [p["documents"] for p in night["packages"]] == [[late.document.id]]

    by_hand = sohoa("archive", "--from", today.isoformat(), "--to", today.isoformat(), "--office", OFFICE)
    assert by_hand.exit_code == 0, by_hand.output
    assert f"sohoa-000.00.12.H29-{today:%Y%m%d}" in by_hand.output and "fixity OK" in by_hand.output
    [package] = catalog.archive.find_packages(day=today)
    bag = bagit.Bag(str(settings.data_dir / "archive" / package.key))
    assert bag.is_valid()
    [record] = package.documents
    metadata = json.loads((Path(bag.path) / "data" / record / "metadata.json").read_text(encoding="utf-8"))
    received = next(e for e in metadata["events"] if e["event"] == "received")
    assert (received["by"], metadata["dossier_code"], metadata["pages"][0]["source"]) == (
        "can-bo-1", dossier, "text_layer")

    report = sohoa("report", "--office", OFFICE, "--from", today.isoformat(), "--to", today.isoformat(),
                   "--json")
    [period] = json.loads(report.output)
    assert (period["dossiers_received"], period["digitized"]["numerator"]) == (1, 0)  # no result issued yet
    assert (period["counts"]["documents"], period["counts"]["text_layer_pages"]) == (1, 1)
    table = sohoa("report", "--office", OFFICE)
    assert table.exit_code == 0 and "4.2" in table.output and "month" in table.output
