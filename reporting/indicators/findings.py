"""Data-quality points of a year: the portal's own warnings and the open findings of
``assessments.quality`` on the reports awaiting verification."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments import quality
from assessments.factors import FactorTable
from assessments.models import (
    Assessment,
    BaselineConsumption,
    ResourceFactor,
    SavingsLine,
    SavingsReport,
)
from assessments.plausibility import price_bands, toe_per_unit_of
from enterprises.models import District, Enterprise

from ..areas import Area
from .base import VERIFIED, enterprise_scope
from .results import OpenFinding, QualityWarning, ResourceRow


def pending_counts(year: int, district: District | Area | None) -> tuple[dict[str, int], int]:
    """(savings reports of the year submitted, returned and verified with warnings; assessments
    of the year awaiting approval) in the scope (2 queries)."""
    pending = (
        SavingsReport.objects.filter(year=year).filter(enterprise_scope(district, "enterprise__")).aggregate(**PENDING)
    )
    assessments = (
        Assessment.objects.filter(year=year, status=Assessment.Status.SUBMITTED)
        .filter(enterprise_scope(district, "enterprise__"))
        .count()
    )
    return pending, assessments


def pending_counts_by_unit(year: int, unit: str) -> tuple[dict[Any, Any], dict[Any, int]]:
    """``pending_counts`` of every unit at once (``unit``: the enterprise's unit field), each
    unit's counts under its id (2 queries)."""
    pending = {
        row["unit"]: row
        for row in SavingsReport.objects.filter(year=year)
        .annotate(unit=F(f"enterprise__{unit}"))
        .values("unit")
        .annotate(**PENDING)
        .order_by()
    }
    assessments = dict(
        Assessment.objects.filter(year=year, status=Assessment.Status.SUBMITTED)
        .values(f"enterprise__{unit}")
        .annotate(n=Count("pk"))
        .values_list(f"enterprise__{unit}", "n")
        .order_by()
    )
    return pending, assessments


PENDING = {
    "submitted": Count("pk", filter=Q(status=SavingsReport.Status.SUBMITTED)),
    "returned": Count("pk", filter=Q(status=SavingsReport.Status.RETURNED)),
    "warned": Count("pk", filter=Q(status=SavingsReport.Status.VERIFIED, warning_count__gt=0)),
}


def year_warnings(
    year: int,
    district: District | Area | None,
    resources: tuple[ResourceRow, ...],
    *,
    pending: tuple[dict[str, int], int] | None = None,
) -> tuple[QualityWarning, ...]:
    """Data-quality points still open for the year in the scope (``pending``: its
    ``pending_counts`` when already counted)."""
    found: list[QualityWarning] = []
    for r in resources:
        if r.has_energy_factor and r.quantity and (r.toe is None or r.tco2e is None):
            missing = [name for name, value in (("TOE", r.toe), ("tCO2e", r.tco2e)) if value is None]
            found.append(
                QualityWarning(
                    "factor_missing",
                    _(
                        "No %(what)s factor for %(resource)s in %(year)s: %(quantity)s %(unit)s saved are left out "
                        "of the totals. DOIT staff can enter the factor with its source."
                    )
                    % {
                        "what": " / ".join(missing),
                        "resource": r.name,
                        "year": year,
                        "quantity": _num(r.quantity),
                        "unit": r.unit,
                    },
                    r.lines,
                )
            )
    counts, assessments = pending_counts(year, district) if pending is None else pending
    if counts["submitted"]:
        found.append(
            QualityWarning(
                "reports_unverified",
                ngettext(
                    "%(n)s savings report of %(year)s is submitted but not verified yet: it is not counted.",
                    "%(n)s savings reports of %(year)s are submitted but not verified yet: they are not counted.",
                    counts["submitted"],
                )
                % {"n": counts["submitted"], "year": year},
                counts["submitted"],
            )
        )
    if counts["returned"]:
        found.append(
            QualityWarning(
                "reports_returned",
                ngettext(
                    "%(n)s savings report of %(year)s was returned for correction and is not counted.",
                    "%(n)s savings reports of %(year)s were returned for correction and are not counted.",
                    counts["returned"],
                )
                % {"n": counts["returned"], "year": year},
                counts["returned"],
            )
        )
    if counts["warned"]:
        found.append(
            QualityWarning(
                "verified_with_warnings",
                ngettext(
                    "%(n)s verified savings report of %(year)s carries data-quality warnings: it is counted, "
                    "and the officer's written justification is kept with it.",
                    "%(n)s verified savings reports of %(year)s carry data-quality warnings: they are counted, "
                    "and the officers' written justifications are kept with them.",
                    counts["warned"],
                )
                % {"n": counts["warned"], "year": year},
                counts["warned"],
            )
        )
    if assessments:
        found.append(
            QualityWarning(
                "assessments_unapproved",
                ngettext(
                    "%(n)s assessment of %(year)s awaits approval: it is not counted.",
                    "%(n)s assessments of %(year)s await approval: they are not counted.",
                    assessments,
                )
                % {"n": assessments, "year": year},
                assessments,
            )
        )
    return tuple(found)


def _num(value: Decimal) -> str:
    from django.utils import formats

    return formats.number_format(round(value, 2), 2, use_l10n=True, force_grouping=True)


def open_findings(
    year: int, district: District | Area | None, *, today: dt.date | None = None
) -> tuple[OpenFinding, ...]:
    """The data-quality findings of the savings reports of ``year`` in the scope that are
    submitted and not verified yet. The facts the rules look at are gathered for all reports at
    once (6 queries, whatever their number; the same facts as
    ``assessments.services.savings.report_facts`` gathers for one report), then the pure rules of
    ``assessments.quality`` run on each report."""
    reports = list(
        SavingsReport.objects.filter(year=year, status=SavingsReport.Status.SUBMITTED)
        .filter(enterprise_scope(district, "enterprise__"))
        .select_related("enterprise__district", "enterprise__commune")
        .order_by("enterprise__district__code", "enterprise__name", "period", "pk")
    )
    if not reports:
        return ()
    enterprise_ids = {r.enterprise_id for r in reports}
    lines: dict[int, list[SavingsLine]] = {}
    for line in (
        SavingsLine.objects.filter(report__in=[r.pk for r in reports])
        .select_related("resource")
        .order_by("resource__sort_order", "pk")
    ):
        lines.setdefault(line.report_id, []).append(line)
    periods: dict[int, list[tuple[int, int, str]]] = {}
    for enterprise_id, pk, y, period in SavingsReport.objects.filter(
        enterprise_id__in=enterprise_ids, year=year
    ).values_list("enterprise_id", "pk", "year", "period"):
        periods.setdefault(enterprise_id, []).append((pk, y, period))
    latest = (
        Assessment.objects.filter(enterprise=OuterRef("pk"), year__lte=year).order_by("-year", "-pk").values("pk")[:1]
    )
    latest_by_enterprise = dict(
        Enterprise.objects.filter(pk__in=enterprise_ids)
        .annotate(latest=Subquery(latest))
        .exclude(latest=None)
        .values_list("pk", "latest")
    )
    baselines: dict[int, dict[str, quality.BaselineFacts]] = {}
    for base in BaselineConsumption.objects.filter(assessment_id__in=latest_by_enterprise.values()).select_related(
        "resource", "assessment"
    ):
        baselines.setdefault(base.assessment.enterprise_id, {})[base.resource.code] = quality.BaselineFacts(
            quantity=base.quantity,
            cost_vnd=Decimal(base.cost_vnd) if base.cost_vnd is not None else None,
            assessment_year=base.assessment.year,
        )
    previous: dict[int, dict[str, Decimal]] = {}
    for row in (
        SavingsLine.objects.filter(
            report__enterprise_id__in=enterprise_ids,
            report__year=year - 1,
            report__status=VERIFIED,
            change=SavingsLine.Change.SAVED,
        )
        .values("report__enterprise_id", "resource__code")
        .annotate(total=Sum("quantity"))
        .order_by()
    ):
        previous.setdefault(row["report__enterprise_id"], {})[row["resource__code"]] = row["total"]
    today = today or timezone.localdate()
    factors = FactorTable(ResourceFactor.objects.all())
    bands = price_bands()
    found: list[OpenFinding] = []
    for report in reports:
        facts = quality.ReportFacts(
            year=report.year,
            period=report.period,
            today=today,
            lines=[quality.LineFacts.of(line) for line in lines.get(report.pk, [])],
            other_periods=[(y, p) for pk, y, p in periods.get(report.enterprise_id, []) if pk != report.pk],
            baseline=baselines.get(report.enterprise_id, {}),
            previous_year_verified=previous.get(report.enterprise_id, {}),
            price_bands=bands,
            toe_per_unit=toe_per_unit_of(lines.get(report.pk, []), report.year, factors),
            designated_energy_user=report.enterprise.is_designated_energy_user,
        )
        found.extend(
            OpenFinding(
                report_id=report.pk,
                district=_place(report.enterprise),
                tax_code=report.enterprise.tax_code,
                enterprise=report.enterprise.name,
                period=str(report.get_period_display()),
                severity=finding.severity,
                code=finding.code,
                message=finding.message,
            )
            for finding in quality.check(facts)
        )
    return tuple(found)


def _place(enterprise) -> str:
    """Where an enterprise is: its commune, else its former district, else nothing."""
    unit = enterprise.commune or enterprise.district
    return unit.full_name if enterprise.commune else unit.name if unit else ""
