"""The energy saving of a year against the baseline, per enterprise, per VSIC division and for the
scope: the consumption per unit of product where outputs are reported, the absolute saving
otherwise, and the rule for enterprises with only part of the year verified.

For an enterprise with verified savings in Y and an approved assessment of year ≤ Y (the latest
one gives the baseline: its energy in TOE with the factors of Y, and its production output):

- *by output*, when every verified report of Y records its production output and the baseline
  output is known: the baseline is adjusted to the output of the verified periods
  (baseline TOE × output ÷ baseline output, the adjusted baseline of IPMVP option C), so the
  consumption per unit of product in Y is (adjusted baseline − net saving) ÷ output, and its change
  is −net saving ÷ adjusted baseline;
- *absolute*, otherwise: the net saving against the yearly baseline; a quarterly reporter with
  only some quarters verified is *annualised*: compared with the share of the yearly baseline of
  its verified quarters (never silently divided by a full year), and counted in ``partial``.

The energy-saving % of the scope is Σ net saving ÷ Σ adjusted baseline over these enterprises.
Net saving: TOE saved minus TOE of consumption increases (``SavingsLine.change``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import F, IntegerField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from assessments.models import Assessment, BaselineConsumption, SavingsLine, SavingsReport
from enterprises.models import District

from ..areas import Area
from .base import APPROVED, EXACT, VERIFIED, Factors, enterprise_scope

BY_OUTPUT, ABSOLUTE = "output", "absolute"
QUARTERS_IN_YEAR = 4


@dataclass(frozen=True)
class EnterpriseEnergy:
    enterprise_id: int
    division: str | None
    method: str  # BY_OUTPUT | ABSOLUTE
    partial: bool  # ABSOLUTE with only some quarters verified: annualised
    quarters: int  # quarters of the year covered by verified reports (a yearly report: 4)
    baseline_toe: Decimal  # the latest approved assessment's yearly baseline energy
    adjusted_baseline_toe: Decimal  # the denominator (see the module's docstring)
    saved_toe: Decimal  # net
    baseline_output: Decimal | None
    output: Decimal | None  # summed over the verified reports (BY_OUTPUT only)

    @property
    def baseline_intensity(self) -> Decimal | None:
        """TOE per unit of product in the baseline."""
        if not self.baseline_output:
            return None
        return self.baseline_toe / self.baseline_output

    @property
    def intensity(self) -> Decimal | None:
        """TOE per unit of product in the verified periods of the year (BY_OUTPUT only)."""
        if self.method != BY_OUTPUT or not self.output:
            return None
        return (self.adjusted_baseline_toe - self.saved_toe) / self.output

    @property
    def change_pct(self) -> Decimal | None:
        """Change of the consumption per unit of product (BY_OUTPUT), or of the consumption
        against the (annualised) baseline (ABSOLUTE), in %: negative is a saving."""
        if not self.adjusted_baseline_toe:
            return None
        return -self.saved_toe / self.adjusted_baseline_toe * 100


@dataclass
class EnergyTotals:
    saved_toe: Decimal = Decimal(0)
    adjusted_baseline_toe: Decimal = Decimal(0)
    enterprises: int = 0
    by_output: int = 0
    absolute: int = 0
    partial: int = 0
    # over the BY_OUTPUT enterprises only: the change of consumption per unit of product
    output_saved_toe: Decimal = Decimal(0)
    output_adjusted_toe: Decimal = Decimal(0)

    def add(self, e: EnterpriseEnergy) -> None:
        self.saved_toe += e.saved_toe
        self.adjusted_baseline_toe += e.adjusted_baseline_toe
        self.enterprises += 1
        if e.method == BY_OUTPUT:
            self.by_output += 1
            self.output_saved_toe += e.saved_toe
            self.output_adjusted_toe += e.adjusted_baseline_toe
        else:
            self.absolute += 1
            self.partial += int(e.partial)

    @property
    def saving_pct(self) -> Decimal | None:
        if not self.adjusted_baseline_toe:
            return None
        return self.saved_toe / self.adjusted_baseline_toe * 100

    @property
    def intensity_change_pct(self) -> Decimal | None:
        if not self.output_adjusted_toe:
            return None
        return -self.output_saved_toe / self.output_adjusted_toe * 100


@dataclass
class EnergySaving:
    enterprises: dict[int, EnterpriseEnergy] = field(default_factory=dict)
    total: EnergyTotals = field(default_factory=EnergyTotals)
    by_division: dict[Any, EnergyTotals] = field(default_factory=dict)


def _quarters(periods: list[str]) -> int:
    return QUARTERS_IN_YEAR if "Y" in periods else min(len(set(periods)), QUARTERS_IN_YEAR)


def energy_saving(
    year: int, district: District | Area | None, factors: Factors, *, enterprise_id: int | None = None
) -> EnergySaving:
    """Four grouped queries (verified reports, approved assessments, their energy baselines, the
    verified energy lines), then a loop over the reporting enterprises."""
    reports = SavingsReport.objects.filter(status=VERIFIED, year=year).filter(
        enterprise_scope(district, "enterprise__")
    )
    if enterprise_id is not None:
        reports = reports.filter(enterprise_id=enterprise_id)
    return _energy_by(year, reports, factors, None).get(None, EnergySaving())


def energy_saving_by_unit(year: int, unit: str, factors: Factors) -> dict[Any, EnergySaving]:
    """``energy_saving`` of every unit at once (``unit``: the enterprise's unit field), by unit
    id: each enterprise's saving is computed once and added to its unit's totals, in the same
    order as for the unit alone (the same four queries)."""
    return _energy_by(year, SavingsReport.objects.filter(status=VERIFIED, year=year), factors, unit)


def _energy_by(year: int, reports: QuerySet, factors: Factors, unit: str | None) -> dict[Any, EnergySaving]:
    periods: dict[int, list[str]] = defaultdict(list)
    outputs: dict[int, list[Decimal | None]] = defaultdict(list)
    divisions: dict[int, Any] = {}
    unit_of: dict[int, Any] = {}
    for eid, period, reported_output, division, key in reports.annotate(
        division=Coalesce("enterprise__sector__parent__code", "enterprise__sector__code"),
        unit_key=F(f"enterprise__{unit}") if unit else Value(None, output_field=IntegerField()),
    ).values_list("enterprise_id", "period", "output_quantity", "division", "unit_key"):
        periods[eid].append(period)
        outputs[eid].append(reported_output)
        divisions[eid] = division
        unit_of[eid] = key
    reporting = reports.values("enterprise_id")  # subqueries: the same queries whatever the data
    latest: dict[int, tuple[int, int, Decimal | None]] = {}
    for eid, pk, y, base_output in Assessment.objects.filter(
        enterprise_id__in=reporting, status=APPROVED, year__lte=year
    ).values_list("enterprise_id", "pk", "year", "baseline_output"):
        if eid not in latest or (y, pk) > latest[eid][:2]:
            latest[eid] = (y, pk, base_output)
    assessment_of = {eid: values[1] for eid, values in latest.items()}
    enterprise_of = {pk: eid for eid, pk in assessment_of.items()}
    baseline: dict[int, Decimal] = defaultdict(Decimal)
    for assessment_id, resource_id, quantity in BaselineConsumption.objects.filter(
        assessment__enterprise_id__in=reporting,
        assessment__status=APPROVED,
        assessment__year__lte=year,
        resource__has_energy_factor=True,
    ).values_list("assessment_id", "resource_id", "quantity"):
        if assessment_id not in enterprise_of:
            continue  # an earlier assessment of the enterprise
        toe = factors.convert(resource_id, quantity, year)[0]
        if toe is not None:
            baseline[enterprise_of[assessment_id]] = EXACT.add(baseline[enterprise_of[assessment_id]], toe)
    saved: dict[int, Decimal] = defaultdict(Decimal)
    for eid, resource_id, change, quantity in (
        SavingsLine.objects.filter(report__in=reports, resource__has_energy_factor=True)
        .values("report__enterprise_id", "resource_id", "change")
        .annotate(qty=Sum("quantity"))
        .values_list("report__enterprise_id", "resource_id", "change", "qty")
        .order_by()
    ):
        toe = factors.convert(resource_id, quantity, year)[0]
        if toe is not None and eid in baseline:
            saved[eid] += -toe if change == SavingsLine.Change.ADDED else toe
    results: dict[Any, EnergySaving] = {}
    for eid, base_toe in sorted(baseline.items()):
        if not base_toe:
            continue
        baseline_output = latest[eid][2]
        quarters = _quarters(periods[eid])
        reported = outputs[eid]
        given = [o for o in reported if o is not None]
        output: Decimal | None
        if baseline_output and len(given) == len(reported):
            output = sum(given, Decimal(0))
            method, partial = BY_OUTPUT, False
            adjusted = base_toe * sum(given, Decimal(0)) / baseline_output
        else:
            output = None
            method, partial = ABSOLUTE, quarters < QUARTERS_IN_YEAR
            adjusted = base_toe * quarters / QUARTERS_IN_YEAR
        row = EnterpriseEnergy(
            enterprise_id=eid,
            division=divisions.get(eid),
            method=method,
            partial=partial,
            quarters=quarters,
            baseline_toe=base_toe,
            adjusted_baseline_toe=adjusted,
            saved_toe=saved.get(eid, Decimal(0)),
            baseline_output=baseline_output,
            output=output,
        )
        result = results.setdefault(unit_of[eid], EnergySaving())
        result.enterprises[eid] = row
        result.total.add(row)
        result.by_division.setdefault(row.division, EnergyTotals()).add(row)
    return results
