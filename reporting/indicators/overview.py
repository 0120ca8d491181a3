"""Dashboard queries that are not figures of the report: the review queue and the enterprise's own
overview (cached in ``reporting.dashboard``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
)
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.models import (
    Assessment,
    SavingsLine,
    SavingsReport,
    signed,
)
from enterprises.models import District, Enterprise

from ..areas import Area
from .base import Factors, Sums, enterprise_scope, to_decimal, to_int
from .queries import savings_trend
from .results import TrendPoint


@dataclass(frozen=True)
class ReviewItem:
    kind: str  # "assessment" | "savings"
    pk: int
    enterprise: str
    year: int
    period: str
    status: str
    status_label: str
    changed_at: dt.datetime
    url: str
    warnings: int = 0  # data-quality warnings found at submission (savings reports)


@dataclass(frozen=True)
class ReviewQueue:
    assessments_submitted: int
    assessments_returned: int
    savings_submitted: int
    items: tuple[ReviewItem, ...]


def safe_url(name: str, pk: int) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def review_queue(district: District | Area | None, *, for_city_staff: bool, limit: int = 10) -> ReviewQueue:
    """What waits for review in the scope: DOIT approve submitted assessments; an officer
    verifies the submitted savings reports of their district and fixes returned assessments."""
    assessments = Assessment.objects.filter(enterprise_scope(district, "enterprise__"))
    savings = SavingsReport.objects.filter(enterprise_scope(district, "enterprise__"))
    # Counted among the waiting rows only, so that the status index finds them (most rows are done).
    a = assessments.filter(status__in=[Assessment.Status.SUBMITTED, Assessment.Status.RETURNED]).aggregate(
        submitted=Count("pk", filter=Q(status=Assessment.Status.SUBMITTED)),
        returned=Count("pk", filter=Q(status=Assessment.Status.RETURNED)),
    )
    s = {"submitted": savings.filter(status=SavingsReport.Status.SUBMITTED).count()}
    if for_city_staff:
        rows: QuerySet[Any] = assessments.filter(status=Assessment.Status.SUBMITTED)
        kind, url_name = "assessment", "assessments:detail"
        period_of: Callable[[Any], str] = lambda obj: ""  # noqa: E731
    else:
        rows = savings.filter(status=SavingsReport.Status.SUBMITTED)
        kind, url_name = "savings", "savings:detail"
        period_of = lambda obj: obj.get_period_display()  # noqa: E731
    items = tuple(
        ReviewItem(
            kind=kind,
            pk=obj.pk,
            enterprise=obj.enterprise.name,
            year=obj.year,
            period=str(period_of(obj)),
            status=obj.status,
            status_label=str(obj.get_status_display()),
            changed_at=obj.updated_at,
            url=safe_url(url_name, obj.pk),
            warnings=getattr(obj, "warning_count", 0),
        )
        for obj in rows.select_related("enterprise").order_by("updated_at", "pk")[:limit]
    )
    return ReviewQueue(
        assessments_submitted=a["submitted"],
        assessments_returned=a["returned"],
        savings_submitted=s["submitted"],
        items=items,
    )


@dataclass(frozen=True)
class ReportStatusRow:
    pk: int
    year: int
    period: str
    status: str
    status_label: str
    url: str


OVERVIEW_YEARS = 5


def enterprise_trends(enterprise_ids: Sequence[int], *, factors: Factors | None = None) -> dict[int, list[TrendPoint]]:
    """The verified savings of each enterprise of ``enterprise_ids`` in every year it has any, as
    ``savings_trend`` computes them for one enterprise (a year with none is not listed): two
    grouped queries for all of them, and the factors."""
    lines = SavingsLine.objects.filter(
        report__status=SavingsReport.Status.VERIFIED, report__enterprise_id__in=enterprise_ids
    )
    factors = factors or Factors()
    sums: dict[tuple[int, int], Sums] = {}
    grouped = lines.values("report__enterprise_id", "report__year", "resource_id").annotate(
        qty=Sum(signed("quantity")), vnd=Sum(signed("vnd_saved"))
    )
    for row in grouped.order_by():
        toe, tco2e = factors.convert(row["resource_id"], row["qty"], row["report__year"])
        sums.setdefault((row["report__enterprise_id"], row["report__year"]), Sums()).add(toe, tco2e, row["vnd"])
    reports = {
        (e, y): n
        for e, y, n in lines.values("report__enterprise_id", "report__year")
        .annotate(n=Count("report", distinct=True))
        .values_list("report__enterprise_id", "report__year", "n")
        .order_by()
    }
    trends: dict[int, list[TrendPoint]] = {pk: [] for pk in enterprise_ids}
    for (pk, y), total in sorted(sums.items()):
        trends[pk].append(
            TrendPoint(
                year=y,
                savings_toe=to_decimal(total.toe),
                savings_tco2e=to_decimal(total.tco2e),
                savings_vnd=total.vnd,
                reports_verified=to_int(reports.get((pk, y))),
            )
        )
    return trends


def trend_of_years(points: Sequence[TrendPoint], years: range) -> tuple[TrendPoint, ...]:
    """``points`` (the years with verified savings) for each year of ``years``, at zero when none."""
    by_year = {p.year: p for p in points}
    zero = to_decimal(None)
    return tuple(
        by_year.get(y) or TrendPoint(year=y, savings_toe=zero, savings_tco2e=zero, savings_vnd=0, reports_verified=0)
        for y in years
    )


@dataclass(frozen=True)
class EnterpriseOverview:
    """The enterprise staff dashboard: their verified savings over the years, their reports and
    assessments, and what is due."""

    name: str
    year: int
    trend: tuple[TrendPoint, ...]
    reports: tuple[ReportStatusRow, ...]
    assessments: tuple[ReportStatusRow, ...]
    due: tuple[str, ...]

    @property
    def savings_vnd_total(self) -> int:
        return sum(p.savings_vnd for p in self.trend)


def overview_years(year: int, years: int = OVERVIEW_YEARS) -> range:
    """The years of an enterprise's own savings chart for ``year``."""
    return range(year - years + 1, year + 1)


def enterprise_overview(
    enterprise: Enterprise, year: int, *, years: int = OVERVIEW_YEARS, trend: Sequence[TrendPoint] | None = None
) -> EnterpriseOverview:
    """``trend``: the verified savings of the years shown, as a worker stored them
    (``reporting.enterprise_dashboard``); computed here when not given."""
    if trend is None:
        trend = savings_trend(overview_years(year, years), None, enterprise)
    trend = tuple(trend)
    reports = tuple(
        ReportStatusRow(
            pk=r.pk,
            year=r.year,
            period=str(r.get_period_display()),
            status=r.status,
            status_label=str(r.get_status_display()),
            url=safe_url("savings:detail", r.pk),
        )
        for r in SavingsReport.objects.filter(enterprise=enterprise).order_by("-year", "-period", "-pk")[:8]
    )
    assessments = tuple(
        ReportStatusRow(
            pk=a.pk,
            year=a.year,
            period="",
            status=a.status,
            status_label=str(a.get_status_display()),
            url=safe_url("assessments:detail", a.pk),
        )
        for a in Assessment.objects.filter(enterprise=enterprise).order_by("-year", "-pk")[:3]
    )
    due: list[str] = []
    previous = year - 1
    statuses = {r.status for r in reports if r.year == previous}
    if not statuses:
        due.append(_("Report the savings you measured in %(year)s.") % {"year": previous})
    elif SavingsReport.Status.RETURNED in statuses:
        due.append(_("A savings report of %(year)s was returned: correct it and submit it again.") % {"year": previous})
    elif SavingsReport.Status.DRAFT in statuses:
        due.append(_("Your savings report of %(year)s is still a draft: submit it.") % {"year": previous})
    returned_other = [r for r in reports if r.status == SavingsReport.Status.RETURNED and r.year != previous]
    if returned_other:
        due.append(
            ngettext(
                "%(n)s other savings report was returned for correction.",
                "%(n)s other savings reports were returned for correction.",
                len(returned_other),
            )
            % {"n": len(returned_other)}
        )
    return EnterpriseOverview(
        name=enterprise.name, year=year, trend=trend, reports=reports, assessments=assessments, due=tuple(due)
    )


@dataclass(frozen=True)
class EnterpriseSavings:
    """An enterprise's verified savings, for its own summary: net TOE, tCO2e and VND per year
    from its first to its last year with a verified report (the years between included, at
    zero), and the net VND of the verified lines attributed to each of its options."""

    by_year: tuple[TrendPoint, ...]
    by_option: dict[int, int]  # option pk -> net VND saved in verified reports

    @property
    def total_toe(self):
        return sum((p.savings_toe for p in self.by_year), to_decimal(0))

    @property
    def total_tco2e(self):
        return sum((p.savings_tco2e for p in self.by_year), to_decimal(0))

    @property
    def total_vnd(self) -> int:
        return sum(p.savings_vnd for p in self.by_year)

    @property
    def reports_verified(self) -> int:
        return sum(p.reports_verified for p in self.by_year)


def enterprise_savings(enterprise: Enterprise) -> EnterpriseSavings:
    """The verified savings of ``enterprise`` (a few queries, whatever the number of years)."""
    verified = SavingsReport.objects.filter(enterprise=enterprise, status=SavingsReport.Status.VERIFIED)
    span = verified.aggregate(first=Min("year"), last=Max("year"))
    by_year: tuple[TrendPoint, ...] = ()
    if span["first"] is not None:
        by_year = tuple(savings_trend(range(span["first"], span["last"] + 1), None, enterprise))
    by_option = dict(
        SavingsLine.objects.filter(
            report__enterprise=enterprise, report__status=SavingsReport.Status.VERIFIED, option__isnull=False
        )
        .values("option_id")
        .annotate(vnd=Sum(signed("vnd_saved")))
        .order_by()
        .values_list("option_id", "vnd")
    )
    return EnterpriseSavings(by_year=by_year, by_option={pk: int(vnd or 0) for pk, vnd in by_option.items()})
