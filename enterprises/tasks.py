"""Celery tasks of the enterprises app: thin wrappers taking ids and calling a service.

``run_import`` runs the phase an import job is in (``enterprises.imports.jobs``): the preview of
an uploaded spreadsheet, or, once confirmed, its writing. Any importer of the portal runs here.
"""

from __future__ import annotations

import logging

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import translation
from django.utils.translation import gettext as _

from .imports import jobs

log = logging.getLogger(__name__)


def readable_error(exc: BaseException) -> str:
    if isinstance(exc, SoftTimeLimitExceeded):
        return _("The import took too long (more than %(minutes)s minutes) and was stopped. Nothing was saved.") % {
            "minutes": jobs.SOFT_TIME_LIMIT // 60
        }
    return _("The import could not be completed (%(error)s). Nothing was saved.") % {"error": type(exc).__name__}


class ImportTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        job_id = args[0] if args else kwargs.get("job_id")
        if job_id is None:
            return
        log.error("import job %s failed: %r", job_id, exc)
        from .models import ImportJob

        try:
            language = ImportJob.objects.filter(pk=job_id).values_list("language", flat=True).first() or "vi"
            with translation.override(language):
                jobs.import_job_fail(job_id=job_id, error=readable_error(exc))
        except Exception:  # the database may be the problem; the daily sweep fails the job later
            log.exception("could not mark import job %s failed", job_id)


@shared_task(
    bind=True,
    base=ImportTask,
    name="enterprises.tasks.run_import",
    soft_time_limit=jobs.SOFT_TIME_LIMIT,
    time_limit=jobs.TIME_LIMIT,
    acks_late=True,
)
def run_import(self, job_id: int) -> str | None:
    return jobs.import_job_run(job_id=job_id)
