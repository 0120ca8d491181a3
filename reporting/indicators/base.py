"""Shared building blocks of the figure queries: scope filters, factor conversion, exact sums and the
analytic transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    DecimalField,
    FloatField,
    Q,
)
from django.db.models.functions import Coalesce

from assessments.factors import FactorTable
from assessments.models import (
    Assessment,
    CPOption,
    ResourceFactor,
    SavingsReport,
)
from enterprises.models import District

from ..areas import Area

ProgressCallback = Callable[[int], None]

TREND_MAX_YEARS = 10
AMOUNT = DecimalField(max_digits=40, decimal_places=15)

APPROVED = Assessment.Status.APPROVED
VERIFIED = SavingsReport.Status.VERIFIED
IMPLEMENTED = CPOption.Status.IMPLEMENTED


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5)``; other databases fall back in ``payback_medians``."""

    function = "PERCENTILE_CONT"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


def year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def enterprise_scope(district: District | Area | None, prefix: str = "") -> Q:
    """The enterprises of a scope: the city (None), an area (``reporting.areas``) or a district."""
    if district is None:
        return Q()
    if isinstance(district, Area):
        return district.q(prefix)
    return Q(**{f"{prefix}district": district})


def to_decimal(value: Any) -> Decimal:
    return Decimal(0) if value is None else Decimal(value)


def to_int(value: Any) -> int:
    return 0 if value is None else int(value)


def division_code() -> Any:
    """An enterprise's VSIC division (its sector, or the sector's parent for a group)."""
    return Coalesce("sector__parent__code", "sector__code")


# Products and sums of quantities and factors are exact, as PostgreSQL's numeric is: quantities
# have 3 decimal places and 15 digits, factors 12 places, so 60 digits never round.
EXACT = Context(prec=60)


class Factors:
    """The factors of ``assessments.factors`` (one query, every factor in memory), to convert
    quantities grouped by resource in Python instead of a correlated subquery per savings line:
    the sum of (quantity × factor) over a resource's lines is the factor × their summed quantity,
    exactly. A resource without a factor for the year converts to None."""

    def __init__(self) -> None:
        self.table = FactorTable(ResourceFactor.objects.all())

    def row(self, resource_id: int, year: int) -> ResourceFactor | None:
        return self.table.factor_for(resource_id, year)[0]

    def convert(self, resource_id: int, quantity: Decimal | None, year: int) -> tuple[Decimal | None, Decimal | None]:
        """(TOE, tCO2e) of ``quantity``; None where the factor of the year is missing."""
        factor = self.row(resource_id, year)
        if factor is None or quantity is None:
            return None, None
        toe = EXACT.multiply(quantity, factor.toe_per_unit) if factor.toe_per_unit is not None else None
        tco2e = EXACT.multiply(quantity, factor.tco2e_per_unit) if factor.tco2e_per_unit is not None else None
        return toe, tco2e


def add_sums(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    """SQL's SUM: None only while nothing was added."""
    if b is None:
        return a
    return b if a is None else EXACT.add(a, b)


@dataclass
class Sums:
    """Verified savings of a group: TOE, tCO2e (None when no line had a factor), VND."""

    toe: Decimal | None = None
    tco2e: Decimal | None = None
    vnd: int = 0

    def add(self, toe: Decimal | None, tco2e: Decimal | None, vnd: int | None) -> None:
        self.toe = add_sums(self.toe, toe)
        self.tco2e = add_sums(self.tco2e, tco2e)
        self.vnd += vnd or 0

    def as_row(self) -> dict[str, Any]:
        return {"toe_sum": self.toe, "tco2e_sum": self.tco2e, "vnd_sum": self.vnd}


@contextmanager
def analytic_queries() -> Iterator[None]:
    """A transaction for a report's grouped queries, with PostgreSQL's JIT compiler off. JIT
    compiles a plan to machine code when its estimated cost is high, which these queries over tens
    of thousands of rows reach: compiling took 0.3–0.8 s per query, longer than running it
    (docs/performance.md). ``SET LOCAL`` lasts until the transaction ends."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield
