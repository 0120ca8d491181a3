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
    return _fold_flags(_flag_rows(year, district, end))


def flag_counts_by_unit(year: int, end: dt.date) -> dict[Any, tuple[dict[Any, dict], dict[Any, dict]]]:
    """``flag_counts`` of every unit of the year's breakdown at once, by unit id (one query)."""
    rows: dict[Any, list[dict]] = {}
    for row in _flag_rows(year, None, end):
        rows.setdefault(row["district_key"], []).append(row)
    return {key: _fold_flags(unit_rows) for key, unit_rows in rows.items()}


def _flag_rows(year: int, district: District | Area | None, end: dt.date) -> list[Any]:
    active = open_on(end)
    return list(
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


def _fold_flags(rows: list[Any]) -> tuple[dict[Any, dict], dict[Any, dict]]:
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
    return _fold_cube(_cube_rows(year, district), year, factors)


def savings_cube_by_unit(year: int, factors: Factors) -> dict[Any, SavingsCube]:
    """``savings_cube`` of every unit of the year's breakdown at once, by unit id (one query)."""
    rows: dict[Any, list[dict]] = {}
    for row in _cube_rows(year, None):
        rows.setdefault(row["district_key"], []).append(row)
    return {key: _fold_cube(unit_rows, year, factors) for key, unit_rows in rows.items()}


def _cube_rows(year: int, district: District | Area | None) -> list[Any]:
    return list(
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


def _fold_cube(rows: list[Any], year: int, factors: Factors) -> SavingsCube:
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
    return payback_medians_by(qs, None).get(None, {})


def payback_medians_by(qs: QuerySet[CPOption], group: str | None) -> dict[Any, dict[str, Decimal | None]]:
    """``payback_medians`` per value of the field ``group`` (all under None when not given): one
    query, the median of each (group, category) computed by the database."""
    qs = qs.filter(expected_savings_vnd__gt=0)
    key = [group] if group else []
    medians: dict[Any, dict[str, Decimal | None]] = {}
    if connection.vendor == "postgresql":
        rows = qs.values(*key, "category").annotate(m=Median(_payback_expr())).order_by()
        for row in rows:
            if row["m"] is not None:
                medians.setdefault(row[group] if group else None, {})[row["category"]] = Decimal(
                    str(round(row["m"], 4))
                )
        return medians
    # SQLite (local development only) has no percentile function: sort the paybacks in Python.
    import statistics

    values: dict[Any, dict[str, list[Decimal]]] = {}
    for *unit, category, investment, expected in qs.values_list(
        *key, "category", "investment_vnd", "expected_savings_vnd"
    ):
        by_category = values.setdefault(unit[0] if unit else None, {})
        by_category.setdefault(category, []).append(Decimal(investment) / Decimal(expected))
    return {g: {k: Decimal(str(round(statistics.median(v), 4))) for k, v in cats.items()} for g, cats in values.items()}


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
    lines = _trend_lines(years).filter(enterprise_scope(district, "report__enterprise__"))
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
    return _trend_points(years, sums, reports)


def savings_trend_by_unit(years: range, unit: str, factors: Factors) -> dict[Any, list[TrendPoint]]:
    """``savings_trend`` of every unit at once (``unit``: the enterprise's unit field), by unit
    id; a unit without verified savings in those years is left out (two queries)."""
    lines = _trend_lines(years)
    field = f"report__enterprise__{unit}"
    sums: dict[Any, dict[int, Sums]] = {}
    for row in (
        lines.values(field, "report__year", "resource_id")
        .annotate(qty=Sum(signed("quantity")), vnd=Sum(signed("vnd_saved")))
        .order_by()
    ):
        toe, tco2e = factors.convert(row["resource_id"], row["qty"], row["report__year"])
        sums.setdefault(row[field], {}).setdefault(row["report__year"], Sums()).add(toe, tco2e, row["vnd"])
    reports: dict[Any, dict[int, int]] = {}
    for key, y, n in (
        lines.values(field, "report__year")
        .annotate(n=Count("report", distinct=True))
        .values_list(field, "report__year", "n")
        .order_by()
    ):
        reports.setdefault(key, {})[y] = n
    return {key: _trend_points(years, sums.get(key, {}), reports.get(key, {})) for key in set(sums) | set(reports)}


def _trend_lines(years: range) -> QuerySet[SavingsLine]:
    return SavingsLine.objects.filter(
        report__status=VERIFIED, report__year__gte=years.start, report__year__lt=years.stop
    )


def _trend_points(years: range, sums: dict[int, Sums], reports: dict[int, int]) -> list[TrendPoint]:
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


def zones_reached_by_unit(year: int, end: dt.date) -> dict[Any, int]:
    """The first figure of ``zones_reached`` for every unit of the year's breakdown, by unit id
    (one query)."""
    unit = unit_field(year)
    return dict(
        enterprise_flags(year, None, end)
        .filter(open_on(end), Q(is_aware=True, industrial_zone__isnull=False))
        .values(unit)
        .annotate(n=Count("industrial_zone", distinct=True))
        .values_list(unit, "n")
        .order_by()
    )


def zones_by_unit(year: int) -> dict[Any, set[int]]:
    """The industrial zones of each unit of the year's breakdown (``_zones_of``), by unit id
    (one query)."""
    found: dict[Any, set[int]] = {}
    field = "district__successor_origins__commune" if unit_field(year) == "commune_id" else "district"
    for pk, key in IndustrialZone.objects.filter(**{f"{field}__isnull": False}).values_list("pk", field):
        found.setdefault(key, set()).add(pk)
    return found


def awareness_units(year: int, end: dt.date) -> set[Any]:
    """The units of the year's breakdown where an enterprise-awareness course ended in the year
    was held or attended by one of their enterprises (``units_with_awareness``; 2 queries)."""
    first = dt.date(year, 1, 1)
    courses = Course.objects.filter(kind=CourseKind.ENTERPRISE_AWARENESS, end_date__gte=first, end_date__lte=end)
    unit = unit_field(year)
    held = set(courses.values_list(unit, flat=True).distinct())
    attended = set(
        EnterpriseParticipation.objects.filter(course__in=courses)
        .values_list(f"enterprise__{unit}", flat=True)
        .distinct()
    )
    return (held | attended) - {None}


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
