"""Imports through a real Celery worker (a separate process, solo pool) on Redis and the test
database: the upload returns at once, the worker builds the preview with progress, the page shows
it, the confirmation is written by the worker too. Started with a pidfile, stopped by that PID."""

from __future__ import annotations

import datetime as dt
import os

import psycopg2
import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from cleanprod.celery import app
from enterprises.models import Enterprise, ImportJob
from tests.factories import CourseFactory, TrainingOfficerFactory
from tests.processes import celery_worker, wait_for
from training.models import Attendance

from .test_import import _rezip, row, upload, xlsx_bytes

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def private_storage(settings, tmp_path):
    root = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": None},
        },
    }
    return root


@pytest.fixture
def worker(transactional_db, private_storage, tmp_path):
    if not os.environ.get("REDIS_URL") or settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.skip("needs REDIS_URL (a real broker)")
    assert connection.settings_dict["NAME"].startswith("test_")
    app.control.purge()  # no message left over from an earlier run
    with celery_worker(tmp_path, broker_url=os.environ["REDIS_URL"], private_root=private_storage) as running:
        yield running


def stored(root) -> list:
    folder = root / "imports"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def job_of(user) -> ImportJob:
    return ImportJob.objects.filter(requester=user).latest("pk")


def finished(job: ImportJob, timeout: float = 120) -> ImportJob:
    def done():
        job.refresh_from_db()
        return job.is_finished

    wait_for(done, timeout, f"import job {job.pk} to finish", interval=0.2)
    return job


def _locked_enterprises():
    """A second connection holding the enterprise table: the worker's validation of the first
    batch waits for it, after the rows of that batch were read (and their progress reported)."""
    db = settings.DATABASES["default"]
    blocker = psycopg2.connect(
        dbname=db["NAME"],
        user=db.get("USER") or "postgres",
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
    )
    with blocker.cursor() as cur:
        cur.execute("LOCK TABLE enterprises_enterprise IN ACCESS EXCLUSIVE MODE")
    return blocker


def test_the_preview_is_built_by_the_worker_with_progress_and_shows_row_errors(
    worker, login, officer_a, doit_user, private_storage
):
    rows = [row() for _ in range(3000)]
    rows[2500]["commune_code"] = "99999"  # not a commune: an error on row 2502
    client = login(officer_a)
    blocker = _locked_enterprises()
    try:
        response = client.post(reverse("enterprises:import"), {"file": upload(xlsx_bytes(rows))})
        job = job_of(officer_a)
        assert response.status_code == 302 and response.url == reverse("enterprises:import_job", args=[job.pk])
        # The request returned before the rows were read: the worker has them.
        assert job.status in ("queued", "running") and job.summary == {}

        def progressed():
            job.refresh_from_db()
            return job.status == "running" and job.progress > 1

        wait_for(progressed, 90, "the progress bar to move", interval=0.2)
        page = client.get(reverse("enterprises:import_job", args=[job.pk])).content.decode()
        assert 'data-status="running"' in page and f'value="{job.progress}"' in page
        assert "Đang kiểm tra tệp" in page and 'hx-trigger="every 2s"' in page
    finally:
        blocker.rollback()
        blocker.close()

    finished(job)
    assert job.status == "done" and job.progress == 100 and job.phase == "preview"
    assert (job.summary["total"], job.summary["new_count"], job.summary["error_count"]) == (3000, 2999, 1)
    page = client.get(reverse("enterprises:import_job", args=[job.pk])).content.decode()
    assert 'data-testid="count-error">1<' in page and 'hx-trigger="every 2s"' not in page
    assert "Mã xã, phường: không có xã, phường mã “99999”." in page  # the row's error, in Vietnamese
    assert reverse("enterprises:import_confirm", args=[job.pk]) not in page
    assert stored(private_storage) == [] and not Enterprise.objects.exists()
    assert "Task enterprises.tasks.run_import" in worker.log()  # built by the worker, not the request

    # Another user, DOIT staff included, does not see it.
    other = login(doit_user)
    assert other.get(reverse("enterprises:import_job", args=[job.pk])).status_code == 404
    assert other.post(reverse("enterprises:import_confirm", args=[job.pk])).status_code == 404


def test_confirming_has_the_worker_write_the_rows_then_shows_the_result(worker, login, officer_a, private_storage):
    rows = [row(name=f"Công ty TNHH Nền {i}") for i in range(50)]
    client = login(officer_a)
    client.post(reverse("enterprises:import"), {"file": upload(xlsx_bytes(rows))})
    job = finished(job_of(officer_a))
    assert job.previewed and len(stored(private_storage)) == 1

    response = client.post(reverse("enterprises:import_confirm", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.phase == "apply"
    finished(job)
    assert job.status == "done" and job.result == {"created": 50, "updated": 0, "unchanged": 0}
    assert Enterprise.objects.filter(name__startswith="Công ty TNHH Nền").count() == 50
    page = client.get(reverse("enterprises:import_job", args=[job.pk])).content.decode()
    assert "Đã nhập xong: 50 doanh nghiệp mới, 0 được cập nhật, 0 không thay đổi." in page
    assert stored(private_storage) == []


def test_a_corrupt_workbook_fails_with_a_vietnamese_message_and_changes_nothing(
    worker, login, officer_a, enterprise_x, private_storage
):
    data = _rezip(xlsx_bytes([row(tax_code=enterprise_x.tax_code, employees=999)]), {"xl/worksheets/sheet1.xml": b"<x"})
    client = login(officer_a)
    response = client.post(reverse("enterprises:import"), {"file": upload(data)})
    assert response.status_code == 302
    job = finished(job_of(officer_a))
    assert job.status == "failed" and job.error == "Không thể đọc tệp này dưới dạng bảng tính Excel."
    page = client.get(reverse("enterprises:import_job", args=[job.pk])).content.decode()
    assert job.error in page and "Traceback" not in page
    enterprise_x.refresh_from_db()
    assert enterprise_x.employees != 999 and stored(private_storage) == []


def test_an_attendance_list_is_previewed_and_recorded_by_the_worker(
    worker, login, doit_user, district_a, private_storage
):
    from tests.security.conftest import attendance_workbook

    course = CourseFactory(kind="officer", start_date=dt.date(2024, 3, 1), end_date=dt.date(2024, 3, 2))
    TrainingOfficerFactory(full_name="Nguyễn Văn Học", district=district_a)
    client = login(doit_user)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload_file = SimpleUploadedFile("danh-sach.xlsx", attendance_workbook())
    response = client.post(reverse("training:attendance_import", args=[course.pk]), {"file": upload_file})
    job = job_of(doit_user)
    url = reverse("training:attendance_import_preview", args=[course.pk, job.pk])
    assert response.status_code == 302 and response.url == url
    finished(job)
    assert job.previewed, job.error
    page = client.get(url).content.decode()
    assert "Ghi nhận danh sách tham dự" in page and "Nguyễn Văn Học" in page

    assert client.post(url).status_code == 302
    finished(job)
    assert job.applied and Attendance.objects.filter(course=course).count() == job.result["attendance_written"] >= 1
    assert 'hx-trigger="every 2s"' not in client.get(url).content.decode()
