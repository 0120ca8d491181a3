"""A real Celery worker (a separate process, solo pool) against Redis and the test database.

The worker gets the test database through DATABASE_URL (pytest-django's ``test_`` + the
configured name) and sees committed rows only, hence ``transactional_db``. It is started with a
pidfile and stopped by that PID.
"""

from __future__ import annotations

import datetime as dt
import io
import os

import openpyxl
import psycopg2
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from assessments.models import SavingsLine
from cleanprod.celery import app
from guidance.signals import PENDING_KEY
from reporting import services
from reporting.models import ReportJob
from tests.processes import celery_worker, wait_for

from .expected import expected
from .test_builders import pdf_text, vi

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(transactional_db, private_storage, tmp_path):
    if not os.environ.get("REDIS_URL") or settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.skip("needs REDIS_URL (a real broker)")
    assert connection.settings_dict["NAME"].startswith("test_")
    app.control.purge()  # no message left over from an earlier run
    with celery_worker(tmp_path, broker_url=os.environ["REDIS_URL"], private_root=private_storage) as running:
        yield running


def test_a_real_worker_builds_the_report_end_to_end(worker, world, doit_user, private_storage):
    jobs = services.report_request(by=doit_user, year=2024, district=None, formats=["pdf", "xlsx"])

    def finished():
        rows = list(ReportJob.objects.filter(pk__in=[j.pk for j in jobs]))
        return rows if all(r.is_finished for r in rows) else None

    rows = wait_for(finished, 90, "the worker to build the reports")
    assert [r.status for r in rows] == ["done", "done"], [r.error for r in rows]
    pdf = next(r for r in rows if r.format == "pdf")
    assert pdf.attempts == 1 and pdf.progress == 100 and pdf.celery_task_id in worker.log()
    assert vi(126_000_000) in pdf_text((private_storage / pdf.file.name).read_bytes())


def test_a_real_worker_builds_the_detailed_data_with_its_progress(worker, world, doit_user, private_storage):
    [job] = services.report_request(by=doit_user, year=2024, district=world.b, formats=["lines"])

    def finished():
        found = ReportJob.objects.get(pk=job.pk)
        return found if found.is_finished else None

    row = wait_for(finished, 90, "the worker to build the detailed data")
    assert row.status == "done" and row.progress == 100 and row.attempts == 1, row.error
    assert row.file.name.endswith(".xlsx") and row.download_name == "du-lieu-chi-tiet-sxsh-2024-017.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO((private_storage / row.file.name).read_bytes()))
    [ws] = wb.worksheets
    header, *lines = ws.iter_rows(values_only=True)
    assert header[:4] == ("Năm", "Quận/huyện", "Mã số thuế", "Doanh nghiệp")
    verified = SavingsLine.objects.filter(
        report__status="verified", report__year=2024, report__enterprise__district=world.b
    )
    assert len(lines) == verified.count() > 0
    assert sum(r[11] for r in lines) == expected(2024)["districts"]["017"]["savings_vnd"]


def _idle(worker_app) -> bool:
    """No task running or reserved on the worker, and no statistics refresh pending."""
    inspect = worker_app.control.inspect(timeout=1.0)
    active, reserved = inspect.active(), inspect.reserved()
    if active is None or reserved is None:
        return False
    return not any(active.values()) and not any(reserved.values()) and cache.get(str(PENDING_KEY)) is None


def test_a_worker_killed_mid_job_is_sent_again_by_the_sweep_then_failed_after_the_last_attempt(
    worker, world, doit_user
):
    # The world's writes queued a refresh of the sector statistics, which reads the enterprise
    # table too: let it finish before the table is held.
    wait_for(lambda: _idle(app), 60, "the worker to finish the statistics refresh")
    # Hold the enterprise table so that the build blocks right after the worker claims the job.
    db = settings.DATABASES["default"]
    blocker = psycopg2.connect(
        dbname=db["NAME"],
        user=db.get("USER") or "postgres",
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
    )
    try:
        with blocker.cursor() as cur:
            cur.execute("LOCK TABLE enterprises_enterprise IN ACCESS EXCLUSIVE MODE")
        [job] = services.report_request(by=doit_user, year=2024, district=None, formats=["pdf"])
        wait_for(lambda: ReportJob.objects.get(pk=job.pk).status == "running", 60, "the worker to claim the job")
        worker.kill_group()
    finally:
        blocker.rollback()
        blocker.close()

    job.refresh_from_db()
    assert job.status == "running"  # a killed worker cannot say anything
    assert services.report_sweep_stale() == 0  # its last sign of life is recent: it may still be working
    long_ago = job.started_at - dt.timedelta(hours=1)
    ReportJob.objects.filter(pk=job.pk).update(started_at=long_ago, heartbeat_at=long_ago)
    assert services.report_sweep_stale() == 1
    job.refresh_from_db()
    assert job.status == "queued" and job.error and not job.file  # sent to be built again
    ReportJob.objects.filter(pk=job.pk).update(status="running", attempts=services.MAX_ATTEMPTS)
    assert services.report_sweep_stale() == 1
    job.refresh_from_db()
    assert job.status == "failed" and job.error and job.finished_at and not job.file  # after the last attempt
