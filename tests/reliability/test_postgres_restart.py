"""PostgreSQL restarts while the portal is in use: the next request succeeds.

A real restart (``pg_ctl restart -m fast``) of a PRIVATE cluster (initdb on a free port, about a
second), holding a copy of the test database, under gunicorn with the production connection
settings: persistent connections (CONN_MAX_AGE) checked before reuse (CONN_HEALTH_CHECKS). The
same restart under a server with the health checks switched off shows what they save: its first
request after the restart fails.
"""

from __future__ import annotations

import os
import subprocess
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse

from .conftest import BIN, ROOT, free_port, pg_env, pg_tool, port_open, stop_pid, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def gunicorn(tmp_path: Path, cluster, *, health_checks: bool):
    port, name = free_port(), f"gunicorn-{'checks' if health_checks else 'nochecks'}"
    pidfile, logfile = tmp_path / f"{name}.pid", tmp_path / f"{name}.log"
    env = {
        **os.environ,
        "DATABASE_URL": cluster.url("cleanprod"),
        "DJANGO_SETTINGS_MODULE": "cleanprod.settings",
        "DJANGO_DEBUG": "true",
        "DJANGO_CONN_MAX_AGE": "600",
        "DJANGO_CONN_HEALTH_CHECKS": "true" if health_checks else "false",
        "DJANGO_PRIVATE_ROOT": str(tmp_path / "private"),
    }
    env.pop("REDIS_URL", None)
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "cleanprod.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--pid",
            str(pidfile),
            "--error-logfile",
            str(logfile),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(lambda: port_open(port) or process.poll() is not None, 60, "gunicorn to listen")
        assert process.poll() is None, logfile.read_text()[-3000:]
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_pid(pidfile)
        process.wait(timeout=30)


def backends(cluster) -> set[int]:
    with psycopg2.connect(host="127.0.0.1", port=cluster.port, user="postgres", dbname="postgres") as conn:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = 'cleanprod' AND backend_type = 'client backend'"
            )
            rows = {row[0] for row in cur.fetchall()}
    conn.close()
    return rows


@pytest.fixture
def copy_in_private_cluster(private_cluster, officer_a, enterprise_x):
    """The test database (with a signed-in officer's session) copied into the private cluster."""
    client = Client()
    client.force_login(officer_a)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
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
    return private_cluster, {settings.SESSION_COOKIE_NAME: session}


def test_the_first_request_after_a_postgresql_restart_succeeds(copy_in_private_cluster, tmp_path, enterprise_x):
    cluster, cookies = copy_in_private_cluster
    pages = [reverse("enterprises:list"), reverse("enterprises:detail", args=[enterprise_x.pk]), reverse("dashboard")]
    with gunicorn(tmp_path, cluster, health_checks=True) as base:
        web = requests.Session()
        web.cookies.update(cookies)
        for page in pages:
            response = web.get(base + page, allow_redirects=False, timeout=30)
            assert response.status_code == 200, page
        before = backends(cluster)
        assert len(before) == 1  # the worker's one persistent connection, kept between requests

        old_postmaster = cluster.postmaster_pid
        cluster.restart()
        assert cluster.postmaster_pid != old_postmaster  # a real restart: every connection was cut

        for page in pages:  # the very first request after the restart already succeeds
            response = web.get(base + page, allow_redirects=False, timeout=30)
            assert response.status_code == 200, page
            assert enterprise_x.name in response.text or page == reverse("dashboard")
        assert backends(cluster).isdisjoint(before)  # it reconnected


def test_without_health_checks_the_first_request_after_a_restart_fails(copy_in_private_cluster, tmp_path):
    cluster, cookies = copy_in_private_cluster
    page = reverse("enterprises:list")
    with gunicorn(tmp_path, cluster, health_checks=False) as base:
        web = requests.Session()
        web.cookies.update(cookies)
        assert web.get(base + page, allow_redirects=False, timeout=30).status_code == 200
        cluster.restart()
        assert web.get(base + page, allow_redirects=False, timeout=30).status_code == 500  # the stale connection
        assert web.get(base + page, allow_redirects=False, timeout=30).status_code == 200  # then a new one
