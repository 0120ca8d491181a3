"""The scope of a report or a dashboard and the units its figures are broken down by.

A year's figures are broken down by the units in force on 31 December of that year: the 30
districts up to 2024, the 126 communes and wards from 2025 (the district level ended on
30/6/2025). A report's scope is the city, a district (its report up to 2024), a commune or ward
(from 2025) or a *former district* (from 2025: the communes and wards whose principal former
district it was, so that the groups by former district partition the city and add up to it).
Enterprises without a commune appear in a "not yet located" row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from enterprises.models import REFORM_DATE, Commune, District

DISTRICT, COMMUNE, FORMER_DISTRICT = "district", "commune", "former_district"
UNLOCATED = "unlocated"  # the key of the "not yet located" row


def by_communes(year: int) -> bool:
    """Whether ``year``'s figures are broken down by communes (units in force at its end)."""
    return dt.date(year, 12, 31) >= REFORM_DATE


@dataclass(frozen=True)
class Area:
    """A scope smaller than the city. Quacks like the District the engine used to take: ``pk``,
    ``code`` (also the key of a locked year's stored figures), ``name``, ``active``."""

    kind: str
    unit: Any  # District or Commune

    @property
    def pk(self) -> int:
        return self.unit.pk

    @property
    def code(self) -> str:
        return f"fd-{self.unit.code}" if self.kind == FORMER_DISTRICT else self.unit.code

    @property
    def name(self) -> str:
        if self.kind == FORMER_DISTRICT:
            return _("%(name)s (former district)") % {"name": self.unit.full_name}
        return self.unit.full_name if self.kind == COMMUNE else self.unit.name

    @property
    def active(self) -> bool:
        return True

    def q(self, prefix: str = "") -> Q:
        """The enterprises of the area (``prefix`` leads to Enterprise)."""
        if self.kind == COMMUNE:
            return Q(**{f"{prefix}commune": self.unit})
        if self.kind == FORMER_DISTRICT:
            return Q(**{f"{prefix}commune__principal_district": self.unit})
        return Q(**{f"{prefix}district": self.unit})

    def office_q(self, prefix: str = "") -> Q:
        """The officers or courses of the area's offices (``prefix`` leads to the object with
        ``district`` and ``commune``)."""
        if self.kind == COMMUNE:
            return Q(**{f"{prefix}commune": self.unit})
        if self.kind == FORMER_DISTRICT:
            return Q(**{f"{prefix}commune__principal_district": self.unit})
        return Q(**{f"{prefix}district": self.unit})

    def units(self) -> list[Any]:
        """The rows of the area's breakdown."""
        if self.kind == FORMER_DISTRICT:
            return list(Commune.objects.filter(principal_district=self.unit).order_by("code"))
        return [self.unit]


# What the figure queries take as a scope: the city (None), an area, or a unit made an area.
AreaLike = District | Commune | Area | None


def area_for(year: int, scope: District | Commune | Area | None) -> Area | None:
    """The area of a report of ``year``: None for the city; a district asked for a year broken
    down by communes is its former district (the communes formed from it)."""
    if scope is None or isinstance(scope, Area):
        return scope
    if isinstance(scope, Commune):
        return Area(COMMUNE, scope)  # any year: the enterprises located there, with their history
    return Area(FORMER_DISTRICT if by_communes(year) else DISTRICT, scope)


def breakdown_units(year: int) -> list[Any]:
    """The units a city's figures of ``year`` are broken down by (in force on 31 December)."""
    if by_communes(year):
        return list(Commune.objects.in_force(dt.date(year, 12, 31)).select_related("principal_district"))
    return list(District.objects.order_by("code"))


def unit_field(year: int, area: Any = None) -> str:
    """The enterprise's field that places it in the rows of ``year`` for ``area`` (the city when
    None): a commune's or a former district's rows are communes whatever the year (its
    enterprises with their history), a district's its district, the city's the units in force."""
    kind = getattr(area, "kind", None)
    if kind in (COMMUNE, FORMER_DISTRICT):
        return "commune_id"
    if kind == DISTRICT:
        return "district_id"
    return "commune_id" if by_communes(year) else "district_id"


def batch_units(year: int) -> list[Any]:
    """The units of the year-end batch: every active district up to 2024, every commune and ward
    in force on 31 December from 2025."""
    if by_communes(year):
        return breakdown_units(year)
    return list(District.objects.filter(active=True).order_by("code"))


def area_from_code(year: int, code: str | None) -> Area | None:
    """The area whose ``code`` is given (as stored in the figures): None for the city."""
    if not code:
        return None
    if code.startswith("fd-"):
        return Area(FORMER_DISTRICT, District.objects.get(code=code[3:]))
    if len(code) == 5:
        return Area(COMMUNE, Commune.objects.get(code=code))
    return area_for(year, District.objects.get(code=code))
