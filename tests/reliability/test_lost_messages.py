"""Redis comes back without its data (a memory-only Redis restarted, a lost volume, a flush): the
task messages of the jobs already sent are gone. The dispatch sweep looks for each queued job's
message in the broker and sends again only the lost ones, within two minutes; a real worker then
builds each job once.

The restart is injected into a private redis-server without persistence (stopped and started by
its pidfile); the shared Redis is never touched.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings

from reporting import broker, services
from reporting.models import ReportJob

from .conftest import celery_app_on, celery_worker, wait_for

YEAR = 2024


def test_a_lost_message_is_sent_again_within_two_minutes():
    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    every = schedule["reporting.tasks.dispatch_queued_reports"]
    assert services.LOST_AFTER.total_seconds() + every <= 120


def test_the_broker_is_not_read_when_tasks_run_in_process():
    from cleanprod.celery import app

    assert app.conf.task_always_eager  # tests run tasks in-process unless marked as worker tests
    assert broker.pending_task_ids() is None  # the sweep then falls back to the 30-minute rule


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_messages_lost_in_a_redis_restart_are_sent_again_and_each_job_is_built_once(
    world, doit_user, private_redis, private_storage, tmp_path
):
    with celery_app_on(private_redis.url):
        jobs = services.report_request_all(by=doit_user, year=YEAR, formats=["xlsx"])[:4]
        ReportJob.objects.exclude(pk__in=[job.pk for job in jobs]).delete()  # keep the test short
        sent = {job.celery_task_id for job in ReportJob.objects.all()}
        # Waiting in Redis (no worker yet): the batch's figures task, which sends the builds after it.
        assert broker.pending_task_ids() == {services.figures_task_id(jobs[0].batch_id)}
        assert all(job.dispatched_at for job in ReportJob.objects.all())

        # Long enough ago to be looked for, yet their messages are there: nothing is sent again.
        ReportJob.objects.update(dispatched_at=ReportJob.objects.first().dispatched_at - dt.timedelta(minutes=2))
        assert services.report_dispatch_queued() == 0

        private_redis.stop()  # ------------------------------------- Redis restarts without its data
        private_redis.start()
        assert broker.pending_task_ids() == set()
        assert services.report_dispatch_queued() == len(jobs)  # every lost message sent again
        assert sent <= broker.pending_task_ids()
        ReportJob.objects.update(dispatched_at=ReportJob.objects.first().dispatched_at - dt.timedelta(minutes=2))
        assert services.report_dispatch_queued() == 0  # there now: not sent a third time

        # A duplicate message (the worst case: one copy survived somewhere) still builds once.
        from reporting.tasks import build_report

        duplicate = ReportJob.objects.first()
        build_report.apply_async(args=[duplicate.pk], task_id=duplicate.celery_task_id, ignore_result=True)

        with celery_worker(tmp_path, broker_url=private_redis.url, private_root=private_storage):
            wait_for(
                lambda: all(job.is_finished for job in ReportJob.objects.all()), 180, "the worker to build the jobs"
            )

    built = list(ReportJob.objects.all())
    assert [(job.status, job.attempts) for job in built] == [("done", 1)] * len(jobs)  # built once each
    files = [path for path in (private_storage / "reports").iterdir()]
    assert sorted(path.name for path in files) == sorted(job.file.name.split("/")[-1] for job in built)
