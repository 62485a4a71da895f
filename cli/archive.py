"""Operators' commands for the nightly work by hand: archive, fixity, and the 766 report."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

import typer

from cli.common import app, catalog, console, errors, prepare_prefect, with_prefect

_DAY = ["%Y-%m-%d"]  # days as ISO dates, e.g. 2025-06-02


@app.command()
def archive(
    date_from: Annotated[datetime | None, typer.Option("--from", formats=_DAY,
                                                       help="ngày đầu (mặc định: hôm qua, giờ của cơ quan)")] = None,
    date_to: Annotated[datetime | None, typer.Option("--to", formats=_DAY, help="ngày cuối (mặc định: bằng --from)")] = None,
    office: Annotated[str | None, typer.Option("--office", help="chỉ cơ quan có mã này")] = None,
    fixity: Annotated[bool, typer.Option("--fixity/--no-fixity", help="sau đó kiểm tra lại những gì đã lưu")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="in báo cáo đêm dạng JSON")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Lưu trữ ngay hồ sơ của một khoảng ngày (chạy tay luồng hằng đêm); mã thoát 1 nếu có gì không thành."""
    prepare_prefect(verbose)
    from archival.report import print_night
    from flows.archive import nightly_archive

    first, last = _day(date_from), _day(date_to)
    if first and last and first > last:
        errors.print("[red]Ngày --from phải trước hoặc bằng ngày --to[/red]: hãy đổi lại hai ngày.")
        raise typer.Exit(2)
    report, failed = _run_nightly(nightly_archive, verbose, date_from=first, date_to=last, office=office,
                                  fixity=fixity)
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        print_night(report, console)
        for error in report.errors:
            errors.print(f"[red]{error}[/red]")
    if failed:
        raise typer.Exit(1)


@app.command()
def fixity(
    everything: Annotated[bool, typer.Option("--all", help="đọc mọi đối tượng ngay, không chỉ phần của đêm nay")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False,
) -> None:
    """Kiểm tra các đối tượng đã lưu và gói lưu trữ so với danh mục; mã thoát 1 nếu có bất kỳ sai lệch nào."""
    prepare_prefect(verbose)
    from archival.report import print_fixity
    from flows.archive import fixity_check

    report, failed = _run_nightly(fixity_check, verbose, everything=everything)
    if as_json:
        sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    else:
        print_fixity(report, console)
    if failed:
        raise typer.Exit(1)


@app.command()
def report(
    office: Annotated[str | None, typer.Option("--office", help="mã cơ quan (mặc định: mọi cơ quan)")] = None,
    date_from: Annotated[datetime | None, typer.Option("--from", formats=_DAY)] = None,
    date_to: Annotated[datetime | None, typer.Option("--to", formats=_DAY)] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Các chỉ số 766: cho --from/--to, hoặc hôm qua, từ đầu tháng và từ đầu năm (giờ của cơ quan)."""
    from datetime import timedelta

    from archival.indicators import measure, periods
    from archival.report import indicators_table
    from schemas.settings import Settings

    zone = Settings().zone
    if date_from or date_to:
        first, last = _day(date_from) or _day(date_to), _day(date_to) or _day(date_from)
        spans = [("custom", first, last)]
    else:
        spans = periods(datetime.now(zone).date() - timedelta(days=1))
    items = [measure(catalog(), office, name, start, end, zone) for name, start, end in spans]
    if as_json:
        sys.stdout.write("[" + ",".join(item.model_dump_json() for item in items) + "]\n")
    else:
        console.print(indicators_table(items))


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def _run_nightly(run_flow: Callable[..., Any], verbose: bool, **parameters: Any) -> tuple[Any, bool]:
    """Run an archive flow here; (its report, whether it failed). A failed run still has its report."""
    from flows.archive import NightlyRunFailed

    outcome = with_prefect(verbose, lambda: run_flow(**parameters, return_state=True).result(
        raise_on_failure=False))
    if isinstance(outcome, NightlyRunFailed):
        return outcome.report, True
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome, False
