"""The verified savings lines of a year, streamed (the detailed data, ``reporting.detail``, and the
snapshot of a locked year)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import (
    QuerySet,
)
from django.db.models.functions import Coalesce

from assessments.models import signed

from .base import Factors, analytic_queries
from .queries import verified_lines


def verified_line_rows(year: int, district: Any) -> Iterator[tuple]:
    """The verified savings lines of the year in the scope, one tuple per line, streamed:
    (district, tax code, enterprise, VSIC division, period, resource, unit, quantity, TOE, tCO2e,
    VND, option category, verified report id); a consumption increase (a line ``added``) has a
    negative quantity, TOE, tCO2e and VND, so that the lines add up to the net totals. For a
    locked year, the lines stored when it was locked."""
    from ..snapshots import locked_line_rows

    frozen = locked_line_rows(year, district)
    if frozen is not None:
        return frozen
    return live_verified_line_rows(year, district)


def verified_line_count(year: int, district: Any) -> int:
    """How many lines ``verified_line_rows`` yields (one query): the progress of an export."""
    from ..snapshots import locked_line_count

    frozen = locked_line_count(year, district)
    return frozen if frozen is not None else verified_lines(year, district).count()


def live_verified_line_rows(year: int, district: Any, *, with_district_code: bool = False) -> Iterator[tuple]:
    """``verified_line_rows`` from the live tables, streamed; ``with_district_code`` puts the
    district's GSO code first in each tuple (for the snapshot of a locked year). TOE and tCO2e
    are each line's quantity × the factor of the year, converted here (no subquery per line)."""
    factors = Factors()
    rows = live_verified_line_queryset(year, district, with_district_code=with_district_code)
    with analytic_queries():
        for row in rows.iterator(chunk_size=2000):
            *head, quantity, resource_id, vnd, category, report_id = row
            toe, tco2e = factors.convert(resource_id, quantity, year)
            yield (*head, quantity, toe, tco2e, vnd, category, report_id)


def live_verified_line_queryset(year: int, district: Any, *, with_district_code: bool = False) -> QuerySet:
    """The query behind ``live_verified_line_rows`` (a ``values_list`` queryset, with the
    resource's id where the rows get TOE and tCO2e)."""
    leading = ("report__enterprise__district__code",) if with_district_code else ()
    return (
        verified_lines(year, district)
        .annotate(
            division=Coalesce("report__enterprise__sector__parent__code", "report__enterprise__sector__code"),
            net_quantity=signed("quantity"),
            net_vnd=signed("vnd_saved"),
        )
        .order_by("report__enterprise__district__code", "report__enterprise__name", "report__period", "pk")
        .values_list(
            *leading,
            "report__enterprise__district__name",
            "report__enterprise__tax_code",
            "report__enterprise__name",
            "division",
            "report__period",
            "resource__name",
            "resource__unit",
            "net_quantity",
            "resource_id",
            "net_vnd",
            "option__category",
            "report_id",
        )
    )
