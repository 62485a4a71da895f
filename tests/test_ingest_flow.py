"""End to end through Prefect: a realistic dropped batch becomes stored, searchable documents.

One batch holds every kind of page a clerk produces (clean, crooked, noisy, sideways, low-dpi, phone
JPEG with EXIF rotation, 16-bit, CMYK, transparent, multi-page TIFF, image-only, born-digital and
two-column PDFs, a PDF whose text layer lost its diacritics) plus broken files and a duplicate. It is
ingested once per module and every test reads a different aspect of the outcome.
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pdfplumber
import pytest
import yaml
from PIL import Image

from flows.ingest import ingest_batch
from ocr import searchable
from ocr.engine import recognise
from ocr.metrics import cer
from schemas.batch import BatchManifest, BatchReport, BatchStatus, ManifestFile
from schemas.document import FileStatus, Reason
from schemas.search import Scope, SearchRequest
from schemas.settings import Settings
from storage.resources import resources
from tests.generators import bad_inputs, corpus, pages, pdfs
from tests.pgserver import PostgresServer

pytestmark = pytest.mark.usefixtures("prefect_server")

DOSSIER = "000.00.01.H29-241105-0012"

# Upper CER bound per degradation level: what a clerk can still search and read.
CER_BOUNDS = {
    "clean": 0.02, "born_digital": 0.0, "two_columns": 0.0, "stripped_layer": 0.02,
    "skew": 0.04, "sideways": 0.04, "upside_down": 0.04, "noise": 0.06, "blur": 0.06,
    "jpeg": 0.06, "low_dpi": 0.06, "exif_jpeg": 0.03, "sixteen_bit": 0.02, "cmyk": 0.03,
    "rgba": 0.02, "border": 0.04, "uneven_light": 0.05, "tiff": 0.03, "image_pdf": 0.03,
}


def _english_ocr_pdf(page: pages.RenderedPage) -> bytes:
    """A scan made searchable by an OCR run without Vietnamese: right image, text layer without marks."""
    gray = np.asarray(page.image.convert("L"))
    layer = recognise(gray, dpi=page.dpi, language="eng")
    return searchable.with_words(searchable.image_page(np.dstack([gray] * 3), page.dpi), layer.words, page.dpi)


@dataclass
class IngestedBatch:
    folder: Path
    settings: Settings
    report: BatchReport
    truth: dict[str, tuple[str, str]]  # file → (level, ground truth)
    bad: dict[str, Reason]

    def file(self, name: str):
        return next(f for f in self.report.files if f.file == name)


def _write_batch(folder: Path) -> tuple[dict[str, tuple[str, str]], dict[str, Reason]]:
    rng = np.random.default_rng(2024)
    folder.mkdir(parents=True)
    truth: dict[str, tuple[str, str]] = {}

    def page(**kwargs) -> pages.RenderedPage:
        return pages.sample_page(rng, **kwargs)

    def png(name: str, level: str, image: Image.Image, text: str, dpi: int = 300) -> None:
        pages.save_png(image, folder / name, dpi=dpi)
        truth[name] = (level, text)

    clean = page(font="DejaVu Serif")
    png("clean.png", "clean", clean.image, clean.text)
    p = page()
    png("skew.png", "skew", pages.skew(p.image, 4.0), p.text)
    p = page()
    png("sideways.png", "sideways", pages.rotate90(p.image, 1), p.text)
    p = page()
    png("upside_down.png", "upside_down", pages.rotate90(p.image, 2), p.text)
    p = page()
    png("noise.png", "noise", pages.gaussian_noise(p.image, 16, rng=rng), p.text)
    p = page()
    png("blur.png", "blur", pages.blur(p.image, 1.2), p.text)
    p = page()
    png("border.png", "border", pages.border(p.image, rng=rng), p.text)
    p = page()
    png("uneven_light.png", "uneven_light", pages.uneven_light(p.image, 0.5, rng=rng), p.text)
    p = page(dpi=200)
    png("low_dpi.png", "low_dpi", p.image, p.text, dpi=200)
    p = page()
    pages.save_jpeg(pages.jpeg(p.image, 30), folder / "jpeg.jpg", quality=90)
    truth["jpeg.jpg"] = ("jpeg", p.text)
    p = page()
    pages.save_jpeg(p.image, folder / "exif.jpg", exif_orientation=6)
    truth["exif.jpg"] = ("exif_jpeg", p.text)
    p = page()
    pages.save_16bit_png(p.image, folder / "sixteen.png")
    truth["sixteen.png"] = ("sixteen_bit", p.text)
    p = page()
    pages.save_cmyk_jpeg(p.image, folder / "cmyk.jpg")
    truth["cmyk.jpg"] = ("cmyk", p.text)
    p = page()
    pages.save_rgba_png(p.image, folder / "rgba.png")
    truth["rgba.png"] = ("rgba", p.text)
    sheets = [page(), page()]
    pages.save_tiff_multipage([s.image for s in sheets], folder / "two_pages.tif")
    truth["two_pages.tif"] = ("tiff", "\n".join(s.text for s in sheets))
    p = page()
    (folder / "scan.pdf").write_bytes(pdfs.image_pdf([p.image]))
    truth["scan.pdf"] = ("image_pdf", p.text)

    import random
    text_rng = random.Random(5)
    typed, typed_text = pdfs.born_digital_pdf(corpus.paragraphs(text_rng, 2), heading="ĐƠN ĐỀ NGHỊ")
    (folder / "typed.pdf").write_bytes(typed)
    truth["typed.pdf"] = ("born_digital", typed_text)
    columns, columns_text = pdfs.born_digital_pdf(corpus.paragraphs(text_rng, 4), columns=2)
    (folder / "columns.pdf").write_bytes(columns)
    truth["columns.pdf"] = ("two_columns", columns_text)
    p = page()
    (folder / "stripped.pdf").write_bytes(_english_ocr_pdf(p))
    truth["stripped.pdf"] = ("stripped_layer", p.text)

    shutil.copy(folder / "clean.png", folder / "clean_copy.png")  # byte-identical: a duplicate

    bad_folder = folder / "loi"
    bad_folder.mkdir()
    bad = {f"loi/{name}": reason for name, reason in bad_inputs.write_bad_inputs(bad_folder).items()
           if reason is not Reason.TOO_LARGE}
    for name in set(p.relative_to(folder).as_posix() for p in bad_folder.rglob("*")) - set(bad):
        (folder / name).unlink()

    manifest = BatchManifest(office_code="000.00.01.H29", operator="Văn thư", dossier_code=DOSSIER,
                             procedure_code="1.001193",
                             files={"two_pages.tif": ManifestFile(component="Giấy ủy quyền",
                                                                  expected_pages=3)})
    (folder / "batch.yaml").write_text(yaml.safe_dump(manifest.model_dump(mode="json", exclude_none=True),
                                                      allow_unicode=True), encoding="utf-8")
    return truth, bad


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ingested(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             prefect_server: None) -> Iterator[IngestedBatch]:
    """The batch through the flow, with the catalog in SQLite (the default) or PostgreSQL."""
    data = tmp_path_factory.mktemp("ingest") / "data"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOHOA_DATA_DIR", str(data))
        if request.param == "postgresql":
            server: PostgresServer = request.getfixturevalue("postgres_server")
            env.setenv("SOHOA_CATALOG_URL", server.url(server.create_database()))
        settings = Settings()
        folder = settings.inbox / "ho-so-0012"
        truth, bad = _write_batch(folder)
        report = ingest_batch(str(folder))
        yield IngestedBatch(folder, settings, report, truth, bad)


def test_every_file_reaches_a_final_state(ingested: IngestedBatch) -> None:
    names = {f.file for f in ingested.report.files}
    assert names == set(ingested.truth) | set(ingested.bad) | {"clean_copy.png"}
    assert ingested.report.status is BatchStatus.PARTIAL  # broken files were refused, the rest went in


def test_broken_files_are_quarantined_with_their_reason_and_bytes(ingested: IngestedBatch) -> None:
    quarantine = resources(ingested.settings).quarantine
    for name, reason in ingested.bad.items():
        report = ingested.file(name)
        assert report.status is FileStatus.QUARANTINED, name
        assert report.reason == reason.value, name
        assert report.problems[0].message
        original = ingested.settings.done_dir / ingested.report.batch_id / "ho-so-0012" / name
        assert quarantine.get_bytes(f"{ingested.report.batch_id}/{name}") == original.read_bytes()
        reasons = json.loads(quarantine.get_bytes(f"{ingested.report.batch_id}/{name}.reason.json"))
        assert reasons[0]["code"] == reason.value


def test_text_is_read_within_the_error_bound_of_each_degradation(ingested: IngestedBatch) -> None:
    catalog = resources(ingested.settings).catalog
    failures = []
    for name, (level, truth) in ingested.truth.items():
        report = ingested.file(name)
        text = "\n".join(p.text for p in catalog.batches.get_pages(report.document_id))
        error = cer(truth, text)
        if error > CER_BOUNDS[level]:
            failures.append(f"{name} ({level}): CER {error:.3f} > {CER_BOUNDS[level]}")
    assert not failures, "\n".join(failures)


def test_text_layers_are_used_only_when_trustworthy(ingested: IngestedBatch) -> None:
    catalog = resources(ingested.settings).catalog
    sources = {name: [p.source.value for p in catalog.batches.get_pages(ingested.file(name).document_id)]
               for name in ("typed.pdf", "columns.pdf", "stripped.pdf", "scan.pdf")}
    assert sources == {"typed.pdf": ["text_layer"], "columns.pdf": ["text_layer"],
                       "stripped.pdf": ["ocr"], "scan.pdf": ["ocr"]}


def test_sideways_and_upside_down_pages_are_turned_upright(ingested: IngestedBatch) -> None:
    catalog = resources(ingested.settings).catalog
    assert catalog.batches.get_pages(ingested.file("sideways.png").document_id)[0].rotation in (90, 270)
    assert catalog.batches.get_pages(ingested.file("upside_down.png").document_id)[0].rotation == 180
    assert catalog.batches.get_pages(ingested.file("clean.png").document_id)[0].rotation == 0


def test_stored_objects_match_the_catalog(ingested: IngestedBatch) -> None:
    catalog, store = resources(ingested.settings).catalog, resources(ingested.settings).objects
    document = catalog.batches.get_document(ingested.file("two_pages.tif").document_id)
    roles = {o.role for o in document.objects}
    assert {"original", "searchable_pdf", "text", "words", "thumbnail"} <= roles
    for obj in document.objects:
        info = store.stat(obj.key)
        assert (info.sha256, info.size) == (obj.sha256, obj.size)
    original = next(o for o in document.objects if o.role == "original")
    # Nothing stored that the catalog does not know (one-page PDFs are merged from local scratch),
    # and no scratch left behind.
    prefix = original.key.rsplit("/", 1)[0] + "/"
    assert set(store.list(prefix)) == {o.key for o in document.objects}
    assert not any((ingested.settings.work_dir / "pages").glob("*/*"))
    kept = ingested.settings.done_dir / ingested.report.batch_id / "ho-so-0012" / "two_pages.tif"
    assert store.get_bytes(original.key) == kept.read_bytes()
    words = json.loads(store.get_bytes(next(o.key for o in document.objects if o.role == "words")))
    assert [w["page"] for w in words] == [1, 2] and all(w["words"] for w in words)
    thumbnail = Image.open(io.BytesIO(store.get_bytes(next(o.key for o in document.objects
                                                           if o.role == "thumbnail"))))
    assert thumbnail.width == 320


def test_searchable_pdf_has_the_page_image_and_an_invisible_text_layer(ingested: IngestedBatch) -> None:
    catalog, store = resources(ingested.settings).catalog, resources(ingested.settings).objects
    document = catalog.batches.get_document(ingested.file("two_pages.tif").document_id)
    pdf_bytes = store.get_bytes(next(o.key for o in document.objects if o.role == "searchable_pdf"))
    _, truth = ingested.truth["two_pages.tif"]
    with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
        assert len(pdf.pages) == 2
        assert all(page.images for page in pdf.pages)
        layer = "\n".join(page.extract_text() for page in pdf.pages)
    assert cer(truth, layer) < 0.05


def test_manifest_fields_and_page_count_check(ingested: IngestedBatch) -> None:
    catalog = resources(ingested.settings).catalog
    report = ingested.file("two_pages.tif")
    assert report.status is FileStatus.NEEDS_REVIEW
    assert report.reason == Reason.MISSING_PAGE.value  # the clerk announced 3 pages, 2 arrived
    document = catalog.batches.get_document(report.document_id)
    assert (document.dossier_code, document.component) == (DOSSIER, "Giấy ủy quyền")


def test_duplicate_becomes_a_link_not_a_second_record(ingested: IngestedBatch) -> None:
    copy, original = ingested.file("clean_copy.png"), ingested.file("clean.png")
    assert copy.status is FileStatus.DUPLICATE
    assert copy.duplicate_of == "clean.png"
    assert copy.document_id == original.document_id


@pytest.mark.parametrize("query", ["cong hoa xa hoi chu nghia", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA",
                                   "Cộng Hoà xã hội"])
def test_documents_are_found_by_text_with_or_without_diacritics(ingested: IngestedBatch, query: str) -> None:
    hits = resources(ingested.settings).catalog.search.find(SearchRequest(q=query, page_size=100),
                                                            Scope.everything()).hits
    found = {h.id for h in hits}
    assert ingested.file("clean.png").document_id in found
    assert ingested.file("sideways.png").document_id in found


def test_export_rows_follow_the_evaluation_format(ingested: IngestedBatch) -> None:
    rows = list(resources(ingested.settings).catalog.batches.export_rows(ingested.report.batch_id))
    status = {r["file"]: r for r in rows if "status" in r}
    assert set(status) == {f.file for f in ingested.report.files}
    assert status["clean_copy.png"]["duplicate_of"] == "clean.png"
    assert {name: status[name]["reason"] for name in ingested.bad} == {
        name: reason.value for name, reason in ingested.bad.items()}
    page_rows = [r for r in rows if "page" in r and r["file"] == "two_pages.tif"]
    assert [r["page"] for r in page_rows] == [1, 2] and all(r["text"] for r in page_rows)


def test_inbox_drop_moves_to_done_only_after_the_commit(ingested: IngestedBatch) -> None:
    assert not ingested.folder.exists()
    kept = ingested.settings.done_dir / ingested.report.batch_id
    assert (kept / "ho-so-0012" / "clean.png").is_file()
    assert json.loads((kept / "report.json").read_text())["batch_id"] == ingested.report.batch_id


def test_redropping_the_same_batch_changes_nothing(ingested: IngestedBatch) -> None:
    catalog = resources(ingested.settings).catalog
    before = catalog.batches.count_rows()
    again = ingested.settings.inbox / "ho-so-0012"
    shutil.copytree(ingested.settings.done_dir / ingested.report.batch_id / "ho-so-0012", again)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOHOA_DATA_DIR", str(ingested.settings.data_dir))
        report = ingest_batch(str(again))
    assert report.batch_id == ingested.report.batch_id
    assert catalog.batches.count_rows() == before
    assert [(f.file, f.status) for f in report.files] == [(f.file, f.status) for f in ingested.report.files]
