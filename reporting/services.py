"""Writes and workflows of the reporting app: action plans and targets, and report jobs.

A report job is a row with a status (``queued → running → done | failed``). ``report_request``
creates the rows and enqueues one Celery task per row after the transaction commits;
``report_build`` claims a row with a conditional update (0 rows updated = another worker has it,
or it is finished) and builds its file; ``report_sweep_stale`` fails the jobs whose worker died.
"""

from __future__ import annotations

import functools
import logging
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cleanprod.files import private_save
from enterprises.models import Commune, District
from notifications.models import Event
from notifications.services import notify
from periods.models import YearLock, YearLockEvent
from periods.selectors import year_guard

from .areas import batch_units
from .issued import discard_issued
from .models import (
    ActionPlan,
    EstablishmentCount,
    Funding,
    Indicator,
    IndicatorValue,
    ModelEnterpriseRule,
    ReportBatch,
    ReportEdition,
    ReportJob,
    Target,
    YearSnapshot,
)

if TYPE_CHECKING:
    from accounts.models import User

log = logging.getLogger(__name__)
ProgressCallback = Callable[[int], None]

# Hard time limit of the build task (seconds); the sweep fails running jobs older than this.
BUILD_SOFT_TIME_LIMIT = 240
BUILD_TIME_LIMIT = 300
FIRST_REPORT_YEAR = 2009  # Decision 1419/QĐ-TTg


class JobNotClaimed(Exception):
    """The job is not queued (another worker has it, or it is finished or gone)."""


# --------------------------------------------------------------------------- plans and targets


def _check_plan_manager(by: User) -> None:
    if not by.has_perm("reporting.manage_plans"):
        raise PermissionDenied


@transaction.atomic
def action_plan_create(*, by: User, data: dict) -> ActionPlan:
    _check_plan_manager(by)
    plan = ActionPlan(**data)
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def action_plan_update(
    *, by: User, plan: ActionPlan, data: dict, targets: Sequence[dict] = (), delete: Sequence[Target] = ()
) -> ActionPlan:
    """Change the plan and, in the same transaction, its targets (see ``targets_save``)."""
    _check_plan_manager(by)
    for name, value in data.items():
        setattr(plan, name, value)
    plan.full_clean()
    plan.save()
    if targets or delete:
        targets_save(by=by, plan=plan, rows=targets, delete=delete)
    return plan


@transaction.atomic
def targets_save(*, by: User, plan: ActionPlan, rows: Sequence[dict], delete: Sequence[Target] = ()) -> list[Target]:
    """Create or update the plan's targets (``rows``: dicts with ``indicator``, ``year``,
    ``value``, ``note`` and optionally ``instance``) and delete ``delete``; all or nothing."""
    _check_plan_manager(by)
    for target in delete:
        if target.plan_id != plan.pk:
            raise PermissionDenied
        target.delete()
    saved = []
    for row in rows:
        target = row.get("instance") or Target(plan=plan)
        if target.plan_id != plan.pk:
            raise PermissionDenied
        for name in ("indicator", "year", "value", "value_max", "source", "note"):
            setattr(target, name, row.get(name, getattr(target, name)))
        target.full_clean()
        target.save()
        saved.append(target)
    return saved


@transaction.atomic
def indicator_save(
    *,
    by: User,
    indicator: Indicator,
    data: dict,
    values: Sequence[dict] = (),
    delete: Sequence[IndicatorValue] = (),
) -> Indicator:
    """Create or change an indicator (a built-in one keeps its code and measure) and, in the same
    transaction, the figures entered for it (``values``: dicts with ``year``, ``value``,
    ``source`` and optionally ``instance``)."""
    _check_plan_manager(by)
    sectors = data.pop("sectors", None)
    for name, value in data.items():
        if indicator.built_in and name in ("code", "measure"):
            continue
        setattr(indicator, name, value)
    indicator.full_clean()
    indicator.save()
    if sectors is not None:
        indicator.sectors.set(sectors)
        indicator.full_clean()  # the sector filter is known once set
    for old in delete:
        if old.indicator_id != indicator.pk:
            raise PermissionDenied
        old.delete()
    for row in values:
        entered = row.get("instance") or IndicatorValue(indicator=indicator)
        if entered.indicator_id != indicator.pk:
            raise PermissionDenied
        for name in ("year", "value", "source"):
            setattr(entered, name, row[name])
        entered.full_clean()
        entered.save()
    return indicator


@transaction.atomic
def report_inputs_save(
    *,
    by: User,
    year: int,
    establishments: Sequence[EstablishmentCount] = (),
    funding: Sequence[Funding] = (),
    delete: Sequence[EstablishmentCount | Funding] = (),
    min_toe=None,
    min_vnd=None,
) -> None:
    """Save the figures DOIT enters for the report of ``year``: counts of industrial
    establishments, the programme's funding and the model-enterprise thresholds (none: no list)."""
    _check_plan_manager(by)
    for old in delete:
        if old.year != year:
            raise PermissionDenied
        old.delete()
    rows: list[EstablishmentCount | Funding] = [*establishments, *funding]
    for row in rows:
        if row.pk and row.year != year:
            raise PermissionDenied
        row.year = year
        row.full_clean()
        row.save()
    if min_toe is None and min_vnd is None:
        ModelEnterpriseRule.objects.filter(year=year).delete()
    else:
        rule, _created = ModelEnterpriseRule.objects.get_or_create(year=year)
        rule.min_toe, rule.min_vnd = min_toe or 0, min_vnd or 0
        rule.full_clean()
        rule.save()


# --------------------------------------------------------------------------- report jobs


def report_years(today=None) -> range:
    """Years a report can be requested for: from the national strategy to the current year."""
    today = today or timezone.localdate()
    return range(FIRST_REPORT_YEAR, today.year + 1)


Unit = District | Commune  # the scope of a report: a district (or former district) or a commune


def allowed_district(by: User, district: Unit | None) -> Unit | None:
    """The unit a user's report is for (``accounts.scope``): the city any (or the whole city);
    an officer only their commune."""
    scope = by.scope
    if scope.is_city:
        return district
    if scope.is_unit:
        if district is not None and not (isinstance(district, Commune) and scope.covers_commune(district.pk)):
            raise PermissionDenied
        return by.commune
    raise PermissionDenied


def _unit_fields(unit: Unit | None) -> dict[str, Any]:
    """The job's scope fields for ``unit``."""
    return {
        "district": unit if isinstance(unit, District) else None,
        "commune": unit if isinstance(unit, Commune) else None,
    }


@transaction.atomic
def report_request(
    *, by: User, year: int, district: Unit | None, formats: Sequence[str], final: bool = False
) -> list[ReportJob]:
    """Create one job per format and enqueue its build once the transaction commits. A job for
    the same year, scope, format (and finality) that is still queued or running is reused, not
    doubled. ``final`` jobs are the final report of a locked year (``year_lock`` asks for them)."""
    district = allowed_district(by, district)
    if final and not by.has_perm("reporting.lock_year"):
        raise PermissionDenied
    formats = _check_request(year=year, formats=formats)
    jobs = []
    for fmt in formats:
        job, created = _job_for(by=by, year=year, district=district, fmt=fmt, final=final)
        if created or (job.status == ReportJob.Status.QUEUED and job.dispatched_at is None):
            # New, or waiting since the queue could not take it: send it (again) after commit.
            transaction.on_commit(functools.partial(_enqueue, job))
        jobs.append(job)
    return jobs


def _job_for(*, by: User, year: int, district: Unit | None, fmt: str, final: bool) -> tuple[ReportJob, bool]:
    """The unfinished job of that year, scope, format and finality, or a new queued one (True).
    The database allows one unfinished job per report (``reportjob_one_unfinished``): when a
    concurrent request (a double click) inserts it first, this insert waits for that transaction
    and then fails, and the job it created is returned instead."""
    existing = _unfinished_twin(year=year, district=district, fmt=fmt, final=final)
    if existing is not None:
        return existing, False
    job = ReportJob(
        year=year,
        **_unit_fields(district),
        format=fmt,
        requester=by,
        final=final,
        celery_task_id=str(uuid.uuid4()),
    )
    job.full_clean(validate_constraints=False)  # the constraint is the database's to check
    try:
        with transaction.atomic():
            job.save()
    except IntegrityError:
        existing = _unfinished_twin(year=year, district=district, fmt=fmt, final=final)
        if existing is None:
            raise
        return existing, False
    return job, True


def _unfinished_twin(*, year: int, district: Unit | None, fmt: str, final: bool) -> ReportJob | None:
    job = (
        ReportJob.objects.select_for_update()
        .unfinished()
        .filter(year=year, **_unit_fields(district), format=fmt, final=final)
        .order_by("-created_at")
        .first()
    )
    if job is not None:
        job.reused = True
    return job


def _check_request(*, year: int, formats: Sequence[str]) -> list[str]:
    if year not in report_years():
        raise ValidationError({"year": _("Choose a year between %(first)s and %(last)s.") % _year_bounds()})
    valid = {choice for choice, _label in ReportJob.Format.choices}
    formats = list(dict.fromkeys(formats))
    if not formats or not set(formats) <= valid:
        raise ValidationError({"formats": _("Choose PDF, Excel or both.")})
    return formats


@transaction.atomic
def report_request_all(*, by: User, year: int, formats: Sequence[str]) -> list[ReportJob]:
    """The year-end batch (DOIT): the city report and the report of every active district for
    ``year``, in each of ``formats``: one job per scope and format, built by ONE Celery group sent
    once the transaction commits, so that as many workers as there are share the work. Jobs of the
    same kind still queued or running are reused (and not sent again). The city job comes first."""
    if not (by.scope.is_city and by.has_perm("reporting.request_report")):
        raise PermissionDenied
    formats = _check_request(year=year, formats=formats)
    jobs: list[ReportJob] = []
    new: list[ReportJob] = []
    for district in [None, *batch_units(year)]:
        for fmt in formats:
            job, created = _job_for(by=by, year=year, district=district, fmt=fmt, final=False)
            jobs.append(job)
            if created:
                new.append(job)
    batch = _batch_attach(by=by, year=year, jobs=jobs)
    if new:
        # The figures of every scope first, in one pass (``reporting.batches``), then the files.
        figures_of = batch.pk if batch is not None and all(job.batch_id == batch.pk for job in new) else None
        transaction.on_commit(functools.partial(_enqueue_group, new, figures_of=figures_of))
    log.info("year-end batch %s by %s: %s jobs (%s new)", year, by.pk, len(jobs), len(new))
    return jobs


# --------------------------------------------------------------------------- the edition DOIT issues

EDITION_FIELDS = (
    "number",
    "issue_date",
    "addressees",
    "recipients",
    "signer_name",
    "signer_title",
    *ReportEdition.SECTIONS,
)


def _check_edition_manager(by: User) -> None:
    if not by.has_perm("reporting.lock_year"):
        raise PermissionDenied


@transaction.atomic
def edition_create(*, by: User, year: int, district: District | None = None) -> ReportEdition:
    """The draft edition of the report of ``year`` and scope, its narrative sections started from
    drafts written from the figures (``reporting.narrative``); the existing one if there is one."""
    from .document import DEFAULT_ADDRESSEES, DEFAULT_RECIPIENTS, DEFAULT_SIGNER_TITLE
    from .indicators import compute
    from .narrative import drafts

    _check_edition_manager(by)
    if year not in report_years():
        raise ValidationError({"year": _("Choose a year between %(first)s and %(last)s.") % _year_bounds()})
    existing = ReportEdition.objects.select_for_update().filter(year=year, district=district).order_by("pk").first()
    if existing is not None:
        return existing
    with translation.override("vi"):
        sections = drafts(compute(year, district))
    edition = ReportEdition(
        year=year,
        district=district,
        addressees="\n".join(DEFAULT_ADDRESSEES),
        recipients="\n".join(DEFAULT_RECIPIENTS),
        signer_title=DEFAULT_SIGNER_TITLE,
        created_by=by,
        **sections,
    )
    edition.full_clean()
    edition.save()
    return edition


@transaction.atomic
def edition_update(*, by: User, edition: ReportEdition, data: dict) -> ReportEdition:
    """Change a draft edition (an issued one is frozen: its files rebuild byte for byte)."""
    _check_edition_manager(by)
    edition = ReportEdition.objects.select_for_update().order_by().get(pk=edition.pk)
    if edition.is_issued:
        raise ValidationError(_("This report is issued and can no longer be changed; reopen the year to change it."))
    for name in EDITION_FIELDS:
        if name in data:
            setattr(edition, name, data[name])
    edition.full_clean()
    edition.save()
    return edition


@transaction.atomic
def edition_issue(*, by: User, edition: ReportEdition) -> ReportEdition:
    """draft → issued: the edition needs its number and date; the year is locked (the period
    lock, unless it is locked already) and the final files of the edition's scope are requested in
    PDF, Word and Excel."""
    _check_edition_manager(by)
    edition = ReportEdition.objects.select_for_update().order_by().get(pk=edition.pk)
    if edition.is_issued:
        raise ValidationError(_("This report is already issued."))
    missing = {}
    if not edition.number.strip():
        missing["number"] = _("Give the report its number before issuing it.")
    if edition.issue_date is None:
        missing["issue_date"] = _("Give the report its issue date before issuing it.")
    if missing:
        raise ValidationError(missing)
    if not YearLock.objects.is_locked(edition.year):
        year_lock(year=edition.year, by=by, note=_("Report %(number)s issued.") % {"number": edition.number})
    edition.status = ReportEdition.Status.ISSUED
    edition.issued_by = by
    edition.issued_at = timezone.now()
    edition.full_clean()
    edition.save()
    report_request(
        by=by,
        year=edition.year,
        district=edition.district,
        formats=[ReportJob.Format.PDF, ReportJob.Format.DOCX, ReportJob.Format.XLSX],
        final=True,
    )
    return edition


def _batch_attach(*, by: User, year: int, jobs: Sequence[ReportJob]) -> ReportBatch | None:
    """Group the batch's jobs under one ``ReportBatch`` (one archive row, one e-mail). Jobs that
    belong to an unfinished batch already (the same batch asked for twice) stay in it; when all
    of them do, that batch is the answer and no new one is made."""
    loose = [job for job in jobs if job.batch_id is None]
    if not loose:
        return jobs[0].batch if jobs else None
    batch = ReportBatch(year=year, requester=by)
    batch.full_clean()
    batch.save()
    ReportJob.objects.filter(pk__in=[job.pk for job in loose]).update(batch=batch)
    for job in loose:
        job.batch = batch
    return batch


# --------------------------------------------------------------------------- period locking


def lockable_years(today=None) -> range:
    """Years whose final report can be issued: those that have ended."""
    years = report_years(today)
    return range(years.start, years.stop - 1)


@transaction.atomic
def year_lock(*, year: int, by: User, note: str = "") -> YearLock:
    """DOIT issues the final report of ``year`` (DESIGN.md §10): the year is locked (its
    assessments and savings reports can no longer change), the lock is recorded, and the city
    report is requested in both formats, marked final. Storing the year's figures
    (``reporting.snapshots``, several seconds to minutes of queries) is not done here but by the
    first build of a report of the locked year, in the worker (``year_snapshot_ensure``): the
    request only writes the lock and queues the jobs, whose progress the reports page shows."""
    if not by.has_perm("reporting.lock_year"):
        raise PermissionDenied
    years = lockable_years()
    if year not in years:
        raise ValidationError(
            {
                "year": _("The final report can be issued for a year that has ended (%(first)s–%(last)s).")
                % {"first": years.start, "last": years.stop - 1}
            }
        )
    # Wait for the writes under way on this year; writes that start now wait for this lock.
    year_guard(year, exclusive=True)
    if YearLock.objects.is_locked(year):
        raise ValidationError({"year": _("Year %(year)s is already locked.") % {"year": year}})
    note = (note or "").strip()
    lock = YearLock(year=year, locked_by=by, note=note)
    lock.full_clean()
    lock.save()
    YearLockEvent.objects.create(year=year, action=YearLockEvent.Action.LOCK, by=by, at=lock.locked_at, comment=note)
    report_request(by=by, year=year, district=None, formats=[ReportJob.Format.PDF, ReportJob.Format.XLSX], final=True)
    log.info("year %s locked by %s", year, by.pk)
    return lock


def year_snapshot_ensure(*, year: int, progress: ProgressCallback | None = None) -> bool:
    """Store the figures of ``year`` if it is locked and they are not stored yet (True when this
    call stored them). Every build of a report of a locked year calls this first, so that no
    report of a locked year is ever built from the live tables. Concurrent callers serialise on
    the lock's row: the first stores the figures, the others wait for it and find them stored. A
    worker that dies meanwhile rolls its transaction back; the next build stores them."""
    from .snapshots import take_snapshot

    state = (
        YearLock.objects.filter(year=year)
        .annotate(stored=Exists(YearSnapshot.objects.filter(lock=OuterRef("pk"))))
        .values_list("stored", flat=True)
        .first()
    )
    if state is None or state:  # not locked, or stored already (one query)
        return False
    with transaction.atomic():
        lock = YearLock.objects.select_for_update().filter(year=year).first()
        if lock is None or YearSnapshot.objects.filter(lock=lock).exists():
            return False
        started = time.monotonic()
        take_snapshot(lock, progress=progress)
    log.info("figures of locked year %s stored in %.1f s", year, time.monotonic() - started)
    return True


@transaction.atomic
def year_reopen(*, year: int, by: User, comment: str) -> YearLockEvent:
    """DOIT reopens a locked year, saying why: its records can be changed again and its stored
    figures are discarded (locking it again takes new ones). The reopening is recorded."""
    if not by.has_perm("reporting.lock_year"):
        raise PermissionDenied
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say why the year is reopened: the reason is recorded.")})
    year_guard(year, exclusive=True)
    lock = YearLock.objects.select_for_update().filter(year=year).first()
    if lock is None:
        raise ValidationError({"year": _("Year %(year)s is not locked.") % {"year": year}})
    lock.delete()  # its snapshot and stored lines go with it
    discard_issued(year)  # the editions become drafts: their kept files go
    ReportEdition.objects.filter(year=year, status=ReportEdition.Status.ISSUED).update(
        status=ReportEdition.Status.DRAFT, issued_at=None, issued_by=None
    )
    event = YearLockEvent(year=year, action=YearLockEvent.Action.REOPEN, by=by, comment=comment)
    event.full_clean()
    event.save()
    log.info("year %s reopened by %s", year, by.pk)
    return event


def _queue_errors() -> tuple[type[BaseException], ...]:
    """What sending a task raises when the broker (Redis) is down or unreachable."""
    from kombu.exceptions import OperationalError as BrokerError
    from redis.exceptions import RedisError

    return (BrokerError, RedisError, OSError)


def _is_queue_error(exc: BaseException | None) -> bool:
    """True when ``exc`` or its cause is a broker or Redis outage (Celery wraps some of them,
    e.g. in a RuntimeError once its own retries are spent)."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, _queue_errors()):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _eager() -> bool:
    from cleanprod.celery import app

    return bool(app.conf.task_always_eager)


def _mark_dispatched(jobs: Sequence[ReportJob]) -> None:
    now = timezone.now()
    ReportJob.objects.filter(pk__in=[job.pk for job in jobs]).update(dispatched_at=now)
    for job in jobs:
        job.dispatched_at = now


def _enqueue(job: ReportJob) -> bool:
    """Send the build task; True when the queue took it. If the queue is unavailable (Redis
    down), the job stays ``queued`` with no ``dispatched_at``: the next request of the same
    report or the beat sweep (``report_dispatch_queued``) sends it once the queue is back.
    (With eager Celery the build runs here; a failing build fails its own job.)"""
    from .tasks import build_report, readable_error

    try:
        # The job's row is its result: no task result is stored or waited for.
        build_report.apply_async(args=[job.pk], task_id=job.celery_task_id, ignore_result=True)
    except Exception as exc:
        if _is_queue_error(exc) and not _eager():
            log.warning("task queue unavailable (%r): report job %s stays queued", exc, job.pk)
            job.dispatched_at = None
            return False
        log.exception("could not enqueue report job %s", job.pk)
        report_fail(job_id=job.pk, error=readable_error(exc))
        return False
    _mark_dispatched([job])
    return True


def figures_task_id(batch_id: int) -> str:
    """The task id of the computation of a year-end batch's figures (``tasks.compute_batch_figures``)."""
    return f"reporting-batch-figures-{batch_id}"


def _enqueue_group(jobs: Sequence[ReportJob], *, figures_of: int | None = None) -> None:
    """Send the build tasks of ``jobs`` as one Celery group, after the task that computes the
    figures of the batch ``figures_of`` when given; if the queue is unavailable the jobs stay
    queued for the sweep to send, as in ``_enqueue``; other errors fail them."""
    from celery import chain, group

    from .tasks import build_report, compute_batch_figures, readable_error

    try:
        # The job's row is its result: no task result is stored or waited for.
        builds = group(build_report.si(job.pk).set(task_id=job.celery_task_id, ignore_result=True) for job in jobs)
        if figures_of is not None:
            figures = compute_batch_figures.si(figures_of).set(task_id=figures_task_id(figures_of), ignore_result=True)
            chain(figures, builds).apply_async()
        else:
            builds.apply_async()
    except Exception as exc:
        if _is_queue_error(exc) and not _eager():
            log.warning("task queue unavailable (%r): report jobs %s stay queued", exc, [job.pk for job in jobs])
            return
        log.exception("could not enqueue the group of report jobs %s", [job.pk for job in jobs])
        for job in jobs:
            report_fail(job_id=job.pk, error=readable_error(exc))
        return
    _mark_dispatched(jobs)


def _year_bounds() -> dict:
    years = report_years()
    return {"first": years.start, "last": years.stop - 1}


def _set_progress(job_id: int, pct: int) -> None:
    ReportJob.objects.filter(pk=job_id, status=ReportJob.Status.RUNNING).update(progress=max(1, min(99, pct)))


class _JobProgress:
    """A build's progress callback: never goes back, and scales the build's own 0–100 into what is
    left after ``offset`` (the share already spent storing a locked year's figures)."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.offset = 0
        self.shown = 0

    def __call__(self, pct: int) -> None:
        value = self.offset + pct * (100 - self.offset) // 100
        if value > self.shown:
            self.shown = value
            _set_progress(self.job_id, value)


def build_file(
    *, year: int, district: Unit | None, fmt: str, stream: IO[bytes], progress=None, batch_id: int | None = None
) -> None:
    """Compute the figures and write the report in ``fmt`` to ``stream`` (shared by the Celery
    task and ``manage.py build_report``). A locked year's file is byte-for-byte the same every
    time it is built: its figures are stored, and the dates inside the file (PDF metadata, Excel
    document properties and zip entries, the issue date) are the lock's, not the build's; the
    files of an issued edition are kept as first built and served as kept. ``fmt`` ``lines`` is
    the detailed data of the year and scope (``reporting.detail``), not part of an edition."""
    from .builders import build
    from .issued import issued_edition, write_issued
    from .report_data import gather
    from .snapshots import stored_version

    if fmt == ReportJob.Format.LINES:  # the detailed data: the lines alone, no figures computed
        from .builders.lines import build_lines_xlsx
        from .detail import gather_lines

        build_lines_xlsx(gather_lines(year, district), stream, progress=progress)
        return

    def build_into(out: IO[bytes]) -> None:
        with translation.override("vi"):
            data = gather(year, district, progress=progress, batch_id=batch_id)
            build(fmt, data, out, progress=progress)

    # An issued edition's files are kept as first built and served as kept (``reporting.issued``).
    edition = issued_edition(year, district)
    if edition is None:
        build_into(stream)
        return
    write_issued(edition, fmt, stream, build_into, stored_version(year, district))


def report_claim(*, job_id: int, resume: int | None = None) -> int | None:
    """queued → running, atomically; returns the attempt number this claim holds, or None when the
    job is not queued any more. ``resume`` (the attempt a build held when a transient error stopped
    it) also takes back a job still ``running`` under that same attempt: the retry of a build cut
    by a database restart carries on in place. Any other claim since then changed the attempt
    number, so two builds of one job never run at once."""
    can_claim = Q(status=ReportJob.Status.QUEUED)
    if resume is not None:
        can_claim |= Q(status=ReportJob.Status.RUNNING, attempts=resume)
    now = timezone.now()
    claimed = ReportJob.objects.filter(can_claim, pk=job_id).update(
        status=ReportJob.Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        finished_at=None,
        progress=1,
        error="",
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return None
    return ReportJob.objects.filter(pk=job_id).values_list("attempts", flat=True).get()


def report_build(*, job_id: int, attempt: int | None = None) -> ReportJob | None:
    """Build the file of a job claimed under ``attempt`` (claimed here when None) into storage
    and mark it done; None when someone else has it. While it builds, a heartbeat tells the sweep
    the build is alive. Exceptions propagate (the task retries transient ones, in place, and fails
    the job otherwise)."""
    from .heartbeat import Heartbeat

    if attempt is None:
        attempt = report_claim(job_id=job_id)
        if attempt is None:
            log.info("report job %s not claimed (not queued)", job_id)
            return None
    job = ReportJob.objects.select_related("district", "commune", "requester").get(pk=job_id)
    progress = _JobProgress(job_id)
    with Heartbeat(job_id=job_id, attempt=attempt):
        # A locked year's figures are stored first (by the first build after the lock): 1–50 %.
        if year_snapshot_ensure(year=job.year, progress=lambda pct: progress(pct // 2)):
            progress.offset = 50
        with tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024) as stream:
            build_file(
                year=job.year,
                district=job.unit,
                fmt=job.format,
                stream=stream,
                progress=progress,
                batch_id=job.batch_id,
            )
            stream.seek(0)
            name = job.file.field.generate_filename(job, f"report.{job.format}")
            name = private_save(name, stream, storage=job.file.storage, max_length=job.file.field.max_length)
    with transaction.atomic():
        done = ReportJob.objects.filter(pk=job_id, status=ReportJob.Status.RUNNING, attempts=attempt).update(
            status=ReportJob.Status.DONE, file=name, progress=100, finished_at=timezone.now(), error=""
        )
        if not done:
            # The sweep failed or re-queued the job meanwhile: this file is not served; do not keep it.
            job.file.storage.delete(name)
            log.warning("report job %s finished after the sweep took it back; file discarded", job_id)
            return None
        transaction.on_commit(lambda: _notify_done(job_id))
    job.refresh_from_db()
    return job


def report_release(*, job_id: int, error: str, attempt: int | None = None) -> None:
    """running → queued, so that a retry of the task (already sent) can claim the job again."""
    running = ReportJob.objects.filter(pk=job_id, status=ReportJob.Status.RUNNING)
    if attempt is not None:
        running = running.filter(attempts=attempt)
    running.update(status=ReportJob.Status.QUEUED, progress=0, error=error[:2000], dispatched_at=timezone.now())


def _may_retry(by: User, job: ReportJob) -> bool:
    if not by.has_perm("reporting.request_report"):
        return False
    if job.final:
        return by.has_perm("reporting.lock_year")
    return job.requester_id == by.pk or by.scope.is_city


def report_can_retry(*, by: User, job: ReportJob) -> bool:
    """A failed job can be requested again by whoever requested it and by DOIT staff (a final
    report only by those who may lock a year)."""
    return job.status == ReportJob.Status.FAILED and _may_retry(by, job)


@transaction.atomic
def report_retry(*, by: User, job: ReportJob) -> ReportJob:
    """Queue a failed job again (same year, scope, format and finality; its attempts count on)
    and send it once the transaction commits. If the same report is already queued or running
    (another request, or this same retry clicked twice), that job is returned, marked ``reused``,
    instead of building it twice."""
    locked = ReportJob.objects.select_for_update().get(pk=job.pk)
    if not _may_retry(by, locked):
        raise PermissionDenied
    if not locked.is_finished:
        locked.reused = True
        return locked
    if locked.status != ReportJob.Status.FAILED:
        raise ValidationError(_("Only a failed report can be requested again."))
    twin = _unfinished_twin(year=locked.year, district=locked.unit, fmt=locked.format, final=locked.final)
    if twin is not None:
        return twin
    locked.status = ReportJob.Status.QUEUED
    locked.celery_task_id = str(uuid.uuid4())
    locked.progress = 0
    locked.error = ""
    locked.started_at = locked.finished_at = locked.dispatched_at = locked.heartbeat_at = None
    locked.file = ""
    locked.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError:  # the same report was requested meanwhile: that job builds it
        twin = _unfinished_twin(year=locked.year, district=locked.unit, fmt=locked.format, final=locked.final)
        if twin is None:
            raise
        return twin
    transaction.on_commit(functools.partial(_enqueue, locked))
    log.info("report job %s queued again by %s", locked.pk, by.pk)
    return locked


def report_failed_outstanding(*, by: User) -> list[ReportJob]:
    """The failed jobs ``by`` may request again and nobody has requested since: the latest job of
    its report (year, scope, format and finality) is this failed one. After a year-end batch,
    these can be many more than the job list shows."""
    later = ReportJob.objects.annotate(
        scope=Coalesce("district", Value(0)), commune_key=Coalesce("commune", Value(0))
    ).filter(
        year=OuterRef("year"),
        scope=OuterRef("scope"),
        commune_key=OuterRef("commune_key"),
        format=OuterRef("format"),
        final=OuterRef("final"),
        created_at__gt=OuterRef("created_at"),
    )
    failed = (
        ReportJob.objects.visible_to(by)
        .filter(status=ReportJob.Status.FAILED)
        .annotate(scope=Coalesce("district", Value(0)), commune_key=Coalesce("commune", Value(0)))
        .filter(~Exists(later))
        .select_related("district", "commune", "requester")
        .order_by("year", "scope", "commune_key", "format", "final")
    )
    return [job for job in failed if _may_retry(by, job)]


@transaction.atomic
def report_retry_failed(*, by: User) -> list[ReportJob]:
    """Request again every failed job of ``report_failed_outstanding`` (e.g. the jobs of a
    year-end batch that failed); each is sent once the transaction commits."""
    return [report_retry(by=by, job=job) for job in report_failed_outstanding(by=by)]


# Jobs whose dispatch failed are sent again after this grace (their own dispatch runs right after
# their transaction commits). A job sent more than LOST_AFTER ago and still queued is looked for in
# the broker (``reporting.broker``): when its message is gone (Redis restarted without its data,
# or was flushed) it is sent again. Where the broker cannot be read, a job still queued
# REDISPATCH_AFTER after it was sent is sent once more. A duplicate message is harmless: the job
# is claimed once (``report_claim``).
DISPATCH_GRACE = timedelta(seconds=30)
LOST_AFTER = timedelta(seconds=60)
REDISPATCH_AFTER = timedelta(minutes=30)


def report_dispatch_queued(
    *,
    grace: timedelta = DISPATCH_GRACE,
    lost_after: timedelta = LOST_AFTER,
    again_after: timedelta = REDISPATCH_AFTER,
) -> int:
    """Send the queued jobs the queue never took (dispatch failed while Redis was down) or lost;
    oldest first, stopping at the first failure (the queue is still down). Returns how many were
    sent."""
    from .broker import pending_task_ids

    now = timezone.now()
    never_sent = Q(dispatched_at__isnull=True, created_at__lte=now - grace)
    waiting = ReportJob.objects.filter(status=ReportJob.Status.QUEUED).order_by("created_at", "pk")
    pending = pending_task_ids()
    if pending is None:
        candidates = waiting.filter(never_sent | Q(dispatched_at__lte=now - again_after))
        lost = list(candidates)
    else:
        candidates = waiting.filter(never_sent | Q(dispatched_at__lte=now - lost_after))
        # A year-end batch's jobs wait behind the task computing the batch's figures, which holds
        # them (a chain) until it ends: they are not lost while it is waiting or running.
        lost = [
            job
            for job in candidates
            if (job.dispatched_at is None or job.celery_task_id not in pending)
            and (job.batch_id is None or figures_task_id(job.batch_id) not in pending)
        ]
    sent = 0
    for job in lost:
        if not _enqueue(job):
            break
        sent += 1
    if sent:
        log.warning("sent %s waiting report job(s) to the queue again", sent)
    return sent


def report_fail(*, job_id: int, error: str) -> bool:
    """Mark a queued or running job failed with a readable error; False if it had finished."""
    failed = bool(
        ReportJob.objects.filter(pk=job_id)
        .filter(Q(status=ReportJob.Status.QUEUED) | Q(status=ReportJob.Status.RUNNING))
        .update(status=ReportJob.Status.FAILED, error=error[:2000], finished_at=timezone.now())
    )
    if failed:
        transaction.on_commit(lambda: _notify_done(job_id))
    return failed


# A build that stopped (no heartbeat) is sent again automatically this many times in all, then failed.
MAX_ATTEMPTS = 3


def _database_started_after(moment) -> bool:
    """True when the PostgreSQL server was (re)started after ``moment``."""
    if connection.vendor != "postgresql" or moment is None:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_postmaster_start_time()")
        started = cursor.fetchone()[0]
    return started > moment


def _stale_message(job: ReportJob, *, again: bool) -> str:
    """What happened to a build that stopped showing life, as far as the portal can tell."""
    restarted = _database_started_after(job.heartbeat_at or job.started_at)
    with translation.override(settings.LANGUAGE_CODE):
        if restarted and again:
            return _("The database restarted during the build; the report was sent to be built again automatically.")
        if restarted:
            return _(
                "The database restarted during the build, and the build has now stopped %(attempts)s times. "
                "Request the report again."
            ) % {"attempts": job.attempts}
        if again:
            return _(
                "The build stopped without finishing (its worker stopped responding); the report was sent "
                "to be built again automatically."
            )
        return _(
            "The build stopped without finishing %(attempts)s times (its worker stopped responding, for "
            "example because it ran out of memory). Request the report again."
        ) % {"attempts": job.attempts}


def report_sweep_stale(*, older_than: timedelta | None = None) -> int:
    """Take back the jobs ``running`` without a sign of life for ``older_than`` (a worker that was
    killed, or that lost the database and gave up): each is queued and sent again while it has had
    fewer than ``MAX_ATTEMPTS`` builds, and failed otherwise, with a message saying what
    happened. Returns how many were taken back."""
    from .heartbeat import STALE_AFTER

    older_than = older_than if older_than is not None else STALE_AFTER
    cutoff = timezone.now() - older_than
    stale = ReportJob.objects.filter(status=ReportJob.Status.RUNNING).filter(
        Q(heartbeat_at__lte=cutoff) | Q(heartbeat_at__isnull=True, started_at__lte=cutoff)
    )
    count = 0
    for job in stale:
        again = job.attempts < MAX_ATTEMPTS
        running = ReportJob.objects.filter(pk=job.pk, status=ReportJob.Status.RUNNING, attempts=job.attempts)
        message = _stale_message(job, again=again)
        if again:
            taken = running.update(status=ReportJob.Status.QUEUED, progress=0, error=message, dispatched_at=None)
            if taken:
                _enqueue(ReportJob.objects.get(pk=job.pk))
        else:
            taken = running.update(status=ReportJob.Status.FAILED, error=message, finished_at=timezone.now())
        count += taken
    if count:
        log.warning("took back %s stale report job(s)", count)
    return count


def _notify_done(job_id: int) -> None:
    """A job ended (done or failed), after its transaction committed: its requester is told once
    (a notification, and its e-mail as they chose). A job of a year-end batch says nothing by
    itself; the batch's last job to end tells of the whole batch."""
    job = ReportJob.objects.select_related("district", "commune", "requester").get(pk=job_id)
    if job.batch_id is not None:
        batch_notify_if_complete(batch_id=job.batch_id)
        return
    if job.status != ReportJob.Status.DONE:
        return
    with translation.override(settings.LANGUAGE_CODE):
        label = str(job)
    notify(
        event=Event.REPORT_READY,
        recipients=[job.requester],
        url=reverse("reporting:list") + f"?year={job.year}&format={job.format}",
        params={"object": label},
    )


def batch_notify_if_complete(*, batch_id: int) -> bool:
    """Tell the requester once every job of the batch has ended (True when this call did): one
    notification and one e-mail for the batch, not one per file. Each job calls this after its own
    commit, so the last to end sees them all ended; two ending together both may, and the
    conditional update lets only one of them tell."""
    if ReportJob.objects.filter(batch_id=batch_id).unfinished().exists():
        return False
    with transaction.atomic():
        if not ReportBatch.objects.filter(pk=batch_id, notified_at__isnull=True).update(notified_at=timezone.now()):
            return False
        batch = ReportBatch.objects.select_related("requester").get(pk=batch_id)
        counts = {row["status"]: row["n"] for row in batch.jobs.values("status").annotate(n=Count("pk"))}
        with translation.override(settings.LANGUAGE_CODE):
            label = str(batch)
        notify(
            event=Event.BATCH_READY,
            recipients=[batch.requester],
            url=reverse("reporting:list") + f"?batch={batch.pk}",
            params={
                "object": label,
                "done": counts.get(ReportJob.Status.DONE, 0),
                "failed": counts.get(ReportJob.Status.FAILED, 0),
            },
        )
    return True
