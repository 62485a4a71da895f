"""Faults a real office meets, injected without mocks: a Tesseract that runs out of time, the ingest
process killed mid-batch (power cut, OOM killer), a PDF reading process killed, and a scan whose page
data is damaged inside an otherwise well-formed PDF. In every case the rest of the batch goes on and nothing is lost.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pikepdf
import prefect.settings
import pytest

from flows.ingest import _pdf_readers, _read, ingest_batch
from ocr.metrics import cer
from schemas.batch import BatchStatus
from schemas.document import FileKind, FileStatus, Reason, TextSource
from schemas.settings import Settings
from storage.resources import resources
from tests.generators import pages, pdfs
from tests.helpers import (
    assert_documents_complete,
    document_ids,
    tree_digests,
    write_page,
    write_pages,
    write_typed_pdf,
)

pytestmark = pytest.mark.usefixtures("prefect_server")

CRASH_PAGES = {f"{n:02d}_trang.png": title for n, title in enumerate(
    ["Tờ khai đăng ký khai sinh", "Giấy ủy quyền", "Biên bản tiếp nhận hồ sơ",
     "Xác nhận thông tin về cư trú", "Đơn đề nghị đăng ký biến động đất đai"], start=1)}
STARTUP_DEADLINE_SECONDS = 180  # generous: only bounds a hung subprocess, never judged as speed


def test_ocr_timeout_sends_the_page_to_review_and_the_batch_goes_on(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_OCR_TIMEOUT_SECONDS", "0.05")  # a page takes Tesseract ~0.5 s
    settings = Settings()
    folder = settings.inbox / "ho-so-cham"
    write_page(folder / "trang.png", seed=61)
    typed = write_typed_pdf(folder / "don.pdf", seed=62)

    report = ingest_batch(str(folder))

    assert report.status is BatchStatus.PARTIAL
    files = {f.file: f for f in report.files}
    assert (files["trang.png"].status, files["trang.png"].reason) == (FileStatus.NEEDS_REVIEW, "ocr_timeout")
    assert files["don.pdf"].status is FileStatus.OK  # its text layer needs no OCR
    catalog = resources(settings).catalog
    (page,) = catalog.batches.get_pages(files["trang.png"].document_id)
    assert page.source is TextSource.NONE and [p.page for p in page.problems] == [1]
    scan = catalog.batches.get_document(files["trang.png"].document_id)
    assert {"original", "searchable_pdf", "thumbnail"} <= {o.role for o in scan.objects}  # reviewable
    assert cer(typed, catalog.batches.get_document(files["don.pdf"].document_id).text) == 0
    assert not folder.exists()  # the batch completed and left the inbox


def _pdf_with_damaged_page(truth_seed: int) -> tuple[bytes, str]:
    """A two-page scan PDF whose structure is sound but whose page-2 JPEG data is garbage, as when a
    scanner's buffer overruns: every header and page box reads fine, the pixels do not."""
    rng = np.random.default_rng(truth_seed)
    first, second = pages.sample_page(rng, paragraphs=1), pages.sample_page(rng, paragraphs=1)
    with pikepdf.open(io.BytesIO(pdfs.image_pdf([first.image, second.image]))) as pdf:
        for image in pdf.pages[1].get_images().values():
            garbage = bytes(range(256)) * (len(image.read_raw_bytes()) // 256)
            image.write(garbage, filter=image.get("/Filter"), decode_parms=image.get("/DecodeParms"))
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue(), first.text


def test_a_killed_pdf_reading_process_is_replaced_and_its_page_still_read(tmp_path: Path) -> None:
    path = tmp_path / "don.pdf"
    text = write_typed_pdf(path)
    pool = _pdf_readers()
    assert pool is not None
    pool.submit(int).result()  # its processes are up
    for process in list(pool._processes.values()):  # as the OOM killer or a PDFium crash would
        process.kill()

    reading = _read(path, FileKind.PDF, 1, Settings(), thumbnail=False)

    assert reading.page.source is TextSource.TEXT_LAYER
    assert " ".join(reading.page.text.split()) == " ".join(text.split())
    assert _pdf_readers() is not pool


def test_a_damaged_page_inside_a_valid_pdf_is_flagged_and_the_other_page_is_read(data_dir: Path) -> None:
    settings = Settings()
    folder = settings.inbox / "ho-so-hong"
    folder.mkdir(parents=True)
    data, first_page = _pdf_with_damaged_page(71)
    (folder / "ho_so.pdf").write_bytes(data)

    (file,) = ingest_batch(str(folder)).files

    assert file.status is FileStatus.NEEDS_REVIEW and file.pages == 2  # passed preflight, not quarantined
    assert {p.page for p in file.problems} == {2}  # the clerk is told which page to rescan
    assert {p.code for p in file.problems} <= {Reason.NO_TEXT, Reason.PAGE_FAILED, Reason.CORRUPT}
    first, second = resources(settings).catalog.batches.get_pages(file.document_id)
    assert cer(first_page, first.text) < 0.05 and not first.problems
    assert not second.text.strip()


def _sohoa_command() -> list[str]:
    """The installed console script a clerk runs, else the module."""
    script = Path(sys.executable).parent / "sohoa"
    return [str(script)] if script.is_file() else [sys.executable, "-m", "cli"]


def _committed(catalog_file: Path, *, after_crash: bool = False) -> list[str]:
    try:
        return document_ids(catalog_file, after_crash=after_crash)
    except sqlite3.OperationalError:  # not created or not migrated yet
        return []


def _crash_after_first_commit(folder: Path, settings: Settings) -> list[str]:
    """Run `sohoa ingest` in its own process group on the session's Prefect server, SIGKILL the whole
    group as soon as one document is committed, and return the documents committed by then."""
    env = {**os.environ, "SOHOA_DATA_DIR": str(settings.data_dir),
           "PREFECT_API_URL": str(prefect.settings.PREFECT_API_URL.value())}
    catalog_file = settings.data_dir / "catalog.sqlite3"
    log = settings.data_dir.parent / "sohoa.log"
    with log.open("wb") as output:
        process = subprocess.Popen([*_sohoa_command(), "ingest", str(folder)], env=env, stdout=output,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    try:
        deadline = time.monotonic() + STARTUP_DEADLINE_SECONDS
        while not (committed := _committed(catalog_file)):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"sohoa ended (code {process.returncode}) before any commit:\n"
                            f"{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.02)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # its Tesseract children die with it
        process.wait()
    # Read again once the writer is dead: a commit may have landed between the last look and the
    # kill (the killed writer's log then needs recovering before it can be read).
    return _committed(catalog_file, after_crash=True) or committed


def test_a_killed_ingest_loses_nothing_and_a_rerun_completes_without_duplicates(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    crashed, clean = Settings(data_dir=tmp_path / "crashed"), Settings(data_dir=tmp_path / "clean")
    folder = crashed.inbox / "ho-so-mat-dien"
    write_pages(folder, CRASH_PAGES, seed=81)
    dropped = tree_digests(folder)
    shutil.copytree(folder, clean.inbox / folder.name)

    committed = _crash_after_first_commit(folder, crashed)

    assert 1 <= len(committed) < len(CRASH_PAGES), "the kill must land in the middle of the batch"
    monkeypatch.setenv("SOHOA_DATA_DIR", str(crashed.data_dir))
    catalog, store = resources(crashed).catalog, resources(crashed).objects
    assert_documents_complete(catalog, store, committed)  # no half record, no missing object
    assert catalog.batches.count_rows()["documents"] == len(committed)
    assert tree_digests(folder) == dropped  # nothing left the inbox before the batch was finished

    rerun = ingest_batch(str(folder))
    monkeypatch.setenv("SOHOA_DATA_DIR", str(clean.data_dir))
    reference = ingest_batch(str(clean.inbox / folder.name))

    assert rerun.batch_id == reference.batch_id and rerun.status is reference.status
    assert [(f.file, f.status, f.document_id) for f in rerun.files] == [
        (f.file, f.status, f.document_id) for f in reference.files]
    assert catalog.batches.count_rows() == resources(clean).catalog.batches.count_rows()
    assert_documents_complete(catalog, store, document_ids(crashed.data_dir / "catalog.sqlite3"))
    assert not folder.exists() and (crashed.done_dir / rerun.batch_id / folder.name).is_dir()
