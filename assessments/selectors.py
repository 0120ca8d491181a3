"""Reads of assessments, options, factors and the enterprise page's CP summary, always through
the user's scope (``visible_to``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, Sum
from django.shortcuts import get_object_or_404

from enterprises.text import fold

from .factors import Conversion, FactorTable
from .models import (
    Assessment,
    AssessmentQuerySet,
    BaselineConsumption,
    CPOption,
    OptionExpectedSaving,
    ResourceFactor,
    ResourceType,
    ReviewEvent,
    SavingsLine,
    SavingsReport,
    signed,
)

if TYPE_CHECKING:
    from accounts.models import User
    from enterprises.models import Enterprise


def assessments_for(user: User) -> AssessmentQuerySet:
    return Assessment.objects.visible_to(user).with_related()


def get_assessment_for(user: User, pk: int, *, write: bool = False) -> Assessment:
    """The assessment if it is in the user's scope (404 otherwise, like a missing one);
    PermissionDenied when ``write`` is asked and the user may not change it (now)."""
    assessment = get_object_or_404(assessments_for(user), pk=pk)
    if write and not user.has_perm("assessments.change_assessment", assessment):
        raise PermissionDenied
    return assessment


def assessment_list(
    user: User,
    *,
    year: int | None = None,
    status: str | None = None,
    district_id: int | None = None,
    query: str = "",
) -> AssessmentQuerySet:
    qs = assessments_for(user).annotate(option_count=Count("options"))
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    if district_id:
        qs = qs.filter(enterprise__district_id=district_id)
    key = fold(query or "")
    for word in key.split():
        qs = qs.filter(enterprise__search_key__contains=word)
    return qs.order_by("-year", "enterprise__name", "pk")


@dataclass
class ConvertedLine:
    line: BaselineConsumption
    conversion: Conversion


@dataclass
class OptionGroup:
    status: str
    label: str
    options: list[CPOption] = field(default_factory=list)


def assessment_detail(assessment: Assessment) -> dict:
    """Everything the assessment page shows: converted baseline lines, options by status with
    their expected and measured savings, and the review log."""
    table = FactorTable.load()
    lines = [
        ConvertedLine(line, table.convert(line.resource_id, line.quantity, assessment.year))
        for line in assessment.baseline_lines.select_related("resource")
    ]
    total_toe = sum((c.conversion.toe for c in lines if c.conversion.toe is not None), Decimal(0))
    total_tco2e = sum((c.conversion.tco2e for c in lines if c.conversion.tco2e is not None), Decimal(0))
    missing = [c.line.resource for c in lines if c.line.resource.has_energy_factor and c.conversion.factor is None]
    options = (
        assessment.options.prefetch_related(
            Prefetch("expected_savings", queryset=OptionExpectedSaving.objects.select_related("resource"))
        )
        .annotate(
            measured_vnd=Sum(  # net of consumption increases
                signed("vnd_saved", "savings_lines__"),
                filter=Q(savings_lines__report__status=SavingsReport.Status.VERIFIED),
            )
        )
        .order_by("category", "pk")
    )
    groups = {status: OptionGroup(status, str(label)) for status, label in CPOption.Status.choices}
    for option in options:
        groups[option.status].options.append(option)
    return {
        "lines": lines,
        "total_toe": total_toe,
        "total_tco2e": total_tco2e,
        "fell_back": any(c.conversion.fell_back for c in lines),
        "missing_factors": missing,
        "option_groups": [g for g in groups.values() if g.options],
        "option_count": sum(len(g.options) for g in groups.values()),
        "events": list(assessment.review_events.select_related("by")),
        "history": assessment.history.select_related("history_user").order_by("-history_date")[:50],
    }


def factors_by_resource() -> list[tuple[ResourceType, list[ResourceFactor]]]:
    factors = ResourceFactor.objects.select_related("created_by").order_by("-valid_from_year")
    resources = ResourceType.objects.prefetch_related(Prefetch("factors", queryset=factors))
    return [(r, list(r.factors.all())) for r in resources]


# --------------------------------------------------------------------------- enterprise page


@dataclass
class YearSavings:
    year: int
    toe: Decimal
    tco2e: Decimal
    vnd: int
    fell_back: bool
    unconverted: list[str]


def verified_savings_by_year(lines, table: FactorTable | None = None) -> list[YearSavings]:
    """Verified savings of ``lines`` (a SavingsLine queryset), grouped by year and resource in the
    database, then converted with the factor of each year (one small loop over the groups)."""
    grouped = list(
        lines.filter(report__status=SavingsReport.Status.VERIFIED)
        .values("report__year", "resource_id")
        .annotate(quantity=Sum(signed("quantity")), vnd=Sum(signed("vnd_saved")))
        .order_by("report__year", "resource_id")
    )
    if not grouped:
        return []
    table = table or FactorTable.load()
    energy = {r.pk: r for r in ResourceType.objects.filter(has_energy_factor=True)}
    totals = table.totals_by_year(
        ((g["report__year"], g["resource_id"], g["quantity"]) for g in grouped), energy_resource_ids=set(energy)
    )
    vnd: dict[int, int] = {}
    for g in grouped:
        vnd[g["report__year"]] = vnd.get(g["report__year"], 0) + int(g["vnd"] or 0)
    return [
        YearSavings(
            year=year,
            toe=t.toe,
            tco2e=t.tco2e,
            vnd=vnd.get(year, 0),
            fell_back=t.fell_back,
            unconverted=sorted(energy[rid].label for rid in t.unconverted),
        )
        for year, t in sorted(totals.items())
    ]


def enterprise_cp_summary(enterprise: Enterprise, user: User) -> dict:
    """The enterprise page's cleaner-production section: its assessments, its options by status
    and its verified savings per year (table and chart data), all within the user's scope."""
    assessments = list(
        Assessment.objects.visible_to(user)
        .filter(enterprise=enterprise)
        .select_related("assessor")
        .annotate(option_count=Count("options"))
        .order_by("-year", "-pk")
    )
    by_status = dict(
        CPOption.objects.visible_to(user)
        .filter(assessment__enterprise=enterprise)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    options_by_status = [
        {"status": status, "label": label, "count": by_status.get(status, 0)}
        for status, label in CPOption.Status.choices
    ]
    savings = verified_savings_by_year(SavingsLine.objects.visible_to(user).filter(report__enterprise=enterprise))
    chart = {
        "labels": [str(s.year) for s in savings],
        "toe": [float(round(s.toe, 3)) for s in savings],
        "tco2e": [float(round(s.tco2e, 3)) for s in savings],
    }
    return {
        "assessments": assessments,
        "options_by_status": options_by_status,
        "option_total": sum(by_status.values()),
        "savings": savings,
        "chart": chart,
        "can_add_assessment": user.has_perm("assessments.add_assessment", enterprise),
    }


def review_events_for(obj: Assessment | SavingsReport):
    return ReviewEvent.objects.filter(
        **({"assessment": obj} if isinstance(obj, Assessment) else {"savings_report": obj})
    ).select_related("by")
