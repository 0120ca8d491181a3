"""Dashboard queries that are not figures of the report: the review queue and the enterprise's own
overview (cached in ``reporting.dashboard``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    Q,
    QuerySet,
)
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments.models import (
    Assessment,
    SavingsReport,
)
from enterprises.models import District, Enterprise

from .base import enterprise_scope
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


def review_queue(district: District | None, *, for_city_staff: bool, limit: int = 10) -> ReviewQueue:
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


def enterprise_overview(enterprise: Enterprise, year: int, *, years: int = 5) -> EnterpriseOverview:
    trend = tuple(savings_trend(range(year - years + 1, year + 1), None, enterprise))
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
