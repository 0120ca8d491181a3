"""The typed results of the figures (frozen dataclasses): what the dashboards, the builders and the
snapshots of locked years read."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from enterprises.models import REFORM_DATE
from training.selectors import CoverageStatus

from ..areas import by_communes
from ..measures import Measure

Number = Decimal | int

HUNDRED = Decimal(100)
SHARE_PLACES = Decimal("0.01")


def share(part: int | Decimal | None, whole: int | Decimal | None) -> Decimal | None:
    """part / whole in %, to 0.01; None when the whole is 0 or unknown."""
    if part is None or not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(SHARE_PLACES)


@dataclass(frozen=True)
class TargetRef:
    value: Decimal
    plan: str  # decision number
    note: str
    value_max: Decimal | None = None
    year: int | None = None


class Status:
    """Where a result stands against its target."""

    ACHIEVED = "achieved"
    NOT_ACHIEVED = "not_achieved"
    NO_DATA = "no_data"


def status_of(value: Number | None, target: Decimal) -> str:
    """Every indicator is "the more the better": reached when the result is at least the target
    (the lower end of a range)."""
    if value is None:
        return Status.NO_DATA
    return Status.ACHIEVED if Decimal(value) >= target else Status.NOT_ACHIEVED


@dataclass(frozen=True)
class Figure:
    """One indicator's value, with its target when a plan in force sets one."""

    code: str
    label: str
    value: Number | None
    unit: str
    places: int = 0  # decimal places to show
    kind: str = "number"  # number | percent | yes_no
    target: TargetRef | None = None

    @property
    def is_percent(self) -> bool:
        return self.kind == "percent"

    @property
    def is_yes_no(self) -> bool:
        return self.kind == "yes_no"

    @property
    def format_arg(self) -> str:
        """The ``floatformat`` argument for this figure (grouped digits)."""
        return f"{self.places}g"

    @property
    def achieved(self) -> bool | None:
        """True/False against the target; None when there is no target or no value."""
        if self.target is None or self.value is None:
            return None
        return status_of(self.value, self.target.value) == Status.ACHIEVED


@dataclass(frozen=True)
class TargetResult:
    """One target of a plan in force with the result of the year (DESIGN.md §14)."""

    code: str  # indicator code
    label: str
    unit: str
    places: int
    kind: str
    target_year: int  # the year the plan sets it for (the year itself, or a later milestone)
    value: Decimal
    value_max: Decimal | None
    result: Number | None
    status: str  # Status
    source: str
    note: str
    result_all: Number | None = None  # a share: of all industrial establishments (DOIT's count)

    @property
    def is_yes_no(self) -> bool:
        return self.kind == "yes_no"

    @property
    def format_arg(self) -> str:
        return f"{self.places}g"


@dataclass(frozen=True)
class PlanResult:
    """A plan in force in the year, with each of its targets against the year's result."""

    decision_number: str
    title: str
    level: str  # national | city
    level_label: str
    first_year: int
    last_year: int
    issued_on: dt.date
    targets: tuple[TargetResult, ...]

    @property
    def achieved(self) -> int:
        return sum(1 for t in self.targets if t.status == Status.ACHIEVED)


@dataclass(frozen=True)
class DistrictRow:
    code: str
    name: str
    enterprises_registered: int
    enterprises_active: int
    aware: int
    applying: int
    assessments_completed: int
    options_implemented: int
    savings_toe: Decimal
    savings_tco2e: Decimal
    savings_vnd: int
    officers_in_post: int
    trained_in_post: int
    coverage: str  # training.selectors.CoverageStatus value, "" for an inactive district
    # A unit of the year's breakdown: a district (up to 2024), a commune or ward (from 2025) with
    # its principal former district (``group_*``, to group the rows by former district), or the
    # "not yet located" row (``kind`` "unlocated") of the enterprises without a commune.
    kind: str = "district"
    group_code: str = ""
    group_name: str = ""

    @property
    def is_unlocated(self) -> bool:
        return self.kind == "unlocated"

    @property
    def aware_share(self) -> Decimal | None:
        return share(self.aware, self.enterprises_active)

    @property
    def applying_share(self) -> Decimal | None:
        return share(self.applying, self.enterprises_active)

    @property
    def is_covered(self) -> bool:
        return self.trained_in_post > 0

    @property
    def coverage_label(self) -> str:
        return str(CoverageStatus(self.coverage).label) if self.coverage else ""


@dataclass(frozen=True)
class SectorRow:
    code: str
    name: str
    enterprises_active: int
    aware: int
    applying: int
    assessments_completed: int
    savings_toe: Decimal
    savings_tco2e: Decimal
    savings_vnd: int
    # energy saving % against the (adjusted) baseline, and the change of the consumption per unit
    # of product of the enterprises that report their output (``indicators.energy``)
    energy_saving_pct: Decimal | None = None
    intensity_change_pct: Decimal | None = None

    @property
    def applying_share(self) -> Decimal | None:
        return share(self.applying, self.enterprises_active)


UNATTRIBUTED = ""  # CategoryRow.code of the savings not linked to an option


@dataclass(frozen=True)
class CategoryRow:
    code: str  # an option category, or UNATTRIBUTED
    label: str
    identified: int
    implemented: int
    investment_vnd: int
    expected_savings_vnd: int
    verified_savings_vnd: int
    median_payback_years: Decimal | None
    verified_savings_toe: Decimal = Decimal(0)  # net

    @property
    def is_unattributed(self) -> bool:
        return self.code == UNATTRIBUTED


@dataclass(frozen=True)
class ResourceRow:
    code: str
    name: str
    unit: str
    kind: str
    quantity: Decimal
    toe: Decimal | None  # None: no TOE factor for the year
    tco2e: Decimal | None  # None: no tCO2e factor for the year
    vnd: int
    lines: int
    has_energy_factor: bool
    factor_year: int | None  # valid_from_year of the factor used
    # ``quantity``, ``toe``, ``tco2e`` and ``vnd`` are net: saved minus consumption increases
    quantity_added: Decimal = Decimal(0)
    toe_added: Decimal | None = None
    tco2e_added: Decimal | None = None

    @property
    def quantity_saved(self) -> Decimal:
        return self.quantity + self.quantity_added

    @property
    def toe_saved(self) -> Decimal | None:
        return None if self.toe is None else self.toe + (self.toe_added or 0)

    @property
    def tco2e_saved(self) -> Decimal | None:
        return None if self.tco2e is None else self.tco2e + (self.tco2e_added or 0)

    @property
    def factor_missing(self) -> bool:
        return self.has_energy_factor and (self.toe is None or self.tco2e is None)


@dataclass(frozen=True)
class TrendPoint:
    year: int
    savings_toe: Decimal
    savings_tco2e: Decimal
    savings_vnd: int
    reports_verified: int


@dataclass(frozen=True)
class TrainingFigures:
    officers_trained: int
    courses_held: int
    courses_by_kind: dict[str, int]
    enterprises_participating: int
    districts_total: int
    districts_covered: int  # a trained officer in post (DESIGN.md §5): "covered" + "at risk"
    districts_well_covered: int  # training.selectors "covered"
    districts_at_risk: int
    districts_not_covered: int

    @property
    def covered_share(self) -> Decimal | None:
        return share(self.districts_covered, self.districts_total)


@dataclass(frozen=True)
class QualityWarning:
    code: str
    message: str
    count: int = 1


@dataclass(frozen=True)
class OpenFinding:
    """A data-quality finding (``assessments.quality``) on a savings report still awaiting
    verification: what the verifying officer has to look at."""

    report_id: int
    district: str
    tax_code: str
    enterprise: str
    period: str
    severity: str
    code: str
    message: str


@dataclass(frozen=True)
class EnergyMethod:
    """How the energy-saving % was computed (``indicators.energy``): enterprises compared by
    output (consumption per unit of product), by absolute saving, and of those the ones with only
    part of the year verified, annualised (compared with the share of the yearly baseline of
    their verified quarters)."""

    enterprises: int
    by_output: int
    absolute: int
    partial: int
    intensity_change_pct: Decimal | None  # over the enterprises by output
    saved_toe: Decimal
    adjusted_baseline_toe: Decimal


@dataclass(frozen=True)
class EstablishmentRef:
    """The number of industrial establishments in Hanoi entered by DOIT (the denominator of the
    shares "of all industrial establishments")."""

    year: int
    count: int
    source: str


@dataclass(frozen=True)
class FundingRow:
    source: str
    source_label: str
    activity: str
    amount_vnd: int


@dataclass(frozen=True)
class YearOnYear:
    code: str
    label: str
    value: Number
    previous: Number
    change_pct: Decimal | None
    places: int

    @property
    def format_arg(self) -> str:
        return f"{self.places}g"


@dataclass(frozen=True)
class ModelEnterprise:
    name: str
    tax_code: str
    district: str
    savings_toe: Decimal
    savings_vnd: int
    actions: tuple[str, ...]


@dataclass(frozen=True)
class FactorRow:
    resource: str
    unit: str
    toe_per_unit: Decimal | None
    tco2e_per_unit: Decimal | None
    valid_from_year: int
    source: str
    fallback: bool  # the grid factor of an earlier year


@dataclass(frozen=True)
class CrossTable:
    row_labels: tuple[str, ...]
    col_labels: tuple[str, ...]
    cells: tuple[tuple[int, ...], ...]
    row_totals: tuple[int, ...]
    col_totals: tuple[int, ...]

    @property
    def rows(self) -> tuple[tuple[str, tuple[int, ...], int], ...]:
        return tuple(zip(self.row_labels, self.cells, self.row_totals, strict=True))

    @property
    def total(self) -> int:
        return sum(self.row_totals)


@dataclass(frozen=True)
class CallRef:
    """A data call as its figures name it (``assessments.DataCall``: what a locked year keeps)."""

    pk: int
    year: int
    period: str
    due_date: dt.date

    def get_period_display(self) -> str:
        from assessments.models import SavingsReport

        return str(dict(SavingsReport.Period.choices).get(self.period, self.period))


@dataclass(frozen=True)
class CallUnitRow:
    """Expected, received and on-time answers to a call in one commune (``commune_id`` None: the
    enterprises not yet located; on a total, the city)."""

    commune_id: int | None
    name: str
    expected: int
    received: int
    on_time: int

    @property
    def missing(self) -> int:
        return self.expected - self.received

    @property
    def completeness(self) -> Decimal | None:
        return share(self.received, self.expected)

    @property
    def timeliness(self) -> Decimal | None:
        return share(self.on_time, self.expected)


@dataclass(frozen=True)
class CallFigures:
    """A call's completeness and timeliness (``reporting.indicators.calls``)."""

    call: CallRef
    rows: tuple[CallUnitRow, ...]  # one per commune with an expected enterprise (in scope)
    total: CallUnitRow  # the city, or the one commune

    @classmethod
    def of_rows(cls, call: CallRef, rows: Iterable[CallUnitRow], *, commune_id: int | None = None) -> CallFigures:
        """The figures of ``rows`` (sorted, the not yet located last) with their total: the city's,
        or the commune's when ``commune_id`` is given."""
        ordered = tuple(sorted(rows, key=lambda r: (r.commune_id is None, r.name)))
        total = CallUnitRow(
            commune_id=commune_id,
            name=ordered[0].name if commune_id is not None and ordered else _("Hanoi city"),
            expected=sum(r.expected for r in ordered),
            received=sum(r.received for r in ordered),
            on_time=sum(r.on_time for r in ordered),
        )
        return cls(call=call, rows=ordered, total=total)

    def for_commune(self, commune_id: int) -> CallFigures:
        """The figures of one commune, taken from the city's (as ``call_figures`` counts them)."""
        return CallFigures.of_rows(
            self.call, (r for r in self.rows if r.commune_id == commune_id), commune_id=commune_id
        )


@dataclass(frozen=True)
class YearIndicators:
    year: int
    district_code: str | None
    district_name: str | None
    computed_at: dt.datetime
    as_of: dt.date
    plans: tuple[PlanResult, ...]
    figures: tuple[Figure, ...]
    measures: dict[str, Number | None]  # every built-in measure, unfiltered, by code
    enterprises_registered: int
    districts: tuple[DistrictRow, ...]
    sectors: tuple[SectorRow, ...]
    categories: tuple[CategoryRow, ...]
    resources: tuple[ResourceRow, ...]
    trend: tuple[TrendPoint, ...]
    training: TrainingFigures
    warnings: tuple[QualityWarning, ...]
    findings: tuple[OpenFinding, ...]
    baseline_energy_toe: Decimal | None
    reporting_enterprises: int
    establishments: EstablishmentRef | None = None
    funding: tuple[FundingRow, ...] = ()
    funding_total: int = 0
    cost_per_toe: Decimal | None = None
    year_on_year: tuple[YearOnYear, ...] = ()
    models: tuple[ModelEnterprise, ...] = ()
    factors: tuple[FactorRow, ...] = ()
    by_unit_year: CrossTable | None = None
    by_sector_category: CrossTable | None = None
    # The year's data calls as they stood when the year was locked (the city's, or for a commune
    # its own rows); None when not stored: an open year, whose calls are read live.
    calls: tuple[CallFigures, ...] | None = None

    @property
    def fallbacks(self) -> tuple[FactorRow, ...]:
        return tuple(f for f in self.factors if f.fallback)

    energy: EnergyMethod | None = None
    # the course kinds that counted as awareness (labels), as the report states its definition
    awareness_kinds: tuple[str, ...] = ()

    @property
    def awareness_definition(self) -> str:
        """The definition of *aware* the figures used, as every report states it (the course
        kinds are the programme setting at the time of computing)."""
        if not self.awareness_kinds:
            return ""
        return _(
            "Aware of cleaner production: active enterprises that took part in a course of these kinds "
            "(%(kinds)s) or had an approved assessment by the end of the year."
        ) % {"kinds": ", ".join(self.awareness_kinds)}

    @property
    def savings_toe_added(self) -> Decimal:
        return sum((r.toe_added for r in self.resources if r.toe_added is not None), Decimal(0))

    @property
    def savings_toe_saved(self) -> Decimal:
        return self.savings_toe + self.savings_toe_added

    @property
    def savings_tco2e_added(self) -> Decimal:
        return sum((r.tco2e_added for r in self.resources if r.tco2e_added is not None), Decimal(0))

    @property
    def savings_tco2e_saved(self) -> Decimal:
        return self.savings_tco2e + self.savings_tco2e_added

    @property
    def is_city(self) -> bool:
        return self.district_code is None

    @property
    def by_communes(self) -> bool:
        """Whether the rows are communes and wards (the units in force at the end of 2025 and after,
        or a commune's or a former district's report) rather than districts."""
        return any(d.kind == "commune" for d in self.districts) or (
            by_communes(self.year) and any(d.kind == "unlocated" for d in self.districts)
        )

    @property
    def reform_year(self) -> bool:
        """The year of the reform: its first half was administered by the districts."""
        return self.year == REFORM_DATE.year

    @property
    def breakdown_title(self) -> str:
        if self.by_communes:
            if self.is_city or (self.district_code or "").startswith("fd-"):
                return _("Results by commune and ward")
            return _("Results of the commune or ward")
        return _("Results by district") if self.is_city else _("Results of the district")

    @property
    def former_districts(self) -> tuple[DistrictRow, ...]:
        """The rows grouped by former district (``group_by_former_district``)."""
        return group_by_former_district(self.districts)

    @property
    def scope_label(self) -> str:
        return self.district_name or _("Hanoi city")

    @property
    def fig(self) -> dict[str, Figure]:
        """Figures by indicator code (templates: ``ind.fig.aware_share.value``)."""
        return {f.code: f for f in self.figures}

    def value(self, code: str) -> Number | None:
        return self.fig[code].value

    @property
    def savings_toe(self) -> Decimal:
        return Decimal(self.measures.get(Measure.SAVINGS_TOE) or 0)

    @property
    def savings_tco2e(self) -> Decimal:
        return Decimal(self.measures.get(Measure.SAVINGS_TCO2E) or 0)

    @property
    def savings_vnd(self) -> int:
        return int(self.measures.get(Measure.SAVINGS_VND) or 0)

    @property
    def plan(self) -> PlanResult | None:
        """The latest issued plan in force (the dashboard names one)."""
        return max(self.plans, key=lambda p: p.issued_on) if self.plans else None

    @property
    def targets_set(self) -> int:
        return sum(len(p.targets) for p in self.plans)

    @property
    def targets_achieved(self) -> int:
        return sum(p.achieved for p in self.plans)


SUMMED = (
    "enterprises_registered",
    "enterprises_active",
    "aware",
    "applying",
    "assessments_completed",
    "options_implemented",
    "savings_toe",
    "savings_tco2e",
    "savings_vnd",
    "officers_in_post",
    "trained_in_post",
)


def group_by_former_district(rows: Iterable[DistrictRow]) -> tuple[DistrictRow, ...]:
    """One row per former district (by code) summing its communes' rows, then the "not yet
    located" row when there is one. District rows (years up to 2024) are returned as they are."""
    rows = list(rows)
    if not any(row.kind == "commune" for row in rows):
        return tuple(rows)
    groups: dict[str, DistrictRow] = {}
    for row in rows:
        if row.kind != "commune":
            continue
        key = row.group_code or ""
        group = groups.get(key)
        if group is None:
            groups[key] = dataclasses.replace(
                row, code=key, name=row.group_name, kind="former_district", group_code="", group_name="", coverage=""
            )
            continue
        groups[key] = dataclasses.replace(group, **{name: getattr(group, name) + getattr(row, name) for name in SUMMED})
    unlocated = [row for row in rows if row.kind == "unlocated"]
    return (*(groups[key] for key in sorted(groups)), *unlocated)
