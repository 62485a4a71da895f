"""Fixity on the embedded default: damage done to stored files is reported, and fails the run loudly.

Each test archives a small office day through the nightly flow, then corrupts, deletes or adds files
the way a failing disk or a careless hand would, and checks what `sohoa fixity` and the flows say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from flows.archive import NightlyRunFailed, fixity_check, nightly_archive
from schemas.archive import ArchivePackage, FixityReport
from schemas.settings import Settings
from storage.resources import resources
from tests.archive_records import add_batch, add_record

pytestmark = pytest.mark.usefixtures("prefect_server")

ICT = timezone(timedelta(hours=7))
DAY = date(2025, 6, 2)


@dataclass
class Archived:
    settings: Settings
    package: ArchivePackage
    documents: list[str]

    def object_path(self, document: str, role: str) -> tuple[str, Path]:
        key = next(o.key for o in resources(self.settings).catalog.batches.get_document(document).objects
                   if o.role == role)
        return key, self.settings.objects_dir / key

    def bag_file(self, path: str) -> tuple[str, Path]:
        return self.package.key + path, self.settings.data_dir / "archive" / self.package.key / path


@pytest.fixture
def archived(data_dir: Path) -> Archived:
    settings = Settings()
    catalog, store = resources(settings).catalog, resources(settings).objects
    add_batch(catalog, "quay-1", "H12", datetime(2025, 6, 2, 8, tzinfo=ICT))
    documents = [add_record(catalog, store, seed=seed, batch_id="quay-1", office="H12",
                            created_at=datetime(2025, 6, 2, 9 + seed, tzinfo=ICT)).document.id
                 for seed in range(3)]
    [package] = nightly_archive(date_from=DAY, date_to=DAY, fixity=False).packages
    return Archived(settings, package, documents)


def _run_fixity(**parameters: object) -> tuple[FixityReport, bool]:
    state = fixity_check(**parameters, return_state=True)
    outcome = state.result(raise_on_failure=False)
    return (outcome.report, True) if isinstance(outcome, NightlyRunFailed) else (outcome, state.is_failed())


def test_an_untouched_store_passes_and_every_object_is_read(archived: Archived) -> None:
    report, failed = _run_fixity(everything=True)
    assert not failed and report.ok
    assert report.objects_checked == report.objects_total == 12  # 3 records x 4 objects
    assert report.packages_checked == report.packages_total == 1
    result = CliRunner().invoke(app, ["fixity", "--all"], catch_exceptions=False)
    assert result.exit_code == 0 and "fixity OK" in result.output


def test_corrupted_deleted_and_added_files_are_each_reported_and_fail_the_run(archived: Archived) -> None:
    first, second, third = archived.documents
    corrupted_key, corrupted = archived.object_path(first, "original")
    corrupted.write_bytes(corrupted.read_bytes()[:-10] + b"0123456789")
    deleted_key, deleted = archived.object_path(second, "text")
    deleted.unlink()
    changed_key, changed = archived.bag_file(f"data/{third}/text.txt")
    changed.write_bytes(changed.read_bytes() + b" (edited)")
    added_key, added = archived.bag_file(f"data/{third}/extra.txt")
    added.write_text("not part of the bag")
    removed_key, removed = archived.bag_file(f"data/{first}/metadata.json")
    removed.unlink()
    stray = archived.settings.data_dir / "archive" / "H12" / "ghi-chu.txt"
    stray.write_text("dropped here by hand")

    report, failed = _run_fixity(everything=True)
    assert failed and not report.ok
    found = {(i.area, i.key, i.problem.value) for i in report.issues}
    assert {
        ("objects", corrupted_key, "changed"), ("objects", deleted_key, "missing"),
        ("archive", changed_key, "changed"), ("archive", added_key, "unexpected"),
        ("archive", removed_key, "missing"), ("archive", "H12/ghi-chu.txt", "unexpected"),
    } <= found
    result = CliRunner().invoke(app, ["fixity", "--all"], env={"COLUMNS": "250"}, catch_exceptions=False)
    assert result.exit_code == 1 and "FIXITY FAILED" in result.output and changed_key in result.output
    night = nightly_archive(date_from=DAY, date_to=DAY, fixity_everything=True, return_state=True)
    assert night.is_failed()  # red in Prefect, not a silent success


def test_a_rotating_share_reads_everything_within_the_cycle(archived: Archived,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOHOA_FIXITY_CYCLE_NIGHTS", "3")
    key, path = archived.object_path(archived.documents[1], "words")
    path.write_bytes(b"[]")
    nights = [_run_fixity() for _ in range(3)]
    assert [report.objects_checked for report, _ in nights] == [4, 4, 4]
    # The damaged object is read on exactly one of the three nights, and that night fails.
    assert [[i.key for i in report.issues] for report, _ in nights].count([key]) == 1
    assert [failed for _, failed in nights].count(True) == 1
    # A share is rounded up: the one package is a whole share, read every night.
    assert [report.packages_checked for report, _ in nights] == [1, 1, 1]


def test_a_package_interrupted_before_its_commit_is_kept_reported_and_redone(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault injection: the catalog commit of a package fails after its objects were stored."""
    settings = Settings()
    catalog, store = resources(settings).catalog, resources(settings).objects
    add_batch(catalog, "quay-1", "H12", datetime(2025, 6, 2, 8, tzinfo=ICT))
    add_record(catalog, store, seed=9, batch_id="quay-1", office="H12",
               created_at=datetime(2025, 6, 2, 9, tzinfo=ICT))

    def power_cut(*_: object) -> None:
        raise OSError("power cut before the catalog commit")

    with monkeypatch.context() as patch:
        patch.setattr(catalog.archive, "complete_package", power_cut)
        crashed = nightly_archive(date_from=DAY, date_to=DAY, fixity=False, return_state=True)
    assert crashed.is_failed()  # its objects are stored and locked, its records not archived

    [package] = nightly_archive(date_from=DAY, date_to=DAY, fixity=False).packages
    assert package.id == "sohoa-H12-20250602-2"
    report, failed = _run_fixity(everything=True)
    assert not failed and report.ok  # the first attempt's objects are known, not "unexpected"
    assert report.abandoned_packages == ["sohoa-H12-20250602"]
