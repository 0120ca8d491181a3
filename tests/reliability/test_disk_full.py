"""A full private-files volume is a message, not a mess: report builds fail with a readable error,
uploads answer with a Vietnamese message, and no partial or empty file stays behind; the health
check says how full the volume is; a sweep removes files no row refers to.

The full volume is real: a small tmpfs mounted as the private folder (root only; skipped where
mounting is not allowed) and filled until the kernel answers ENOSPC.
"""

from __future__ import annotations

import io
import os
import subprocess
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from cleanprod.files import StorageFull, is_temporary, private_save
from cleanprod.housekeeping import purge_unreferenced_files
from reporting.models import ReportJob
from reporting.tasks import build_report, sweep_unreferenced_files
from tests.assessments.test_evidence_checks import pdf_bytes
from tests.factories import ReportJobFactory, SavingsLineFactory, SavingsReportFactory

FULL = "Bộ nhớ lưu tệp của máy chủ đã đầy"
DAY = 24 * 3600


def files_in(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture
def full_volume(settings, tmp_path):
    """A 512 KB tmpfs as the private folder, filled to the last block."""
    root = tmp_path / "private"
    root.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small volume needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(root)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": None},
        },
    }
    settings.PRIVATE_ROOT = root
    for folder in ("reports", "evidence", "imports"):
        (root / folder).mkdir()
    filler = root / "filler"
    try:
        with open(filler, "wb") as out:
            while True:
                out.write(b"\0" * 4096)
                out.flush()
    except OSError:
        pass
    try:
        yield root
    finally:
        subprocess.run(["umount", "-l", str(root)], check=False)


def leftovers(root: Path) -> list[str]:
    return [name for name in files_in(root) if name != "filler"]


# --------------------------------------------------------------------------- the one write helper


def test_a_write_to_a_full_volume_raises_storage_full_and_leaves_nothing(full_volume):
    with pytest.raises(StorageFull) as caught, translation.override("vi"):
        private_save("reports/x.pdf", io.BytesIO(b"%PDF" + b"x" * 100_000))
    assert str(caught.value).startswith(FULL)
    assert leftovers(full_volume) == []


def test_a_complete_write_is_moved_into_place_under_a_free_name(settings, tmp_path, private_storage):
    first = private_save("reports/a.pdf", io.BytesIO(b"%PDF one"))
    second = private_save("reports/a.pdf", io.BytesIO(b"%PDF two"))
    assert first == "reports/a.pdf" and second != first and second.startswith("reports/a_")
    assert default_storage.open(first).read() == b"%PDF one" and default_storage.open(second).read() == b"%PDF two"
    assert not any(is_temporary(name) for name in files_in(private_storage))


def test_a_failing_source_leaves_no_partial_file(private_storage):
    class Broken(io.BytesIO):
        def read(self, *args):
            if self.tell() > 0:
                raise OSError("the upload was cut")
            return super().read(10)

    with pytest.raises(OSError, match="cut"):
        private_save("evidence/1/x.pdf", Broken(b"%PDF" * 1000))
    assert files_in(private_storage) == []


# --------------------------------------------------------------------------- what users see


@pytest.mark.django_db
def test_a_report_built_into_a_full_volume_fails_readably_and_leaves_no_file(world, doit_user, full_volume):
    from cleanprod.celery import app

    job = ReportJobFactory(requester=doit_user, format="xlsx")
    app.conf.task_eager_propagates = False  # as a worker runs it (conftest restores it)
    with translation.override("vi"):
        build_report.apply(args=[job.pk])
    job.refresh_from_db()
    assert job.status == "failed" and FULL in job.error
    assert leftovers(full_volume) == []


@pytest.mark.django_db
def test_an_evidence_upload_to_a_full_volume_answers_a_vietnamese_message(login, staff_x, enterprise_x, full_volume):
    report = SavingsReportFactory(enterprise=enterprise_x, year=2023)
    SavingsLineFactory(report=report)
    response = login(staff_x).post(
        reverse("savings:evidence_upload", args=[report.pk]),
        {"file": SimpleUploadedFile("bien-ban.pdf", pdf_bytes(), content_type="application/pdf")},
    )
    assert response.status_code == 400 and FULL in response.content.decode()
    assert report.evidence.count() == 0 and leftovers(full_volume) == []


@pytest.mark.django_db
def test_an_import_upload_to_a_full_volume_answers_a_vietnamese_message(login, officer_a, full_volume):
    from tests.enterprises.test_import import row, upload, xlsx_bytes

    data = xlsx_bytes([row(name="Công ty TNHH Đĩa Đầy"), *(row() for _ in range(300))])
    response = login(officer_a).post(reverse("enterprises:import"), {"file": upload(data)})
    assert response.status_code == 200 and FULL in response.content.decode()
    assert leftovers(full_volume) == []


@pytest.mark.django_db
def test_the_health_check_says_how_full_the_volume_is(client, full_volume, db):
    response = client.get(reverse("health"))
    figures = response.json()
    assert response.status_code == 503 and figures["status"] == "failing"
    assert figures["database"] == "ok" and figures["private_files"]["status"] == "full"
    assert figures["private_files"]["used_percent"] >= 99
    assert str(full_volume) not in response.content.decode()  # no path is shown
    (full_volume / "filler").unlink()
    figures = client.get(reverse("health")).json()
    assert figures["status"] == "ok" and figures["private_files"]["used_percent"] < 5


# --------------------------------------------------------------------------- the sweep


def age(root: Path, name: str, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(root / name, (then, then))


@pytest.mark.django_db
def test_the_sweep_removes_files_no_row_refers_to_after_a_day(world, doit_user, private_storage):
    kept = ReportJobFactory(requester=doit_user, status="done", file="reports/kept.pdf")
    names = {
        "referenced": kept.file.name,
        "orphan_report": "reports/orphan.pdf",
        "orphan_evidence": "evidence/7/orphan.pdf",
        "fresh_orphan": "reports/fresh.xlsx",
        "partial": "reports/.tmp-abc.part",
        "fresh_partial": "evidence/7/.tmp-def.part",
        "partial_import": "imports/.tmp-123.part",
        "pending_import": "imports/0123abcd.xlsx",
    }
    for name in names.values():
        default_storage.save(name, ContentFile(b"data"))
    for key in ("referenced", "orphan_report", "orphan_evidence", "partial", "partial_import", "pending_import"):
        age(private_storage, names[key], DAY + 60)

    assert sweep_unreferenced_files() == 4
    left = {key for key, name in names.items() if default_storage.exists(name)}
    assert left == {"referenced", "fresh_orphan", "fresh_partial", "pending_import"}
    assert purge_unreferenced_files() == 0
    assert ReportJob.objects.get(pk=kept.pk).file.name in files_in(private_storage)


def test_the_file_sweep_is_scheduled():
    from django.conf import settings

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "reporting.tasks.sweep_unreferenced_files" in tasks
