"""The yearly action-plan report as PDF (WeasyPrint): A4, Vietnamese, in the administrative form of
Decree 30/2020/NĐ-CP (``reporting.document``), the tables in an annex; Liberation Serif embedded.

The HTML templates live in ``templates/reporting/pdf/`` with their own base; charts are inline
SVG drawn by ``reporting.charts``. Numbers are formatted with the Vietnamese locale (1.234,5).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import IO, TYPE_CHECKING

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from reporting import charts, document
from reporting.document import EditionData
from reporting.indicators import YearIndicators
from training.models import CourseKind

if TYPE_CHECKING:
    from reporting.report_data import ReportData

MILLION = Decimal(1_000_000)

# Up to this many open findings the PDF lists them one by one; above it (a city of thousands of
# reports awaiting verification) it counts them per unit and points to the workbook, which lists
# every one: a signed report is not a work list, and a thousand-row table is most of its build.
FINDINGS_LISTED = 40


def findings_by_unit(findings) -> list[tuple[str, int, int, int]]:
    """(unit, reports with findings, errors, warnings) per unit, by the unit's name."""
    rows: dict[str, list] = {}
    for f in findings:
        row = rows.setdefault(f.district, [set(), 0, 0])
        row[0].add(f.report_id)
        row[1 if f.severity == "error" else 2] += 1
    return [(unit, len(reports), errors, warnings) for unit, (reports, errors, warnings) in sorted(rows.items())]


def report_title(year: int) -> str:
    # Translators: the official title of the yearly report; in Vietnamese it must read exactly
    # "Báo cáo kết quả thực hiện Kế hoạch hành động sản xuất sạch hơn trong công nghiệp năm %(year)s".
    return _("Report on the results of the action plan for cleaner production in industry, year %(year)s") % {
        "year": year
    }


def document_subtitle(year: int) -> str:
    """The title under "BÁO CÁO" in the administrative form."""
    return _("Results of the action plan for cleaner production in industry in %(year)s") % {"year": year}


def pdf_context(ind: YearIndicators, form: EditionData) -> dict:
    if ind.is_city:
        labels = [d.name for d in ind.districts]
        values = [Decimal(d.savings_vnd) / MILLION for d in ind.districts]
    else:
        labels = [f"{s.code} {s.name}"[:28] for s in ind.sectors]
        values = [Decimal(s.savings_vnd) / MILLION for s in ind.sectors]
    years = [str(p.year) for p in ind.trend]
    title = report_title(ind.year)
    return {
        "ind": ind,
        "title": title,
        "form": form,
        "subtitle": document_subtitle(ind.year),
        "form_parent": document.ISSUING_PARENT,
        "form_body": document.ISSUING_BODY,
        "national_title": document.NATIONAL_TITLE,
        "motto": document.MOTTO,
        "draft_mark": document.DRAFT_MARK,
        "courses_by_kind": [(label, ind.training.courses_by_kind.get(code, 0)) for code, label in CourseKind.choices],
        "chart_breakdown": charts.horizontal_bars(labels, values, places=1),
        "chart_trend_vnd": charts.columns(years, [Decimal(p.savings_vnd) / MILLION for p in ind.trend], places=1),
        "chart_trend_toe": charts.columns(years, [p.savings_toe for p in ind.trend], places=2),
        "trend_first": ind.trend[0].year if ind.trend else ind.year,
        "findings_listed": len(ind.findings) <= FINDINGS_LISTED,
        "findings_by_unit": findings_by_unit(ind.findings) if len(ind.findings) > FINDINGS_LISTED else [],
    }


def render_html(data: ReportData) -> str:
    with translation.override("vi"):
        context = {**pdf_context(data.ind, data.form), "calls": data.calls}
        return render_to_string("reporting/pdf/report.html", context)


# Tagged PDF (PDF/UA-1): a structure tree of headings, paragraphs and tables that screen readers
# follow, the document's language and title, and bookmarks from the headings.
ACCESSIBLE_PDF = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}


def pdf_date(when: dt.datetime) -> str:
    """``when`` as the W3C date WeasyPrint writes into the PDF's CreationDate and ModDate."""
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_pdf(data: ReportData, stream: IO[bytes], **_kwargs) -> None:
    """Write the PDF of ``data`` to ``stream``. A locked year's file (``data.fixed_time``, the
    lock's time) is reproducible byte for byte: it is issued on that day and its metadata dates
    are that time; otherwise it is issued today and carries no dates."""
    from weasyprint import HTML  # imported late: loading it takes a moment

    html = HTML(string=render_html(data), base_url=str(settings.BASE_DIR))
    rendered = html.render(**ACCESSIBLE_PDF)
    if data.fixed_time is not None:
        rendered.metadata.created = rendered.metadata.modified = pdf_date(data.fixed_time)
    rendered.write_pdf(stream, **ACCESSIBLE_PDF)
