"""The nightly flow: the day's records packed and locked, everything stored verified, the 766 report.

Scheduled at 01:00 Asia/Ho_Chi_Minh by prefect.yaml (deployment `nightly-archive`); `sohoa archive`
runs the same flow by hand for any dates and `sohoa fixity` runs the check alone. Packing, fixity and
indicators are in `archival`; this module only orders them, one task per office-day package.

A failed package or a fixity problem fails the run, after the morning report has been stored, so the
run is red in Prefect and the command exits non-zero: never a silent success.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from importlib.metadata import version
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from archival.fixity import Verifier, verify
from archival.indicators import measure, periods
from archival.packaging import Archiver, archive_office_day, office_slug
from archival.report import indicators_html
from schemas.archive import (
    ArchivePackage,
    FixityReport,
    Indicators,
    NightReport,
    day_bounds,
)
from schemas.settings import Settings
from storage.resources import archive_store, resources


class NightlyRunFailed(RuntimeError):
    """Raised at the end of a run that found fixity problems or could not store a package.

    args: (message, report); the report is the one stored, so the caller can show it.
    """

    @property
    def report(self) -> NightReport | FixityReport:
        return self.args[1]


def _software() -> str:
    return f"sohoa {version('sohoa')}"


def _ocr_engine(settings: Settings) -> dict[str, str]:
    from ocr.engine import tesseract_version  # pytesseract only where it is needed

    return {"engine": "tesseract", "version": tesseract_version(), "language": settings.ocr_language,
            "dpi": str(settings.ocr_dpi)}


@task(name="archive-office-day", cache_policy=NO_CACHE)
def archive_package(office_code: str | None, day: date, document_ids: list[str],
                    settings: Settings) -> ArchivePackage | None:
    """One office's records of one day → one locked BagIt package."""
    archiver = Archiver(catalog=resources(settings).catalog, objects=resources(settings).objects,
                        archive=archive_store(settings, settings.archive.archive_bucket),
                        settings=settings.archive, zone=settings.zone, work_dir=settings.work_dir, software=_software(), ocr_engine=_ocr_engine(settings))
    package = archive_office_day(archiver, office_code, day, document_ids)
    if package is not None:
        get_run_logger().info("package %s: %d records, %d pages, %d PDF/A copies, %.1f MB", package.id,
                              len(package.documents), package.pages, package.pdfa_copies, package.bytes / 1e6)
    return package


@task(name="verify-fixity", cache_policy=NO_CACHE)
def verify_fixity(settings: Settings, everything: bool) -> FixityReport:
    """Compare stored bytes and bags with the catalog (a rotating share, or everything)."""
    report = verify(Verifier(catalog=resources(settings).catalog, objects=resources(settings).objects,
                             archive=archive_store(settings, settings.archive.archive_bucket),
                             settings=settings.archive, work_dir=settings.work_dir), everything=everything)
    log = get_run_logger()
    log.info("fixity: %d/%d objects, %d/%d packages, %.1f MB read", report.objects_checked,
             report.objects_total, report.packages_checked, report.packages_total, report.bytes_checked / 1e6)
    for issue in report.issues:
        log.error("fixity %s: %s %s", issue.problem.value, issue.area, issue.key)
    return report


@task(name="publish-indicators", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=2)
def publish_indicators(office_code: str, date_from: date, date_to: date,
                       settings: Settings) -> tuple[list[Indicators], list[str]]:
    """Day, month and year to date (and the run's own range) as JSON and HTML in the objects store."""
    catalog, store = resources(settings).catalog, resources(settings).objects
    spans = periods(date_to) + ([("custom", date_from, date_to)] if date_from != date_to else [])
    items = [measure(catalog, office_code, period, start, end, settings.zone) for period, start, end in spans]
    base = f"reports/indicators/{office_slug(office_code)}/{date_to.isoformat()}"
    payload = "[" + ",".join(item.model_dump_json() for item in items) + "]"
    store.put_bytes(f"{base}.json", payload.encode(), "application/json")
    store.put_bytes(f"{base}.html", indicators_html(items, datetime.now(UTC)).encode(),
                    "text/html; charset=utf-8")
    return items, [f"{base}.json", f"{base}.html"]


def _days(date_from: date | None, date_to: date | None, zone: ZoneInfo) -> list[date]:
    """The days to archive; by default yesterday on the office's clock."""
    yesterday = datetime.now(zone).date() - timedelta(days=1)
    last = date_to or date_from or yesterday
    first = date_from or last
    if first > last:
        raise ValueError("the first day comes after the last day")
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@flow(name="nightly-archive")
def nightly_archive(date_from: date | None = None, date_to: date | None = None, office: str | None = None,
                    fixity: bool = True, fixity_everything: bool = False) -> NightReport:
    """Archive the records of each day (yesterday by default), verify fixity, publish the indicators."""
    settings = Settings()
    started = datetime.now(UTC)
    days = _days(date_from, date_to, settings.zone)
    catalog = resources(settings).catalog
    futures = []
    for day in days:
        start, end = day_bounds(day, settings.zone)
        for office_code, ids in catalog.archive.find_unarchived(start, end, office).items():
            futures.append(archive_package.submit(office_code, day, ids, settings))
    packages, errors = [], []
    for future in futures:
        outcome = future.result(raise_on_failure=False)
        if isinstance(outcome, BaseException):
            errors.append(f"a package could not be stored: {type(outcome).__name__}: {outcome}")
        elif outcome is not None:
            packages.append(outcome)
    checked = verify_fixity(settings, fixity_everything) if fixity else None
    indicators: list[Indicators] = []
    keys: list[str] = []
    for office_code in [office] if office else catalog.archive.find_offices():
        items, stored = publish_indicators(office_code, days[0], days[-1], settings)
        indicators += items
        keys += stored
    report = NightReport(started_at=started, finished_at=datetime.now(UTC), days=days, packages=packages,
                         fixity=checked, indicators=indicators, errors=errors, report_keys=keys)
    night_key = f"reports/nightly/{days[-1].isoformat()}.json"
    report.report_keys.append(night_key)
    resources(settings).objects.put_bytes(night_key, report.model_dump_json(indent=2).encode(),
                                          "application/json")
    if not report.ok:
        problems = len(checked.issues) if checked else 0
        raise NightlyRunFailed(f"nightly run failed: {problems} fixity problem(s), "
                               f"{len(errors)} package error(s); see {night_key}", report)
    return report


@flow(name="fixity-check")
def fixity_check(everything: bool = False) -> FixityReport:
    """Verify what is stored now (the nightly share, or everything); fails on any problem."""
    settings = Settings()
    report = verify_fixity(settings, everything)
    key = f"reports/fixity/{report.started_at:%Y%m%dT%H%M%SZ}.json"
    resources(settings).objects.put_bytes(key, report.model_dump_json(indent=2).encode(), "application/json")
    if not report.ok:
        raise NightlyRunFailed(f"fixity check failed: {len(report.issues)} problem(s); see {key}", report)
    return report
