"""A real Celery worker (a separate process, solo pool) against Redis and the test database.

The worker gets the test database through DATABASE_URL (pytest-django's ``test_`` + the
configured name) and sees committed rows only, hence ``transactional_db``. It is started with a
pidfile and stopped by that PID.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from cleanprod.celery import app
from reporting import services
from reporting.models import ReportJob

from .test_builders import pdf_text, vi

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")


def _database_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _stop(pidfile: Path, sig: int = signal.SIGTERM) -> None:
    if not pidfile.exists():
        return
    pid = int(pidfile.read_text().strip())
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return


@pytest.fixture
def worker(transactional_db, private_storage, tmp_path):
    if not os.environ.get("REDIS_URL") or settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.skip("needs REDIS_URL (a real broker)")
    assert connection.settings_dict["NAME"].startswith("test_")
    app.control.purge()  # no message left over from an earlier run
    pidfile, logfile = tmp_path / "worker.pid", tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_PRIVATE_ROOT": str(private_storage),
        "DJANGO_SETTINGS_MODULE": "cleanprod.settings",
        "DJANGO_DEBUG": "true",
        "DJANGO_CONN_MAX_AGE": "0",
    }
    process = subprocess.Popen(
        [
            str(CELERY),
            "-A",
            "cleanprod",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
            f"--pidfile={pidfile}",
            f"--logfile={logfile}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(lambda: logfile.exists() and "ready." in logfile.read_text(), 60, "the worker to start")
        yield {"process": process, "pidfile": pidfile, "logfile": logfile}
    finally:
        _stop(pidfile)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            _stop(pidfile, signal.SIGKILL)
            process.wait(timeout=10)


def test_a_real_worker_builds_the_report_end_to_end(worker, world, doit_user, private_storage):
    jobs = services.report_request(by=doit_user, year=2024, district=None, formats=["pdf", "xlsx"])

    def finished():
        rows = list(ReportJob.objects.filter(pk__in=[j.pk for j in jobs]))
        return rows if all(r.is_finished for r in rows) else None

    rows = _wait(finished, 90, "the worker to build the reports")
    assert [r.status for r in rows] == ["done", "done"], [r.error for r in rows]
    pdf = next(r for r in rows if r.format == "pdf")
    assert pdf.attempts == 1 and pdf.progress == 100 and pdf.celery_task_id in worker["logfile"].read_text()
    assert vi(126_000_000) in pdf_text((private_storage / pdf.file.name).read_bytes())


def test_a_worker_killed_mid_job_leaves_the_job_failed_after_the_sweep(worker, world, doit_user):
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
        _wait(lambda: ReportJob.objects.get(pk=job.pk).status == "running", 60, "the worker to claim the job")
        _stop(worker["pidfile"], signal.SIGKILL)
        worker["process"].wait(timeout=20)
    finally:
        blocker.rollback()
        blocker.close()

    job.refresh_from_db()
    assert job.status == "running"  # a killed worker cannot say anything
    assert services.report_sweep_stale() == 0  # not yet past the hard time limit
    ReportJob.objects.filter(pk=job.pk).update(started_at=job.started_at - dt.timedelta(hours=1))
    assert services.report_sweep_stale() == 1
    job.refresh_from_db()
    assert job.status == "failed" and job.error and job.finished_at and not job.file
