"""Report jobs with Celery running eagerly in-process (the real worker is in test_worker.py)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError
from django.utils import timezone, translation

from cleanprod.celery import app
from reporting import services
from reporting.models import ReportJob
from reporting.tasks import MAX_RETRIES, build_report, readable_error, sweep_stale_reports
from tests.factories import ReportJobFactory

pytestmark = pytest.mark.django_db


def request_report(user, *, year=2024, district=None, formats=("pdf", "xlsx"), capture):
    with capture(execute=True):
        jobs = services.report_request(by=user, year=year, district=district, formats=list(formats))
    return [ReportJob.objects.get(pk=job.pk) for job in jobs]


def test_request_builds_each_format_into_private_storage_and_emails_the_requester(
    world, doit_user, private_storage, django_capture_on_commit_callbacks
):
    jobs = request_report(doit_user, capture=django_capture_on_commit_callbacks)
    assert [(j.format, j.status, j.progress, j.attempts) for j in jobs] == [
        ("pdf", "done", 100, 1),
        ("xlsx", "done", 100, 1),
    ]
    for job in jobs:
        assert re.fullmatch(rf"reports/[0-9a-f]{{32}}\.{job.format}", job.file.name)
        assert (private_storage / job.file.name).stat().st_size > 1000
        assert job.started_at <= job.finished_at and job.error == "" and job.district is None
    assert [m.to for m in mail.outbox] == [[doit_user.email], [doit_user.email]]
    assert "/notifications/" in mail.outbox[0].body  # the notification's link, which leads to the reports page


def test_the_same_unfinished_job_is_reused(world, doit_user):
    queued = ReportJobFactory(year=2024, district=world.a, format="pdf", status="running", started_at=timezone.now())
    jobs = services.report_request(by=doit_user, year=2024, district=world.a, formats=["pdf"])
    assert [j.pk for j in jobs] == [queued.pk] and ReportJob.objects.count() == 1


def test_officer_reports_are_for_their_own_district(world, officer_a, staff_x, django_capture_on_commit_callbacks):
    [job] = request_report(officer_a, district=None, formats=["xlsx"], capture=django_capture_on_commit_callbacks)
    assert job.district == world.a and job.status == "done"
    with pytest.raises(PermissionDenied):
        services.report_request(by=officer_a, year=2024, district=world.b, formats=["pdf"])
    with pytest.raises(PermissionDenied):
        services.report_request(by=staff_x, year=2024, district=None, formats=["pdf"])
    assert ReportJob.objects.count() == 1


@pytest.mark.parametrize(
    "year, formats", [(1999, ["pdf"]), (2024, []), (2024, ["odt"]), (dt.date.today().year + 1, ["pdf"])]
)
def test_bad_requests_write_nothing(db, doit_user, year, formats):
    with pytest.raises(ValidationError):
        services.report_request(by=doit_user, year=year, district=None, formats=formats)
    assert not ReportJob.objects.exists()


def test_a_job_is_claimed_once(world, doit_user):
    job = ReportJobFactory(requester=doit_user)
    assert services.report_claim(job_id=job.pk) == 1  # the attempt this claim holds
    assert services.report_claim(job_id=job.pk) is None  # someone else has it
    assert services.report_claim(job_id=job.pk, resume=2) is None  # not the attempt that holds it
    assert services.report_build(job_id=job.pk) is None  # not queued any more: nothing built
    job.refresh_from_db()
    assert job.status == "running" and not job.file and job.attempts == 1


def test_a_failure_ends_failed_with_a_readable_error(world, doit_user, monkeypatch, django_capture_on_commit_callbacks):
    def broken(**kwargs):
        raise ValueError("the district table is empty")

    monkeypatch.setattr(services, "build_file", broken)
    [job] = request_report(doit_user, formats=["pdf"], capture=django_capture_on_commit_callbacks)
    assert job.status == "failed" and "the district table is empty" in job.error
    assert job.finished_at and not job.file and mail.outbox == []


def test_a_transient_error_is_retried(world, doit_user, monkeypatch):
    original, calls = services.build_file, []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return original(**kwargs)

    monkeypatch.setattr(services, "build_file", flaky)
    job = ReportJobFactory(requester=doit_user, format="xlsx")
    app.conf.task_eager_propagates = False  # as a worker runs it: retries re-run it (conftest restores it)
    build_report.apply(args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.attempts, len(calls)) == ("done", 2, 2)


def test_retries_are_bounded(world, doit_user, monkeypatch):
    def down(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(services, "build_file", down)
    job = ReportJobFactory(requester=doit_user)
    app.conf.task_eager_propagates = False
    build_report.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == "failed" and job.attempts == MAX_RETRIES + 1
    assert "OperationalError" in job.error


def test_the_sweep_sends_again_a_build_that_stopped_and_fails_it_after_the_last_attempt(
    world, doit_user, private_storage
):
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    stopped = ReportJobFactory(requester=doit_user, status="running", started_at=long_ago, attempts=1)
    worn_out = ReportJobFactory(
        requester=doit_user, status="running", started_at=long_ago, heartbeat_at=long_ago, attempts=3, year=2023
    )
    alive = ReportJobFactory(
        requester=doit_user, status="running", started_at=long_ago, heartbeat_at=timezone.now(), year=2022
    )
    queued = ReportJobFactory(requester=doit_user, status="queued", year=2021)
    assert sweep_stale_reports.delay().get() == 2
    stopped.refresh_from_db(), worn_out.refresh_from_db(), alive.refresh_from_db(), queued.refresh_from_db()
    assert (stopped.status, stopped.attempts) == ("done", 2)  # sent again (eager here: built at once)
    assert worn_out.status == "failed" and worn_out.finished_at and "3" in worn_out.error
    assert (alive.status, queued.status) == ("running", "queued")


def test_a_build_that_ends_after_the_sweep_took_it_back_keeps_no_file(world, doit_user, private_storage, monkeypatch):
    original = services.build_file

    def slow(**kwargs):
        original(**kwargs)
        services.report_sweep_stale(older_than=dt.timedelta(0))  # the sweep runs while we build

    monkeypatch.setattr(services, "build_file", slow)
    job = ReportJobFactory(requester=doit_user, attempts=services.MAX_ATTEMPTS - 1)
    assert services.report_build(job_id=job.pk) is None
    job.refresh_from_db()
    assert job.status == "failed" and not job.file
    assert not list((private_storage / "reports").iterdir())  # the orphan file was removed


def test_beat_runs_the_sweep():
    entry = settings.CELERY_BEAT_SCHEDULE["reporting-sweep-stale-jobs"]
    assert entry["task"] in app.tasks and entry["schedule"] <= 60
    assert app.tasks["reporting.tasks.build_report"].time_limit == services.BUILD_TIME_LIMIT
    assert app.tasks["reporting.tasks.build_report"].soft_time_limit < services.BUILD_TIME_LIMIT


def test_time_limit_error_is_readable_in_the_portal_language():
    # Stored on the job row, so written in the portal's language (Vietnamese) whoever is active.
    with translation.override("en"):
        assert "phút" in readable_error(SoftTimeLimitExceeded())
