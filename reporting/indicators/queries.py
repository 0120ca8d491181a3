"""The grouped queries behind the figures: enterprise flags, the savings cube, assessments and
options, plans and targets, the trend and the energy baseline. None runs per row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Cast, Coalesce

from assessments.models import (
    Assessment,
    CPOption,
    SavingsLine,
    signed,
)
from enterprises.models import Commune, District, Enterprise, IndustrialZone, open_on, registered_by
from training.models import Course, CourseKind, EnterpriseParticipation
from training.selectors import aware_enterprise_ids

from ..areas import Area, unit_field
from .base import (
    AMOUNT,
    APPROVED,
    IMPLEMENTED,
    TREND_MAX_YEARS,
    VERIFIED,
    Factors,
    Median,
    Sums,
    add_sums,
    division_code,
    enterprise_scope,
    to_decimal,
    to_int,
)
from .results import TrendPoint


def enterprise_flags(year: int, district: District | Area | None, end: dt.date) -> QuerySet[Enterprise]:
    """Enterprises of the scope registered by ``end``, annotated with ``is_aware`` and
    ``is_applying`` on ``end`` (those still open on ``end`` are the active ones: ``open_on``)."""
    approved_by_y = Assessment.objects.filter(enterprise=OuterRef("pk"), status=APPROVED, year__lte=year)
    applying = CPOption.objects.filter(
        assessment__enterprise=OuterRef("pk"),
        assessment__status=APPROVED,
        status=IMPLEMENTED,
        implemented_on__lte=end,
    )
    return (
        Enterprise.objects.filter(enterprise_scope(district), registered_by(end))
        .annotate(
            is_aware=ExpressionWrapper(
                Exists(approved_by_y) | Q(pk__in=aware_enterprise_ids(end)), output_field=BooleanField()
            ),
            is_applying=Exists(applying),
        )
        .order_by()
    )


FLAG_COUNTS = ("n_registered", "n_active", "n_aware", "n_applying")


def flag_counts(year: int, district: District | Area | None, end: dt.date) -> tuple[dict[Any, dict], dict[Any, dict]]:
    """Enterprise counts (registered, active, aware, applying) by district and by VSIC division,
    from one query grouped by both (each enterprise is evaluated once). Registered and active are
    as of ``end`` (registration and closure dates), so later registrations and closures never
    change a past year."""
    active = open_on(end)
    rows = (
        enterprise_flags(year, district, end)
        .annotate(district_key=F(unit_field(year, district)), division_key=division_code())
        .values("district_key", "division_key")
        .annotate(
            n_registered=Count("pk"),
            n_active=Count("pk", filter=active),
            n_aware=Count("pk", filter=active & Q(is_aware=True)),
            n_applying=Count("pk", filter=active & Q(is_applying=True)),
        )
        .order_by()
    )
    by_district: dict[Any, dict] = {}
    by_sector: dict[Any, dict] = {}
    for row in rows:
        values: dict[str, Any] = dict(row)
        for target, key in ((by_district, values["district_key"]), (by_sector, values["division_key"])):
            counts = target.setdefault(key, dict.fromkeys(FLAG_COUNTS, 0))
            for name in FLAG_COUNTS:
                counts[name] += values[name]
    return by_district, by_sector


def verified_lines(year: int, district: District | Area | None) -> QuerySet[SavingsLine]:
    return SavingsLine.objects.filter(report__status=VERIFIED, report__year=year).filter(
        enterprise_scope(district, "report__enterprise__")
    )


@dataclass(frozen=True)
class SavingsCube:
    """Verified savings of a year in a scope, net of consumption increases, by district, by VSIC
    division, by option category (rows as ``toe_sum`` / ``tco2e_sum`` / ``vnd_sum``; lines with no
    option under the key None) and by resource (``qty`` net, ``qty_added``, ``vnd`` net, ``n``)."""

    by_district: dict[Any, dict[str, Any]]
    by_sector: dict[Any, dict[str, Any]]
    by_category: dict[Any, dict[str, Any]]
    by_resource: dict[int, dict[str, Any]]


def savings_cube(year: int, district: District | Area | None, factors: Factors) -> SavingsCube:
    """One query sums the year's verified lines by (district, division, category, resource); the
    factors of the year convert each group's quantity (exact, see ``Factors``)."""
    rows = (
        verified_lines(year, district)
        .annotate(
            district_key=F(f"report__enterprise__{unit_field(year, district)}"),
            division_key=Coalesce("report__enterprise__sector__parent__code", "report__enterprise__sector__code"),
            category_key=F("option__category"),
        )
        .values("district_key", "division_key", "category_key", "resource_id", "change")
        .annotate(qty=Sum("quantity"), vnd=Sum("vnd_saved"), n=Count("pk"))
        .order_by()
    )
    groups: tuple[dict[Any, Sums], dict[Any, Sums], dict[Any, Sums]] = ({}, {}, {})
    by_resource: dict[int, dict[str, Any]] = {}
    for row in rows:
        added = row["change"] == SavingsLine.Change.ADDED
        qty = -row["qty"] if added and row["qty"] is not None else row["qty"]
        vnd = -(row["vnd"] or 0) if added else (row["vnd"] or 0)
        toe, tco2e = factors.convert(row["resource_id"], qty, year)
        for target, key in zip(groups, (row["district_key"], row["division_key"], row["category_key"]), strict=True):
            target.setdefault(key, Sums()).add(toe, tco2e, vnd)
        totals = by_resource.setdefault(row["resource_id"], {"qty": None, "qty_added": Decimal(0), "vnd": 0, "n": 0})
        totals["qty"] = add_sums(totals["qty"], qty)
        if added:
            totals["qty_added"] += row["qty"] or 0
        totals["vnd"] += vnd
        totals["n"] += row["n"]
    by_district, by_sector, by_category = ({k: v.as_row() for k, v in g.items()} for g in groups)
    return SavingsCube(by_district, by_sector, by_category, by_resource)


def count_by(qs: QuerySet, group: Any) -> dict[Any, int]:
    rows = qs.annotate(group_key=group).values("group_key").annotate(n=Count("pk")).order_by()
    return {row["group_key"]: row["n"] for row in rows}


def approved_assessments(year: int, district: District | Area | None) -> QuerySet[Assessment]:
    return Assessment.objects.filter(status=APPROVED, year=year).filter(enterprise_scope(district, "enterprise__"))


def implemented_options(year: int, district: District | Area | None) -> QuerySet[CPOption]:
    return CPOption.objects.filter(assessment__status=APPROVED, status=IMPLEMENTED, implemented_on__year=year).filter(
        enterprise_scope(district, "assessment__enterprise__")
    )


def _payback_expr() -> Any:
    return ExpressionWrapper(Cast("investment_vnd", AMOUNT) / Cast("expected_savings_vnd", AMOUNT), output_field=AMOUNT)


def payback_medians(qs: QuerySet[CPOption]) -> dict[str, Decimal | None]:
    """Median simple payback (years) of the options per category; options without expected
    savings have no payback and are left out."""
    qs = qs.filter(expected_savings_vnd__gt=0)
    if connection.vendor == "postgresql":
        rows = qs.values("category").annotate(m=Median(_payback_expr())).order_by()
        return {row["category"]: Decimal(str(round(row["m"], 4))) for row in rows if row["m"] is not None}
    # SQLite (local development only) has no percentile function: sort the paybacks in Python.
    import statistics

    values: dict[str, list[Decimal]] = {}
    for category, investment, expected in qs.values_list("category", "investment_vnd", "expected_savings_vnd"):
        values.setdefault(category, []).append(Decimal(investment) / Decimal(expected))
    return {k: Decimal(str(round(statistics.median(v), 4))) for k, v in values.items()}


def trend_years(year: int, first_year: int | None) -> range:
    """The years of the trend: from the first year of the plans in force (at least five, at most
    ``TREND_MAX_YEARS``)."""
    first = first_year if first_year is not None and first_year < year else year - 4
    first = max(first, year - TREND_MAX_YEARS + 1)
    return range(first, year + 1)


def savings_trend(
    years: range,
    district: District | Area | None,
    enterprise: Enterprise | None = None,
    *,
    factors: Factors | None = None,
) -> list[TrendPoint]:
    """Verified savings per year (TOE and tCO2e with each year's factors): two grouped queries
    (by year and resource, converted with the factors in Python; reports per year) and the factors."""
    lines = SavingsLine.objects.filter(
        report__status=VERIFIED, report__year__gte=years.start, report__year__lt=years.stop
    ).filter(enterprise_scope(district, "report__enterprise__"))
    if enterprise is not None:
        lines = lines.filter(report__enterprise=enterprise)
    factors = factors or Factors()
    sums: dict[int, Sums] = {}
    grouped = lines.values("report__year", "resource_id").annotate(
        qty=Sum(signed("quantity")), vnd=Sum(signed("vnd_saved"))
    )
    for row in grouped.order_by():
        toe, tco2e = factors.convert(row["resource_id"], row["qty"], row["report__year"])
        sums.setdefault(row["report__year"], Sums()).add(toe, tco2e, row["vnd"])
    reports = dict(
        lines.values("report__year")
        .annotate(n=Count("report", distinct=True))
        .values_list("report__year", "n")
        .order_by()
    )
    return [
        TrendPoint(
            year=y,
            savings_toe=to_decimal(sums[y].toe if y in sums else None),
            savings_tco2e=to_decimal(sums[y].tco2e if y in sums else None),
            savings_vnd=sums[y].vnd if y in sums else 0,
            reports_verified=to_int(reports.get(y)),
        )
        for y in years
    ]


def zones_reached(year: int, district: District | Area | None, end: dt.date) -> tuple[int, int]:
    """(industrial zones and clusters with an active enterprise aware of cleaner production by
    ``end``, all industrial zones and clusters) in the scope (2 queries)."""
    zones = _zones_of(district)
    reached = (
        enterprise_flags(year, district, end)
        .filter(open_on(end), Q(is_aware=True, industrial_zone__isnull=False))
        .values("industrial_zone")
        .distinct()
        .count()
    )
    return reached, zones.count()


def units_with_awareness(year: int, district: District | Area | None, end: dt.date) -> tuple[int, int]:
    """(active districts where an enterprise-awareness course ended in the year was held or
    attended by an enterprise of the district, active districts) in the scope (2 queries)."""
    first = dt.date(year, 1, 1)
    courses = Course.objects.filter(kind=CourseKind.ENTERPRISE_AWARENESS, end_date__gte=first, end_date__lte=end)
    if unit_field(year, district) == "commune_id":  # the communes in force, or those of the area
        units: QuerySet = Commune.objects.in_force(year_end_of(year))
        if isinstance(district, Area):
            units = Commune.objects.filter(pk__in=[c.pk for c in district.units()])
        held = Exists(courses.filter(commune=OuterRef("pk")))
        attended = Exists(
            EnterpriseParticipation.objects.filter(course__in=courses, enterprise__commune=OuterRef("pk"))
        )
        return units.filter(held | attended).count(), units.count()
    units = District.objects.filter(active=True)
    if district is not None:
        units = units.filter(pk=district.pk)
    held = Exists(courses.filter(district=OuterRef("pk")))
    attended = Exists(EnterpriseParticipation.objects.filter(course__in=courses, enterprise__district=OuterRef("pk")))
    return units.filter(held | attended).count(), units.count()


def year_end_of(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def _zones_of(district: District | Area | None) -> QuerySet:
    """The industrial zones of a scope: a district's own; a commune's (or a former district's
    communes') those of the former districts they were formed from; the city all."""
    if district is None:
        return IndustrialZone.objects.all()
    if isinstance(district, Area) and district.kind != "district":
        communes = [c.pk for c in district.units()]
        return IndustrialZone.objects.filter(district__successor_origins__commune__in=communes).distinct()
    return IndustrialZone.objects.filter(district=getattr(district, "unit", district))
