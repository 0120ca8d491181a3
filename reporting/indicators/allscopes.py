"""The figures of many scopes in one pass (``compute_all``): the year-end batch's city and every
unit of the year's breakdown (``reporting.areas.batch_units``).

Each figure query runs once for the whole city grouped by the unit as well (the enterprise's
commune from 2025, its district before: ``areas.unit_field``), and every unit's figures are
sliced from the grouped results in Python; the figures are then laid out by the same code as a
single scope's (``compute._compute_live``, fed by a ``UnitSlice`` instead of a ``LiveScope``), so
that they equal ``compute_live`` of that unit. Figures that do not add up (medians, distinct
counts, coverage, shares, the energy saving, zones, models, warnings, findings) are grouped by
the unit in the database or computed per enterprise and partitioned, never summed across units.
The number of queries does not depend on the number of scopes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from assessments.models import CPOption, ResourceType, SavingsReport
from enterprises.models import Commune, District, Sector
from training.models import Attendance, Course, CourseKind, EnterpriseParticipation
from training.selectors import coverage_by_district

from ..areas import COMMUNE, DISTRICT, Area, AreaLike, area_for, by_communes, unit_field
from .annex import model_enterprises_by_unit
from .base import APPROVED, Factors, ProgressCallback, analytic_queries, year_end
from .compute import LiveScope, TrainingCounts, _compute_live, awareness_labels
from .crosstabs import (
    savings_by_division_and_year_by_unit,
    savings_by_sector_and_category_by_unit,
    sector_category_table,
    year_table,
)
from .defined import filtered_values_by, has_filters, indicators_for, model_counts_by, plans_in_force, targets_of
from .energy import EnergySaving, energy_saving_by_unit
from .findings import open_findings, pending_counts_by_unit
from .queries import (
    SavingsCube,
    _trend_points,
    approved_assessments,
    awareness_units,
    count_by,
    flag_counts_by_unit,
    implemented_options,
    payback_medians_by,
    savings_cube_by_unit,
    savings_trend_by_unit,
    trend_years,
    zones_by_unit,
    zones_reached_by_unit,
)
from .results import Number, OpenFinding, YearIndicators

NO_PENDING = {"submitted": 0, "returned": 0, "warned": 0}


def compute_all(
    year: int,
    areas: Sequence[AreaLike],
    *,
    with_findings: bool = True,
    progress: ProgressCallback | None = None,
) -> dict[str | None, YearIndicators]:
    """The figures of ``year`` for every scope of ``areas`` (None: the city; an ``Area`` of
    ``reporting.areas.area_for``), keyed by the scope's code (None for the city), each equal to
    ``compute_live(year, area)`` but for ``computed_at``.

    The units of the year's breakdown (communes from 2025, districts before) are sliced from
    grouped queries, a fixed number whatever their number; the city is computed as a single scope
    (a fixed number of queries too). The open data-quality findings are gathered once for the
    city and partitioned by the enterprise's unit. Any other area (a former district, or a
    commune in a year broken down by districts) falls back to ``compute_live``, its own queries
    each: the year-end batch only asks for the city and ``batch_units(year)``."""
    report = progress or (lambda pct: None)
    scopes = [area_for(year, area) for area in areas]
    kind = COMMUNE if by_communes(year) else DISTRICT
    units = [a for a in scopes if a is not None and a.kind == kind]
    end = min(year_end(year), timezone.localdate())
    result: dict[str | None, YearIndicators] = {}
    with analytic_queries():
        findings = open_findings(year, None) if with_findings and (units or None in scopes) else ()
        report(10)
        groups = UnitGroups(year, end, findings) if units else None
        report(60)
        reloaded = _reload(units)
        for done, area in enumerate(scopes, start=1):
            if area is None:
                source = LiveScope(year, None, end, findings=findings)
                result[None] = _compute_live(year, None, None, with_findings, source)
            elif groups is not None and area.kind == kind:
                area = reloaded[area.pk]
                result[area.code] = _compute_live(year, area, None, with_findings, UnitSlice(groups, area))
            else:
                result[area.code] = _compute_live(year, area, None, with_findings)
            report(60 + 35 * done // max(len(scopes), 1))
    return result


def _reload(units: list[Area]) -> dict[int, Area]:
    """The areas with their units read again in one query, each commune with its principal
    former district (the rows name it)."""
    if not units:
        return {}
    kind = units[0].kind
    model = Commune.objects.select_related("principal_district") if kind == COMMUNE else District.objects
    return {unit.pk: Area(kind, unit) for unit in model.filter(pk__in=[a.pk for a in units])}


class UnitGroups:
    """The year's figure queries, each run once for the city grouped by the unit (every
    attribute keyed by the unit's id; a unit without data is absent)."""

    def __init__(self, year: int, end: dt.date, findings: tuple[OpenFinding, ...]) -> None:
        self.year, self.end = year, end
        unit = self.unit = unit_field(year)
        self.factors = factors = Factors()
        self.plans = plans_in_force(year)
        self.flags = flag_counts_by_unit(year, end)

        division = Coalesce("enterprise__sector__parent__code", "enterprise__sector__code")
        self.assessments = count_by(approved_assessments(year, None), F(f"enterprise__{unit}"))
        self.assessments_by_sector = _nested(
            approved_assessments(year, None)
            .annotate(unit_key=F(f"enterprise__{unit}"), division=division)
            .values("unit_key", "division")
            .annotate(n=Count("pk"))
            .values_list("unit_key", "division", "n")
            .order_by()
        )
        implemented = implemented_options(year, None)
        owner = f"assessment__enterprise__{unit}"
        self.options = count_by(implemented, F(owner))
        self.identified = _nested(
            CPOption.objects.filter(assessment__status=APPROVED, assessment__year=year)
            .values(owner, "category")
            .annotate(n=Count("pk"))
            .values_list(owner, "category", "n")
            .order_by()
        )
        self.implemented: dict[Any, dict[Any, dict]] = {}
        for row in (
            implemented.values(owner, "category")
            .annotate(n=Count("pk"), investment=Sum("investment_vnd"), expected=Sum("expected_savings_vnd"))
            .order_by()
        ):
            key = row.pop(owner)
            self.implemented.setdefault(key, {})[row["category"]] = row
        self.medians = payback_medians_by(implemented, owner)

        self.cubes = savings_cube_by_unit(year, factors)
        self.resource_types = list(ResourceType.objects.order_by("sort_order", "code"))
        self.energy = energy_saving_by_unit(year, unit, factors)

        self.coverage = {row.district_id: row for row in coverage_by_district(end)}
        self.training = _training_by_unit(year, end, unit)

        self.sector_names = dict(Sector.objects.values_list("code", "name"))
        self.trend_years = trend_years(year, min((p.first_year for p in self.plans), default=None))
        self.trend = savings_trend_by_unit(self.trend_years, unit, factors)
        self.zones_reached = zones_reached_by_unit(year, end)
        self.zones = zones_by_unit(year)
        self.awareness = awareness_units(year, end)
        self.model_counts = model_counts_by(year, None, end, unit)

        self.indicators = indicators_for(self.plans)
        self.filtered = {
            i.pk: filtered_values_by(i, year, None, end, factors, unit)
            for i in self.indicators
            if not i.info.entered and has_filters(i)
        }
        self.targets = targets_of(year, self.plans)
        self.pending, self.assessments_pending = pending_counts_by_unit(year, unit)

        unit_of_report = dict(
            SavingsReport.objects.filter(year=year, status=SavingsReport.Status.SUBMITTED).values_list(
                "pk", f"enterprise__{unit}"
            )
            if findings
            else ()
        )
        self.findings: dict[Any, list[OpenFinding]] = {}
        for finding in findings:  # in the city's order, so each unit's are in its own order
            self.findings.setdefault(unit_of_report.get(finding.report_id), []).append(finding)
        self.models = model_enterprises_by_unit(year, unit, factors)
        self.by_unit_year = savings_by_division_and_year_by_unit(self.trend_years, unit)
        self.by_sector_category = savings_by_sector_and_category_by_unit(year, unit)
        self.awareness_kinds = awareness_labels()


def _nested(rows: Any) -> dict[Any, dict[Any, Any]]:
    """{unit: {key: value}} of (unit, key, value) rows."""
    nested: dict[Any, dict[Any, Any]] = {}
    for unit, key, value in rows:
        nested.setdefault(unit, {})[key] = value
    return nested


def _training_by_unit(year: int, end: dt.date, unit: str) -> dict[Any, TrainingCounts]:
    """The training counts of ``compute._training_counts`` for every unit (5 queries): officers
    of the unit's office who passed an officer training, courses the unit's office held or
    city-wide ones its officers or enterprises attended, by kind, and its enterprises that took
    part, in courses ended in the year."""
    first = dt.date(year, 1, 1)
    officer_field, enterprise_field = f"officer__{unit}", f"enterprise__{unit}"
    officers = dict(
        Attendance.objects.filter(
            passed=True,
            course__kind=CourseKind.OFFICER_TRAINING,
            course__end_date__gte=first,
            course__end_date__lte=end,
        )
        .values(officer_field)
        .annotate(n=Count("officer", distinct=True))
        .values_list(officer_field, "n")
        .order_by()
    )
    participating = dict(
        EnterpriseParticipation.objects.filter(course__end_date__gte=first, course__end_date__lte=end)
        .values(enterprise_field)
        .annotate(n=Count("enterprise", distinct=True))
        .values_list(enterprise_field, "n")
        .order_by()
    )
    courses = Course.objects.filter(end_date__gte=first, end_date__lte=end)
    kind_of: dict[int, str] = {}
    held: dict[Any, set[int]] = {}
    for pk, kind, office in courses.values_list("pk", "kind", unit):
        kind_of[pk] = kind
        held.setdefault(office, set()).add(pk)
    city_wide = courses.filter(district__isnull=True, commune__isnull=True)
    for course, office in (
        *Attendance.objects.filter(course__in=city_wide).values_list("course_id", officer_field).distinct(),
        *EnterpriseParticipation.objects.filter(course__in=city_wide)
        .values_list("course_id", enterprise_field)
        .distinct(),
    ):
        held.setdefault(office, set()).add(course)
    counts: dict[Any, TrainingCounts] = {}
    for office in set(officers) | set(participating) | set(held):
        by_kind: dict[str, int] = {}
        for course in held.get(office, ()):
            by_kind[kind_of[course]] = by_kind.get(kind_of[course], 0) + 1
        counts[office] = (officers.get(office, 0), by_kind, participating.get(office, 0))
    return counts


class UnitSlice:
    """One unit's share of the grouped queries, with the methods of ``compute.LiveScope``."""

    def __init__(self, groups: UnitGroups, area: Area) -> None:
        self.groups, self.area, self.pk = groups, area, area.pk
        self.factors = groups.factors

    def plans(self) -> list:
        return self.groups.plans

    def flag_counts(self) -> tuple[dict, dict]:
        return self.groups.flags.get(self.pk, ({}, {}))

    def assessments(self) -> tuple[dict, dict]:
        g = self.groups
        return _own(g.assessments, self.pk), g.assessments_by_sector.get(self.pk, {})

    def options(self) -> tuple[dict, dict, dict, dict]:
        g, pk = self.groups, self.pk
        return _own(g.options, pk), g.identified.get(pk, {}), g.implemented.get(pk, {}), g.medians.get(pk, {})

    def cube(self) -> SavingsCube:
        return self.groups.cubes.get(self.pk) or SavingsCube({}, {}, {}, {})

    def resource_types(self, ids: list[int]) -> list[ResourceType]:
        wanted = set(ids)
        return [r for r in self.groups.resource_types if r.active or r.pk in wanted]

    def energy(self) -> EnergySaving:
        return self.groups.energy.get(self.pk) or EnergySaving()

    def coverage(self) -> list:
        row = self.groups.coverage.get(self.pk)
        return [row] if row is not None else []

    def training_counts(self) -> TrainingCounts:
        return self.groups.training.get(self.pk, (0, {}, 0))

    def units(self) -> list:
        return [self.area.unit]

    def sector_names(self, codes: list) -> dict:
        names = self.groups.sector_names
        return {code: names[code] for code in codes if code in names}

    def trend(self, years: range) -> list:
        if years != self.groups.trend_years:  # the same plans give the same years
            raise ValueError(f"trend years {years} differ from the grouped {self.groups.trend_years}")
        return self.groups.trend.get(self.pk) or _trend_points(years, {}, {})

    def zones(self) -> tuple[int, int]:
        return self.groups.zones_reached.get(self.pk, 0), len(self.groups.zones.get(self.pk, ()))

    def establishments(self) -> None:
        return None  # the counts of all establishments are the city's

    def units_with_awareness(self) -> tuple[int, int]:
        # A district's figure counts it only while it is active; a commune's always.
        total = 1 if self.area.kind == COMMUNE or self.area.unit.active else 0
        return (1 if total and self.pk in self.groups.awareness else 0), total

    def model_count(self) -> int:
        return self.groups.model_counts.get(self.pk, 0)

    def indicators(self, plans: list) -> list:
        return self.groups.indicators

    def entered_values(self) -> dict:
        return {}  # entered figures are the city's

    def filtered_value(self, indicator: Any) -> Number | None:
        if indicator.district_id and (self.area.kind != DISTRICT or indicator.district_id != self.pk):
            return None  # an indicator of another district has no value in this unit
        values, default = self.groups.filtered.get(indicator.pk, ({}, None))
        return values.get(self.pk, default)

    def targets(self, plans: list) -> list:
        return self.groups.targets

    def pending(self) -> tuple[dict, int]:
        g = self.groups
        return g.pending.get(self.pk, NO_PENDING), g.assessments_pending.get(self.pk, 0)

    def findings(self) -> tuple:
        return tuple(self.groups.findings.get(self.pk, ()))

    def funding(self, toe: Decimal) -> tuple:
        return (), 0, None  # the programme's funding is the city's

    def models(self) -> tuple:
        return self.groups.models.get(self.pk, ())

    def factor_types(self, codes: list[str]) -> list[ResourceType]:
        wanted = set(codes)
        return [r for r in self.groups.resource_types if r.code in wanted]

    def by_unit_year(self, years: range) -> Any:
        return self.groups.by_unit_year.get(self.pk) or year_table([], "division", years, {})

    def by_sector_category(self) -> Any:
        return self.groups.by_sector_category.get(self.pk) or sector_category_table([], {})

    def awareness_kinds(self) -> tuple[str, ...]:
        return self.groups.awareness_kinds


def _own(counts: dict[Any, int], pk: int) -> dict[Any, int]:
    """The unit's entry of a count by unit (the single-scope query has no other)."""
    return {pk: counts[pk]} if pk in counts else {}
