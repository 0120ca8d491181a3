"""Completeness and timeliness of data calls (issue 16), per commune and for the city.

For a call: *expected* = the enterprises the call expects (``assessments.calls``); *received* =
those whose savings report of the call's period was submitted or verified; *on time* = received
and first submitted by the end of the due date. *Completeness* = received / expected and
*timeliness* = on time / expected, in %. Enterprises with no commune yet are one row ("not yet
located"). One grouped query per call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from assessments.calls import expected_enterprises, with_answers
from assessments.models import DataCall

from .results import share

# The dashboards show at most this many calls of a year, the latest due first: a fixed number
# of queries.
DASHBOARD_CALLS = 4


@dataclass(frozen=True)
class CallUnitRow:
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
    call: DataCall
    rows: tuple[CallUnitRow, ...]  # one per commune with an expected enterprise (in scope)
    total: CallUnitRow  # the city, or the officer's commune


def call_figures(call: DataCall, *, commune_id: int | None = None) -> CallFigures:
    """The figures of ``call`` for the city, or for one commune when ``commune_id`` is given."""
    qs = expected_enterprises(call)
    if commune_id is not None:
        qs = qs.filter(commune_id=commune_id)
    grouped = (
        with_answers(qs, call)
        .order_by()
        .values("commune_id", "commune__name")
        .annotate(
            n=Count("pk"),
            n_received=Count("pk", filter=Q(received=True)),
            n_on_time=Count("pk", filter=Q(on_time=True)),
        )
    )
    rows = sorted(
        (
            CallUnitRow(
                commune_id=g["commune_id"],
                name=g["commune__name"] or _("Not yet located"),
                expected=g["n"],
                received=g["n_received"],
                on_time=g["n_on_time"],
            )
            for g in grouped
        ),
        key=lambda r: (r.commune_id is None, r.name),
    )
    total = CallUnitRow(
        commune_id=commune_id,
        name=rows[0].name if commune_id is not None and rows else _("Hanoi city"),
        expected=sum(r.expected for r in rows),
        received=sum(r.received for r in rows),
        on_time=sum(r.on_time for r in rows),
    )
    return CallFigures(call=call, rows=tuple(rows), total=total)


def calls_of_year(year: int) -> Sequence[DataCall]:
    """The calls for period of ``year`` the dashboards and the yearly report show (latest due first)."""
    return list(DataCall.objects.filter(year=year).prefetch_related("sectors", "communes")[:DASHBOARD_CALLS])


def year_call_figures(year: int, *, commune_id: int | None = None) -> list[CallFigures]:
    """The figures of each call of ``year`` shown, for the city or one commune."""
    return [call_figures(call, commune_id=commune_id) for call in calls_of_year(year)]
