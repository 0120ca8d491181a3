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
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import IO, TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from enterprises.models import District

from .models import ActionPlan, ReportJob, Target, YearLock, YearLockEvent

if TYPE_CHECKING:
    from accounts.models import User

log = logging.getLogger(__name__)

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
        for name in ("indicator", "year", "value", "note"):
            setattr(target, name, row[name])
        target.full_clean()
        target.save()
        saved.append(target)
    return saved


# --------------------------------------------------------------------------- report jobs


def report_years(today=None) -> range:
    """Years a report can be requested for: from the national strategy to the current year."""
    today = today or timezone.localdate()
    return range(FIRST_REPORT_YEAR, today.year + 1)


def allowed_district(by: User, district: District | None) -> District | None:
    """The district a user's report is for: DOIT any (or the city); an officer only theirs."""
    if by.sees_city:
        return district
    if by.is_officer and by.district_id:
        if district is not None and district.pk != by.district_id:
            raise PermissionDenied
        return by.district
    raise PermissionDenied


@transaction.atomic
def report_request(
    *, by: User, year: int, district: District | None, formats: Sequence[str], final: bool = False
) -> list[ReportJob]:
    """Create one job per format and enqueue its build once the transaction commits. A job for
    the same year, scope, format (and finality) that is still queued or running is reused, not
    doubled. ``final`` jobs are the final report of a locked year (``year_lock`` asks for them)."""
    district = allowed_district(by, district)
    if final and not by.has_perm("reporting.lock_year"):
        raise PermissionDenied
    if year not in report_years():
        raise ValidationError({"year": _("Choose a year between %(first)s and %(last)s.") % _year_bounds()})
    valid = {choice for choice, _label in ReportJob.Format.choices}
    formats = list(dict.fromkeys(formats))
    if not formats or not set(formats) <= valid:
        raise ValidationError({"formats": _("Choose PDF, Excel or both.")})
    jobs = []
    for fmt in formats:
        existing = (
            ReportJob.objects.select_for_update()
            .unfinished()
            .filter(year=year, district=district, format=fmt, final=final)
            .order_by("-created_at")
            .first()
        )
        if existing is not None:
            jobs.append(existing)
            continue
        job = ReportJob(
            year=year,
            district=district,
            format=fmt,
            requester=by,
            final=final,
            celery_task_id=str(uuid.uuid4()),
        )
        job.full_clean()
        job.save()
        transaction.on_commit(functools.partial(_enqueue, job))
        jobs.append(job)
    return jobs


# --------------------------------------------------------------------------- period locking


def lockable_years(today=None) -> range:
    """Years whose final report can be issued: those that have ended."""
    years = report_years(today)
    return range(years.start, years.stop - 1)


@transaction.atomic
def year_lock(*, year: int, by: User, note: str = "") -> YearLock:
    """DOIT issues the final report of ``year`` (DESIGN.md §10): the year is locked (its
    assessments and savings reports can no longer change), its figures are stored
    (``reporting.snapshots``) so that its reports are the same every time, the lock is recorded,
    and the city report is requested in both formats, marked final."""
    from .selectors import year_guard
    from .snapshots import take_snapshot

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
    take_snapshot(lock)
    report_request(by=by, year=year, district=None, formats=[ReportJob.Format.PDF, ReportJob.Format.XLSX], final=True)
    log.info("year %s locked by %s", year, by.pk)
    return lock


@transaction.atomic
def year_reopen(*, year: int, by: User, comment: str) -> YearLockEvent:
    """DOIT reopens a locked year, saying why: its records can be changed again and its stored
    figures are discarded (locking it again takes new ones). The reopening is recorded."""
    from .selectors import year_guard

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
    event = YearLockEvent(year=year, action=YearLockEvent.Action.REOPEN, by=by, comment=comment)
    event.full_clean()
    event.save()
    log.info("year %s reopened by %s", year, by.pk)
    return event


def _enqueue(job: ReportJob) -> None:
    """Send the build task; if the queue cannot take it, the job fails with a readable error
    instead of waiting for ever. (With eager Celery the build runs here and fails its own job.)"""
    from .tasks import build_report, readable_error

    try:
        build_report.apply_async(args=[job.pk], task_id=job.celery_task_id)
    except Exception as exc:
        log.exception("could not enqueue report job %s", job.pk)
        report_fail(job_id=job.pk, error=readable_error(exc))


def _year_bounds() -> dict:
    years = report_years()
    return {"first": years.start, "last": years.stop - 1}


def _set_progress(job_id: int, pct: int) -> None:
    ReportJob.objects.filter(pk=job_id, status=ReportJob.Status.RUNNING).update(progress=max(1, min(99, pct)))


def build_file(*, year: int, district: District | None, fmt: str, stream: IO[bytes], progress=None) -> None:
    """Compute the figures and write the report in ``fmt`` to ``stream`` (shared by the Celery
    task and ``manage.py build_report``)."""
    from .builders import build
    from .indicators import compute

    with translation.override("vi"):
        ind = compute(year, district, progress=progress)
        build(fmt, ind, stream, progress=progress)


def report_claim(*, job_id: int) -> bool:
    """queued → running, atomically; False when the job is not queued any more."""
    return bool(
        ReportJob.objects.filter(pk=job_id, status=ReportJob.Status.QUEUED).update(
            status=ReportJob.Status.RUNNING,
            started_at=timezone.now(),
            finished_at=None,
            progress=1,
            error="",
            attempts=F("attempts") + 1,
        )
    )


def report_build(*, job_id: int) -> ReportJob | None:
    """Claim the job, build its file into storage and mark it done; None when someone else has
    it. Exceptions propagate (the task retries transient ones and fails the job otherwise)."""
    if not report_claim(job_id=job_id):
        log.info("report job %s not claimed (not queued)", job_id)
        return None
    job = ReportJob.objects.select_related("district", "requester").get(pk=job_id)
    with tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024) as stream:
        build_file(
            year=job.year,
            district=job.district,
            fmt=job.format,
            stream=stream,
            progress=lambda pct: _set_progress(job_id, pct),
        )
        stream.seek(0)
        name = job.file.field.generate_filename(job, f"report.{job.format}")
        name = job.file.storage.save(name, File(stream), max_length=job.file.field.max_length)
    with transaction.atomic():
        done = ReportJob.objects.filter(pk=job_id, status=ReportJob.Status.RUNNING).update(
            status=ReportJob.Status.DONE, file=name, progress=100, finished_at=timezone.now(), error=""
        )
        if not done:
            # The sweep failed the job meanwhile: its file is not served; do not keep it.
            job.file.storage.delete(name)
            log.warning("report job %s finished after it was failed; file discarded", job_id)
            return None
        transaction.on_commit(lambda: _notify_done(job_id))
    job.refresh_from_db()
    return job


def report_release(*, job_id: int, error: str) -> None:
    """running → queued, so that a retry of the task can claim the job again."""
    ReportJob.objects.filter(pk=job_id, status=ReportJob.Status.RUNNING).update(
        status=ReportJob.Status.QUEUED, progress=0, error=error[:2000]
    )


def report_fail(*, job_id: int, error: str) -> bool:
    """Mark a queued or running job failed with a readable error; False if it had finished."""
    return bool(
        ReportJob.objects.filter(pk=job_id)
        .filter(Q(status=ReportJob.Status.QUEUED) | Q(status=ReportJob.Status.RUNNING))
        .update(status=ReportJob.Status.FAILED, error=error[:2000], finished_at=timezone.now())
    )


def report_sweep_stale(*, older_than: timedelta | None = None) -> int:
    """Fail the jobs still ``running`` longer than the task's hard time limit: their worker died
    (a killed process cannot report its own failure). Returns how many were failed."""
    older_than = older_than if older_than is not None else timedelta(seconds=BUILD_TIME_LIMIT + 60)
    cutoff = timezone.now() - older_than
    with translation.override(settings.LANGUAGE_CODE):
        message = _("The build stopped without finishing (the worker was interrupted). Request the report again.")
    count = ReportJob.objects.filter(status=ReportJob.Status.RUNNING, started_at__lte=cutoff).update(
        status=ReportJob.Status.FAILED, error=message, finished_at=timezone.now()
    )
    if count:
        log.warning("failed %s stale report job(s)", count)
    return count


def _notify_done(job_id: int) -> None:
    job = ReportJob.objects.select_related("district", "requester").get(pk=job_id)
    user = job.requester
    if not user.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Your report is ready: %(report)s") % {"report": str(job)}
        body = _(
            "Hello %(name)s,\n\nThe report you requested (%(report)s) is ready. Download it from the "
            "reports page: %(url)s\n\nHanoi Cleaner Production Portal"
        ) % {
            "name": user.get_full_name(),
            "report": str(job),
            "url": settings.PORTAL_BASE_URL.rstrip("/") + reverse("reporting:list"),
        }
    send_mail(subject, body, None, [user.email], fail_silently=True)
