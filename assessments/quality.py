"""Data-quality rules of savings reports (DESIGN.md §10).

The rules are pure functions over plain data (``ReportFacts``) so that they can be tested at
their boundaries without a database; ``assessments.services.savings.report_facts`` gathers the
facts of a saved report. Each finding has a code, a severity and a message:

- *errors* block submission and verification (what cannot be true): negative or absurd
  quantities and amounts, a period that has not ended yet, a duplicate (or overlapping) period, a
  report with no lines, a saving larger than the enterprise's yearly baseline consumption of that
  resource, VND saved per unit outside the plausible range of the resource's published price band
  (``assessments.plausibility``), an energy saving larger than an enterprise that is not a
  designated energy user can consume in a year;
- *warnings* are shown to the verifying officer (what is unusual), who must justify verifying a
  report that has any: a quarter's saving larger than a quarter of the yearly baseline, a jump of
  more than ``JUMP_FACTOR``× against the enterprise's verified savings of the previous year, and
  VND saved inconsistent with the quantity (implied unit price more than ``UNIT_PRICE_FACTOR``×
  away from the baseline's unit cost).

Only lines that record a saving (``change == "saved"``) are compared with baselines, prices and
sizes; a consumption increase (``"added"``, e.g. the gas burnt after a fuel switch) is a fact the
report states, not a saving to check.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _

from assessments.plausibility import DESIGNATED_ENERGY_USER_TOE, PriceBand

# --- Thresholds (named so that reviewers and tests can see and change them) -------------------
# Above these a single report line is taken as a typing error (a misplaced decimal separator, a
# unit confusion) rather than a saving. They are far above the yearly consumption of the largest
# factory in Hanoi for each unit: 1e9 kWh is a full terawatt-hour.
ABSURD_QUANTITY_BY_UNIT: Mapping[str, Decimal] = {
    "kWh": Decimal("1000000000"),
    "t": Decimal("10000000"),
    "L": Decimal("1000000000"),
    "litre": Decimal("1000000000"),
    "kg": Decimal("1000000000"),
    "m3": Decimal("1000000000"),
    "m³": Decimal("1000000000"),
}
ABSURD_QUANTITY_DEFAULT = Decimal("1000000000")
# 10,000 billion VND saved on one line is beyond any enterprise in the programme.
ABSURD_VND = Decimal("10000000000000")
# Warning when a resource's saving is more than this many times the previous year's verified
# saving of the same resource (scaled to the report's period).
JUMP_FACTOR = Decimal("3")
# Warning when the implied unit price (VND saved ÷ quantity) is more than this many times above,
# or below 1/this of, the unit cost of the resource in the baseline.
UNIT_PRICE_FACTOR = Decimal("5")

YEAR = "Y"
SAVED = "saved"
QUARTERS = ("Q1", "Q2", "Q3", "Q4")


class Severity:
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    line: int | None = None  # index of the line in ``ReportFacts.lines`` when the finding is about one
    resource: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR


@dataclass(frozen=True)
class LineFacts:
    resource: str  # resource code
    resource_name: str
    unit: str
    quantity: Decimal | None
    vnd_saved: Decimal | None
    change: str = SAVED

    @property
    def is_saving(self) -> bool:
        return self.change == SAVED

    @classmethod
    def of(cls, line) -> LineFacts:
        """The facts of a SavingsLine (its resource selected with it)."""
        return cls(
            resource=line.resource.code,
            resource_name=line.resource.label,
            unit=line.resource.unit,
            quantity=line.quantity,
            vnd_saved=Decimal(line.vnd_saved) if line.vnd_saved is not None else None,
            change=getattr(line, "change", SAVED),
        )


@dataclass(frozen=True)
class BaselineFacts:
    quantity: Decimal
    cost_vnd: Decimal | None
    assessment_year: int


@dataclass(frozen=True)
class ReportFacts:
    year: int
    period: str
    today: datetime.date
    lines: Sequence[LineFacts]
    # (year, period) of the enterprise's other savings reports
    other_periods: Iterable[tuple[int, str]] = ()
    # resource code -> yearly baseline consumption in the enterprise's latest assessment
    baseline: Mapping[str, BaselineFacts] = field(default_factory=dict)
    # resource code -> verified savings of the previous year (all periods summed)
    previous_year_verified: Mapping[str, Decimal] = field(default_factory=dict)
    # resource code -> published price band (``assessments.plausibility.price_bands``)
    price_bands: Mapping[str, PriceBand] = field(default_factory=dict)
    # resource code -> TOE per unit for the report's year (energy carriers with a factor)
    toe_per_unit: Mapping[str, Decimal] = field(default_factory=dict)
    # whether the enterprise is a designated energy user (None: unknown, the size rule is skipped)
    designated_energy_user: bool | None = None


def _num(value: Decimal, places: int) -> str:
    """A number in the current language's format (1.234,5 in Vietnamese), with up to ``places``
    decimals and none when it is whole."""
    value = round(value, places)
    if value == value.to_integral_value():
        places = 0
    return formats.number_format(value, places, use_l10n=True, force_grouping=True)


# --- Periods ----------------------------------------------------------------------------------


def period_bounds(year: int, period: str) -> tuple[datetime.date, datetime.date]:
    """First and last day of a period ("Y" or "Q1".."Q4") of a year."""
    if period == YEAR:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    q = QUARTERS.index(period)
    start = datetime.date(year, 3 * q + 1, 1)
    end = datetime.date(year, 12, 31) if q == 3 else datetime.date(year, 3 * q + 4, 1) - datetime.timedelta(days=1)
    return start, end


def period_fraction(period: str) -> Decimal:
    """Share of a year a period covers (baselines and yearly figures are scaled by it)."""
    return Decimal(1) if period == YEAR else Decimal("0.25")


def periods_overlap(a: str, b: str) -> bool:
    return a == b or YEAR in (a, b)


# --- Rules --------------------------------------------------------------------------------------


def rule_has_lines(facts: ReportFacts) -> list[Finding]:
    if facts.lines:
        return []
    return [Finding("no_lines", Severity.ERROR, _("The report has no lines: add at least one saving."))]


def rule_quantities(facts: ReportFacts) -> list[Finding]:
    found = []
    for i, line in enumerate(facts.lines):
        if line.quantity is not None:
            limit = ABSURD_QUANTITY_BY_UNIT.get(line.unit, ABSURD_QUANTITY_DEFAULT)
            if line.quantity < 0:
                found.append(
                    Finding(
                        "negative_quantity",
                        Severity.ERROR,
                        _("The quantity saved cannot be negative."),
                        i,
                        line.resource,
                    )
                )
            elif line.quantity > limit:
                found.append(
                    Finding(
                        "absurd_quantity",
                        Severity.ERROR,
                        _("%(quantity)s %(unit)s is not a plausible saving; check the unit and the decimal separator.")
                        % {"quantity": _num(line.quantity, 0), "unit": line.unit},
                        i,
                        line.resource,
                    )
                )
        if line.vnd_saved is not None:
            if line.vnd_saved < 0:
                found.append(
                    Finding("negative_vnd", Severity.ERROR, _("The amount saved cannot be negative."), i, line.resource)
                )
            elif line.vnd_saved > ABSURD_VND:
                found.append(
                    Finding(
                        "absurd_vnd",
                        Severity.ERROR,
                        _("This amount in VND is not a plausible saving; check the number of zeros."),
                        i,
                        line.resource,
                    )
                )
    return found


def rule_period_ended(facts: ReportFacts) -> list[Finding]:
    _start, end = period_bounds(facts.year, facts.period)
    if end <= facts.today:
        return []
    return [
        Finding(
            "future_period",
            Severity.ERROR,
            _("This period has not ended yet (it ends on %(end)s): savings can be reported once it is over.")
            % {"end": formats.date_format(end, "SHORT_DATE_FORMAT")},
        )
    ]


def rule_duplicate_period(facts: ReportFacts) -> list[Finding]:
    found = []
    for year, period in set(facts.other_periods):
        if year != facts.year or not periods_overlap(period, facts.period):
            continue
        if period == facts.period:
            found.append(
                Finding(
                    "duplicate_period",
                    Severity.ERROR,
                    _("Your enterprise already has a savings report for this period."),
                )
            )
        else:
            found.append(
                Finding(
                    "overlapping_period",
                    Severity.ERROR,
                    _(
                        "Your enterprise already has a %(other)s report for %(year)s: a year is reported either "
                        "as a whole or by quarter, not both, so that no saving is counted twice."
                    )
                    % {"other": _("yearly") if period == YEAR else period, "year": year},
                )
            )
    return sorted(found, key=lambda f: f.code)


def _totals_by_resource(lines: Sequence[LineFacts]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.is_saving and line.quantity is not None and line.quantity > 0:
            totals[line.resource] += line.quantity
    return totals


def _first_line_of(lines: Sequence[LineFacts], resource: str) -> int | None:
    return next((i for i, line in enumerate(lines) if line.resource == resource), None)


def _name_and_unit(lines: Sequence[LineFacts], resource: str) -> tuple[str, str]:
    line = next(line for line in lines if line.resource == resource)
    return line.resource_name, line.unit


def rule_exceeds_baseline(facts: ReportFacts) -> list[Finding]:
    """Error: more saved than the enterprise consumed in a whole baseline year (for any period).
    Warning: a quarter that saved more than a quarter of the yearly baseline."""
    found = []
    fraction = period_fraction(facts.period)
    for resource, total in _totals_by_resource(facts.lines).items():
        baseline = facts.baseline.get(resource)
        if baseline is None:
            continue
        name, unit = _name_and_unit(facts.lines, resource)
        values = {"resource": name, "total": _num(total, 2), "unit": unit, "year": baseline.assessment_year}
        if total > baseline.quantity:
            message = _(
                "%(resource)s saved (%(total)s %(unit)s) is more than the enterprise consumed in a whole year "
                "in the baseline of its %(year)s assessment (%(baseline)s %(unit)s): a saving cannot be larger "
                "than the consumption. Check the quantity and its unit."
            ) % {**values, "baseline": _num(baseline.quantity, 2)}
            found.append(
                Finding("exceeds_baseline", Severity.ERROR, message, _first_line_of(facts.lines, resource), resource)
            )
        elif total > baseline.quantity * fraction:
            message = _(
                "%(resource)s saved (%(total)s %(unit)s) is more than a quarter of the yearly consumption in the "
                "baseline of its %(year)s assessment (%(baseline)s %(unit)s for a quarter)."
            ) % {**values, "baseline": _num(baseline.quantity * fraction, 2)}
            found.append(
                Finding(
                    "exceeds_baseline_share",
                    Severity.WARNING,
                    message,
                    _first_line_of(facts.lines, resource),
                    resource,
                )
            )
    return found


def rule_unit_price_plausible(facts: ReportFacts) -> list[Finding]:
    """Error: VND saved per unit outside the plausible range of the resource's published band."""
    found = []
    for i, line in enumerate(facts.lines):
        band = facts.price_bands.get(line.resource)
        quantity, vnd = line.quantity, line.vnd_saved
        if band is None or not line.is_saving or not quantity or not vnd or quantity <= 0 or vnd <= 0:
            continue
        implied = vnd / quantity
        if band.plausible_low <= implied <= band.plausible_high:
            continue
        found.append(
            Finding(
                "implausible_unit_price",
                Severity.ERROR,
                _(
                    "VND saved implies %(implied)s VND per %(unit)s, outside any plausible price of %(resource)s "
                    "(%(low)s to %(high)s VND per %(unit)s; published band %(band_low)s–%(band_high)s, "
                    "%(source)s). Check the quantity and the amount."
                )
                % {
                    "implied": _num(implied, 0 if implied >= 100 else 2 if implied >= 1 else 6),
                    "unit": line.unit,
                    "resource": line.resource_name,
                    "low": _num(band.plausible_low, 0),
                    "high": _num(band.plausible_high, 0),
                    "band_low": _num(band.low, 0),
                    "band_high": _num(band.high, 0),
                    "source": band.source,
                },
                i,
                line.resource,
            )
        )
    return found


def rule_energy_within_size(facts: ReportFacts) -> list[Finding]:
    """Error: an enterprise that is not a designated energy user consumes less than the threshold
    in a year, so the energy it saves (in TOE) cannot exceed it."""
    if facts.designated_energy_user is not False or not facts.toe_per_unit:
        return []
    total = Decimal(0)
    first: int | None = None
    for i, line in enumerate(facts.lines):
        factor = facts.toe_per_unit.get(line.resource)
        if factor is None or not line.is_saving or line.quantity is None or line.quantity <= 0:
            continue
        total += line.quantity * factor
        first = i if first is None else first
    if total <= DESIGNATED_ENERGY_USER_TOE:
        return []
    return [
        Finding(
            "beyond_enterprise_size",
            Severity.ERROR,
            _(
                "The energy saved (%(toe)s TOE) is more than an enterprise that is not a designated energy user "
                "consumes in a year (under %(limit)s TOE, Decree 21/2011/NĐ-CP). Check the quantities and their "
                "units; if the enterprise is a designated energy user, ask the district office to record it."
            )
            % {"toe": _num(total, 2), "limit": _num(DESIGNATED_ENERGY_USER_TOE, 0)},
            first,
        )
    ]


def rule_jump_against_previous_year(facts: ReportFacts) -> list[Finding]:
    found = []
    fraction = period_fraction(facts.period)
    for resource, total in _totals_by_resource(facts.lines).items():
        previous = facts.previous_year_verified.get(resource)
        if not previous or previous <= 0:
            continue
        reference = previous * fraction
        if total > JUMP_FACTOR * reference:
            name, unit = _name_and_unit(facts.lines, resource)
            found.append(
                Finding(
                    "jump_vs_previous_year",
                    Severity.WARNING,
                    _(
                        "%(resource)s saved (%(total)s %(unit)s) is more than %(factor)s times the verified "
                        "saving of %(year)s (%(previous)s %(unit)s for a comparable period)."
                    )
                    % {
                        "resource": name,
                        "total": _num(total, 2),
                        "unit": unit,
                        "factor": f"{JUMP_FACTOR:f}",
                        "year": facts.year - 1,
                        "previous": _num(reference, 2),
                    },
                    _first_line_of(facts.lines, resource),
                    resource,
                )
            )
    return found


def rule_vnd_consistent(facts: ReportFacts) -> list[Finding]:
    found = []
    for i, line in enumerate(facts.lines):
        quantity, vnd = line.quantity, line.vnd_saved
        if not line.is_saving or quantity is None or vnd is None or quantity < 0 or vnd < 0:
            continue
        if quantity == 0:
            if vnd > 0:
                found.append(
                    Finding(
                        "vnd_without_quantity",
                        Severity.WARNING,
                        _("An amount in VND is reported with no quantity saved."),
                        i,
                        line.resource,
                    )
                )
            continue
        baseline = facts.baseline.get(line.resource)
        if baseline is None or not baseline.cost_vnd or baseline.quantity <= 0 or vnd == 0:
            continue
        unit_cost = baseline.cost_vnd / baseline.quantity
        implied = vnd / quantity
        band = facts.price_bands.get(line.resource)
        if band is not None and not band.plausible_low <= implied <= band.plausible_high:
            continue  # already an error (rule_unit_price_plausible)
        if implied > unit_cost * UNIT_PRICE_FACTOR or implied * UNIT_PRICE_FACTOR < unit_cost:
            found.append(
                Finding(
                    "vnd_inconsistent",
                    Severity.WARNING,
                    _(
                        "VND saved implies %(implied)s VND per %(unit)s, more than %(factor)s times away from the "
                        "baseline's unit cost of %(cost)s VND per %(unit)s."
                    )
                    % {
                        "implied": _num(implied, 0),
                        "unit": line.unit,
                        "factor": f"{UNIT_PRICE_FACTOR:f}",
                        "cost": _num(unit_cost, 0),
                    },
                    i,
                    line.resource,
                )
            )
    return found


RULES = (
    rule_has_lines,
    rule_quantities,
    rule_period_ended,
    rule_duplicate_period,
    rule_exceeds_baseline,
    rule_unit_price_plausible,
    rule_energy_within_size,
    rule_jump_against_previous_year,
    rule_vnd_consistent,
)


def check(facts: ReportFacts) -> list[Finding]:
    """Every finding of every rule, errors first."""
    findings = [finding for rule in RULES for finding in rule(facts)]
    return sorted(findings, key=lambda f: (not f.is_error,))


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == Severity.ERROR]


def warnings(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == Severity.WARNING]


# --- Assessments: the step reached against the options -----------------------------------------

IMPLEMENTATION_STEP = 5  # "Thực hiện các giải pháp SXSH"


def assessment_step_findings(*, step: int, implemented_options: int, severity: str) -> list[Finding]:
    """An assessment that has not reached the implementation step cannot hold implemented
    options: a warning when it is submitted, an error when it is approved (``severity``)."""
    if step >= IMPLEMENTATION_STEP or not implemented_options:
        return []
    return [
        Finding(
            "implemented_before_step",
            severity,
            _(
                "%(count)s option(s) are marked implemented, but the assessment has only reached step "
                "%(step)s: options are implemented at step 5 (Implementing CP solutions). Correct the step "
                "or the options' status."
            )
            % {"count": implemented_options, "step": step},
        )
    ]
