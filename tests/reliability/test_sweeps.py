"""Beat sweeps of what a workflow left behind: import uploads previewed but never applied."""

from __future__ import annotations

import os
import time

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from reporting.tasks import sweep_abandoned_imports

DAY = 24 * 3600


def age(root, name: str, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(root / name, (then, then))


@pytest.mark.django_db
def test_abandoned_enterprise_and_training_uploads_are_deleted_after_a_day(private_storage):
    names = {
        "old_enterprise": "imports/0123abcd.xlsx",
        "old_training": "imports/training/4567ef.xlsx",
        "fresh_enterprise": "imports/89abcdef.xlsx",
        "fresh_training": "imports/training/fedcba.xlsx",
        "old_report": "reports/0a1b2c.pdf",
    }
    saved = {key: default_storage.save(name, ContentFile(b"PK\x03\x04 data")) for key, name in names.items()}
    for key in ("old_enterprise", "old_training", "old_report"):
        age(private_storage, saved[key], DAY + 60)
    age(private_storage, saved["fresh_enterprise"], DAY - 600)

    assert sweep_abandoned_imports() == 2
    left = {key for key, name in saved.items() if default_storage.exists(name)}
    assert left == {"fresh_enterprise", "fresh_training", "old_report"}  # reports are not imports
    assert sweep_abandoned_imports() == 0


def test_the_sweep_is_scheduled():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "reporting.tasks.sweep_abandoned_imports" in tasks


@pytest.mark.django_db
def test_the_sweep_copes_with_no_import_folder(private_storage):
    assert not (private_storage / "imports").exists()
    assert sweep_abandoned_imports() == 0


@pytest.mark.django_db
def test_the_sweep_removes_import_jobs_left_for_a_day_with_their_upload(private_storage, officer_a):
    import datetime as dt

    from django.utils import timezone

    from enterprises.models import ImportJob

    name = default_storage.save("imports/jobs/abandoned.xlsx", ContentFile(b"x"))
    old = ImportJob.objects.create(kind="enterprises", requester=officer_a, upload=name, status="done")
    fresh = ImportJob.objects.create(kind="enterprises", requester=officer_a, status="done")
    ImportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=1, minutes=1))
    assert sweep_abandoned_imports() == 1  # the job (its upload is still fresh on disk: deleted with it)
    assert not ImportJob.objects.filter(pk=old.pk).exists() and ImportJob.objects.filter(pk=fresh.pk).exists()
    assert not (private_storage / name).exists()
