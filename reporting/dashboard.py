"""The dashboards' figures, computed by Celery workers and never in a request.

A dashboard (the city's for DOIT, a commune's or ward's for its officers; the enterprises' own in
``reporting.enterprise_dashboard``) shows ``reporting.indicators`` (the one place figures are
computed) for a year and a scope, the completeness and timeliness of the year's data calls, and
the review queue of that scope. Computing the figures reads every enterprise, assessment and
savings line of the scope: seconds for the city at national size. So they are computed by
workers, kept in PostgreSQL (``DashboardSnapshot``, one row per year, scope and language) and
cached (in Redis in production, shared by every web process) under a *generation*: any committed
write to a model the figures depend on starts a new generation, and figures of an older
generation are never taken as current again. Bulk writes that send no model signals (the
spreadsheet import) send ``enterprises.signals.bulk_changed``.

A request reads the cache, else the stored row (one query). Current figures are served as they
are. Figures of an older generation are served too (the page says newer ones are on their way)
while one computation is queued for a worker. With no figures at all the page says they are being
prepared and when they were queued. Either way one job per dashboard and generation is queued,
however many people open it (a marker in the cache), and a job whose figures are current already
does nothing. When tasks run in-process (development without a broker) the job has run by the
time it is queued, and its figures are served.

Besides the changes, ``fill_dashboards`` queues every dashboard whose figures are missing or out
of date (every year with data, the city and each commune or ward in force, every language): after
migrations (``post_migrate``), after ``seed_demo``, and nightly from Celery beat.

A reader notes the generation before computing and stores the result with it: a write that
commits while the figures are being computed makes them stale at once, never current.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils import timezone, translation
from django.utils.translation import get_language

from . import indicators, snapshots
from .areas import area_for
from .indicators import ReviewQueue, YearIndicators
from .indicators.calls import calls_shown, year_call_figures
from .indicators.results import share
from .models import DashboardSnapshot

if TYPE_CHECKING:
    from enterprises.models import Commune, District

log = logging.getLogger(__name__)

# Entries also expire, so that a cache shared by portals that never write still turns over.
DASHBOARD_CACHE_SECONDS = 3600
# One background refresh per scope and generation; after this long another may start.
REFRESH_LOCK_SECONDS = 300
# One queued computation per dashboard and generation: after this long (a lost job) another may
# be queued. A national fill queues a few thousand jobs: the last starts well within it.
QUEUED_SECONDS = 3 * 3600
# Dashboards the fill queues in one run (the queue is first in, first out: see fill_dashboards).
FILL_BATCH = 20


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
class CallSummary:
    """A data call's completeness and timeliness for the dashboard's scope, as stored with its
    figures (``reporting.indicators.calls``)."""

    pk: int
    year: int
    period_label: str
    due_date: dt.date
    expected: int
    received: int
    on_time: int

    @property
    def completeness(self) -> Decimal | None:
        return share(self.received, self.expected)

    @property
    def timeliness(self) -> Decimal | None:
        return share(self.on_time, self.expected)


@dataclass(frozen=True)
class DashboardFigures:
    indicators: YearIndicators
    calls: tuple[CallSummary, ...]
    queue: ReviewQueue
    # When newer figures are being computed by a worker (these are the last ones computed).
    refreshing_since: dt.datetime | None = None


@dataclass(frozen=True)
class PendingFigures:
    """No figures were ever computed for this dashboard: a worker computes them (queued at
    ``queued_at``, None when the queue could not be reached); the review queue is current."""

    queued_at: dt.datetime | None
    queue: ReviewQueue


def _figures_name(year: int, district_code: str | None, for_city_staff: bool, language: str) -> str:
    return f"figures:{language}:{district_code or 'city'}:{int(for_city_staff)}:{year}"


def _unit(code: str | None) -> District | Commune | None:
    """The unit a dashboard's figures are for: None for the city, a commune (five-digit code) or a
    district."""
    from enterprises.models import Commune, District

    if not code:
        return None
    return Commune.objects.get(code=code) if len(code) == 5 else District.objects.get(code=code)


def _scope_commune_id(unit: District | Commune | None) -> int | None:
    from enterprises.models import Commune

    return unit.pk if isinstance(unit, Commune) else None


def _review_queue(year: int, unit: District | Commune | None, for_city_staff: bool) -> ReviewQueue:
    """What waits for review in the dashboard's scope: not figures, always current (a few
    small queries)."""
    return indicators.review_queue(area_for(year, unit), for_city_staff=for_city_staff)


def _call_summaries(
    year: int, unit: District | Commune | None, ind: YearIndicators | None = None
) -> tuple[CallSummary, ...]:
    """The data calls of ``year`` for the scope: a locked year's as stored with its figures
    (``ind.calls``, see ``calls_shown``), any other year's counted now."""
    commune_id = _scope_commune_id(unit)
    if ind is not None and ind.calls is not None:
        figures = calls_shown(ind, commune_id=commune_id)
    else:
        figures = tuple(year_call_figures(year, commune_id=commune_id))
    return tuple(
        CallSummary(
            pk=f.call.pk,
            year=f.call.year,
            period_label=str(f.call.get_period_display()),
            due_date=f.call.due_date,
            expected=f.total.expected,
            received=f.total.received,
            on_time=f.total.on_time,
        )
        for f in figures
    )


def _calls_to_json(calls: tuple[CallSummary, ...]) -> list[dict]:
    return [{**dataclasses.asdict(c), "due_date": c.due_date.isoformat()} for c in calls]


def _calls_from_json(rows: Any) -> tuple[CallSummary, ...]:
    if not isinstance(rows, list):
        raise snapshots.SnapshotError("no data calls stored")
    try:
        return tuple(CallSummary(**{**row, "due_date": dt.date.fromisoformat(row["due_date"])}) for row in rows)
    except (TypeError, KeyError, ValueError) as exc:
        raise snapshots.SnapshotError("unreadable data calls") from exc


def _compute_figures(
    name: str, year: int, unit: District | Commune | None, for_city_staff: bool, generation: str
) -> DashboardFigures:
    """Compute one dashboard's figures and keep them in PostgreSQL (in a worker only)."""
    # The open findings (one row per unresolved data-quality finding, thousands in a city) are for
    # the report; the dashboard does not show them, so they are not computed.
    ind = indicators.compute(year, unit, with_findings=False)
    calls = _call_summaries(year, unit, ind)
    DashboardSnapshot.objects.update_or_create(
        name=name,
        defaults={
            "data": {**snapshots.indicators_to_json(ind), "calls": _calls_to_json(calls), "generation": generation},
            "computed_at": ind.computed_at,
        },
    )
    return DashboardFigures(indicators=ind, calls=calls, queue=_review_queue(year, unit, for_city_staff))


def _stored_figures(name: str) -> tuple[str, YearIndicators, tuple[CallSummary, ...]] | None:
    """The figures last computed for the dashboard ``name`` and the generation they were computed
    in, from PostgreSQL (one query); None when there are none or they cannot be read."""
    row = DashboardSnapshot.objects.filter(name=name).values_list("data", flat=True).first()
    if row is None:
        return None
    try:
        ind = snapshots.indicators_from_json(row)
        calls = _calls_from_json(row.get("calls"))
    except snapshots.SnapshotError:  # written by an older release: computed again by a worker
        return None
    return str(row.get("generation") or STORED), ind, calls


def _queued_key(name: str, generation: str) -> str:
    return f"{_prefix()}:{name}:queued:{generation}"


def queue_refresh(
    year: int, district_code: str | None, for_city_staff: bool, language: str, generation: str
) -> tuple[dt.datetime | None, bool]:
    """Queue the computation of one dashboard's figures for ``generation``, once: one job per
    dashboard and generation, however many requests (or beat runs) ask. Returns when it was
    queued (None when the queue could not be reached) and whether this call queued it."""
    name = _figures_name(year, district_code, for_city_staff, language)
    marker = _queued_key(name, generation)
    now = timezone.now()
    if not cache.add(marker, now.isoformat(), QUEUED_SECONDS):
        queued = cache.get(marker)
        return (dt.datetime.fromisoformat(queued) if isinstance(queued, str) else None), False
    try:
        refresh_dashboard.delay(year, district_code, for_city_staff, language)
    except Exception:  # the queue is unavailable: a later request or the nightly fill tries again
        log.warning("Dashboard figures could not be queued", exc_info=True)
        cache.delete(marker)
        return None, False
    return now, True


def dashboard_figures(
    year: int, unit: District | Commune | None, *, for_city_staff: bool
) -> DashboardFigures | PendingFigures:
    """The figures of ``year`` for the city or ``unit``, with its data calls and review queue, as
    a worker last computed them; never computed here. Figures of an older generation (or none)
    queue one computation, and the last figures computed are served meanwhile; with none at all
    the answer says when the computation was queued. When tasks run in-process (no broker), the
    queued computation has run by the time ``delay`` returns, and its figures are served."""
    language = get_language() or settings.LANGUAGE_CODE
    code = unit.code if unit else None
    name = _figures_name(year, code, for_city_staff, language)
    key = f"{_prefix()}:{name}"
    found = cache.get_many([_generation_key(), key])
    generation = _current_generation(found)
    entry = found.get(key)
    live_queue = False  # whether entry's review queue was read in this request
    if entry is None:
        stored = _stored_figures(name)
        if stored is not None:
            stored_generation, ind, calls = stored
            queue, live_queue = _review_queue(year, unit, for_city_staff), True
            entry = (stored_generation, DashboardFigures(indicators=ind, calls=calls, queue=queue))
            cache.set(key, entry, DASHBOARD_CACHE_SECONDS)
    if entry is not None and entry[0] == generation:
        return entry[1]
    queued_at, _new = queue_refresh(year, code, for_city_staff, language, generation)
    fresh = cache.get(key)  # tasks run in-process: already computed
    if fresh is not None and fresh[0] == generation:
        return fresh[1]
    if entry is not None:  # the last figures computed; what waits for review has changed since
        queue = entry[1].queue if live_queue else _review_queue(year, unit, for_city_staff)
        return dataclasses.replace(entry[1], refreshing_since=queued_at, queue=queue)
    return PendingFigures(queued_at=queued_at, queue=_review_queue(year, unit, for_city_staff))


@shared_task(name="reporting.dashboard.refresh_dashboard", soft_time_limit=600, time_limit=660)
def refresh_dashboard(year: int, district_code: str | None, for_city_staff: bool, language: str) -> bool:
    """Compute one dashboard's figures into PostgreSQL and the cache (a worker). Does nothing when
    they are current already (the same dashboard queued twice). True when computed."""
    name = _figures_name(year, district_code, for_city_staff, language)
    key = f"{_prefix()}:{name}"
    found = cache.get_many([_generation_key(), key])
    generation = _current_generation(found)
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        return False
    unit = _unit(district_code)
    with translation.override(language):
        value = _compute_figures(name, year, unit, for_city_staff, generation)
    cache.set(key, (generation, value), DASHBOARD_CACHE_SECONDS)
    return True


# --------------------------------------------------------------------------- every dashboard


def dashboard_years(today: dt.date | None = None) -> list[int]:
    """The years whose dashboards are kept computed: from the first year with an assessment or a
    savings report to this year (the earlier years a dashboard offers hold no data; asked for,
    they are queued like any other)."""
    from django.db.models import Min

    from assessments.models import Assessment, SavingsReport

    from .services import report_years

    firsts = [model.objects.aggregate(first=Min("year"))["first"] for model in (Assessment, SavingsReport)]
    years = report_years(today)
    first = min([year for year in firsts if year is not None], default=years[-1])
    return [year for year in years if year >= first]


def dashboard_keys(today: dt.date | None = None) -> list[tuple[int, str | None, bool, str]]:
    """Every dashboard a user can open: the city's (DOIT) and each commune or ward in force (its
    officers'), for every year kept and every language of the portal."""
    from enterprises.models import Commune

    today = today or timezone.localdate()
    communes = Commune.objects.in_force(today).order_by("code").values_list("code", flat=True)
    scopes: list[tuple[str | None, bool]] = [(None, True), *((code, False) for code in communes)]
    languages = [code for code, _name in settings.LANGUAGES]
    return [
        (year, code, for_city_staff, language)
        for year in reversed(dashboard_years(today))  # the latest years first: the ones opened most
        for code, for_city_staff in scopes
        for language in languages
    ]


@shared_task(name="reporting.dashboard.fill_dashboards", soft_time_limit=600, time_limit=660)
def fill_dashboards() -> int:
    """Beat (nightly), after migrations and after ``seed_demo``: queue the computation of every
    dashboard whose figures are missing or older than the data (one job each, none twice), the
    latest years first. At most ``FILL_BATCH`` at a time, followed by another run of this task
    for the rest: a report or an import requested meanwhile waits behind a few dashboards, not
    behind thousands. Returns how many this run queued."""
    from .enterprise_dashboard import fill_enterprise_dashboards

    generation = _current_generation(cache.get_many([_generation_key()]))
    # The enterprises' own figures: one job computes those missing or out of date, in batches.
    if cache.add(f"{_prefix()}:enterprises:queued:{generation}", timezone.now().isoformat(), QUEUED_SECONDS):
        fill_enterprise_dashboards.delay()
    stored = dict(DashboardSnapshot.objects.filter(name__startswith="figures:").values_list("name", "data__generation"))
    queued = 0
    for year, code, for_city_staff, language in dashboard_keys():
        if stored.get(_figures_name(year, code, for_city_staff, language)) == generation:
            continue
        queued += queue_refresh(year, code, for_city_staff, language, generation)[1]
        if queued >= FILL_BATCH:  # the rest after these, and after any job queued meanwhile
            fill_dashboards.delay()
            break
    return queued


def schedule_fill() -> bool:
    """Queue ``fill_dashboards`` for a worker (after migrations and after ``seed_demo``). Nothing
    is computed here: when tasks run in-process (no broker, development) nothing is queued, and
    each dashboard is computed when first opened. True when queued."""
    from cleanprod.celery import app

    if app.conf.task_always_eager:
        return False
    try:
        fill_dashboards.delay()
    except Exception:  # the queue is unavailable: the nightly fill does it
        log.warning("Dashboard figures could not be queued", exc_info=True)
        return False
    return True


def _after_migrate(sender, **kwargs) -> None:
    if "plan" not in kwargs:  # a flush (tests) sends post_migrate too: no migration ran
        return
    transaction.on_commit(schedule_fill, using=kwargs.get("using"))


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
        assessments.DataCall,
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
    from django.apps import apps

    post_migrate.connect(_after_migrate, sender=apps.get_app_config("reporting"), dispatch_uid="dashboard-migrate")
