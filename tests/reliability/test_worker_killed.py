"""A Celery worker killed (SIGKILL, whole process group) in the middle of a report build.

What must hold: the job, left ``running`` by a process that could not say anything, is taken
back by the sweep once its heartbeat stops and sent to be built again (failed, with a message,
after its last attempt); its requester or DOIT can also request a failed job again from the
reports page; and for a locked year the file built by the retry is byte-for-byte (sha256) the file of a clean run, because
a locked year's figures are stored and the dates inside the file are the lock's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import subprocess
import zipfile

import psycopg2
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from reporting import services
from reporting.models import ReportJob, YearLock
from reporting.tasks import sweep_stale_reports

from .conftest import celery_worker, wait_for

YEAR = 2024


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build(fmt: str) -> bytes:
    stream = io.BytesIO()
    services.build_file(year=YEAR, district=None, fmt=fmt, stream=stream)
    return stream.getvalue()


def lock_year(doit_user, django_capture_on_commit_callbacks) -> YearLock:
    """Lock the year and let its final reports build (in-process, eager), which also stores the
    year's figures wherever the implementation stores them."""
    with django_capture_on_commit_callbacks(execute=True):
        services.year_lock(year=YEAR, by=doit_user)
    assert set(ReportJob.objects.filter(final=True).values_list("status", flat=True)) == {"done"}
    return YearLock.objects.get(year=YEAR)


def pdf_info(data: bytes) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", "-isodates", "-"], input=data, capture_output=True, check=True).stdout.decode()
    return dict(line.split(":", 1) for line in out.splitlines() if ":" in line)


# --------------------------------------------------------------------------- reproducible files


@pytest.mark.django_db
def test_a_locked_years_files_carry_the_locks_time_and_are_identical_on_every_build(
    world, doit_user, private_storage, django_capture_on_commit_callbacks
):
    lock = lock_year(doit_user, django_capture_on_commit_callbacks)
    lock.locked_at = dt.datetime(2025, 1, 20, 2, 3, 4, 567_000, tzinfo=dt.UTC)  # a time no build can happen at
    lock.save()
    when = (2025, 1, 20, 2, 3, 4)

    xlsx, again = build("xlsx"), build("xlsx")
    assert sha256(xlsx) == sha256(again)
    assert sha256(build("lines")) == sha256(build("lines"))  # the detailed data too
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        assert {info.date_time for info in archive.infolist()} == {when}
        core = archive.read("docProps/core.xml").decode()
    assert re.findall(r"<dcterms:(created|modified)[^>]*>([^<]+)<", core) == [
        ("created", "2025-01-20T02:03:04Z"),
        ("modified", "2025-01-20T02:03:04Z"),
    ]

    pdf, again = build("pdf"), build("pdf")
    assert sha256(pdf) == sha256(again)
    info = pdf_info(pdf)
    assert info["CreationDate"].strip() == info["ModDate"].strip() == "2025-01-20T02:03:04Z"
    cover = subprocess.run(["pdftotext", "-l", "1", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    text = cover.decode()
    # Not yet issued as an edition: the draft's date line is left for DOIT, never today's date.
    today = timezone.localdate()
    assert "Hà Nội, ngày … tháng … năm …" in text
    assert f"{today:%d/%m/%Y}" not in text and f"ngày {today:%d} tháng" not in text


@pytest.mark.django_db
def test_an_open_years_files_are_dated_when_built(world, private_storage):
    with zipfile.ZipFile(io.BytesIO(build("xlsx"))) as archive:
        core = archive.read("docProps/core.xml").decode()
    modified = re.findall(r"<dcterms:modified[^>]*>([^<]+)<", core)
    assert modified and modified[0].startswith(f"{timezone.now():%Y-%m-%d}")


# --------------------------------------------------------------------------- retry action


@pytest.mark.django_db
def test_the_requester_and_doit_can_request_a_failed_job_again(
    login, world, doit_user, officer_a, officer_b, private_storage, django_capture_on_commit_callbacks
):
    from tests.factories import OfficerFactory, ReportJobFactory

    job = ReportJobFactory(requester=officer_a, district=world.a, status="failed", error="x", attempts=1)
    colleague = OfficerFactory(username="officer.a3", district=world.a)
    url = reverse("reporting:retry", args=[job.pk])

    assert login(officer_b).post(url).status_code == 404  # another district: not even visible
    assert login(colleague).post(url).status_code == 403  # visible, but not theirs
    page = login(officer_a, language="en").get(reverse("reporting:list")).content.decode()
    assert f'data-testid="retry-{job.pk}"' in page
    assert f'data-testid="retry-{job.pk}"' not in login(colleague).get(reverse("reporting:list")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = login(officer_a, language="en").post(url, follow=True)
    assert "Report requested again" in response.content.decode()
    job.refresh_from_db()
    assert (job.status, job.error, job.progress, job.attempts) == ("done", "", 100, 2)  # eager: built at once

    response = login(doit_user, language="en").post(url, follow=True)  # done, not failed: refused
    assert "Only a failed report can be requested again." in response.content.decode()
    job.refresh_from_db()
    assert job.status == "done" and job.attempts == 2


@pytest.mark.django_db
def test_a_retry_reuses_the_same_report_already_queued(world, doit_user):
    from tests.factories import ReportJobFactory

    failed = ReportJobFactory(requester=doit_user, status="failed")
    twin = ReportJobFactory(requester=doit_user, status="queued")
    assert services.report_retry(by=doit_user, job=failed) == twin
    failed.refresh_from_db()
    assert failed.status == "failed"


# --------------------------------------------------------------------------- a real worker, killed


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_build_the_sweep_fails_the_job_and_the_retry_equals_a_clean_run(
    world, doit_user, private_storage, tmp_path, login
):
    if not os.environ.get("REDIS_URL") or settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.skip("needs REDIS_URL (a real broker)")
    from cleanprod.celery import app

    app.control.purge()
    services.year_lock(year=YEAR, by=doit_user)  # final PDF and Excel jobs sent to the (idle) queue
    final = {job.format: job for job in ReportJob.objects.filter(final=True)}
    assert set(final) == {"pdf", "xlsx"} and all(job.dispatched_at for job in final.values())

    # Hold the stored-figures table: a build blocks right after its worker claimed the job.
    db = settings.DATABASES["default"]
    blocker = psycopg2.connect(
        dbname=db["NAME"],
        user=db.get("USER") or "postgres",
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
    )
    broker = os.environ["REDIS_URL"]
    try:
        with blocker.cursor() as cur:
            cur.execute("LOCK TABLE reporting_yearsnapshot IN ACCESS EXCLUSIVE MODE")
        with celery_worker(tmp_path, broker_url=broker, private_root=private_storage, name="w1", pool="prefork") as w:
            running = wait_for(
                lambda: ReportJob.objects.filter(final=True, status="running").first(), 60, "a job to be running"
            )
            w.kill_group()
            assert w.process.returncode == -9
    finally:
        blocker.rollback()
        blocker.close()

    running.refresh_from_db()
    assert running.status == "running" and not running.file  # a killed worker cannot say anything
    assert sweep_stale_reports() == 0  # its last sign of life is recent: it might still be working
    # Its last sign of life a little while ago, still after the database server started (the sweep
    # tells a database restart from a stopped worker by that start time), and a sweep that waits less.
    a_while_ago = timezone.now() - dt.timedelta(seconds=5)
    ReportJob.objects.filter(pk=running.pk).update(started_at=a_while_ago, heartbeat_at=a_while_ago)
    assert sweep_stale_reports(older_than_seconds=2) == 1
    running.refresh_from_db()
    with translation.override(settings.LANGUAGE_CODE):
        stopped = _(
            "The build stopped without finishing (its worker stopped responding); the report was sent "
            "to be built again automatically."
        )
    assert running.status == "queued" and running.error == stopped  # nobody has to request it again
    assert running.dispatched_at is not None

    # A clean run of the same reports, requested after the automatic retry.
    clean = {
        job.format: job
        for job in services.report_request(by=doit_user, year=YEAR, district=None, formats=["pdf", "xlsx"])
    }
    every = [*final.values(), *clean.values()]
    with celery_worker(tmp_path, broker_url=broker, private_root=private_storage, name="w2", pool="prefork"):
        wait_for(
            lambda: all(j.status in ("done", "failed") for j in ReportJob.objects.filter(pk__in=[j.pk for j in every])),
            180,
            "the worker to build the retried and the clean reports",
        )
    for job in every:
        job.refresh_from_db()
        assert job.status == "done", job.error
    running.refresh_from_db()
    assert running.attempts == 2 and running.final

    for fmt in ("pdf", "xlsx"):
        retried = (private_storage / final[fmt].file.name).read_bytes()
        clean_run = (private_storage / clean[fmt].file.name).read_bytes()
        assert final[fmt].file.name != clean[fmt].file.name
        assert sha256(retried) == sha256(clean_run) == sha256(build(fmt)), fmt
