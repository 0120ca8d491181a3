"""Celery tasks of the reporting app: thin wrappers taking ids and calling ``reporting.services``.

``build_report`` has soft and hard time limits, retries transient errors (database connection,
Redis) a bounded number of times, and marks the job failed with a readable error otherwise.
``sweep_stale_reports`` runs from Celery beat and takes back the jobs whose build stopped;
``dispatch_queued_reports`` sends the jobs the queue could not take while Redis was down;
``sweep_abandoned_imports`` deletes import uploads never applied.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import translation
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from . import services

log = logging.getLogger(__name__)

TRANSIENT_ERRORS = (OperationalError, InterfaceError, RedisError)
MAX_RETRIES = 5  # 5 + 10 + 20 + 40 + 60 s: a database restart fits well within it


def readable_error(exc: BaseException) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        if isinstance(exc, SoftTimeLimitExceeded):
            return _("The report took too long to build (more than %(minutes)s minutes) and was stopped.") % {
                "minutes": services.BUILD_SOFT_TIME_LIMIT // 60
            }
        if isinstance(exc, TRANSIENT_ERRORS):
            return _("The database or the task queue was unavailable (%(error)s). Request the report again.") % {
                "error": type(exc).__name__
            }
        detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        return _("The report could not be built: %(error)s") % {"error": detail}


class ReportTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        job_id = args[0] if args else kwargs.get("job_id")
        if job_id is None:
            return
        log.error("report job %s failed: %r", job_id, exc)
        try:
            services.report_fail(job_id=job_id, error=readable_error(exc))
        except Exception:  # the database may be the problem; the sweep will fail the job later
            log.exception("could not mark report job %s failed", job_id)


@shared_task(
    bind=True,
    base=ReportTask,
    name="reporting.tasks.build_report",
    soft_time_limit=services.BUILD_SOFT_TIME_LIMIT,
    time_limit=services.BUILD_TIME_LIMIT,
    max_retries=MAX_RETRIES,
    acks_late=True,
)
def build_report(self, job_id: int, claimed: int | None = None) -> str | None:
    """Build one report job. A transient error (the database restarting, Redis) retries the
    task, boundedly; the retry carries the attempt it held (``claimed``), so it takes the job
    back in place even when the job could not be released while the database was down."""
    attempt = claimed  # kept for the next retry if even the claim fails (the database is still down)
    try:
        attempt = services.report_claim(job_id=job_id, resume=claimed)
        if attempt is None:
            log.info("report job %s not claimed (not queued)", job_id)
            return None
        job = services.report_build(job_id=job_id, attempt=attempt)
    except TRANSIENT_ERRORS as exc:
        if attempt is not None:  # this task holds the job: free it, or resume it in place later
            try:
                services.report_release(job_id=job_id, error=readable_error(exc), attempt=attempt)
            except Exception:  # noqa: BLE001 - the database is down: the retry resumes the job in place
                log.warning("could not release report job %s for a retry; it resumes in place", job_id)
        countdown = min(60, 5 * 2**self.request.retries)
        raise self.retry(exc=exc, countdown=countdown, args=[job_id], kwargs={"claimed": attempt}) from exc
    return job.status if job is not None else None


@shared_task(
    name="reporting.tasks.compute_batch_figures",
    soft_time_limit=services.BUILD_SOFT_TIME_LIMIT,
    time_limit=services.BUILD_TIME_LIMIT,
    acks_late=True,  # held in the queue until it ends (the dispatch sweep sees its jobs are waiting)
    ignore_result=True,  # the stored figures are its result: nothing waits on the result backend
)
def compute_batch_figures(batch_id: int) -> int:
    """The figures of every scope of a year-end batch, in one pass, before its report jobs
    (``reporting.batches``). Never fails the batch: on any error the jobs that follow compute
    their own figures, as a single report does."""
    from .batches import store_batch_figures

    try:
        return store_batch_figures(batch_id)
    except Exception:  # noqa: BLE001 - the jobs fall back to computing their own figures
        log.exception("year-end batch %s: figures not computed in one pass; each job computes its own", batch_id)
        return 0


@shared_task(name="reporting.tasks.sweep_stale_reports", soft_time_limit=60, time_limit=90)
def sweep_stale_reports(older_than_seconds: int | None = None) -> int:
    older_than = timedelta(seconds=older_than_seconds) if older_than_seconds is not None else None
    return services.report_sweep_stale(older_than=older_than)


@shared_task(name="reporting.tasks.dispatch_queued_reports", soft_time_limit=60, time_limit=90)
def dispatch_queued_reports(grace_seconds: int | None = None) -> int:
    """Beat: send again the queued jobs that the queue could not take (Redis was down)."""
    if grace_seconds is None:
        return services.report_dispatch_queued()
    return services.report_dispatch_queued(grace=timedelta(seconds=grace_seconds))


@shared_task(name="reporting.tasks.sweep_abandoned_imports", soft_time_limit=300, time_limit=360)
def sweep_abandoned_imports() -> int:
    """Beat: delete import uploads that were previewed but never applied, after a day."""
    from cleanprod.housekeeping import purge_abandoned_imports

    return purge_abandoned_imports()


@shared_task(name="reporting.tasks.sweep_unreferenced_files", soft_time_limit=600, time_limit=660)
def sweep_unreferenced_files() -> int:
    """Beat: delete report and evidence files no row refers to (and partial writes) after a day,
    and forget the tokens of forms submitted more than a day ago."""
    from accounts.submissions import purge_form_submissions
    from cleanprod.housekeeping import purge_unreferenced_files

    purge_form_submissions()
    return purge_unreferenced_files()
