"""``make run`` on a bare machine (issue 15, item 5): no PostgreSQL, no Redis. ``manage.py rundev``
(what ``make run`` starts) runs the development server with a worker beside it whose queue is a
folder; a report request returns at once, the job list keeps answering quickly while the worker
builds the report, its progress moves, the file is downloadable, and the e-mail the worker prints
links to the address actually served; an uploaded workbook is checked by the worker as well.
Stopping the server stops the worker (by its PID)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import requests

from reporting.management.commands.rundev import base_url_for
from tests.processes import BIN, ROOT, free_port, pid_alive, port_open, read_pid, wait_for

PASSWORD = "SxshDemo@2026"
OFFICER = "canbo.donganh"  # demo officer of Đông Anh: no second factor needed


def bare_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "PORTAL_BASE_URL")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        CELERY_QUEUE_DIR=str(tmp / "queue"),  # what `make run` sets
        DJANGO_PRIVATE_ROOT=str(tmp / "private"),
        DJANGO_DEBUG="true",
        DJANGO_SETTINGS_MODULE="cleanprod.settings",
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)


def test_base_url_follows_the_served_address():
    assert base_url_for("127.0.0.1:8000") == "http://127.0.0.1:8000"
    assert base_url_for("0.0.0.0:9000") == "http://127.0.0.1:9000"
    assert base_url_for("8123") == "http://127.0.0.1:8123"
    assert base_url_for("portal.local:8080") == "http://portal.local:8080"


def test_makefile_run_starts_the_server_with_its_worker_and_a_file_queue():
    makefile = (ROOT / "Makefile").read_text()
    run = makefile[makefile.index("\nrun:") : makefile.index("\ntest:")]
    assert "manage.py rundev $(HOST)" in run and "CELERY_QUEUE_DIR" in run


def test_rundev_builds_a_report_in_its_worker_while_the_page_stays_responsive(tmp_path):
    env = bare_env(tmp_path)
    manage(env, "migrate", "--no-input")
    manage(env, "seed_demo", "--if-empty", "--enterprises", "60")
    port = free_port()
    log = tmp_path / "rundev.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(BIN / "python"), "manage.py", "rundev", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    worker_pidfile = tmp_path / "queue" / "worker.pid"
    try:
        wait_for(lambda: port_open(port) or server.poll() is not None, 60, "the development server")
        assert server.poll() is None, log.read_text()[-3000:]
        wait_for(lambda: "ready." in log.read_text(), 60, "the worker to be ready")
        worker_pid = read_pid(worker_pidfile)
        assert worker_pid and pid_alive(worker_pid)

        base = f"http://127.0.0.1:{port}"
        session = requests.Session()
        login_page = session.get(f"{base}/accounts/login/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text).group(1)
        signed_in = session.post(
            f"{base}/accounts/login/",
            data={"csrfmiddlewaretoken": token, "username": OFFICER, "password": PASSWORD},
            headers={"Referer": f"{base}/accounts/login/"},
            timeout=10,
        )
        assert signed_in.url.rstrip("/") == base, signed_in.text[:500]
        assert session.get(f"{base}/favicon.ico", timeout=10).headers["Content-Type"] == "image/x-icon"

        page = session.get(f"{base}/reports/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        commune = re.search(r'<select name="commune"[^>]*>\s*<option value="(\d+)"', page.text).group(1)
        started = time.monotonic()
        requested = session.post(
            f"{base}/reports/",
            data={"csrfmiddlewaretoken": token, "year": "2024", "commune": commune, "format": "pdf"},
            headers={"Referer": f"{base}/reports/"},
            timeout=10,
        )
        took = time.monotonic() - started
        assert requested.status_code == 200 and took < 2.0, (requested.status_code, took)
        job = re.search(r'data-testid="job-(\d+)" data-status="(\w+)"', requested.text)
        assert job and job.group(2) in ("queued", "running"), "the request built the report itself"

        statuses, progress, slowest = [], [], 0.0
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            t = time.monotonic()
            table = session.get(f"{base}/reports/jobs/", timeout=10).text
            slowest = max(slowest, time.monotonic() - t)
            status = re.search(rf'data-testid="job-{job.group(1)}" data-status="(\w+)"', table).group(1)
            statuses.append(status)
            progress += [int(v) for v in re.findall(r'<progress[^>]*value="(\d+)"', table)]
            if status in ("done", "failed"):
                break
            time.sleep(0.25)
        assert statuses[-1] == "done", log.read_text()[-3000:]
        assert slowest < 1.5, f"a poll of the job list took {slowest:.2f} s while the worker built"
        assert "running" in statuses and any(0 < p < 100 for p in progress), (statuses, progress)

        pdf = session.get(f"{base}/reports/{job.group(1)}/download/", timeout=30)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

        # The worker printed the e-mail (console backend) with a link to the address served here,
        # which leads to the reports page.
        mail = wait_for(lambda: re.search(r"https?://\S+/notifications/\d+/", log.read_text()), 30, "the e-mail")
        assert mail.group(0).startswith(f"{base}/notifications/")
        followed = session.get(mail.group(0), timeout=10)
        assert followed.status_code == 200 and followed.url.startswith(f"{base}/reports/")

        # An import is checked by the worker too: the upload answers at once with the job's page,
        # which then shows the preview with the row's error.
        from tests.enterprises.test_import import row, xlsx_bytes

        page = session.get(f"{base}/enterprises/import/", timeout=10)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        workbook = xlsx_bytes([row(commune_code="99999")])
        uploaded = session.post(
            f"{base}/enterprises/import/",
            data={"csrfmiddlewaretoken": token},
            files={"file": ("doanh-nghiep.xlsx", workbook)},
            headers={"Referer": f"{base}/enterprises/import/"},
            timeout=10,
        )
        assert re.search(r"/enterprises/import/\d+/$", uploaded.url), uploaded.text[:500]

        def preview_done():
            text = session.get(uploaded.url, timeout=10).text
            return text if 'data-testid="import-job" data-status="done"' in text else None

        preview = wait_for(preview_done, 120, "the worker to check the import", interval=0.5)
        assert 'data-testid="count-error">1<' in preview and "“99999”" in preview
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
    worker_pid = worker_pid if "worker_pid" in locals() else None
    if worker_pid:
        wait_for(lambda: not pid_alive(worker_pid), 30, "the worker to stop with the server")
