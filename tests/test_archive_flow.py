"""The nightly archive flow on the embedded default (local folders, SQLite), through Prefect.

One office day as the catalog holds it after ingest: office H12 received three dossiers (one with a
result issued, one reusing a citizen's card from the first, one submitted online), digitized five
documents (one born-digital PDF, one needing review, one committed at 23:30), quarantined a file;
office H29 digitized one; and a record of the next day waits. The night is archived once per module;
each test reads what an archivist or the head of the office would check.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import bagit
import pdfplumber
import pikepdf
import pytest

from archival.pdfa import is_pdfa2
from flows.archive import nightly_archive
from schemas.accounts import AuditAction, AuditEntry
from schemas.archive import NightReport
from schemas.batch import Direction, FileReport
from schemas.document import FileStatus, Problem, Reason
from schemas.dossier import Channel, Dossier, DossierDocument
from schemas.settings import Settings
from storage.resources import resources
from tests.archive_records import add_batch, add_record
from tests.generators import corpus, pdfs

pytestmark = pytest.mark.usefixtures("prefect_server")

ICT = timezone(timedelta(hours=7))
DAY = date(2025, 6, 2)
WITH_RESULT, REUSING, ONLINE = ("000.00.12.H12-250602-0001", "000.00.12.H12-250602-0002",
                                "000.00.12.H12-250602-0003")


@dataclass
class Night:
    settings: Settings
    report: NightReport
    ids: dict[str, str]  # name → document id

    @property
    def archive(self) -> Path:
        return self.settings.data_dir / "archive"

    def bag(self, office: str) -> Path:
        package = next(p for p in self.report.packages if p.office_code == office)
        return self.archive / package.key


def _at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ICT)


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory, prefect_server: None) -> Iterator[Night]:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOHOA_DATA_DIR", str(tmp_path_factory.mktemp("archive") / "data"))
        settings = Settings()
        res = resources(settings)
        catalog, store = res.catalog, res.objects
        add_batch(catalog, "h12-day", "H12", _at(8), files=[
            FileReport(file="hong.png", status=FileStatus.QUARANTINED, problems=[
                Problem(code=Reason.CORRUPT, message="damaged")])])
        add_batch(catalog, "h29-day", "H29", _at(9))
        add_batch(catalog, "h12-next", "H12", _at(8, day=DAY + timedelta(days=1)))
        typed, _ = pdfs.born_digital_pdf(corpus.paragraphs(random.Random(3), 1),
                                         heading="ĐƠN ĐỀ NGHỊ")

        def record(name: str, seed: int, **fields: object) -> None:
            ids[name] = add_record(catalog, store, seed=seed, **fields).document.id

        ids: dict[str, str] = {}
        record("card", 1, batch_id="h12-day", office="H12", created_at=_at(9), dossier_code=WITH_RESULT)
        record("typed", 2, batch_id="h12-day", office="H12", created_at=_at(9, 5), dossier_code=WITH_RESULT,
               text_layer=True, pdf=typed, text="ĐƠN ĐỀ NGHỊ")
        record("result", 3, batch_id="h12-day", office="H12", created_at=_at(10), dossier_code=WITH_RESULT,
               direction=Direction.OUTPUT)
        record("doubtful", 4, batch_id="h12-day", office="H12", created_at=_at(11), dossier_code=REUSING,
               status=FileStatus.NEEDS_REVIEW)
        record("late", 5, batch_id="h12-day", office="H12", created_at=_at(23, 30))
        record("other_office", 6, batch_id="h29-day", office="H29", created_at=_at(14))
        record("next_day", 7, batch_id="h12-next", office="H12", created_at=_at(0, 30, DAY + timedelta(days=1)))
        catalog.people.record_attachment(DossierDocument(dossier_code=REUSING, document_id=ids["card"], direction=Direction.INPUT,
                                       component="CCCD", reused=True, source_dossier=WITH_RESULT,
                                       attached_by="officer-7", attached_at=_at(15)))
        catalog.review.record_review(ids["doubtful"], {"full_name": "Nguyễn Thị Lan"}, "reviewer-2", confirm=False)
        catalog.accounts.record_audit(AuditEntry(username="reviewer-3", action=AuditAction.CONFIRM, document_id=ids["doubtful"]))
        catalog.people.record_dossier(Dossier.from_code(ONLINE, office_code="H12", channel=Channel.ONLINE,
                                               returns_paper_result=False))
        yield Night(settings, nightly_archive(date_from=DAY, date_to=DAY), ids)


def test_one_valid_bag_per_office_for_the_day_with_sha256_and_sha512(night: Night) -> None:
    assert sorted((p.office_code, len(p.documents)) for p in night.report.packages) == [("H12", 5), ("H29", 1)]
    bag = bagit.Bag(str(night.bag("H12")))
    bag.validate()  # every payload and tag file against both manifests
    assert set(bag.algorithms) == {"sha256", "sha512"}
    info = bag.info
    assert info["Source-Organization"] == "H12"
    assert (info["Sohoa-Date-From"], info["Sohoa-Date-To"]) == ("2025-06-02T00:00:00+07:00",
                                                                "2025-06-03T00:00:00+07:00")
    assert (info["Sohoa-Records"], info["Sohoa-Input-Records"], info["Sohoa-Output-Records"]) == ("5", "4", "1")
    assert (info["Sohoa-Pages"], info["Sohoa-Needs-Review"], info["Sohoa-PDFA-Copies"]) == ("5", "1", "5")
    assert info["Sohoa-Software-Version"].startswith("sohoa ")


def test_the_late_record_belongs_to_its_office_day_and_the_next_day_waits(night: Night) -> None:
    catalog = resources(night.settings).catalog
    h12 = next(p for p in night.report.packages if p.office_code == "H12")
    assert night.ids["late"] in h12.documents  # 23:30 in Vietnam is still 2 June there
    assert catalog.archive.get_package_of(night.ids["next_day"]) is None


def test_each_record_holds_original_pdfa_copy_with_text_layer_text_and_metadata(night: Night) -> None:
    store = resources(night.settings).objects
    for name in ("card", "typed"):
        folder = night.bag("H12") / "data" / night.ids[name]
        document = resources(night.settings).catalog.batches.get_document(night.ids[name])
        keys = {o.role: o.key for o in document.objects}
        assert (folder / "original.png").read_bytes() == store.get_bytes(keys["original"])
        assert (folder / "text.txt").read_bytes() == store.get_bytes(keys["text"])
        copy = folder / "archival-pdfa2b.pdf"
        with pikepdf.open(copy) as pdf:
            xmp = pdf.open_metadata()
            assert (xmp.get("pdfaid:part"), xmp.get("pdfaid:conformance")) == ("2", "B")
        assert is_pdfa2(copy)  # pikepdf's PDF/A-2b validator approves the stored bytes
        with pdfplumber.open(copy) as archived, pdfplumber.open(store.open(keys["searchable_pdf"])) as source:
            kept, original = archived.pages[0].extract_text(), source.pages[0].extract_text()
        assert kept.split() == original.split() and len(original.split()) > 5  # the text layer survived
    metadata = json.loads((night.bag("H12") / "data" / night.ids["typed"] / "metadata.json").read_text())
    assert metadata["archival_copy"]["method"].startswith("ghostscript")  # fonts had to be embedded


def test_metadata_tells_what_the_record_is_and_everything_done_to_it(night: Night) -> None:
    folder = night.bag("H12") / "data" / night.ids["card"]
    metadata = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    assert (metadata["record_class"], metadata["doc_type"], metadata["office_code"]) == (
        "input", "residence_confirmation", "H12")
    assert [(d["dossier_code"], d["reused"]) for d in metadata["dossiers"]] == [
        (WITH_RESULT, False), (REUSING, True)]
    events = {e["event"]: e for e in metadata["events"]}
    assert list(events) == ["received", "checksummed", "text_read", "classified", "attached", "archived"]
    assert events["checksummed"]["details"]["value"] == metadata["sha256"]
    assert events["text_read"]["details"]["pages_ocr"] == 1
    assert events["text_read"]["details"]["ocr_engine"]["engine"] == "tesseract"
    reuse = [e for e in metadata["events"] if e["event"] == "attached" and e["details"]["reused"]]
    assert [e["by"] for e in reuse] == ["officer-7"]
    page = metadata["pages"][0]
    assert (page["source"], page["rotation"], page["skew_degrees"], page["decision"]) == (
        "ocr", 0, 0.4, "image file: OCR")
    doubtful = json.loads((night.bag("H12") / "data" / night.ids["doubtful"] / "metadata.json").read_text())
    review = {e["event"]: e for e in doubtful["events"]}
    assert review["review_requested"]["details"]["reasons"] == ["low_confidence"]
    assert (review["corrected"]["by"], review["corrected"]["details"]["field"]) == ("reviewer-2", "full_name")
    assert review["review_confirmed"]["by"] == "reviewer-3"


def test_files_are_locked_per_record_class_and_recorded_in_the_catalog(night: Night) -> None:
    catalog = resources(night.settings).catalog
    [package] = catalog.archive.find_packages(office_code="H12", with_files=True)
    assert package.status.value == "complete" and package.tagmanifest_sha256 and package.tagmanifest_sha512
    years = {f.path: f.retain_until.year - package.created_at.year for f in package.files}
    assert years[f"data/{night.ids['result']}/original.png"] == 10
    assert years[f"data/{night.ids['card']}/original.png"] == 5
    assert years["bag-info.txt"] == years["tagmanifest-sha256.txt"] == 10  # the longest of the bag
    stored = sorted(p.relative_to(night.bag("H12")).as_posix() for p in night.bag("H12").rglob("*") if p.is_file())
    assert stored == sorted(f.path for f in package.files)  # the catalog knows every file of the bag


def test_running_the_night_again_makes_no_second_package(night: Night) -> None:
    before = sorted(p.relative_to(night.archive).as_posix() for p in night.archive.rglob("*"))
    again = nightly_archive(date_from=DAY, date_to=DAY)
    assert again.packages == [] and again.ok
    assert len(resources(night.settings).catalog.archive.find_packages()) == 2
    assert sorted(p.relative_to(night.archive).as_posix() for p in night.archive.rglob("*")) == before


def test_fixity_of_the_night_verified_what_it_stored(night: Night) -> None:
    fixity = night.report.fixity
    assert fixity is not None and fixity.ok
    assert fixity.packages_checked >= 1  # new packages are verified first


def test_indicators_are_stored_as_json_and_html_for_each_office(night: Night) -> None:
    store = resources(night.settings).objects
    items = json.loads(store.get_bytes("reports/indicators/H12/2025-06-02.json"))
    day = next(i for i in items if i["period"] == "day")
    assert day["dossiers_received"] == 3
    assert (day["digitized"], day["reused"], day["electronic_results"]) == (
        {"numerator": 2, "denominator": 3}, {"numerator": 1, "denominator": 3}, {"numerator": 1, "denominator": 2})
    assert day["counts"] | {"documents": 5, "needs_review": 1, "pages": 5, "ocr_pages": 4,
                            "text_layer_pages": 1, "files_received": 6, "quarantined": 1} == day["counts"]
    assert [i["period"] for i in items] == ["day", "month", "year"]
    page = store.get_bytes("reports/indicators/H12/2025-06-02.html").decode()
    assert "data:image/png;base64," in page and "66.7% (2/3)" in page and "50.0% (1/2)" in page
    assert store.exists("reports/indicators/H29/2025-06-02.json")
    assert store.exists("reports/nightly/2025-06-02.json")
