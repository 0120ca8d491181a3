"""The yearly action-plan report as XLSX (openpyxl, write-only): the same figures as the PDF.

A summary sheet against targets with a native bar chart, and one sheet per table. The verified
savings lines behind the tables are not in the workbook: they are the "detailed data", a download
of their own (``reporting.detail``), which the summary sheet points to. Numbers are stored as
numbers with number formats; every text goes through ``cleanprod.spreadsheets.cell`` (no formula
injection); header rows are frozen and filtered.
"""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from collections.abc import Callable, Iterable, Sequence
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl.chart import BarChart, Reference
from openpyxl.utils import get_column_letter

from cleanprod.spreadsheets import (
    DECIMAL_FORMAT,
    INTEGER_FORMAT,
    cell,
    header_row,
    new_workbook,
    print_area,
    print_setup,
    write_table,
)
from reporting.builders.pdf import report_title
from reporting.indicators import YearIndicators
from training.models import CourseKind

if TYPE_CHECKING:
    from reporting.report_data import ReportData

PERCENT_FORMAT = "0.00"
QUANTITY_FORMAT = "#,##0.000"
FACTOR_FORMAT = "#,##0.0000"
PAYBACK_FORMAT = "0.0"
ProgressCallback = Callable[[int], None]


def _none(value: Any) -> Any:
    return "" if value is None else value


def _write_sheet(
    wb,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    widths: Sequence[int],
    formats: dict[int, str] | None = None,
):
    return write_table(wb, title, headers, rows, widths=widths, number_formats=formats)


CHART_COLUMN = "E"  # the summary's chart stands beside the three columns of its data
CHART_ROWS = 18  # rows its 9 cm height covers


def _summary(wb, ind: YearIndicators) -> None:
    """Figures against targets, a caption below, and a bar chart of the shares against targets."""
    ws = wb.create_sheet(title=_("Summary")[:31])
    headers = [_("Indicator"), _("Result"), _("Unit"), _("Target"), _("Plan"), _("Achieved"), _("Note")]
    widths = [58, 18, 9, 14, 16, 14, 60]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    print_setup(ws, widths)
    ws.append(header_row(ws, headers))
    for f in ind.figures:
        fmt = PERCENT_FORMAT if f.is_percent else (DECIMAL_FORMAT if f.places else INTEGER_FORMAT)
        achieved = "" if f.achieved is None else (_("Achieved") if f.achieved else _("Not achieved"))
        ws.append(
            [
                cell(ws, f.label),
                cell(ws, _none(f.value), number_format=fmt),
                cell(ws, f.unit),
                cell(ws, f.target.value if f.target else "", number_format=fmt),
                cell(ws, f.target.plan if f.target else ""),
                cell(ws, achieved),
                cell(ws, f.target.note if f.target else ""),
            ]
        )
    last = len(ind.figures) + 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{last}"

    # Caption rows, then the shares against their targets for the chart.
    captions = [
        [cell(ws, report_title(ind.year))],
        [cell(ws, _("Scope")), cell(ws, ind.scope_label)],
        [cell(ws, _("Computed on")), cell(ws, timezone.localtime(ind.computed_at).replace(tzinfo=None))],
    ]
    captions += [[cell(ws, _("Plan in force")), cell(ws, f"{p.decision_number} – {p.title}")] for p in ind.plans]
    if ind.awareness_kinds:
        captions.append([cell(ws, _("Definition of aware")), cell(ws, ind.awareness_definition)])
    captions.append([cell(ws, _("Detailed data")), cell(ws, detail_note())])
    ws.append([])
    for row in captions:
        ws.append(row)
    ws.append([])
    chart_header = last + 1 + len(captions) + 1 + 1  # row number of the chart block's header
    shares = [f for f in ind.figures if f.is_percent]
    ws.append(header_row(ws, [_("Share (%)"), _("Result"), _("Target")]))
    for f in shares:
        ws.append(
            [
                cell(ws, f.label),
                cell(ws, f.value if f.value is not None else 0, number_format=PERCENT_FORMAT),
                # No target: an empty cell, not a bar at 0.
                cell(ws, f.target.value if f.target else None, number_format=PERCENT_FORMAT),
            ]
        )
    chart = BarChart()
    chart.type = "bar"
    chart.title = _("Shares against targets (%)")
    chart.y_axis.title = "%"
    chart.height, chart.width = 9, 16  # centimetres: within columns E–G
    data = Reference(ws, min_col=2, max_col=3, min_row=chart_header, max_row=chart_header + len(shares))
    labels = Reference(ws, min_col=1, min_row=chart_header + 1, max_row=chart_header + len(shares))
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(labels)
    # Beside its data (columns A–C), not over it; printed with it.
    ws.add_chart(chart, f"{CHART_COLUMN}{chart_header}")
    print_area(ws, len(headers), max(chart_header + len(shares), chart_header + CHART_ROWS))


def detail_note() -> str:
    """Where the lines behind the tables are: the workbook holds the tables only."""
    url = settings.PORTAL_BASE_URL.rstrip("/") + reverse("reporting:list")
    return _(
        "The verified savings lines of this year and scope are a separate download, “Detailed data” "
        "(CSV or Excel), on the Reports page of the portal: %(url)s"
    ) % {"url": url}


def _cross_sheet(wb, title: str, first: str, table) -> None:
    if table is None:
        return
    _write_sheet(
        wb,
        title[:31],
        [first, *table.col_labels, _("Net total (VND)")],
        ([label, *cells, total] for label, cells, total in table.rows),
        [40, *([14] * len(table.col_labels)), 16],
        {i: INTEGER_FORMAT for i in range(1, len(table.col_labels) + 2)},
    )


def _annex_sheets(wb, ind: YearIndicators) -> None:
    """The previous-year comparison, the cross-tables, the model enterprises, the funding and the
    factors: the same figures as the PDF's annex."""
    _write_sheet(
        wb,
        _("Previous year")[:31],
        [_("Figure"), str(ind.year), str(ind.year - 1), _("Change (%)")],
        ([r.label, r.value, r.previous, r.change_pct] for r in ind.year_on_year),
        [50, 16, 16, 12],
        {1: DECIMAL_FORMAT, 2: DECIMAL_FORMAT, 3: PERCENT_FORMAT},
    )
    _cross_sheet(wb, _("By unit and year"), _("District") if ind.is_city else _("VSIC division"), ind.by_unit_year)
    _cross_sheet(wb, _("By sector and category"), _("VSIC division"), ind.by_sector_category)
    _write_sheet(
        wb,
        _("Model enterprises")[:31],
        [_("Enterprise"), _("Tax code"), _("District"), _("Net TOE"), _("Net saved (VND)"), _("What they did")],
        ([m.name, m.tax_code, m.district, m.savings_toe, m.savings_vnd, "\n".join(m.actions)] for m in ind.models),
        [40, 14, 16, 12, 16, 80],
        {3: DECIMAL_FORMAT, 4: INTEGER_FORMAT},
    )
    _write_sheet(
        wb,
        _("Funding")[:31],
        [_("Source of funds"), _("Activity"), _("Amount (VND)")],
        [
            *([f.source_label, f.activity, f.amount_vnd] for f in ind.funding),
            [_("Total"), "", ind.funding_total],
            [_("Cost per TOE saved (VND)"), "", ind.cost_per_toe],
        ],
        [30, 60, 18],
        {2: INTEGER_FORMAT},
    )
    _write_sheet(
        wb,
        _("Factors")[:31],
        [_("Resource"), _("Unit"), _("TOE per unit"), _("tCO2e per unit"), _("Valid from"), _("Source"), _("Fallback")],
        (
            [
                f.resource,
                f.unit,
                f.toe_per_unit,
                f.tco2e_per_unit,
                f.valid_from_year,
                f.source,
                _("Yes") if f.fallback else "",
            ]
            for f in ind.factors
        ),
        [24, 8, 14, 14, 10, 70, 10],
        {2: FACTOR_FORMAT, 3: FACTOR_FORMAT, 4: "0"},
    )


def target_result_label(status: str) -> str:
    return {
        "achieved": _("Achieved"),
        "not_achieved": _("Not achieved"),
        "no_data": _("No data yet"),
    }[status]


def _targets(wb, ind: YearIndicators) -> None:
    """Every plan in force, each target against the year's result (the PDF's section 1)."""
    rows = [
        [
            plan.decision_number,
            plan.level_label,
            t.label,
            t.target_year,
            t.value,
            t.value_max,
            t.unit or (_("yes = 1, no = 0") if t.is_yes_no else ""),
            t.result,
            target_result_label(t.status),
            t.note,
            t.source,
        ]
        for plan in ind.plans
        for t in plan.targets
    ]
    headers = [
        _("Plan"),
        _("Level"),
        _("Indicator"),
        _("Target year"),
        _("Target"),
        _("Up to"),
        _("Unit"),
        _("Result"),
        _("Result against the target"),
        _("Wording of the plan"),
        _("Source"),
    ]
    _write_sheet(
        wb,
        _("Targets")[:31],
        headers,
        rows,
        [16, 12, 58, 10, 12, 12, 10, 14, 18, 70, 40],
        {4: DECIMAL_FORMAT, 5: DECIMAL_FORMAT, 7: DECIMAL_FORMAT},
    )


class _FixedTimeZipFile(zipfile.ZipFile):
    """A zip archive whose entries all carry one date (openpyxl stamps each entry with the time
    of writing, or with the modification time of a write-only sheet's temporary file)."""

    def __init__(self, file, when: dt.datetime) -> None:
        super().__init__(file, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self.fixed_date_time = when.timetuple()[:6]

    def _entry(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self.fixed_date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        return info

    def writestr(self, zinfo_or_arcname, data, *args, **kwargs) -> None:  # type: ignore[override]
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = self._entry(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename, arcname=None, *args, **kwargs) -> None:  # type: ignore[override]
        with open(filename, "rb") as source, self.open(self._entry(arcname or str(filename)), "w") as target:
            shutil.copyfileobj(source, target, 1024 * 1024)


def save_workbook(wb, stream: IO[bytes], fixed_time: dt.datetime | None = None) -> None:
    """Save ``wb`` to ``stream``. With ``fixed_time`` (a locked year: the lock's time) the file is
    the same byte for byte every time: the document properties' created and modified dates and
    every zip entry's date are that time (UTC), not the time of writing."""
    if fixed_time is None:
        wb.save(stream)
        return
    from openpyxl.writer.excel import ExcelWriter

    when = fixed_time.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0)
    wb.properties.created = wb.properties.modified = when
    if not wb.worksheets:
        wb.create_sheet()
    archive = _FixedTimeZipFile(stream, when)
    ExcelWriter(wb, archive).save()


def build_xlsx(data: ReportData, stream: IO[bytes], *, progress: ProgressCallback | None = None, **_kw) -> None:
    """Write the workbook of ``data`` to ``stream``. A locked year's file is reproducible
    (``data.fixed_time``, see ``save_workbook``)."""
    report = progress or (lambda pct: None)
    ind = data.ind
    with translation.override("vi"):
        wb = new_workbook()
        _summary(wb, ind)
        _targets(wb, ind)
        _write_sheet(
            wb,
            _("By commune or ward") if ind.by_communes else _("By district"),
            [
                _("GSO code"),
                _("Commune or ward") if ind.by_communes else _("District"),
                _("Registered enterprises"),
                _("Active enterprises"),
                _("Aware"),
                _("Aware (%)"),
                _("Applying"),
                _("Applying (%)"),
                _("Assessments completed"),
                _("Options implemented"),
                _("Net energy saved (TOE)"),
                _("Net emissions avoided (tCO2e)"),
                _("Net saved (VND)"),
                _("Officers in post"),
                _("Trained officers in post"),
                _("Coverage"),
            ],
            (
                [
                    d.code,
                    d.name,
                    d.enterprises_registered,
                    d.enterprises_active,
                    d.aware,
                    _none(d.aware_share),
                    d.applying,
                    _none(d.applying_share),
                    d.assessments_completed,
                    d.options_implemented,
                    d.savings_toe,
                    d.savings_tco2e,
                    d.savings_vnd,
                    d.officers_in_post,
                    d.trained_in_post,
                    d.coverage_label,
                ]
                for d in ind.districts
            ),
            [9, 22, 12, 12, 10, 10, 10, 10, 12, 12, 14, 14, 18, 11, 11, 14],
            {5: PERCENT_FORMAT, 7: PERCENT_FORMAT},
        )
        if ind.is_city and ind.by_communes:
            _former_districts(wb, ind)
        _write_sheet(
            wb,
            _("By sector"),
            [
                _("VSIC division"),
                _("Sector"),
                _("Active enterprises"),
                _("Aware"),
                _("Applying"),
                _("Applying (%)"),
                _("Assessments completed"),
                _("Net energy saved (TOE)"),
                _("Net emissions avoided (tCO2e)"),
                _("Net saved (VND)"),
            ],
            (
                [
                    s.code,
                    s.name,
                    s.enterprises_active,
                    s.aware,
                    s.applying,
                    _none(s.applying_share),
                    s.assessments_completed,
                    s.savings_toe,
                    s.savings_tco2e,
                    s.savings_vnd,
                ]
                for s in ind.sectors
            ),
            [10, 40, 12, 10, 10, 10, 12, 14, 14, 18],
            {5: PERCENT_FORMAT},
        )
        _write_sheet(
            wb,
            _("Options by category"),
            [
                _("Category"),
                _("Identified"),
                _("Implemented"),
                _("Investment (VND)"),
                _("Expected savings (VND/year)"),
                _("Verified savings (VND)"),
                _("Median payback (years)"),
            ],
            (
                [
                    c.label,
                    c.identified,
                    c.implemented,
                    c.investment_vnd,
                    c.expected_savings_vnd,
                    c.verified_savings_vnd,
                    _none(c.median_payback_years),
                ]
                for c in ind.categories
            ),
            [34, 11, 11, 18, 18, 18, 12],
            {6: PAYBACK_FORMAT},
        )
        _write_sheet(
            wb,
            _("Savings by resource"),
            [
                _("Resource"),
                _("Unit"),
                _("Net quantity"),
                _("Net TOE"),
                _("Net tCO2e"),
                _("Net saved (VND)"),
                _("Lines"),
                _("Quantity saved"),
                _("Quantity added (fuel switch)"),
                _("TOE saved"),
                _("TOE added"),
                _("tCO2e added"),
            ],
            (
                [
                    r.name,
                    r.unit,
                    r.quantity,
                    _none(r.toe),
                    _none(r.tco2e),
                    r.vnd,
                    r.lines,
                    r.quantity_saved,
                    r.quantity_added,
                    _none(r.toe_saved),
                    _none(r.toe_added),
                    _none(r.tco2e_added),
                ]
                for r in ind.resources
            ),
            [30, 8, 18, 14, 14, 18, 8, 18, 18, 14, 14, 14],
            {2: QUANTITY_FORMAT, 7: QUANTITY_FORMAT, 8: QUANTITY_FORMAT},
        )
        _write_sheet(
            wb,
            _("Trend"),
            [
                _("Year"),
                _("Net energy saved (TOE)"),
                _("Net emissions avoided (tCO2e)"),
                _("Net saved (VND)"),
                _("Reports"),
            ],
            ([p.year, p.savings_toe, p.savings_tco2e, p.savings_vnd, p.reports_verified] for p in ind.trend),
            [8, 16, 16, 18, 10],
            {0: "0"},
        )
        t = ind.training
        _write_sheet(
            wb,
            _("Training"),
            [_("Figure"), _("Value")],
            [
                [_("Officers who passed an officer-training course in the year"), t.officers_trained],
                [_("Courses held in the year"), t.courses_held],
                *([str(label), t.courses_by_kind.get(code, 0)] for code, label in CourseKind.choices),
                [_("Enterprises that took part in a course in the year"), t.enterprises_participating],
                [_("Districts"), t.districts_total],
                [_("Districts with a trained officer in post at year end"), t.districts_covered],
                [_("of which at risk"), t.districts_at_risk],
                [_("Districts without a trained officer in post"), t.districts_not_covered],
            ],
            [60, 12],
        )
        _write_sheet(
            wb,
            _("Warnings"),
            [
                _("Code"),
                _("Severity"),
                _("District"),
                _("Tax code"),
                _("Enterprise"),
                _("Period"),
                _("Report no."),
                _("Warning"),
                _("Items"),
            ],
            [
                *([w.code, _("Warning"), "", "", "", "", "", w.message, w.count] for w in ind.warnings),
                *(
                    [
                        f.code,
                        _("Error") if f.severity == "error" else _("Warning"),
                        f.district,
                        f.tax_code,
                        f.enterprise,
                        f.period,
                        f.report_id,
                        f.message,
                        1,
                    ]
                    for f in ind.findings
                ),
            ],
            [22, 10, 16, 14, 36, 12, 10, 100, 8],
            {6: "0"},
        )
        # After the warnings: the sheets up to there keep their places.
        _write_sheet(
            wb,
            _("Data calls"),
            [
                _("Period"),
                _("Due date"),
                _("Commune or ward"),
                _("Expected"),
                _("Received"),
                _("On time"),
                _("Completeness (%)"),
                _("Timeliness (%)"),
            ],
            (
                [
                    f"{f.call.year} {f.call.get_period_display()}",
                    f.call.due_date,
                    row.name,
                    row.expected,
                    row.received,
                    row.on_time,
                    _none(row.completeness),
                    _none(row.timeliness),
                ]
                for f in data.calls
                for row in (*f.rows, f.total)
            ),
            [16, 12, 30, 10, 10, 10, 14, 14],
            {1: "DD/MM/YYYY", 3: "#,##0", 4: "#,##0", 5: "#,##0", 6: "0.0", 7: "0.0"},
        )
        _annex_sheets(wb, ind)
        report(90)
        save_workbook(wb, stream, data.fixed_time)


def _former_districts(wb, ind) -> None:
    """The communes' rows grouped by former district (and the "not yet located" row): the same
    totals as the city, comparable with the years broken down by district."""
    _write_sheet(
        wb,
        _("By former district"),
        [
            _("GSO code"),
            _("Former district"),
            _("Registered enterprises"),
            _("Active enterprises"),
            _("Aware"),
            _("Applying"),
            _("Assessments completed"),
            _("Options implemented"),
            _("Net energy saved (TOE)"),
            _("Net emissions avoided (tCO2e)"),
            _("Net saved (VND)"),
        ],
        (
            [
                d.code,
                d.name,
                d.enterprises_registered,
                d.enterprises_active,
                d.aware,
                d.applying,
                d.assessments_completed,
                d.options_implemented,
                d.savings_toe,
                d.savings_tco2e,
                d.savings_vnd,
            ]
            for d in ind.former_districts
        ),
        [9, 22, 12, 12, 10, 10, 12, 12, 14, 14, 18],
        {},
    )
