"""The computation of a year's figures for a scope (``compute``): grouped queries in, typed results
out; the figures of a locked year come from its snapshot."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any, Protocol

from django.db.models import (
    Count,
    F,
    Q,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import (
    CPOption,
    ResourceType,
)
from enterprises.models import REFORM_DATE, Commune, District, Sector
from training.models import Attendance, Course, CourseKind, EnterpriseParticipation
from training.selectors import CoverageStatus, awareness_course_kinds, coverage_by_district

from ..areas import COMMUNE, FORMER_DISTRICT, Area, AreaLike, area_for, breakdown_units, by_communes, unit_field
from ..measures import Measure
from .annex import establishments, factor_resource_types, factor_rows, funding, model_enterprises, year_on_year
from .base import APPROVED, Factors, ProgressCallback, analytic_queries, enterprise_scope, to_decimal, to_int, year_end
from .crosstabs import savings_by_sector_and_category, savings_by_unit_and_year
from .defined import (
    entered_values,
    figures_of,
    filtered_value,
    indicator_figures,
    indicators_for,
    model_count,
    plan_results,
    plans_in_force,
    targets_of,
)
from .energy import EnergySaving, energy_saving
from .findings import open_findings, pending_counts, year_warnings
from .queries import (
    SavingsCube,
    approved_assessments,
    count_by,
    flag_counts,
    implemented_options,
    payback_medians,
    savings_cube,
    savings_trend,
    trend_years,
    units_with_awareness,
    zones_reached,
)
from .results import (
    UNATTRIBUTED,
    CategoryRow,
    DistrictRow,
    EnergyMethod,
    Number,
    ResourceRow,
    SectorRow,
    TrainingFigures,
    YearIndicators,
    share,
)


def compute(
    year: int,
    district: AreaLike = None,
    *,
    progress: ProgressCallback | None = None,
    with_findings: bool = True,
) -> YearIndicators:
    """Every figure for ``year`` in the city (``district=None``) or one district. For a locked
    year (its final report was issued, DESIGN.md §10) the figures stored when it was locked, so
    that its reports are the same every time; otherwise computed from the live tables.

    ``with_findings=False`` leaves out the open data-quality findings (``findings`` is empty): the
    report lists them, the dashboard does not, and at national size they are most of the work."""
    from ..snapshots import load_indicators

    area = area_for(year, district)
    frozen = load_indicators(year, area)
    if frozen is not None:
        if progress is not None:
            progress(90)
        return frozen if with_findings else dataclasses.replace(frozen, findings=())
    return compute_live(year, area, progress=progress, with_findings=with_findings)


def compute_live(
    year: int,
    district: AreaLike = None,
    *,
    progress: ProgressCallback | None = None,
    with_findings: bool = True,
) -> YearIndicators:
    """Every figure for ``year`` in the scope, computed from the live tables (``with_findings``:
    see ``compute``)."""
    with analytic_queries():
        return _compute_live(year, area_for(year, district), progress, with_findings)


def _compute_live(
    year: int,
    district: Area | None,
    progress: ProgressCallback | None,
    with_findings: bool,
    source: ScopeQueries | None = None,
) -> YearIndicators:
    """The figures of the scope from its queries (``source``: a ``LiveScope`` by default; the
    figures of every unit at once pass the slices of their grouped queries, ``allscopes``)."""
    report = progress or (lambda pct: None)
    end = min(year_end(year), timezone.localdate())  # the current year: as of today
    src = source if source is not None else LiveScope(year, district, end)
    city = district is None
    plans = src.plans()

    # Enterprises, by district and by sector (1 query).
    flags_by_district, flags_by_sector = src.flag_counts()
    report(15)

    # Assessments and options (4 queries).
    assessments_by_district, assessments_by_sector = src.assessments()
    options_by_district, identified_by_category, implemented_by_category, medians = src.options()
    report(35)

    # Savings (6 queries: the factors, the savings by group and resource, the resources, the
    # energy baseline; no query per savings line).
    factors = src.factors
    cube = src.cube()
    savings_by_district, savings_by_sector, savings_by_category = cube.by_district, cube.by_sector, cube.by_category
    resources = _resource_rows(year, cube.by_resource, factors, src.resource_types(list(cube.by_resource)))
    energy = src.energy()
    report(55)

    # Training (4 queries).
    coverage = src.coverage()
    coverage_by_id = {row.district_id: row for row in coverage}
    training = _training_figures(src.training_counts(), coverage)
    report(65)

    # Tables.
    tables = (flags_by_district, assessments_by_district, options_by_district, savings_by_district, coverage_by_id)
    units = src.units()
    district_rows = tuple(_district_row(d, *tables) for d in units)
    unlocated = _unlocated_row(*tables)
    if district is None and (by_communes(year) or unlocated.enterprises_registered or unlocated.savings_vnd):
        district_rows += (unlocated,)  # nothing is dropped: the rows add up to the city
    sector_codes = sorted(set(flags_by_sector) | set(assessments_by_sector) | set(savings_by_sector))
    sector_rows = _sector_rows(
        flags_by_sector, assessments_by_sector, savings_by_sector, energy.by_division, src.sector_names(sector_codes)
    )
    category_rows = tuple(
        CategoryRow(
            code=code if code is not None else UNATTRIBUTED,
            label=str(label),
            identified=identified_by_category.get(code, 0),
            implemented=to_int(implemented_by_category.get(code, {}).get("n")),
            investment_vnd=to_int(implemented_by_category.get(code, {}).get("investment")),
            expected_savings_vnd=to_int(implemented_by_category.get(code, {}).get("expected")),
            verified_savings_vnd=to_int(savings_by_category.get(code, {}).get("vnd_sum")),
            median_payback_years=medians.get(code) if code is not None else None,
            verified_savings_toe=to_decimal(savings_by_category.get(code, {}).get("toe_sum")),
        )
        for code, label in [*CPOption.Category.choices, (None, UNATTRIBUTED_LABEL)]
    )
    first_year = min((p.first_year for p in plans), default=None)
    trend = tuple(src.trend(trend_years(year, first_year)))
    report(80)

    registered = sum(r.enterprises_registered for r in district_rows)
    active = sum(r.enterprises_active for r in district_rows)
    aware = sum(r.aware for r in district_rows)
    applying = sum(r.applying for r in district_rows)
    toe = sum((r.toe for r in resources if r.toe is not None), Decimal(0))
    tco2e = sum((r.tco2e for r in resources if r.tco2e is not None), Decimal(0))
    vnd = sum(r.vnd for r in resources)
    zones, zones_total = src.zones()
    est = src.establishments()
    aware_units, units_total = src.units_with_awareness()
    base: dict[str, Number | None] = {
        Measure.ENTERPRISES_ACTIVE: active,
        Measure.AWARE_COUNT: aware,
        Measure.AWARE_SHARE: share(aware, active),
        Measure.APPLYING_COUNT: applying,
        Measure.APPLYING_SHARE: share(applying, active),
        Measure.AWARE_SHARE_ALL: share(aware, est.count) if est else None,
        Measure.APPLYING_SHARE_ALL: share(applying, est.count) if est else None,
        Measure.ASSESSMENTS_COMPLETED: sum(r.assessments_completed for r in district_rows),
        Measure.OPTIONS_IMPLEMENTED: sum(r.implemented for r in category_rows),
        Measure.INVESTMENT_VND: sum(r.investment_vnd for r in category_rows),
        Measure.SAVINGS_TOE: toe,
        Measure.SAVINGS_TCO2E: tco2e,
        Measure.SAVINGS_VND: vnd,
        Measure.ENERGY_SAVING_PCT: share(energy.total.saved_toe, energy.total.adjusted_baseline_toe),
        # The cut of consumption per unit of product, over the enterprises that report their
        # production output (indicators.energy); no figure when none does.
        Measure.INTENSITY_CUT_PCT: share(energy.total.output_saved_toe, energy.total.output_adjusted_toe),
        Measure.OFFICERS_TRAINED: training.officers_trained,
        Measure.COURSES_HELD: training.courses_held,
        Measure.DISTRICTS_COVERED: training.districts_covered,
        Measure.DISTRICTS_COVERED_SHARE: training.covered_share,
        Measure.ZONES_REACHED: zones,
        Measure.ZONES_REACHED_SHARE: share(zones, zones_total),
        Measure.MODELS: src.model_count(),
        Measure.UNITS_AWARENESS: aware_units,
        Measure.UNITS_AWARENESS_SHARE: share(aware_units, units_total),
    }
    base = {str(code): value for code, value in base.items()}
    indicators = src.indicators(plans)
    values = indicator_figures(
        indicators,
        base,
        year=year,
        district=district,
        end=end,
        factors=factors,
        value_of=src.filtered_value,
        entered=src.entered_values(),
    )
    plan_rows = plan_results(year, plans, {i.pk: i for i in indicators}, values, city=city, targets=src.targets(plans))
    figures = figures_of([i for i in indicators if i.active], values, plan_rows)
    warnings = year_warnings(year, district, resources, pending=src.pending())
    findings = src.findings() if with_findings else ()
    funding_rows, funding_total, cost_per_toe = src.funding(toe)
    factor_codes = [r.code for r in resources if r.has_energy_factor and r.lines]
    report(90)
    return YearIndicators(
        year=year,
        district_code=district.code if district is not None else None,
        district_name=district.name if district is not None else None,
        computed_at=timezone.now(),
        as_of=end,
        plans=plan_rows,
        figures=figures,
        measures=base,
        enterprises_registered=registered,
        districts=district_rows,
        sectors=sector_rows,
        categories=category_rows,
        resources=resources,
        trend=trend,
        training=training,
        warnings=warnings,
        findings=findings,
        baseline_energy_toe=energy.total.adjusted_baseline_toe if energy.total.enterprises else None,
        reporting_enterprises=energy.total.enterprises,
        awareness_kinds=src.awareness_kinds(),
        energy=EnergyMethod(
            enterprises=energy.total.enterprises,
            by_output=energy.total.by_output,
            absolute=energy.total.absolute,
            partial=energy.total.partial,
            intensity_change_pct=energy.total.intensity_change_pct,
            saved_toe=energy.total.saved_toe,
            adjusted_baseline_toe=energy.total.adjusted_baseline_toe,
        ),
        establishments=est,
        funding=funding_rows,
        funding_total=funding_total,
        cost_per_toe=cost_per_toe,
        year_on_year=year_on_year(trend, year),
        models=src.models(),
        factors=factor_rows(year, resources, factors, src.factor_types(factor_codes)),
        by_unit_year=src.by_unit_year(range(trend[0].year, year + 1)),
        by_sector_category=src.by_sector_category(),
    )


class ScopeQueries(Protocol):
    """What the figures of a scope read: ``LiveScope`` runs each query for the scope alone,
    ``allscopes.UnitSlice`` slices one unit out of queries grouped by unit."""

    factors: Factors

    def plans(self) -> list: ...
    def flag_counts(self) -> tuple[dict, dict]: ...
    def assessments(self) -> tuple[dict, dict]: ...
    def options(self) -> tuple[dict, dict, dict, dict]: ...
    def cube(self) -> SavingsCube: ...
    def resource_types(self, ids: list[int]) -> list[ResourceType]: ...
    def energy(self) -> EnergySaving: ...
    def coverage(self) -> list: ...
    def training_counts(self) -> TrainingCounts: ...
    def units(self) -> list: ...
    def sector_names(self, codes: list) -> dict: ...
    def trend(self, years: range) -> list: ...
    def zones(self) -> tuple[int, int]: ...
    def establishments(self) -> Any: ...
    def units_with_awareness(self) -> tuple[int, int]: ...
    def model_count(self) -> int: ...
    def indicators(self, plans: list) -> list: ...
    def entered_values(self) -> dict: ...
    def filtered_value(self, indicator: Any) -> Number | None: ...
    def targets(self, plans: list) -> list: ...
    def pending(self) -> tuple[dict, int]: ...
    def findings(self) -> tuple: ...
    def funding(self, toe: Decimal) -> tuple: ...
    def models(self) -> tuple: ...
    def factor_types(self, codes: list[str]) -> list[ResourceType]: ...
    def by_unit_year(self, years: range) -> Any: ...
    def by_sector_category(self) -> Any: ...
    def awareness_kinds(self) -> tuple[str, ...]: ...


class LiveScope:
    """The queries behind one scope's figures, each run for that scope alone (the figures of
    every unit at once slice grouped queries instead: ``allscopes.UnitSlice``, same methods).
    ``findings``: the scope's open findings when they were already gathered."""

    def __init__(self, year: int, area: Area | None, end: dt.date, *, findings: tuple | None = None) -> None:
        self.year, self.area, self.end = year, area, end
        self.factors = Factors()
        self._findings = findings

    def plans(self) -> list:
        return plans_in_force(self.year)

    def flag_counts(self) -> tuple[dict, dict]:
        return flag_counts(self.year, self.area, self.end)

    def assessments(self) -> tuple[dict, dict]:
        """Approved assessments of the year by unit and by VSIC division."""
        year, area = self.year, self.area
        unit = unit_field(year, area)
        return (
            count_by(approved_assessments(year, area), F(f"enterprise__{unit}")),
            count_by(
                approved_assessments(year, area),
                Coalesce("enterprise__sector__parent__code", "enterprise__sector__code"),
            ),
        )

    def options(self) -> tuple[dict, dict, dict, dict]:
        """Implemented options by unit; identified options, implemented ones (count, investment,
        expected savings) and their median payback by category."""
        year, area = self.year, self.area
        implemented = implemented_options(year, area)
        by_unit = count_by(implemented, F(f"assessment__enterprise__{unit_field(year, area)}"))
        identified = (
            CPOption.objects.filter(assessment__status=APPROVED, assessment__year=year)
            .filter(enterprise_scope(area, "assessment__enterprise__"))
            .values("category")
            .annotate(n=Count("pk"))
            .order_by()
        )
        implemented_by_category = {
            row["category"]: dict(row)
            for row in implemented.values("category")
            .annotate(n=Count("pk"), investment=Sum("investment_vnd"), expected=Sum("expected_savings_vnd"))
            .order_by()
        }
        identified_by_category = {row["category"]: row["n"] for row in identified}
        return by_unit, identified_by_category, implemented_by_category, payback_medians(implemented)

    def cube(self) -> SavingsCube:
        return savings_cube(self.year, self.area, self.factors)

    def resource_types(self, ids: list[int]) -> list[ResourceType]:
        """The active resources and those with savings (``ids``), in the order of the tables."""
        return list(ResourceType.objects.filter(Q(active=True) | Q(pk__in=ids)).order_by("sort_order", "code"))

    def energy(self) -> EnergySaving:
        return energy_saving(self.year, self.area, self.factors)

    def coverage(self) -> list:
        return _coverage(self.end, self.area)

    def training_counts(self) -> TrainingCounts:
        return _training_counts(self.year, self.area, self.end)

    def units(self) -> list:
        return breakdown_units(self.year) if self.area is None else self.area.units()

    def sector_names(self, codes: list) -> dict:
        return dict(Sector.objects.filter(code__in=codes).values_list("code", "name"))

    def trend(self, years: range) -> list:
        return savings_trend(years, self.area, factors=self.factors)

    def zones(self) -> tuple[int, int]:
        return zones_reached(self.year, self.area, self.end)

    def establishments(self) -> Any:
        return establishments(self.year, self.area)

    def units_with_awareness(self) -> tuple[int, int]:
        return units_with_awareness(self.year, self.area, self.end)

    def model_count(self) -> int:
        return model_count(self.year, self.area, self.end)

    def indicators(self, plans: list) -> list:
        return indicators_for(plans)

    def entered_values(self) -> dict:
        return entered_values(self.year) if self.area is None else {}

    def filtered_value(self, indicator: Any) -> Number | None:
        return filtered_value(indicator, self.year, self.area, self.end, self.factors)

    def targets(self, plans: list) -> list:
        return targets_of(self.year, plans)

    def pending(self) -> tuple[dict, int]:
        return pending_counts(self.year, self.area)

    def findings(self) -> tuple:
        return self._findings if self._findings is not None else open_findings(self.year, self.area)

    def funding(self, toe: Decimal) -> tuple:
        return funding(self.year, self.area, toe)

    def models(self) -> tuple:
        return model_enterprises(self.year, self.area, self.factors)

    def factor_types(self, codes: list[str]) -> list[ResourceType]:
        return factor_resource_types(codes)

    def by_unit_year(self, years: range) -> Any:
        return savings_by_unit_and_year(years, self.area)

    def by_sector_category(self) -> Any:
        return savings_by_sector_and_category(self.year, self.area)

    def awareness_kinds(self) -> tuple[str, ...]:
        return awareness_labels()


def awareness_labels() -> tuple[str, ...]:
    """The labels of the course kinds that count as awareness (the programme setting)."""
    return tuple(str(CourseKind(kind).label) for kind in awareness_course_kinds())


def _coverage(end: dt.date, area: Area | None) -> list:
    """Coverage rows of the scope's units on ``end``."""
    if area is None:
        return coverage_by_district(end)
    if area.kind == FORMER_DISTRICT:
        return [row for row in coverage_by_district(end) if row.group_code == area.unit.code]
    if (area.kind == COMMUNE) != (end >= REFORM_DATE):
        return []  # a unit not in force on that date
    return coverage_by_district(end, area.unit)


def _unlocated_row(flags: dict, assessments: dict, options: dict, savings: dict, coverage: dict) -> DistrictRow:
    """The enterprises without a commune (or, before 2025, without a district)."""
    return _district_row(None, flags, assessments, options, savings, coverage)


# The savings not linked to an option, as a row of the by-category tables (so that the rows add up
# to the total).
UNATTRIBUTED_LABEL = _("Not linked to an option")


def _district_row(
    d: District | Commune | None,
    flags: dict,
    assessments: dict,
    options: dict,
    savings: dict,
    coverage: dict,
) -> DistrictRow:
    key = d.pk if d is not None else None
    f = flags.get(key, {})
    s = savings.get(key, {})
    c = coverage.get(key) if d is not None else None
    group = getattr(d, "principal_district", None) if isinstance(d, Commune) else None
    return DistrictRow(
        code=d.code if d is not None else "",
        name=(d.full_name if isinstance(d, Commune) else d.name) if d is not None else str(_("Not yet located")),
        kind="commune" if isinstance(d, Commune) else "district" if d is not None else "unlocated",
        group_code=group.code if group else "",
        group_name=group.name if group else "",
        enterprises_registered=to_int(f.get("n_registered")),
        enterprises_active=to_int(f.get("n_active")),
        aware=to_int(f.get("n_aware")),
        applying=to_int(f.get("n_applying")),
        assessments_completed=assessments.get(key, 0),
        options_implemented=options.get(key, 0),
        savings_toe=to_decimal(s.get("toe_sum")),
        savings_tco2e=to_decimal(s.get("tco2e_sum")),
        savings_vnd=to_int(s.get("vnd_sum")),
        officers_in_post=c.officers_in_post if c else 0,
        trained_in_post=c.trained_in_post if c else 0,
        coverage=c.status.value if c else "",
    )


def _sector_rows(flags: dict, assessments: dict, savings: dict, energy: dict, names: dict) -> tuple[SectorRow, ...]:
    """One row per VSIC division that has enterprises or figures in the scope (``names``: the
    divisions' names by code)."""
    codes = sorted(set(flags) | set(assessments) | set(savings))
    return tuple(
        SectorRow(
            code=code,
            name=names.get(code, code),
            enterprises_active=to_int(flags.get(code, {}).get("n_active")),
            aware=to_int(flags.get(code, {}).get("n_aware")),
            applying=to_int(flags.get(code, {}).get("n_applying")),
            assessments_completed=assessments.get(code, 0),
            savings_toe=to_decimal(savings.get(code, {}).get("toe_sum")),
            savings_tco2e=to_decimal(savings.get(code, {}).get("tco2e_sum")),
            savings_vnd=to_int(savings.get(code, {}).get("vnd_sum")),
            energy_saving_pct=energy[code].saving_pct if code in energy else None,
            intensity_change_pct=energy[code].intensity_change_pct if code in energy else None,
        )
        for code in codes
    )


def _resource_rows(
    year: int, totals: dict[int, dict[str, Any]], factors: Factors, resources: list[ResourceType]
) -> tuple[ResourceRow, ...]:
    """Verified savings of the year per resource (``resources``: every active resource, and any
    other with savings), converted with the factors of the year."""
    result = []
    for r in resources:
        t: dict[str, Any] = totals.get(r.pk, {})
        quantity = to_decimal(t.get("qty"))
        energy = r.has_energy_factor
        factor = factors.row(r.pk, year) if energy else None
        toe, tco2e = factors.convert(r.pk, quantity, year) if energy else (None, None)
        added = to_decimal(t.get("qty_added"))
        toe_added, tco2e_added = factors.convert(r.pk, added, year) if energy else (None, None)
        result.append(
            ResourceRow(
                code=r.code,
                name=r.name,
                unit=r.unit,
                kind=r.kind,
                quantity=quantity,
                toe=toe,
                tco2e=tco2e,
                vnd=to_int(t.get("vnd")),
                lines=to_int(t.get("n")),
                has_energy_factor=energy,
                factor_year=factor.valid_from_year if factor is not None else None,
                quantity_added=added,
                toe_added=toe_added,
                tco2e_added=tco2e_added,
            )
        )
    return tuple(result)


# (officers who passed an officer training, courses held by kind, enterprises that took part)
TrainingCounts = tuple[int, dict[str, int], int]


def _training_counts(year: int, district: Area | None, end: dt.date) -> TrainingCounts:
    """The training of the year in the scope (3 queries)."""
    first = dt.date(year, 1, 1)
    officers = Attendance.objects.filter(
        passed=True,
        course__kind=CourseKind.OFFICER_TRAINING,
        course__end_date__gte=first,
        course__end_date__lte=end,
    )
    participations = EnterpriseParticipation.objects.filter(course__end_date__gte=first, course__end_date__lte=end)
    courses = Course.objects.filter(end_date__gte=first, end_date__lte=end)
    if district is not None:
        officers = officers.filter(district.office_q("officer__"))
        participations = participations.filter(district.q("enterprise__"))
        city_wide = Q(district__isnull=True, commune__isnull=True)
        courses = courses.filter(
            district.office_q()
            | (city_wide & Q(pk__in=Attendance.objects.filter(district.office_q("officer__")).values("course")))
            | (
                city_wide
                & Q(pk__in=EnterpriseParticipation.objects.filter(district.q("enterprise__")).values("course"))
            )
        )
    by_kind = {row["kind"]: row["n"] for row in courses.values("kind").annotate(n=Count("pk")).order_by()}
    return (
        officers.values("officer").distinct().count(),
        by_kind,
        participations.values("enterprise").distinct().count(),
    )


def _training_figures(counts: TrainingCounts, coverage: list) -> TrainingFigures:
    officers_trained, by_kind, participating = counts
    statuses = [row.status for row in coverage]
    return TrainingFigures(
        officers_trained=officers_trained,
        courses_held=sum(by_kind.values()),
        courses_by_kind={code: by_kind.get(code, 0) for code, _label in CourseKind.choices},
        enterprises_participating=participating,
        districts_total=len(coverage),
        districts_covered=sum(1 for s in statuses if s != CoverageStatus.NOT_COVERED),
        districts_well_covered=statuses.count(CoverageStatus.COVERED),
        districts_at_risk=statuses.count(CoverageStatus.AT_RISK),
        districts_not_covered=statuses.count(CoverageStatus.NOT_COVERED),
    )
