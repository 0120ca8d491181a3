"""Data-quality rules of savings reports (DESIGN.md §10).

The rules are pure functions over plain data (``ReportFacts``) so that they can be tested at
their boundaries without a database; ``assessments.services.savings.report_facts`` gathers the
facts of a saved report. Each finding has a code, a severity and a message:

- *errors* block submission: negative or absurd quantities and amounts, a period that has not
  ended yet, a duplicate (or overlapping) period, a report with no lines;
- *warnings* are shown to the verifying officer: a saving larger than the baseline consumption
  of that resource in the enterprise's latest assessment, a jump of more than
  ``JUMP_FACTOR``× against the enterprise's verified savings of the previous year, and VND saved
  inconsistent with the quantity (implied unit price more than ``UNIT_PRICE_FACTOR``× away from
  the baseline's unit cost).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _

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

    @classmethod
    def of(cls, line) -> LineFacts:
        """The facts of a SavingsLine (its resource selected with it)."""
        return cls(
            resource=line.resource.code,
            resource_name=line.resource.label,
            unit=line.resource.unit,
            quantity=line.quantity,
            vnd_saved=Decimal(line.vnd_saved) if line.vnd_saved is not None else None,
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
        if line.quantity is not None and line.quantity > 0:
            totals[line.resource] += line.quantity
    return totals


def _first_line_of(lines: Sequence[LineFacts], resource: str) -> int | None:
    return next((i for i, line in enumerate(lines) if line.resource == resource), None)


def _name_and_unit(lines: Sequence[LineFacts], resource: str) -> tuple[str, str]:
    line = next(line for line in lines if line.resource == resource)
    return line.resource_name, line.unit


def rule_exceeds_baseline(facts: ReportFacts) -> list[Finding]:
    found = []
    fraction = period_fraction(facts.period)
    for resource, total in _totals_by_resource(facts.lines).items():
        baseline = facts.baseline.get(resource)
        if baseline is None:
            continue
        allowed = baseline.quantity * fraction
        if total > allowed:
            name, unit = _name_and_unit(facts.lines, resource)
            found.append(
                Finding(
                    "exceeds_baseline",
                    Severity.WARNING,
                    _(
                        "%(resource)s saved (%(total)s %(unit)s) is more than the enterprise consumed in the "
                        "baseline of its %(year)s assessment (%(baseline)s %(unit)s for this period)."
                    )
                    % {
                        "resource": name,
                        "total": _num(total, 2),
                        "unit": unit,
                        "year": baseline.assessment_year,
                        "baseline": _num(allowed, 2),
                    },
                    _first_line_of(facts.lines, resource),
                    resource,
                )
            )
    return found


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
        if quantity is None or vnd is None or quantity < 0 or vnd < 0:
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
