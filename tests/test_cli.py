"""The `sohoa` command as a clerk and an evaluator use it, in-process on the session Prefect server.

One module-wide data folder receives three drops through the CLI: a small batch folder (two scans, a
byte-identical copy and a scan cut short, with a manifest), the same folder dropped again with
`--json`, a zip batch and a single file. Every test reads a different command's view of that outcome;
the failure cases (invalid manifest, missing path) use a fresh data folder each.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zipfile import ZipFile

import pytest
from click.testing import Result
from typer.testing import CliRunner

from cli import app
from ocr.metrics import cer
from schemas.batch import BatchReport, BatchStatus
from schemas.settings import Settings
from storage.resources import resources
from tests.helpers import write_manifest, write_page, write_pages, write_truncated_png

pytestmark = pytest.mark.usefixtures("prefect_server")

DOSSIER = "000.00.01.H29-241105-0012"
TITLES = {"01_to_khai.png": "Tờ khai đăng ký khai sinh", "02_bien_ban.png": "Biên bản tiếp nhận hồ sơ"}
COPY, BROKEN = "03_ban_sao.png", "loi/04_trang_bi_loi.png"
ZIP_MEMBER = "giay_to/trang_1.png"

_runner = CliRunner()


def sohoa(*args: str) -> Result:
    """Run the command in this process (it shares the test Prefect server); real errors propagate."""
    return _runner.invoke(app, list(args), env={"COLUMNS": "200"}, catch_exceptions=False)


def table_rows(output: str) -> dict[str, list[str]]:
    """The cells of a rich table's rows, keyed by the first cell (continuation lines are skipped)."""
    rows = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if cells and cells[0]:
            rows[cells[0]] = cells
    return rows


def flat(text: str) -> str:
    """Whitespace collapsed, so a terminal's line wrapping does not matter."""
    return " ".join(text.split())


@dataclass
class Drops:
    settings: Settings
    truth: dict[str, str]
    first: Result  # `sohoa ingest <folder>`
    again: Result  # `sohoa ingest --json <same folder dropped again>`
    report: BatchReport
    zip_report: BatchReport
    single_report: BatchReport
    single_file: Path

    def document_id(self, name: str) -> str:
        return next(f.document_id for f in self.report.files if f.file == name)


def _ingest_json(path: Path) -> BatchReport:
    result = sohoa("ingest", "--json", str(path))
    assert result.exit_code == 0, result.output
    return BatchReport.model_validate_json(result.stdout)


@pytest.fixture(scope="module")
def drops(tmp_path_factory: pytest.TempPathFactory, prefect_server: None) -> Iterator[Drops]:
    root = tmp_path_factory.mktemp("cli")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOHOA_DATA_DIR", str(root / "data"))
        settings = Settings()
        folder = settings.inbox / "ho-so-0012"
        truth = write_pages(folder, TITLES, seed=11)
        shutil.copy(folder / "01_to_khai.png", folder / COPY)
        (folder / BROKEN).parent.mkdir()
        write_truncated_png(folder / BROKEN)
        write_manifest(folder, office_code="000.00.01.H29", dossier_code=DOSSIER)
        first = sohoa("ingest", str(folder))
        assert first.exit_code == 0, first.output

        done = next(settings.done_dir.iterdir()) / folder.name
        shutil.copytree(done, folder)
        again = sohoa("ingest", "--json", str(folder))
        assert again.exit_code == 0, again.output
        report = BatchReport.model_validate_json(again.stdout)

        staging = root / "desk"
        truth[ZIP_MEMBER] = write_page(staging / "zip" / ZIP_MEMBER, seed=21)
        with ZipFile(settings.inbox / "ho-so-zip.zip", "w") as archive:
            archive.write(staging / "zip" / ZIP_MEMBER, ZIP_MEMBER)
        zip_report = _ingest_json(settings.inbox / "ho-so-zip.zip")

        single = staging / "don.png"
        truth["don.png"] = write_page(single, seed=31)
        single_report = _ingest_json(single)
        yield Drops(settings, truth, first, again, report, zip_report, single_report, single)


def test_ingest_prints_every_file_with_its_status_and_reason(drops: Drops) -> None:
    """Scanning staff read the report in Vietnamese: each file's state, why, and what to do."""
    output = drops.first.output
    assert drops.report.batch_id in output and "Hoàn tất một phần" in output
    rows = table_rows(output)
    assert {name: rows[name][1] for name in (*TITLES, COPY, BROKEN)} == {
        "01_to_khai.png": "Hoàn tất", "02_bien_ban.png": "Hoàn tất", COPY: "Trùng lặp",
        BROKEN: "Bị loại"}
    assert rows[BROKEN][4].startswith("tệp bị cắt cụt")
    # what to do next (copy it again), and where the duplicate's original is
    assert f"{BROKEN}: tệp bị cắt cụt — tệp bị cắt ngắn khi sao chép — hãy sao chép lại" in flat(output)
    assert f"{COPY}: trùng nội dung với 01_to_khai.png" in flat(output)
    assert not re.search(r"\b(file|status|pages|same bytes|quarantined|duplicate)\b", output)


def test_ingest_json_is_a_parseable_batch_report(drops: Drops) -> None:
    report = drops.report  # the same folder dropped again: same batch, same outcome, nothing redone
    assert report.status is BatchStatus.PARTIAL
    assert report.manifest.dossier_code == DOSSIER
    assert {f.file: (f.status.value, f.reason) for f in report.files} == {
        "01_to_khai.png": ("ok", None), "02_bien_ban.png": ("ok", None),
        COPY: ("duplicate", None), BROKEN: ("quarantined", "truncated")}
    counts = resources(drops.settings).catalog.batches.count_rows()  # this batch (dropped twice), zip, single file
    assert {k: counts[k] for k in ("batches", "batch_files", "documents", "pages")} == {
        "batches": 3, "batch_files": 6, "documents": 4, "pages": 4}


def test_invalid_manifest_fails_the_batch_and_moves_it_to_failed(data_dir: Path) -> None:
    settings = Settings()
    folder = settings.inbox / "ho-so-sai"
    write_pages(folder, {"01.png": "Giấy ủy quyền"})
    write_manifest(folder, dossier_code="not-a-dossier-code")

    result = sohoa("ingest", str(folder))

    assert result.exit_code == 1
    assert "batch.yaml không hợp lệ — hãy sửa batch.yaml" in flat(result.output)  # what to do next
    assert not folder.exists()
    (tray,) = settings.failed_dir.iterdir()
    assert (tray / "ho-so-sai" / "01.png").is_file() and (tray / "ho-so-sai" / "batch.yaml").is_file()
    report = BatchReport.model_validate_json((tray / "report.json").read_text(encoding="utf-8"))
    assert report.status is BatchStatus.FAILED
    assert [p.code.value for p in report.problems] == ["manifest_invalid"]
    assert resources(settings).catalog.batches.count_rows()["documents"] == 0


def test_missing_path_exits_2(data_dir: Path) -> None:
    result = sohoa("ingest", str(data_dir / "inbox" / "khong-co"))
    assert result.exit_code == 2
    assert "Không thấy lô" in result.output


@pytest.mark.parametrize("query", ["to khai dang ky khai sinh", "TỜ KHAI ĐĂNG KÝ", "Tờ Khai"])
def test_search_finds_a_document_with_or_without_diacritics(drops: Drops, query: str) -> None:
    result = sohoa("search", "--json", query)
    assert result.exit_code == 0, result.output
    found = [json.loads(line)["document_id"] for line in result.stdout.splitlines()]
    assert drops.document_id("01_to_khai.png") in found


def test_search_table_names_the_file_and_says_when_nothing_matches(drops: Drops) -> None:
    hit = sohoa("search", "bien ban tiep nhan")
    assert hit.exit_code == 0 and "02_bien_ban.png" in hit.output
    miss = sohoa("search", "xyzzy quokka")
    assert miss.exit_code == 0 and "0 kết quả" in miss.output


def test_show_prints_the_record_and_the_text(drops: Drops) -> None:
    document_id = drops.document_id("02_bien_ban.png")
    result = sohoa("show", document_id)
    assert result.exit_code == 0, result.output
    output = flat(result.output)
    assert "02_bien_ban.png" in output and DOSSIER in output
    (page,) = resources(drops.settings).catalog.batches.get_pages(document_id)
    assert page.text and flat(page.text) in output
    assert sohoa("show", "0" * 20).exit_code == 1


def _export(*args: str) -> list[dict]:
    result = sohoa("export", "--format", "jsonl", *args)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_export_jsonl_follows_the_evaluation_format(drops: Drops) -> None:
    rows = _export("--batch", drops.report.batch_id)
    pages = [r for r in rows if "page" in r]
    statuses = {r["file"]: r for r in rows if "status" in r}
    assert len(pages) + len(statuses) == len(rows)
    assert all(set(r) == {"file", "page", "text"} for r in pages)
    assert statuses == {
        "01_to_khai.png": {"file": "01_to_khai.png", "status": "ok", "reason": None},
        "02_bien_ban.png": {"file": "02_bien_ban.png", "status": "ok", "reason": None},
        COPY: {"file": COPY, "status": "duplicate", "reason": None, "duplicate_of": "01_to_khai.png"},
        BROKEN: {"file": BROKEN, "status": "quarantined", "reason": "truncated"},
    }
    text = {r["file"]: r["text"] for r in pages if r["page"] == 1}
    assert set(text) == {"01_to_khai.png", "02_bien_ban.png", COPY}  # a duplicate shows its pages
    for name in TITLES:
        assert cer(drops.truth[name], text[name]) < 0.05, name


def test_export_without_batch_covers_every_batch_and_only_jsonl_is_offered(drops: Drops) -> None:
    files = {r["file"] for r in _export() if "status" in r}
    assert files == {*TITLES, COPY, BROKEN, ZIP_MEMBER, "don.png"}
    assert sohoa("export", "--format", "csv").exit_code == 2


def test_zip_batch_is_ingested_with_member_names_relative_to_the_archive(drops: Drops) -> None:
    report = drops.zip_report
    assert [(f.file, f.status.value) for f in report.files] == [(ZIP_MEMBER, "ok")]
    rows = _export("--batch", report.batch_id)
    assert {r["file"] for r in rows} == {ZIP_MEMBER}
    page = next(r for r in rows if "page" in r)
    assert cer(drops.truth[ZIP_MEMBER], page["text"]) < 0.05
    assert not (drops.settings.inbox / "ho-so-zip.zip").exists()
    assert (drops.settings.done_dir / report.batch_id / "ho-so-zip.zip").is_file()


def test_single_file_is_ingested_and_left_where_it_was_outside_the_inbox(drops: Drops) -> None:
    report = drops.single_report
    assert report.status is BatchStatus.DONE
    assert [(f.file, f.status.value, f.pages) for f in report.files] == [("don.png", "ok", 1)]
    assert drops.single_file.is_file()  # only inbox drops are moved; a clerk's own file stays put
    text = resources(drops.settings).catalog.batches.get_document(report.files[0].document_id).text
    assert cer(drops.truth["don.png"], text) < 0.05


def test_the_help_screens_speak_vietnamese() -> None:
    """What an operator reads first: every command described, the panels and a mistyped command's
    error in Vietnamese (typer's own English literals, such as "Usage:", aside)."""
    shown = flat(sohoa("--help").output)
    assert "Lệnh" in shown and "Tùy chọn" in shown and "Commands" not in shown
    assert "Số hóa ngay một lô qua luồng tiếp nhận Prefect" in shown
    assert "Xem nhật ký truy cập" in shown and "Digitize" not in shown
    ingest = flat(sohoa("ingest", "--help").output)
    assert "thư mục lô, tệp .zip hoặc một tệp quét" in ingest and "[bắt buộc]" in ingest
    wrong = _runner.invoke(app, ["ingst"], env={"COLUMNS": "200"})
    assert wrong.exit_code == 2 and "Không có lệnh 'ingst'" in flat(wrong.output)
