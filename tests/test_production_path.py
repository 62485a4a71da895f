"""The production path, exactly as the README's operator section tells an operator to run it.

A real Prefect server (its own PREFECT_HOME and SQLite database, a free port), the `process` work pool,
`prefect deploy --all` from prefect.yaml, a worker, then a batch dropped into the inbox: the scheduled
`inbox-watch` deployment must find it and hand it to the `ingest` deployment, which makes it searchable
with `sohoa search`. Then the `nightly-archive` deployment is run for that day and must leave a valid
BagIt package holding the document. Nothing here calls a flow function directly: every run is scheduled
or triggered on the server and executed by the worker, as in production. (This path once shipped broken:
the server's scheduler failed every minute with SQLAlchemy 2.1 and no scheduled flow ever ran.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import bagit
import pytest

from tests.helpers import write_manifest, write_page, write_typed_pdf
from tests.prefect_site import Deployment, prefect_deployment, stop, wait_for

WATCH_INTERVAL_SECONDS = 60  # prefect.yaml's schedule of inbox-watch
SEARCHABLE_DEADLINE_SECONDS = 6 * WATCH_INTERVAL_SECONDS  # a bound on a hung run, not a speed figure
OFFICE = "000.00.12.H12"


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    with prefect_deployment(tmp_path_factory.mktemp("production")) as deployed:
        worker = deployed.start_worker("worker")
        try:
            yield deployed
        finally:
            stop(worker)


def test_a_dropped_batch_is_found_by_the_scheduled_watch_and_becomes_searchable(deployment: Deployment) -> None:
    inbox = deployment.data / "inbox" / "ho-so-mot-cua"
    write_page(inbox / "01_to_khai.png", seed=91, title="Tờ khai đăng ký khai sinh")
    write_typed_pdf(inbox / "02_don.pdf", seed=92)
    write_manifest(inbox, office_code=OFFICE, operator="Nguyễn Thị Lan")

    def searchable() -> bool:
        found = deployment.run("sohoa", "search", "to khai dang ky khai sinh", "--json").stdout.splitlines()
        return any(json.loads(line)["original_name"] == "01_to_khai.png" for line in found)

    waited = wait_for(searchable, SEARCHABLE_DEADLINE_SECONDS, "the dropped batch becoming searchable",
                       deployment.logs)
    print(f"searchable {waited:.0f} s after the drop")  # noqa: T201 - the operator's figure, for the README
    # The scan is searchable as soon as its own document is recorded; the drop is retired to done/
    # when the batch's last document (here the PDF, read in the reading processes) is.
    wait_for(lambda: not inbox.exists(), SEARCHABLE_DEADLINE_SECONDS, "the drop retired to done/", deployment.logs)
    reports = list((deployment.data / "done").glob("*/report.json"))
    assert [json.loads(r.read_text(encoding="utf-8"))["status"] for r in reports] == ["done"]


def test_the_nightly_archive_deployment_packs_that_day(deployment: Deployment) -> None:
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()
    deployment.run("prefect", "deployment", "run", "nightly-archive/nightly-archive",
                   "--param", f"date_from={today}", "--param", f"date_to={today}",
                   "--watch", "--watch-timeout", "600", timeout=660)
    bags = list((deployment.data / "archive").glob(f"*/{today[:4]}/{today}/sohoa-*"))
    assert len(bags) == 1, bags
    bag = bagit.Bag(str(bags[0]))
    bag.validate()
    assert bag.info["Sohoa-Records"] == "2"
    assert {Path(name).name for name in bag.payload_files()} >= {"original.png", "original.pdf", "text.txt"}
