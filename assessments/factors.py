"""Converting resource quantities to TOE and tCO2e with the factor of the year.

A factor is valid from its year until a later one replaces it: the factor for year Y is the row
with the latest ``valid_from_year`` ≤ Y. When that row is from an earlier year than Y, the
conversion "fell back" and pages say so. Resources without an energy factor (water, materials,
waste) convert to nothing: they are reported in their own units.

``factor_for`` / ``convert`` query one factor; ``FactorTable`` loads every factor once and
converts any number of lines (or grouped totals) without further queries.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from .models import ResourceFactor, ResourceType

TOE_PLACES = Decimal("0.001")
TCO2E_PLACES = Decimal("0.001")


@dataclass(frozen=True)
class Conversion:
    toe: Decimal | None
    tco2e: Decimal | None
    factor: ResourceFactor | None
    fell_back: bool

    @property
    def has_factor(self) -> bool:
        return self.factor is not None


NO_CONVERSION = Conversion(toe=None, tco2e=None, factor=None, fell_back=False)


def _resource_id(resource: ResourceType | int) -> int:
    return resource if isinstance(resource, int) else resource.pk


def factor_for(resource: ResourceType | int, year: int) -> tuple[ResourceFactor | None, bool]:
    """(factor, exact): the latest factor valid in ``year``; ``exact`` is False when it is an
    earlier year's. (None, False) when there is none."""
    factor = (
        ResourceFactor.objects.filter(resource_id=_resource_id(resource), valid_from_year__lte=year)
        .order_by("-valid_from_year")
        .first()
    )
    if factor is None:
        return None, False
    return factor, factor.valid_from_year == year


def _apply(factor: ResourceFactor | None, exact: bool, quantity: Decimal | int | None) -> Conversion:
    if factor is None or quantity is None:
        return NO_CONVERSION
    quantity = Decimal(quantity)
    toe = quantity * factor.toe_per_unit if factor.toe_per_unit is not None else None
    tco2e = quantity * factor.tco2e_per_unit if factor.tco2e_per_unit is not None else None
    return Conversion(toe=toe, tco2e=tco2e, factor=factor, fell_back=not exact)


def convert(resource: ResourceType | int, quantity: Decimal | int | None, year: int) -> Conversion:
    """``quantity`` of ``resource`` used or saved in ``year``, in TOE and tCO2e (unrounded)."""
    factor, exact = factor_for(resource, year)
    return _apply(factor, exact, quantity)


@dataclass
class Totals:
    toe: Decimal = Decimal(0)
    tco2e: Decimal = Decimal(0)
    fell_back: bool = False
    unconverted: set[int] = field(default_factory=set)  # energy resources with no factor at all


class FactorTable:
    """Every factor in memory (one query), for converting many lines."""

    def __init__(self, factors: Iterable[ResourceFactor]) -> None:
        by_resource: dict[int, list[ResourceFactor]] = defaultdict(list)
        for factor in factors:
            by_resource[factor.resource_id].append(factor)
        self._factors = {rid: sorted(rows, key=lambda f: f.valid_from_year) for rid, rows in by_resource.items()}
        self._years = {rid: [f.valid_from_year for f in rows] for rid, rows in self._factors.items()}

    @classmethod
    def load(cls) -> FactorTable:
        return cls(ResourceFactor.objects.select_related("resource"))

    def factor_for(self, resource: ResourceType | int, year: int) -> tuple[ResourceFactor | None, bool]:
        rid = _resource_id(resource)
        years = self._years.get(rid)
        if not years:
            return None, False
        index = bisect.bisect_right(years, year) - 1
        if index < 0:
            return None, False
        factor = self._factors[rid][index]
        return factor, factor.valid_from_year == year

    def convert(self, resource: ResourceType | int, quantity: Decimal | int | None, year: int) -> Conversion:
        factor, exact = self.factor_for(resource, year)
        return _apply(factor, exact, quantity)

    def totals_by_year(
        self, rows: Iterable[tuple[int, int, Decimal]], *, energy_resource_ids: set[int] | None = None
    ) -> dict[int, Totals]:
        """Convert grouped quantities ``(year, resource_id, quantity)`` (e.g. a ``values()``
        aggregate by year and resource) and sum TOE and tCO2e per year."""
        result: dict[int, Totals] = {}
        for year, resource_id, quantity in rows:
            totals = result.setdefault(year, Totals())
            conversion = self.convert(resource_id, quantity, year)
            if conversion.factor is None:
                if energy_resource_ids is not None and resource_id in energy_resource_ids:
                    totals.unconverted.add(resource_id)
                continue
            totals.toe += conversion.toe or 0
            totals.tco2e += conversion.tco2e or 0
            totals.fell_back = totals.fell_back or conversion.fell_back
        return result
