"""A build caught by a PostgreSQL restart is finished once the database is back, without anyone
requesting it again; a build that stopped showing life (heartbeat) is taken back by the sweep,
whose message says what happened.

The restart is a real ``pg_ctl stop`` / ``start`` of a PRIVATE cluster (initdb on a free port)
holding a copy of the test database, with a real Celery worker on it and a private Redis; the
shared servers are never stopped.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import time
import uuid

import psycopg2
import pytest
from django.db import connection
from django.utils import timezone

from reporting import services
from reporting.heartbeat import STALE_AFTER, Heartbeat
from reporting.models import ReportJob
from tests.factories import ReportJobFactory

from .conftest import celery_app_on, celery_worker, pg_env, pg_tool, wait_for


def server_started_at():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_postmaster_start_time()")
        return cursor.fetchone()[0]


# --------------------------------------------------------------------------- heartbeat and sweep


@pytest.mark.django_db(transaction=True)
def test_a_build_beats_while_it_runs_and_only_under_its_own_attempt(doit_user):
    job = ReportJobFactory(requester=doit_user)
    attempt = services.report_claim(job_id=job.pk)
    ReportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(hours=1))
    with Heartbeat(job_id=job.pk, attempt=attempt, every=0.05):
        wait_for(
            lambda: ReportJob.objects.get(pk=job.pk).heartbeat_at > timezone.now() - dt.timedelta(seconds=5),
            10,
            "a heartbeat",
        )
    assert Heartbeat(job_id=job.pk, attempt=attempt + 1).beat() is False  # someone else's claim: no beat


@pytest.mark.django_db
def test_the_sweep_says_the_database_restarted_when_it_did(world, doit_user, monkeypatch):
    monkeypatch.setattr(services, "_enqueue", lambda job: True)  # the queue is not what is tested here
    before_restart = server_started_at() - dt.timedelta(minutes=1)
    job = ReportJobFactory(
        requester=doit_user, status="running", started_at=before_restart, heartbeat_at=before_restart
    )
    job.attempts = 1
    job.save()
    assert services.report_sweep_stale() == 1
    job.refresh_from_db()
    assert job.status == "queued" and job.dispatched_at is None
    assert job.error.startswith("Cơ sở dữ liệu đã khởi động lại trong khi lập báo cáo")

    ReportJob.objects.filter(pk=job.pk).update(
        status="running", attempts=services.MAX_ATTEMPTS, heartbeat_at=before_restart
    )
    assert services.report_sweep_stale() == 1
    job.refresh_from_db()
    assert job.status == "failed" and "Cơ sở dữ liệu đã khởi động lại" in job.error


@pytest.mark.django_db
def test_the_sweep_says_the_worker_stopped_when_the_database_did_not_restart(world, doit_user, monkeypatch):
    monkeypatch.setattr(services, "_enqueue", lambda job: True)
    silent_since = timezone.now() - STALE_AFTER - dt.timedelta(seconds=30)
    if server_started_at() >= silent_since:
        pytest.skip("the database server itself started less than two minutes ago")
    job = ReportJobFactory(requester=doit_user, status="running", started_at=silent_since, heartbeat_at=silent_since)
    recent = ReportJobFactory(
        requester=doit_user, status="running", started_at=silent_since, heartbeat_at=timezone.now(), year=2023
    )
    assert services.report_sweep_stale() == 1
    job.refresh_from_db(), recent.refresh_from_db()
    assert job.status == "queued" and "ngừng phản hồi" in job.error and "Cơ sở dữ liệu" not in job.error
    assert recent.status == "running"  # alive: never taken from its worker


def test_a_stopped_build_is_taken_back_within_minutes():
    from django.conf import settings

    schedule = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert STALE_AFTER.total_seconds() + schedule["reporting.tasks.sweep_stale_reports"] <= 180


# --------------------------------------------------------------------------- a real restart


@pytest.fixture
def jobs_in_private_cluster(private_cluster, world, doit_user, transactional_db):
    """Two queued jobs (and the crafted data) copied into the private cluster."""
    jobs = [
        ReportJobFactory(requester=doit_user, format="pdf", celery_task_id=str(uuid.uuid4())),
        ReportJobFactory(requester=doit_user, format="xlsx", district=world.a, celery_task_id=str(uuid.uuid4())),
    ]
    dump = subprocess.run(
        [pg_tool("pg_dump"), "-Fc", connection.settings_dict["NAME"]],
        env=pg_env(),
        capture_output=True,
        check=True,
        timeout=300,
    ).stdout
    subprocess.run([pg_tool("createdb"), "cleanprod"], env=private_cluster.env(), check=True, timeout=60)
    subprocess.run(
        [pg_tool("pg_restore"), "--no-owner", "--exit-on-error", "-d", "cleanprod"],
        input=dump,
        env=private_cluster.env(),
        check=True,
        timeout=300,
    )
    return private_cluster, jobs


def rows(cluster, pks) -> dict[int, tuple]:
    try:
        with psycopg2.connect(host="127.0.0.1", port=cluster.port, user="postgres", dbname="cleanprod") as conn:
            with conn.cursor() as cur:
                cur.execute(
                    "SELECT id, status, attempts, file, error FROM reporting_reportjob WHERE id = ANY(%s)", [list(pks)]
                )
                found = {row[0]: row[1:] for row in cur.fetchall()}
        conn.close()
        return found
    except psycopg2.OperationalError:
        return {}


@pytest.mark.worker
def test_a_build_cut_by_a_database_restart_is_finished_when_the_database_is_back(
    jobs_in_private_cluster, private_redis, private_storage, tmp_path
):
    from reporting.tasks import build_report

    cluster, jobs = jobs_in_private_cluster
    pks = [job.pk for job in jobs]
    blocker = psycopg2.connect(host="127.0.0.1", port=cluster.port, user="postgres", dbname="cleanprod")
    with blocker.cursor() as cur:  # the build blocks right after its worker claimed the job
        cur.execute("LOCK TABLE enterprises_enterprise IN ACCESS EXCLUSIVE MODE")
    with (
        celery_app_on(private_redis.url),
        celery_worker(
            tmp_path,
            broker_url=private_redis.url,
            private_root=private_storage,
            database=cluster.url("cleanprod"),
        ) as worker,
    ):
        for job in jobs:
            build_report.apply_async(args=[job.pk], task_id=job.celery_task_id)
        wait_for(lambda: rows(cluster, pks).get(pks[0], ("",))[0] == "running", 60, "the build to start")

        cluster.stop()  # ------------------------------------------------- the database goes away
        blocker.close()
        time.sleep(7)  # the first retry (after 5 s) finds it still down
        cluster.start()  # ------------------------------------------------ and comes back

        def finished():
            found = rows(cluster, pks)
            return len(found) == 2 and all(row[0] in ("done", "failed") for row in found.values()) and found

        found = wait_for(finished, 180, "the reports to be built after the restart")
        log = worker.log()

    assert [found[pk][0] for pk in pks] == ["done", "done"], found
    assert "resumes in place" in log  # the job could not be released while the database was down
    assert found[pks[0]][1] == 2  # the interrupted build, taken back once, by its own retry
    assert found[pks[1]][1] == 1
    files = sorted(
        path.relative_to(private_storage).as_posix() for path in private_storage.rglob("*") if path.is_file()
    )
    assert files == sorted(found[pk][2] for pk in pks)  # one file per job: no duplicate, no partial
    assert (private_storage / found[pks[0]][2]).read_bytes().startswith(b"%PDF")
