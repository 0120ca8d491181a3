"""The dashboard's figures behind the cache, invalidated when the data they are computed from
changes.

A dashboard reads ``reporting.indicators`` (the one place figures are computed) for a year and
a scope, plus the review queue of that scope. Computing them reads every enterprise, assessment
and savings line of the scope, so the result is cached (in Redis in production, shared by every
web process) under a *generation*: any committed write to a model the figures depend on starts a
new generation, and an entry of an older generation is never taken as current again. So a
dashboard is cheap between changes and catches up with every change (see below).

A reader notes the generation before computing and stores the result with it: a write that
commits while the figures are being computed makes them stale at once, never current. Bulk
writes that send no model signals (the spreadsheet import) send ``enterprises.signals.bulk_changed``.

At national size computing the city's figures takes seconds, and some write happens somewhere
every few seconds. So when a scope's entry is of an older generation, the request is answered
with it (the page shows when its figures were computed) and a Celery task computes the current
figures, once per generation; only a scope never computed (or expired) is computed in the request.
When tasks run in-process (no broker configured) the refresh is done before answering.

Behind the cache, the last figures computed for each dashboard are also kept in PostgreSQL
(``DashboardSnapshot``). When the cache has no entry at all (Redis restarted, flushed or evicted
it), they are served at once and treated like an entry of an older generation: a worker
recomputes them. Only a dashboard never computed before is computed in the request.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from celery import shared_task
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.utils import timezone, translation
from django.utils.translation import get_language

from . import indicators, snapshots
from .indicators import ReviewQueue, YearIndicators
from .models import DashboardSnapshot

if TYPE_CHECKING:
    from enterprises.models import District

log = logging.getLogger(__name__)

# Entries also expire, so that a cache shared by portals that never write still turns over.
DASHBOARD_CACHE_SECONDS = 3600
# One background refresh per scope and generation; after this long another may start.
REFRESH_LOCK_SECONDS = 300


def _prefix() -> str:
    # The database name keeps apart portals (or parallel test databases) that share one cache.
    return f"reporting:dashboard:v2:{connection.settings_dict['NAME']}"


def _generation_key() -> str:
    return f"{_prefix()}:generation"


def bump_generation() -> None:
    """Start a new generation now: every cached dashboard entry is stale from here on."""
    cache.set(_generation_key(), uuid.uuid4().hex, None)


def invalidate() -> None:
    """Make the dashboards stale once the current transaction commits (at once outside one);
    nothing happens when it rolls back."""
    transaction.on_commit(bump_generation)


def _current_generation(found: dict[str, Any]) -> str:
    generation_key = _generation_key()
    generation = found.get(generation_key)
    if generation is None:
        generation = uuid.uuid4().hex
        if not cache.add(generation_key, generation, None):  # another process started one first
            generation = cache.get(generation_key) or generation
    return generation


def _store(name: str, compute: Callable[[], Any]) -> Any:
    """Compute and cache under the generation current *before* computing."""
    key = f"{_prefix()}:{name}"
    generation = _current_generation(cache.get_many([_generation_key()]))
    value = compute()
    cache.set(key, (generation, value), DASHBOARD_CACHE_SECONDS)
    return value


# The generation of an entry taken from PostgreSQL: never current, so a refresh follows.
STORED = "stored"


def _cached(
    name: str,
    compute: Callable[[], Any],
    refresh: Callable[[], None] | None = None,
    stored: Callable[[], Any] | None = None,
) -> Any:
    """``compute()`` behind the cache, valid for the generation it was computed in. With
    ``refresh`` (which recomputes in the background), an entry of an older generation is served
    while ``refresh`` brings it up to date; ``stored()`` (the value kept in PostgreSQL, or None)
    stands in for a missing entry the same way."""
    key = f"{_prefix()}:{name}"
    found = cache.get_many([_generation_key(), key])
    generation = _current_generation(found)
    entry = found.get(key)
    if entry is None and stored is not None and refresh is not None:
        value = stored()
        if value is not None:
            entry = (STORED, value)
            cache.set(key, entry, DASHBOARD_CACHE_SECONDS)
    if entry is not None and entry[0] == generation:
        return entry[1]
    if entry is not None and refresh is not None:
        lock = f"{key}:refreshing:{generation}"
        if cache.add(lock, 1, REFRESH_LOCK_SECONDS):
            try:
                refresh()
            except Exception:  # the queue is unavailable: serve what we have, try again later
                log.warning("Dashboard refresh could not be queued", exc_info=True)
                cache.delete(lock)
            fresh = cache.get(key)  # tasks run in-process: already refreshed
            if fresh is not None and fresh[0] == generation:
                return fresh[1]
        return entry[1]
    value = compute()
    cache.set(key, (generation, value), DASHBOARD_CACHE_SECONDS)
    return value


def latest_verified_year() -> int | None:
    """The dashboards' default year, the same for every role: the latest year that has ended with
    verified savings. Yearly reports arrive after the year ends, so a first quarterly report
    verified during the year does not move every dashboard to a year that has hardly begun (its
    figure would seem to collapse); the current year is chosen only while no ended year has any."""
    from assessments.models import SavingsReport

    this_year = timezone.localdate().year

    def compute() -> int | None:
        years = list(
            SavingsReport.objects.filter(status=SavingsReport.Status.VERIFIED, year__lte=this_year)
            .values_list("year", flat=True)
            .distinct()
            .order_by("-year")[:2]
        )
        ended = [year for year in years if year < this_year]
        return ended[0] if ended else (years[0] if years else None)

    return _cached(f"latest-verified:{this_year}", compute)


@dataclass(frozen=True)
class DashboardFigures:
    indicators: YearIndicators
    queue: ReviewQueue


def _figures_name(year: int, district_code: str | None, for_city_staff: bool, language: str) -> str:
    return f"figures:{language}:{district_code or 'city'}:{int(for_city_staff)}:{year}"


def _compute_figures(name: str, year: int, district: District | None, for_city_staff: bool) -> DashboardFigures:
    # The open findings (one row per unresolved data-quality finding, thousands in a city) are for
    # the report; the dashboard does not show them, so they are not computed.
    ind = indicators.compute(year, district, with_findings=False)
    DashboardSnapshot.objects.update_or_create(
        name=name, defaults={"data": snapshots.indicators_to_json(ind), "computed_at": ind.computed_at}
    )
    return DashboardFigures(indicators=ind, queue=indicators.review_queue(district, for_city_staff=for_city_staff))


def _stored_figures(name: str, district: District | None, for_city_staff: bool) -> DashboardFigures | None:
    row = DashboardSnapshot.objects.filter(name=name).values_list("data", flat=True).first()
    if row is None:
        return None
    try:
        ind = snapshots.indicators_from_json(row)
    except snapshots.SnapshotError:  # written by an older release: compute again
        return None
    # The review queue is one small query: always current.
    return DashboardFigures(indicators=ind, queue=indicators.review_queue(district, for_city_staff=for_city_staff))


def dashboard_figures(year: int, district: District | None, *, for_city_staff: bool) -> DashboardFigures:
    """The indicators of ``year`` for the city or ``district`` and the scope's review queue."""
    language = get_language() or "vi"
    code = district.code if district else None
    name = _figures_name(year, code, for_city_staff, language)
    return _cached(
        name,
        lambda: _compute_figures(name, year, district, for_city_staff),
        refresh=lambda: refresh_dashboard.delay(year, code, for_city_staff, language),
        stored=lambda: _stored_figures(name, district, for_city_staff),
    )


@shared_task(name="reporting.dashboard.refresh_dashboard", soft_time_limit=600, time_limit=660)
def refresh_dashboard(year: int, district_code: str | None, for_city_staff: bool, language: str) -> None:
    """Recompute one scope's dashboard figures into the cache (after its data changed)."""
    from enterprises.models import District

    district = District.objects.get(code=district_code) if district_code else None
    name = _figures_name(year, district_code, for_city_staff, language)
    with translation.override(language):
        _store(name, lambda: _compute_figures(name, year, district, for_city_staff))


def _watched_models() -> list[type[Model]]:
    """The models the dashboard's figures and review queue are computed from."""
    from assessments import models as assessments
    from enterprises import models as enterprises
    from periods import models as periods
    from programme import models as programme
    from training import models as training

    from . import models as reporting

    return [
        enterprises.District,
        enterprises.Sector,
        enterprises.Enterprise,
        assessments.ResourceType,
        assessments.ResourceFactor,
        assessments.Assessment,
        assessments.BaselineConsumption,
        assessments.CPOption,
        assessments.OptionExpectedSaving,
        assessments.SavingsReport,
        assessments.SavingsLine,
        training.Officer,
        training.Course,
        training.Attendance,
        training.EnterpriseParticipation,
        reporting.ActionPlan,
        reporting.Target,
        periods.YearLock,
        programme.ProgrammeSettings,
        reporting.YearSnapshot,
    ]


def _on_change(sender, **kwargs) -> None:
    if kwargs.get("raw"):  # fixtures being loaded
        return
    invalidate()


def connect_signals() -> None:
    """Called once from ``ReportingConfig.ready``."""
    from enterprises.signals import bulk_changed

    for model in _watched_models():
        post_save.connect(_on_change, sender=model, dispatch_uid=f"dashboard-{model._meta.label}-save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"dashboard-{model._meta.label}-delete")
    bulk_changed.connect(_on_change, dispatch_uid="dashboard-enterprises-bulk")
