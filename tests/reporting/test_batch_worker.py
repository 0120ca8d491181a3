"""The year-end batch and the asynchronous year lock with a real Celery worker (a separate process,
started by pidfile and stopped by its PID: the ``worker`` fixture of ``test_worker.py``)."""

from __future__ import annotations

import pytest
from celery.signals import before_task_publish

from enterprises.models import District
from reporting import services
from reporting.models import BatchFigures, ReportJob, YearSnapshot
from tests.processes import wait_for

from .test_worker import worker  # noqa: F401 - the fixture

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _finished(ids: list[int]):
    rows = list(ReportJob.objects.filter(pk__in=ids))
    return rows if rows and all(r.is_finished for r in rows) else None


def test_a_real_worker_builds_the_year_end_batch_sent_as_one_group(worker, world, doit_user):  # noqa: F811
    sent: list[str] = []

    def record(sender=None, headers=None, **kwargs):
        sent.append(sender)

    before_task_publish.connect(record, weak=False)
    try:
        jobs = services.report_request_all(by=doit_user, year=2024, formats=["xlsx"])
    finally:
        before_task_publish.disconnect(record)
    scopes = District.objects.filter(active=True).count() + 1
    assert len(jobs) == scopes
    # One message: the figures of every scope, in one pass, which then sends the group of builds.
    assert sent == ["reporting.tasks.compute_batch_figures"]

    rows = wait_for(lambda: _finished([j.pk for j in jobs]), 180, "the worker to build the batch")
    assert {r.status for r in rows} == {"done"}, [r.error for r in rows if r.error]
    assert all(r.attempts == 1 and r.progress == 100 for r in rows)
    assert BatchFigures.objects.filter(batch=jobs[0].batch_id).count() == scopes


def test_a_real_worker_stores_a_locked_years_figures_then_builds_its_final_reports(worker, world, doit_user):  # noqa: F811
    services.year_lock(year=2024, by=doit_user)
    assert not YearSnapshot.objects.exists()  # the request stored nothing
    ids = list(ReportJob.objects.filter(final=True).values_list("pk", flat=True))
    rows = wait_for(lambda: _finished(ids), 120, "the worker to build the final reports")
    assert [r.status for r in rows] == ["done", "done"], [r.error for r in rows]
    assert YearSnapshot.objects.count() == District.objects.count() + 1
