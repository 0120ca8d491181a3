"""An enterprise's own dashboard figures (its verified savings by year), computed by workers and
kept in PostgreSQL (``DashboardSnapshot`` named ``enterprise:<pk>``) behind the cache, like the
city's and the communes' (``reporting.dashboard``, whose generation they share).

They do not depend on the language (numbers only), so an enterprise has one row holding every
year it has verified savings. A request reads them (the cache, else one query) and never computes:
figures of an older generation are served while one refresh of that enterprise is queued; with no
figures at all the page says they are being prepared. The nightly fill (``fill_dashboards``)
computes those of every enterprise whose staff can sign in, in batches of a few grouped queries.
The enterprise's reports, assessments and what is due are its own records, read live.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Sequence

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from . import snapshots
from .dashboard import DASHBOARD_CACHE_SECONDS, QUEUED_SECONDS, STORED, _current_generation, _generation_key, _prefix
from .indicators.overview import enterprise_trends, overview_years, trend_of_years
from .indicators.results import TrendPoint
from .models import DashboardSnapshot

log = logging.getLogger(__name__)

BATCH = 2000  # enterprises computed and written together by the nightly fill


@dataclasses.dataclass(frozen=True)
class EnterpriseFigures:
    trend: tuple[TrendPoint, ...]  # the years of the chart, each at zero when it has nothing
    computed_at: dt.datetime
    refreshing_since: dt.datetime | None = None


@dataclasses.dataclass(frozen=True)
class PendingEnterpriseFigures:
    queued_at: dt.datetime | None


def _name(pk: int) -> str:
    return f"enterprise:{pk}"


def _row(points: Sequence[TrendPoint], generation: str, now: dt.datetime) -> dict:
    return {"trend": snapshots.encode(tuple(points)), "generation": generation, "computed_at": now.isoformat()}


def _read(data: dict) -> tuple[str, tuple[TrendPoint, ...], dt.datetime] | None:
    try:
        points = snapshots.decode(data["trend"])
        computed_at = dt.datetime.fromisoformat(data["computed_at"])
    except (KeyError, TypeError, ValueError, snapshots.SnapshotError):
        return None  # written by an older release: computed again
    if not (isinstance(points, tuple) and all(isinstance(p, TrendPoint) for p in points)):
        return None
    return str(data.get("generation") or STORED), points, computed_at


def store(enterprise_ids: Sequence[int], generation: str) -> int:
    """Compute and keep the figures of ``enterprise_ids`` (a worker). Returns how many."""
    now = timezone.now()
    trends = enterprise_trends(enterprise_ids)
    rows = [
        DashboardSnapshot(name=_name(pk), data=_row(points, generation, now), computed_at=now)
        for pk, points in trends.items()
    ]
    DashboardSnapshot.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["name"], update_fields=["data", "computed_at"]
    )
    cache.set_many(
        {f"{_prefix()}:{_name(pk)}": (generation, (tuple(points), now)) for pk, points in trends.items()},
        DASHBOARD_CACHE_SECONDS,
    )
    return len(rows)


def _queue(pk: int, generation: str) -> dt.datetime | None:
    """Queue the refresh of one enterprise's figures for ``generation``, once."""
    marker = f"{_prefix()}:{_name(pk)}:queued:{generation}"
    now = timezone.now()
    if not cache.add(marker, now.isoformat(), QUEUED_SECONDS):
        queued = cache.get(marker)
        return dt.datetime.fromisoformat(queued) if isinstance(queued, str) else None
    try:
        refresh_enterprise_dashboard.delay(pk)
    except Exception:  # the queue is unavailable: a later request or the nightly fill tries again
        log.warning("Enterprise dashboard figures could not be queued", exc_info=True)
        cache.delete(marker)
        return None
    return now


def enterprise_figures(enterprise_id: int, year: int) -> EnterpriseFigures | PendingEnterpriseFigures:
    """The enterprise's verified savings for the years of its chart ending in ``year``, as a
    worker last computed them; never computed here (see the module's docstring)."""
    key = f"{_prefix()}:{_name(enterprise_id)}"
    found = cache.get_many([_generation_key(), key])
    generation = _current_generation(found)
    entry = found.get(key)
    if entry is None:
        data = DashboardSnapshot.objects.filter(name=_name(enterprise_id)).values_list("data", flat=True).first()
        stored = _read(data) if isinstance(data, dict) else None
        if stored is not None:
            entry = (stored[0], (stored[1], stored[2]))
            cache.set(key, entry, DASHBOARD_CACHE_SECONDS)
    refreshing_since = None
    if entry is None or entry[0] != generation:
        refreshing_since = _queue(enterprise_id, generation)
        fresh = cache.get(key)  # tasks run in-process: already computed
        if fresh is not None and fresh[0] == generation:
            entry, refreshing_since = fresh, None
    if entry is None:
        return PendingEnterpriseFigures(queued_at=refreshing_since)
    points, computed_at = entry[1]
    return EnterpriseFigures(
        trend=trend_of_years(points, overview_years(year)), computed_at=computed_at, refreshing_since=refreshing_since
    )


@shared_task(name="reporting.enterprise_dashboard.refresh_enterprise_dashboard", soft_time_limit=120, time_limit=150)
def refresh_enterprise_dashboard(enterprise_id: int) -> bool:
    """Compute one enterprise's figures (after its data changed). Does nothing when they are
    current already. True when computed."""
    key = f"{_prefix()}:{_name(enterprise_id)}"
    found = cache.get_many([_generation_key(), key])
    generation = _current_generation(found)
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        return False
    store([enterprise_id], generation)
    return True


@shared_task(name="reporting.enterprise_dashboard.fill_enterprise_dashboards", soft_time_limit=3000, time_limit=3300)
def fill_enterprise_dashboards() -> int:
    """Compute the figures of every enterprise whose staff can sign in and whose figures are
    missing or older than the data (queued by ``fill_dashboards``). Returns how many."""
    from enterprises.models import Enterprise

    generation = _current_generation(cache.get_many([_generation_key()]))
    current = set(
        DashboardSnapshot.objects.filter(name__startswith="enterprise:", data__generation=generation).values_list(
            "name", flat=True
        )
    )
    ids = [
        pk
        for pk in Enterprise.objects.filter(staff__role="enterprise", staff__is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()
        if _name(pk) not in current
    ]
    for start in range(0, len(ids), BATCH):
        store(ids[start : start + BATCH], generation)
    return len(ids)
