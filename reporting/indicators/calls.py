"""Completeness and timeliness of data calls (issue 16), per commune and for the city.

For a call: *expected* = the enterprises the call expects (``assessments.calls``); *received* =
those whose savings report of the call's period was submitted or verified; *on time* = received
and first submitted by the end of the due date. *Completeness* = received / expected and
*timeliness* = on time / expected, in %. Enterprises with no commune yet are one row ("not yet
located"). One grouped query per call.

When a year is locked, its snapshot keeps the figures of its calls as they stood then
(``reporting.snapshots``): the report and the dashboards show those (``calls_shown``), so that
reports submitted or verified later do not change a closed year's completeness or timeliness.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from assessments.calls import expected_enterprises, with_answers
from assessments.models import DataCall

from .results import CallFigures, CallRef, CallUnitRow, YearIndicators

# The dashboards show at most this many calls of a year, the latest due first: a fixed number
# of queries.
DASHBOARD_CALLS = 4


def call_ref(call: DataCall) -> CallRef:
    return CallRef(pk=call.pk, year=call.year, period=call.period, due_date=call.due_date)


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
    rows = (
        CallUnitRow(
            commune_id=g["commune_id"],
            name=g["commune__name"] or _("Not yet located"),
            expected=g["n"],
            received=g["n_received"],
            on_time=g["n_on_time"],
        )
        for g in grouped
    )
    return CallFigures.of_rows(call_ref(call), rows, commune_id=commune_id)


def calls_of_year(year: int) -> Sequence[DataCall]:
    """The calls for period of ``year`` the dashboards and the yearly report show (latest due first)."""
    return list(DataCall.objects.filter(year=year).prefetch_related("sectors", "communes")[:DASHBOARD_CALLS])


def year_call_figures(year: int, *, commune_id: int | None = None) -> list[CallFigures]:
    """The figures of each call of ``year`` shown, for the city or one commune."""
    return [call_figures(call, commune_id=commune_id) for call in calls_of_year(year)]


def calls_shown(ind: YearIndicators, *, commune_id: int | None = None) -> tuple[CallFigures, ...]:
    """The calls of ``ind.year`` as a report or dashboard shows them beside ``ind``: the figures
    stored with a locked year's (the city's, or a commune's own), narrowed to ``commune_id`` when
    given; otherwise (an open year, or one locked before calls were stored) read live. No query
    for a locked year."""
    if ind.calls is None:
        return tuple(year_call_figures(ind.year, commune_id=commune_id))
    if commune_id is None:
        return ind.calls
    return tuple(f.for_commune(commune_id) for f in ind.calls)
