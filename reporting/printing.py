"""Print views with the Department's header: an assessment, a savings report and an enterprise's
own summary, each as an HTML page (print CSS) and a tagged PDF (PDF/UA-1, WeasyPrint).

The data of each document is gathered here, before any layout: an assessment and a savings report
are read as their own pages read them (``assessments.selectors.assessment_detail``,
``assessments.services.savings.report_figures``); the enterprise summary's savings come from
``reporting.indicators`` (``enterprise_savings``). One template per document
(``templates/print/_<kind>.html``) is laid out twice: in the portal's print page and in the PDF,
with one stylesheet (``static/css/print.css``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.staticfiles import finders
from django.db.models import Count, Prefetch
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from assessments.models import Assessment, CPOption, OptionExpectedSaving
from assessments.selectors import assessment_detail, review_events_for
from assessments.services.savings import report_figures
from reporting import document
from reporting.builders.pdf import ACCESSIBLE_PDF
from reporting.indicators import EnterpriseSavings, enterprise_savings

if TYPE_CHECKING:
    from accounts.models import User
    from assessments.models import SavingsReport
    from enterprises.models import Enterprise

STYLESHEET = "css/print.css"


@dataclass(frozen=True)
class Letterhead:
    """The Department's header, as on its documents (Decree 30/2020/NĐ-CP): the issuing body on
    the left, the national title and motto on the right, the place and the date of printing."""

    parent: str = document.ISSUING_PARENT
    body: str = document.ISSUING_BODY
    national_title: str = document.NATIONAL_TITLE
    motto: str = document.MOTTO
    date_line: str = ""


def letterhead(day: dt.date | None = None) -> Letterhead:
    return Letterhead(date_line=document.date_in_words(day or timezone.localdate()))


@dataclass(frozen=True)
class PrintDocument:
    """One printable document: its template, title (the PDF's title and first heading), file
    name and context."""

    kind: str  # "assessment" | "savings" | "enterprise"
    title: str
    filename: str
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def template(self) -> str:
        return f"print/_{self.kind}.html"

    def full_context(self) -> dict[str, Any]:
        return {**self.context, "document": self, "letterhead": letterhead()}


def assessment_document(assessment: Assessment) -> PrintDocument:
    context = assessment_detail(assessment)
    context.update(
        {
            "assessment": assessment,
            "enterprise": assessment.enterprise,
            "steps": Assessment.Step.choices,
            "options": [option for group in context["option_groups"] for option in group.options],
        }
    )
    title = _("Cleaner-production assessment %(year)s") % {"year": assessment.year}
    return PrintDocument("assessment", title, f"danh-gia-sxsh-{assessment.year}-{assessment.pk}.pdf", context)


def savings_document(report: SavingsReport) -> PrintDocument:
    lines = list(report.lines.select_related("resource", "option", "option__assessment").order_by("pk"))
    events = list(review_events_for(report))
    context = {
        "report": report,
        "enterprise": report.enterprise,
        "figures": report_figures(report, lines),
        "events": events,
        "evidence": list(report.evidence.order_by("pk")),
    }
    title = _("Savings report %(year)s · %(period)s") % {"year": report.year, "period": report.get_period_display()}
    return PrintDocument("savings", title, f"bao-cao-tiet-kiem-{report.year}-{report.pk}.pdf", context)


@dataclass(frozen=True)
class OptionRow:
    option: CPOption
    verified_vnd: int | None  # net VND of the verified lines attributed to it (None: none)


def enterprise_document(enterprise: Enterprise, user: User) -> PrintDocument:
    """The enterprise's own summary: its assessments (those ``user`` may see), their options with
    status, investment, expected and verified savings, and its verified savings by year."""
    assessments = list(
        Assessment.objects.visible_to(user)
        .filter(enterprise=enterprise)
        .annotate(option_count=Count("options"))
        .order_by("year", "pk")
    )
    expected = OptionExpectedSaving.objects.select_related("resource").order_by("pk")
    options = (
        CPOption.objects.filter(assessment__in=assessments)
        .select_related("assessment")
        .prefetch_related(Prefetch("expected_savings", queryset=expected))
        .order_by("assessment__year", "assessment_id", "category", "pk")
    )
    savings: EnterpriseSavings = enterprise_savings(enterprise)
    rows = [OptionRow(option, savings.by_option.get(option.pk)) for option in options]
    context = {
        "enterprise": enterprise,
        "assessments": assessments,
        "option_rows": rows,
        "option_investment": sum(row.option.investment_vnd for row in rows),
        "option_expected": sum(row.option.expected_savings_vnd for row in rows),
        "option_verified": sum(row.verified_vnd or 0 for row in rows),
        "savings": savings,
    }
    title = _("Cleaner-production summary of %(name)s") % {"name": enterprise.name}
    return PrintDocument("enterprise", title, f"tom-tat-sxsh-{enterprise.tax_code}.pdf", context)


def render_pdf(doc: PrintDocument) -> bytes:
    """The tagged PDF of ``doc`` (PDF/UA-1: structure tree, the document's language and title,
    bookmarks from the headings), in the language now active."""
    from weasyprint import CSS, HTML  # imported late: loading it takes a moment

    html = render_to_string(
        "print/pdf.html", {**doc.full_context(), "LANGUAGE_CODE": translation.get_language() or "vi"}
    )
    stylesheet = finders.find(STYLESHEET)
    rendered = HTML(string=html, base_url=str(stylesheet)).render(
        stylesheets=[CSS(filename=stylesheet)], **ACCESSIBLE_PDF
    )
    return rendered.write_pdf(**ACCESSIBLE_PDF)
