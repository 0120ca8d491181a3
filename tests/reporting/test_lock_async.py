"""Locking a year no longer computes its figures in the web request (issue 6): the request records
the lock and queues the final reports; the first build of a report of the locked year, in the
worker, stores the figures of every scope (``year_snapshot_ensure``) and the page shows the job's
progress meanwhile. The figures of a locked year stay reproducible. Celery runs eagerly here;
``test_batch_worker.py`` does it with a real worker."""

from __future__ import annotations

import dataclasses

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from enterprises.models import District
from reporting import indicators, services
from reporting.models import ReportJob, YearLock, YearSnapshot, YearSnapshotLine
from reporting.tasks import build_report

from .expected import expected
from .test_locking import LOCKED, build, change_live_data, workbook_values

pytestmark = pytest.mark.django_db


def scopes() -> int:
    return District.objects.count() + 1


def test_the_lock_request_stores_no_figures_and_queues_the_final_reports(
    world, doit_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, CaptureQueriesContext(connection) as ctx:
        lock = services.year_lock(year=LOCKED, by=doit_user, note="Công văn 45")
    # No figure is computed: no query reads a savings line or an enterprise, and there are fewer
    # queries than scopes (storing the figures takes ~25 queries per scope).
    sql = " ".join(q["sql"] for q in ctx.captured_queries)
    assert "assessments_savingsline" not in sql and "enterprises_enterprise" not in sql
    assert len(ctx.captured_queries) < scopes()
    assert YearLock.objects.get() == lock
    assert not YearSnapshot.objects.exists() and not YearSnapshotLine.objects.exists()
    jobs = list(ReportJob.objects.order_by("format"))
    assert [(j.format, j.final, j.status, j.district) for j in jobs] == [
        ("pdf", True, "queued", None),
        ("xlsx", True, "queued", None),
    ]
    sent = [c.args[0] for c in callbacks if getattr(c, "func", None) is services._enqueue]
    assert sorted(job.pk for job in sent) == [j.pk for j in jobs]  # both builds are sent once committed


def test_the_page_shows_the_final_jobs_progress_after_the_lock(login, world, doit_user):
    services.year_lock(year=LOCKED, by=doit_user)
    job = ReportJob.objects.get(format="pdf")
    ReportJob.objects.filter(pk=job.pk).update(status="running", progress=37)
    page = login(doit_user, language="en").get(reverse("reporting:jobs")).content.decode()
    row = page.split(f'data-testid="job-{job.pk}"', 1)[1].split("</tr>", 1)[0]
    assert 'value="37"' in row and 'data-testid="final-badge"' in row
    assert "hx-trigger=" in page  # the table polls while a job is unfinished


def test_the_first_build_stores_the_figures_and_the_next_builds_read_them(world, doit_user, private_storage):
    at_lock = expected(LOCKED)["savings_vnd"]
    services.year_lock(year=LOCKED, by=doit_user)
    pdf, xlsx = ReportJob.objects.order_by("format")
    build_report.apply(args=[pdf.pk])  # what the worker runs
    pdf.refresh_from_db()
    assert (pdf.status, pdf.progress) == ("done", 100)
    assert YearSnapshot.objects.count() == scopes()
    assert YearSnapshotLine.objects.count() == 6
    stored_at = set(YearSnapshot.objects.values_list("pk", flat=True))

    change_live_data(world)  # after the figures were stored: no effect on the locked year
    build_report.apply(args=[xlsx.pk])
    xlsx.refresh_from_db()
    assert xlsx.status == "done" and set(YearSnapshot.objects.values_list("pk", flat=True)) == stored_at
    final = workbook_values((private_storage / xlsx.file.name).read_bytes())
    assert final == workbook_values(build("xlsx"))
    assert indicators.compute(LOCKED).value("savings_vnd") == at_lock
    assert indicators.compute_live(LOCKED).value("savings_vnd") == at_lock + 140_000_000


def test_any_report_of_a_locked_year_stores_the_figures_first(world, doit_user, district_b):
    services.year_lock(year=LOCKED, by=doit_user)
    [job] = services.report_request(by=doit_user, year=LOCKED, district=district_b, formats=["xlsx"])
    build_report.apply(args=[job.pk])
    assert YearSnapshot.objects.count() == scopes()
    job.refresh_from_db()
    assert job.status == "done"


def test_the_figures_are_stored_once_whoever_asks_first(world, doit_user):
    services.year_lock(year=LOCKED, by=doit_user)
    assert services.year_snapshot_ensure(year=LOCKED) is True
    assert services.year_snapshot_ensure(year=LOCKED) is False
    assert YearSnapshot.objects.count() == scopes() and YearSnapshotLine.objects.count() == 6
    assert services.year_snapshot_ensure(year=LOCKED - 1) is False  # not locked: nothing to store
    assert not YearSnapshot.objects.exclude(lock__year=LOCKED).exists()


def test_storing_reports_its_progress_up_to_100(world, doit_user):
    services.year_lock(year=LOCKED, by=doit_user)
    seen: list[int] = []
    services.year_snapshot_ensure(year=LOCKED, progress=seen.append)
    # Every scope in one pass, then the lines: steps that only go forward, up to 100.
    assert seen == sorted(seen) and seen[-1] == 100 and len(set(seen)) >= 3 and seen[0] < 50


def test_until_the_figures_are_stored_a_locked_year_reads_the_live_tables(world, doit_user):
    services.year_lock(year=LOCKED, by=doit_user)
    with translation.override("vi"):
        live, now = indicators.compute_live(LOCKED), indicators.compute(LOCKED)
    assert now == dataclasses.replace(live, computed_at=now.computed_at)
    rows = list(indicators.verified_line_rows(LOCKED, None))
    assert len(rows) == 6 and rows == list(indicators.live_verified_line_rows(LOCKED, None))


def test_a_year_reopened_before_its_build_stores_nothing(world, doit_user):
    services.year_lock(year=LOCKED, by=doit_user)
    services.year_reopen(year=LOCKED, by=doit_user, comment="Khóa nhầm năm")
    job = ReportJob.objects.filter(final=True).first()
    build_report.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == "done" and not YearSnapshot.objects.exists()
