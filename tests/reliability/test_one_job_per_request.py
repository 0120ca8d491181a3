"""A report requested twice at the same instant (a double click, two people) is one job, enforced by
the database; the same for the year-end batch. The requests run truly in parallel: threads, each
with its own PostgreSQL connection, released together by a barrier."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError, connections, transaction
from django.test import Client
from django.urls import reverse

from enterprises.models import District
from reporting import services
from reporting.models import ReportJob
from tests.factories import ReportJobFactory

from .conftest import celery_app_on


def in_parallel(count: int, action):
    """Run ``action(i)`` in ``count`` threads started at the same instant; their results."""
    barrier = threading.Barrier(count)

    def run(i):
        try:
            barrier.wait(timeout=30)
            return action(i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


@pytest.mark.django_db
@pytest.mark.parametrize("scope", ["city", "district"])
def test_the_database_allows_one_unfinished_job_per_report(world, doit_user, scope):
    district = world.a if scope == "district" else None
    ReportJobFactory(requester=doit_user, district=district, status="queued")
    ReportJobFactory(requester=doit_user, district=district, status="done", file="reports/x.pdf")
    ReportJobFactory(requester=doit_user, district=district, status="failed")
    ReportJobFactory(requester=doit_user, district=district, status="queued", final=True)  # another kind
    ReportJobFactory(requester=doit_user, district=district, status="queued", format="xlsx")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportJobFactory(requester=doit_user, district=district, status="running")


@pytest.mark.django_db(transaction=True)
def test_two_identical_requests_at_the_same_instant_make_one_job_per_format(
    world, doit_user, officer_a, private_redis, private_storage
):
    def post(i):
        client = Client(raise_request_exception=False)
        client.force_login(doit_user if i == 0 else officer_a)
        # DOIT and the officer of the commune ask for the same report: the commune's.
        data = {"year": 2024, "commune": officer_a.commune_id, "format": "both"}
        response = client.post(reverse("reporting:list"), data)
        return response.status_code, [str(m) for m in get_messages(response.wsgi_request)]

    with celery_app_on(private_redis.url):  # no worker: the jobs stay queued
        results = in_parallel(2, post)
    assert [status for status, _messages in results] == [302, 302]
    jobs = ReportJob.objects.filter(year=2024, commune=officer_a.commune)
    assert sorted(jobs.values_list("format", flat=True)) == ["pdf", "xlsx"]
    assert all(job.status == "queued" and job.dispatched_at for job in jobs)
    said = results[0][1] + results[1][1]
    assert len(said) == 2
    assert sum(text.startswith("Đã yêu cầu báo cáo:") for text in said) == 1
    assert sum(text.startswith("Báo cáo này đã được yêu cầu") for text in said) == 1  # the second, truthfully


@pytest.mark.django_db(transaction=True)
def test_a_double_clicked_year_end_batch_makes_one_set_of_jobs(world, doit_user, private_redis, private_storage):
    def batch(_i):
        return services.report_request_all(by=doit_user, year=2024, formats=["pdf", "xlsx"])

    with celery_app_on(private_redis.url):
        first, second = in_parallel(2, batch)
    scopes = 1 + District.objects.filter(active=True).count()
    assert ReportJob.objects.count() == 2 * scopes
    assert {job.pk for job in first} == {job.pk for job in second}
    assert sum(not job.reused for job in first + second) == 2 * scopes  # each created once


@pytest.mark.django_db
def test_failed_batch_jobs_beyond_the_list_can_all_be_requested_again(
    world, doit_user, officer_a, officer_b, login, private_storage, django_capture_on_commit_callbacks
):
    districts = list(District.objects.filter(active=True).order_by("code"))
    for district in districts:  # a batch whose every district job failed: more than the list shows
        ReportJobFactory(requester=doit_user, district=district, status="failed", error="x")
    ReportJobFactory(requester=doit_user, district=None, status="failed", error="x")
    ReportJobFactory(requester=doit_user, district=None, status="done", file="reports/city.pdf")  # built since
    assert len(districts) > 25

    page = login(doit_user).get(reverse("reporting:list")).content.decode()
    assert 'data-testid="failed-outstanding"' in page and str(len(districts)) in page
    officer_page = login(officer_a).get(reverse("reporting:list")).content.decode()
    assert 'data-testid="retry-failed"' not in officer_page  # DOIT's jobs: not the officer's to retry

    response = login(officer_b).post(reverse("reporting:retry_failed"), follow=True)
    assert ReportJob.objects.filter(status="failed").count() == len(districts) + 1  # nothing of theirs

    with django_capture_on_commit_callbacks(execute=True):
        response = login(doit_user, language="en").post(reverse("reporting:retry_failed"), follow=True)
    assert f"{len(districts)} failed reports requested again." in response.content.decode()
    statuses = dict(ReportJob.objects.filter(district__isnull=False).values_list("district", "status"))
    assert set(statuses.values()) == {"done"}  # eager here: each built at once
    assert ReportJob.objects.filter(district=None, status="failed").count() == 1  # superseded, left alone
    assert 'data-testid="failed-outstanding"' not in login(doit_user).get(reverse("reporting:list")).content.decode()


@pytest.mark.django_db
def test_a_double_clicked_retry_says_it_is_requested(world, doit_user, login, private_redis):
    job = ReportJobFactory(requester=doit_user, status="failed", error="x")
    client = login(doit_user, language="en")
    with celery_app_on(private_redis.url):
        first = client.post(reverse("reporting:retry", args=[job.pk]), follow=True).content.decode()
        second = client.post(reverse("reporting:retry", args=[job.pk]), follow=True).content.decode()
    assert "Report requested again" in first
    assert "Already requested again, queued or being built" in second and "Only a failed" not in second
    assert ReportJob.objects.get().status == "queued"
