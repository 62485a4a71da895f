"""The inbox watcher: a batch is taken only once it is complete, and never twice.

Readiness is judged from file times, so the tests set those times (os.utime) and pass `now` instead of
sleeping through a settle period.
"""

from __future__ import annotations

import os
from pathlib import Path
from zipfile import ZipFile

import pytest

from flows.watch import idempotency_key, ready_batches, watch_inbox
from ocr.staging import StagedBatch, within_office
from schemas.batch import BatchManifest, BatchReport, BatchStatus
from schemas.settings import Settings
from storage.inbox import Drop
from storage.resources import resources
from tests.helpers import folder_inbox, write_manifest, write_page, write_typed_pdf

SETTLE = 30.0
T0 = 1_700_000_000.0  # a fixed "last write" time for the drops below


def _ready(folder: Path, now: float | None = None) -> list[str]:
    """Names of the ready drops of the inbox folder `folder`."""
    return [drop.name for drop in ready_batches(folder_inbox(folder), SETTLE, now=now)]


def _drop_of(batch: Path) -> Drop:
    return next(drop for drop in folder_inbox(batch.parent).drops() if drop.name == batch.name)


def _touch_tree(entry: Path, when: float) -> None:
    """Give every file and folder of a drop the same modification time."""
    for path in [*entry.rglob("*"), entry] if entry.is_dir() else [entry]:
        os.utime(path, (when, when))


def _drop(inbox: Path, name: str, files: dict[str, bytes], when: float = T0) -> Path:
    folder = inbox / name
    for relative, data in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_bytes(data)
    _touch_tree(folder, when)
    return folder


def test_a_batch_with_a_manifest_is_ready_at_once(tmp_path: Path) -> None:
    batch = _drop(tmp_path, "ho-so-1", {"a.png": b"x", "batch.yaml": b"operator: Lan\n"})
    assert _ready(tmp_path, now=T0) == [batch.name]


def test_a_batch_without_manifest_waits_until_its_files_settle(tmp_path: Path) -> None:
    batch = _drop(tmp_path, "ho-so-2", {"a.png": b"x", "sub/b.png": b"y"})
    assert _ready(tmp_path, now=T0 + SETTLE - 1) == []
    assert _ready(tmp_path, now=T0 + SETTLE) == [batch.name]
    # the scanner writes one more page into a sub-folder: the quiet time starts again
    os.utime(batch / "sub" / "b.png", (T0 + 20, T0 + 20))
    assert _ready(tmp_path, now=T0 + SETTLE) == []
    assert _ready(tmp_path, now=T0 + 20 + SETTLE) == [batch.name]


def test_a_removed_file_also_restarts_the_settle_time(tmp_path: Path) -> None:
    batch = _drop(tmp_path, "ho-so-3", {"a.png": b"x", "b.png": b"y"})
    (batch / "b.png").unlink()
    now = os.stat(batch).st_mtime  # removing a file touches the folder
    assert _ready(tmp_path, now=now + SETTLE - 1) == []
    assert _ready(tmp_path, now=now + SETTLE) == [batch.name]


def test_a_zip_is_a_batch_and_waits_like_a_folder(tmp_path: Path) -> None:
    archive = tmp_path / "ho-so-4.zip"
    with ZipFile(archive, "w") as zipped:
        zipped.writestr("a.png", b"x")
    _touch_tree(archive, T0)
    assert _ready(tmp_path, now=T0 + 1) == []
    assert _ready(tmp_path, now=T0 + SETTLE) == [archive.name]


def test_hidden_entries_are_not_batches_and_a_loose_scan_is_a_batch_of_one(tmp_path: Path) -> None:
    _drop(tmp_path, ".dang-chep", {"a.png": b"x", "batch.yaml": b"{}\n"})  # an upload in progress
    (tmp_path / ".ho-so.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    (tmp_path / "le.png").write_bytes(b"x")
    _touch_tree(tmp_path, T0)
    assert _ready(tmp_path, now=T0 + 1) == []
    assert _ready(tmp_path, now=T0 + 10 * SETTLE) == ["le.png"]
    assert _ready(tmp_path / "khong-co") == []  # no inbox yet: nothing, no error


def test_idempotency_key_is_stable_for_an_unchanged_drop_and_changes_with_any_file(tmp_path: Path) -> None:
    batch = _drop(tmp_path, "ho-so-5", {"a.png": b"xx", "sub/b.png": b"yy"})
    key = idempotency_key(_drop_of(batch))
    assert key == idempotency_key(_drop_of(batch))

    (batch / "a.png").write_bytes(b"zz")  # same size, rewritten later
    os.utime(batch / "a.png", (T0 + 5, T0 + 5))
    rewritten = idempotency_key(_drop_of(batch))
    (batch / "sub" / "c.png").write_bytes(b"new")
    added = idempotency_key(_drop_of(batch))
    (batch / "sub" / "c.png").rename(batch / "sub" / "d.png")
    renamed = idempotency_key(_drop_of(batch))
    assert len({key, rewritten, added, renamed}) == 4
    assert renamed == idempotency_key(_drop_of(batch))  # and stable again once the drop stops changing


@pytest.mark.usefixtures("prefect_server")
def test_watch_inbox_ingests_ready_batches_once(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A settled folder and a fresh one with a manifest are ingested and moved to done/; a folder
    still being written stays in the inbox; a second pass starts nothing."""
    monkeypatch.setenv("SOHOA_SETTLE_SECONDS", "600")  # long enough that "copying" never settles here
    settings = Settings()
    settled = settings.inbox / "ho-so-cu"
    write_page(settled / "trang.png", seed=41)
    _touch_tree(settled, os.stat(settled).st_mtime - 3600)  # dropped an hour ago
    with_manifest = settings.inbox / "ho-so-moi"
    write_typed_pdf(with_manifest / "don.pdf", seed=42)
    write_manifest(with_manifest, operator="Nguyễn Thị Lan")
    copying = settings.inbox / "ho-so-dang-chep"
    write_page(copying / "trang.png", seed=43)

    started = watch_inbox()

    assert sorted(started) == ["ho-so-cu", "ho-so-moi"]
    assert sorted(p.name for p in settings.inbox.iterdir()) == ["ho-so-dang-chep"]
    reports = {}
    for tray in settings.done_dir.iterdir():
        report = BatchReport.model_validate_json((tray / "report.json").read_text(encoding="utf-8"))
        assert (tray / report.name).is_dir()
        reports[report.name] = report
    assert {name: (r.status, [f.file for f in r.files]) for name, r in reports.items()} == {
        "ho-so-cu": (BatchStatus.DONE, ["trang.png"]), "ho-so-moi": (BatchStatus.DONE, ["don.pdf"])}
    catalog = resources(settings).catalog
    before = catalog.batches.count_rows()
    assert before["documents"] == 2

    assert watch_inbox() == []
    assert catalog.batches.count_rows() == before
    assert (copying / "trang.png").is_file()


@pytest.mark.parametrize(("named", "office", "kept_as", "refused"), [
    ("H12", "H12", "H12", False),                      # the manifest names the office of its inbox part
    ("000.00.12.H12", "000.00.12.H12", "000.00.12.H12", False),
    (None, "H12", "H12", False),                       # no office named: the inbox part says it
    ("H13", "H12", "H13", True),                       # another office: refused whole, nothing filed
    ("H13", None, "H13", False),                       # a folder inbox has no parts per office
])
def test_a_drop_in_an_offices_part_of_the_inbox_belongs_to_that_office(
        named: str | None, office: str | None, kept_as: str, refused: bool) -> None:
    staged = StagedBatch(batch_id="lo-1-abc", name="lo-1", source="inbox:x/lo-1",
                         manifest=BatchManifest(office_code=named))
    checked = within_office(staged, office)
    assert checked.manifest.office_code == kept_as
    assert [p.code for p in checked.problems] == (["manifest_invalid"] if refused else [])
    if refused:
        assert "hãy sửa batch.yaml" in checked.problems[0].message
