"""The 766 digitization indicators (Decision 766/QĐ-TTg; DESIGN 5.7) as pure functions over dossiers.

Per dossier received in the period:
- 4.2 digitized: it has at least one digitized input component (scanned, or reused from digitized
  data) and, when its procedure returns a paper result, an electronic result file. A dossier submitted
  online arrived as files, so its inputs count as digitized (it is not scanned at the counter).
- 4.3 reused: at least one of its components was reused from already digitized data.
- 4.1 electronic result: among dossiers whose procedure returns a paper result, those with a result
  file.
Full marks at 80% (`TARGET`).
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from schemas.archive import DigitizationCounts, Indicators, Rate, day_bounds
from schemas.batch import Direction
from schemas.dossier import Channel, Dossier
from storage.catalog import Catalog

TARGET = 0.8


def has_digitized_inputs(dossier: Dossier) -> bool:
    return dossier.channel is Channel.ONLINE or any(d.direction is Direction.INPUT for d in dossier.documents)


def has_electronic_result(dossier: Dossier) -> bool:
    return any(d.direction is Direction.OUTPUT for d in dossier.documents)


def is_digitized(dossier: Dossier) -> bool:
    """Indicator 4.2's test for one dossier."""
    return has_digitized_inputs(dossier) and (not dossier.returns_paper_result or has_electronic_result(dossier))


def reuses_data(dossier: Dossier) -> bool:
    """Indicator 4.3's test for one dossier."""
    return any(d.reused for d in dossier.documents)


def indicators(dossiers: list[Dossier], counts: DigitizationCounts, office_code: str | None, period: str,
               date_from: date, date_to: date) -> Indicators:
    """The indicators of dossiers received in [date_from, date_to] and the period's digitization counts."""
    paper = [d for d in dossiers if d.returns_paper_result]
    return Indicators(
        office_code=office_code, period=period, date_from=date_from, date_to=date_to,
        dossiers_received=len(dossiers),
        digitized=Rate(numerator=sum(map(is_digitized, dossiers)), denominator=len(dossiers)),
        reused=Rate(numerator=sum(map(reuses_data, dossiers)), denominator=len(dossiers)),
        electronic_results=Rate(numerator=sum(map(has_electronic_result, paper)), denominator=len(paper)),
        counts=counts,
    )


def periods(day: date) -> list[tuple[str, date, date]]:
    """The morning report's periods ending on `day`: the day, the month to date, the year to date."""
    return [("day", day, day), ("month", day.replace(day=1), day), ("year", date(day.year, 1, 1), day)]


def measure(catalog: Catalog, office_code: str | None, period: str, date_from: date, date_to: date,
            zone: ZoneInfo) -> Indicators:
    """Read one period's dossiers and counts from the catalog (days on the office's clock)."""
    start, _ = day_bounds(date_from, zone)
    _, end = day_bounds(date_to, zone)
    return indicators(catalog.people.find_dossiers(office_code=office_code, received_from=date_from, received_to=date_to),
                      catalog.archive.count_digitization(start, end, office_code), office_code, period,
                      date_from, date_to)
