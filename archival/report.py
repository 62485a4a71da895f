"""The morning report, readable three ways: rich tables in a terminal, JSON, and one HTML page.

The HTML page is self-contained (inline style, chart as an embedded PNG) so the officers' web service
can serve the stored object as it is. The chart is drawn with matplotlib's object API on the Agg
canvas: no pyplot global state, safe in a flow's worker threads, no display needed.
"""

from __future__ import annotations

import base64
import html
import io
from datetime import datetime

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from rich.console import Console
from rich.table import Table

from archival.indicators import TARGET
from schemas.archive import ArchivePackage, FixityReport, Indicators, NightReport, Rate

# (label, getter) in the order an office reads them: the three scored indicators first.
_ROWS = (
    ("4.2 Tỷ lệ số hóa hồ sơ (dossiers digitized)", lambda i: i.digitized),
    ("4.3 Tỷ lệ tái sử dụng dữ liệu số hóa (reuse)", lambda i: i.reused),
    ("4.1 Tỷ lệ cấp kết quả điện tử (electronic results)", lambda i: i.electronic_results),
    ("OCR share of pages", lambda i: i.ocr_share),
    ("Text-layer share of pages", lambda i: i.text_layer_share),
    ("Documents needing review", lambda i: i.needs_review_rate),
    ("Files quarantined", lambda i: i.quarantine_rate),
)
_SCORED = 3


def percent(rate: Rate) -> str:
    """'75.0% (3/4)', or '–' when there was nothing to count."""
    value = rate.value
    return "–" if value is None else f"{100 * value:.1f}% ({rate.numerator}/{rate.denominator})"


def indicators_table(items: list[Indicators]) -> Table:
    """One column per period, one row per indicator, then the plain counts."""
    office = items[0].office_code or "all offices" if items else ""
    table = Table("indicator", *(f"{i.period}\n{i.date_from}…{i.date_to}" for i in items),
                  title=f"766 digitization indicators — {office}")
    table.add_row("Dossiers received", *(str(i.dossiers_received) for i in items))
    for number, (label, rate_of) in enumerate(_ROWS):
        cells = []
        for item in items:
            rate = rate_of(item)
            style = "" if number >= _SCORED or rate.value is None else (
                "green" if rate.value >= TARGET else "yellow")
            cells.append(f"[{style}]{percent(rate)}[/{style}]" if style else percent(rate))
        table.add_row(label, *cells)
    for label, field in (("Documents digitized", "documents"), ("Pages", "pages"),
                         ("Files received", "files_received")):
        table.add_row(label, *(str(getattr(i.counts, field)) for i in items))
    return table


def packages_table(packages: list[ArchivePackage]) -> Table:
    table = Table("package", "office", "day", "records", "in/out", "pages", "PDF/A", "MB", "kept until",
                  title="Archive packages")
    for p in packages:
        table.add_row(p.id, p.office_code or "–", p.day.isoformat(), str(len(p.documents)),
                      f"{p.input_records}/{p.output_records}", str(p.pages), str(p.pdfa_copies),
                      f"{p.bytes / 1e6:.2f}", p.retain_until.date().isoformat() if p.retain_until else "–")
    return table


def print_fixity(report: FixityReport, console: Console) -> None:
    """A loud red block when anything failed, one green line otherwise."""
    summary = (f"{report.objects_checked}/{report.objects_total} objects and {report.packages_checked}/"
               f"{report.packages_total} packages read ({report.bytes_checked / 1e6:.1f} MB), "
               f"cycle {report.cycle_nights} night(s)")
    if report.abandoned_packages:
        console.print(f"[yellow]{len(report.abandoned_packages)} package(s) left by interrupted runs "
                      f"(kept under lock): {', '.join(report.abandoned_packages)}[/yellow]")
    if report.ok:
        console.print(f"[green]fixity OK[/green]: {summary}")
        return
    counts = ", ".join(f"{report.count(p)} {p.value}" for p in sorted({i.problem for i in report.issues}))
    console.print(f"[bold red]FIXITY FAILED[/bold red]: {counts}; {summary}")
    table = Table("area", "key", "problem", "detail", title="Fixity problems", style="red")
    for issue in report.issues:
        table.add_row(issue.area, issue.key, issue.problem.value, issue.detail)
    console.print(table)


def print_night(report: NightReport, console: Console) -> None:
    console.print(packages_table(report.packages) if report.packages else "no new records to archive")
    if report.fixity is not None:
        print_fixity(report.fixity, console)
    offices = dict.fromkeys(i.office_code for i in report.indicators)
    for office in offices:
        console.print(indicators_table([i for i in report.indicators if i.office_code == office]))


def chart_png(items: list[Indicators]) -> bytes:
    """Bars of 4.2, 4.3 and 4.1 per period, with the 80% line that earns full marks."""
    figure = Figure(figsize=(7, 3.2), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    width = 0.8 / len(items) if items else 0.8
    for offset, item in enumerate(items):
        values = [100 * (rate_of(item).value or 0.0) for _, rate_of in _ROWS[:_SCORED]]
        axes.bar([n + offset * width for n in range(_SCORED)], values, width, label=item.period)
    axes.axhline(100 * TARGET, color="red", linestyle="--", linewidth=1, label=f"{100 * TARGET:.0f}%")
    axes.set_xticks([n + width * (len(items) - 1) / 2 for n in range(_SCORED)], ["4.2", "4.3", "4.1"])
    axes.set_ylim(0, 100)
    axes.set_ylabel("%")
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=len(items) + 1, fontsize="small",
                frameon=False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def indicators_html(items: list[Indicators], generated_at: datetime) -> str:
    """One self-contained page: title, chart, and the table of every indicator and count."""
    office = html.escape(items[0].office_code or "all offices") if items else ""
    heads = "".join(f"<th>{html.escape(i.period)}<br><small>{i.date_from} – {i.date_to}</small></th>"
                    for i in items)
    rows = ["<tr><td>Hồ sơ tiếp nhận (dossiers received)</td>"
            + "".join(f"<td>{i.dossiers_received}</td>" for i in items) + "</tr>"]
    for label, rate_of in _ROWS:
        rows.append(f"<tr><td>{html.escape(label)}</td>"
                    + "".join(f"<td>{html.escape(percent(rate_of(i)))}</td>" for i in items) + "</tr>")
    for label, field in (("Documents digitized", "documents"), ("Pages", "pages"),
                         ("Files received", "files_received")):
        rows.append(f"<tr><td>{label}</td>"
                    + "".join(f"<td>{getattr(i.counts, field)}</td>" for i in items) + "</tr>")
    chart = base64.b64encode(chart_png(items)).decode()
    return f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>Chỉ tiêu số hóa 766 — {office}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #bbb;padding:4px 8px;text-align:right}}td:first-child{{text-align:left}}</style>
</head><body>
<h1>Chỉ tiêu số hóa 766 — {office}</h1>
<p>Generated {generated_at.isoformat(timespec="seconds")}. Full marks from {100 * TARGET:.0f}%.</p>
<img alt="4.2, 4.3 and 4.1 per period" src="data:image/png;base64,{chart}">
<table><thead><tr><th>indicator</th>{heads}</tr></thead><tbody>
{chr(10).join(rows)}
</tbody></table></body></html>
"""
