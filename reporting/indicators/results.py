"""The typed results of the figures (frozen dataclasses): what the dashboards, the builders and the
snapshots of locked years read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from training.selectors import CoverageStatus

from ..models import PERCENT_INDICATORS, Indicator

Number = Decimal | int

DECIMAL_INDICATORS = PERCENT_INDICATORS | {Indicator.SAVINGS_TOE, Indicator.SAVINGS_TCO2E}
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


@dataclass(frozen=True)
class Figure:
    """One indicator's value, with its target when the plan in force sets one."""

    code: str
    label: str
    value: Number | None
    unit: str
    target: TargetRef | None = None

    @property
    def is_percent(self) -> bool:
        return self.code in PERCENT_INDICATORS

    @property
    def places(self) -> int:
        """Decimal places to show: shares and TOE/tCO2e have two, counts and VND none."""
        return 2 if self.code in DECIMAL_INDICATORS else 0

    @property
    def format_arg(self) -> str:
        """The ``floatformat`` argument for this figure (grouped digits)."""
        return f"{self.places}g"

    @property
    def achieved(self) -> bool | None:
        """True/False against the target (every indicator is "the more the better"); None when
        there is no target or no value."""
        if self.target is None or self.value is None:
            return None
        return Decimal(self.value) >= self.target.value


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
class PlanRef:
    decision_number: str
    title: str
    first_year: int
    last_year: int


@dataclass(frozen=True)
class YearIndicators:
    year: int
    district_code: str | None
    district_name: str | None
    computed_at: dt.datetime
    as_of: dt.date
    plan: PlanRef | None
    figures: tuple[Figure, ...]
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
    energy: EnergyMethod | None = None
    # the course kinds that counted as awareness (labels), as the report states its definition
    awareness_kinds: tuple[str, ...] = ()

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
        return Decimal(self.fig[Indicator.SAVINGS_TOE].value or 0)

    @property
    def savings_tco2e(self) -> Decimal:
        return Decimal(self.fig[Indicator.SAVINGS_TCO2E].value or 0)

    @property
    def savings_vnd(self) -> int:
        return int(self.fig[Indicator.SAVINGS_VND].value or 0)

    @property
    def targets_set(self) -> int:
        return sum(1 for f in self.figures if f.target is not None)

    @property
    def targets_achieved(self) -> int:
        return sum(1 for f in self.figures if f.achieved)
