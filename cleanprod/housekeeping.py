"""Housekeeping of private storage: files that a workflow left behind, and files no row refers to.

An import is uploaded, previewed (by a background job, ``enterprises.imports.jobs``), then applied
or cancelled; a preview that is never confirmed leaves its job and its upload under
``imports/``. Both are removed after a day by a Celery beat task
(``reporting.tasks.sweep_abandoned_imports``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.core.files.storage import Storage, default_storage
from django.utils import timezone

log = logging.getLogger(__name__)

IMPORTS_DIR = "imports"
ABANDONED_AFTER = timedelta(days=1)


def _walk(storage: Storage, directory: str):
    try:
        dirs, files = storage.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield f"{directory}/{name}"
    for sub in dirs:
        yield from _walk(storage, f"{directory}/{sub}")


def purge_abandoned_imports(
    *, older_than: timedelta = ABANDONED_AFTER, now: datetime | None = None, storage: Storage | None = None
) -> int:
    """Delete the import jobs and uploads older than ``older_than`` (and fail the jobs whose
    worker died, ``enterprises.imports.jobs.import_jobs_sweep``); returns how many files and
    jobs were deleted."""
    from enterprises.imports.jobs import import_jobs_sweep

    storage = storage or default_storage
    cutoff = (now or timezone.now()) - older_than
    deleted = import_jobs_sweep(older_than=older_than, now=now)
    for path in list(_walk(storage, IMPORTS_DIR)):
        try:
            if storage.get_modified_time(path) < cutoff:
                storage.delete(path)
                deleted += 1
        except FileNotFoundError:  # removed meanwhile (applied, or a concurrent sweep)
            continue
    if deleted:
        log.info("deleted %s abandoned import upload(s)", deleted)
    return deleted


# Folders whose files belong to a row: a file no row refers to is left over (a build that ended
# after its job was failed, a worker killed between writing and recording, an upload whose
# transaction rolled back) and takes space for nothing.
REFERENCED_DIRS = ("reports", "evidence")
UNREFERENCED_AFTER = timedelta(days=1)


def _referenced_names() -> set[str]:
    from assessments.models import Evidence
    from reporting.models import IssuedFile, ReportJob

    names = set(ReportJob.objects.exclude(file="").values_list("file", flat=True).iterator())
    names.update(IssuedFile.objects.values_list("file", flat=True).iterator())
    names.update(Evidence.objects.exclude(file="").values_list("file", flat=True).iterator())
    return names


def purge_unreferenced_files(
    *, older_than: timedelta = UNREFERENCED_AFTER, now: datetime | None = None, storage: Storage | None = None
) -> int:
    """Delete the files under ``reports/`` and ``evidence/`` that no row refers to, and the
    temporary files of interrupted writes anywhere (``cleanprod.files``), once older than
    ``older_than`` (a file being written or just written is never touched). Returns how many."""
    from cleanprod.files import is_temporary

    storage = storage or default_storage
    cutoff = (now or timezone.now()) - older_than
    referenced = _referenced_names()
    deleted = 0
    for directory in (*REFERENCED_DIRS, IMPORTS_DIR):
        for path in list(_walk(storage, directory)):
            if directory == IMPORTS_DIR and not is_temporary(path):
                continue  # imports have their own sweep (purge_abandoned_imports)
            if path in referenced and not is_temporary(path):
                continue
            try:
                if storage.get_modified_time(path) < cutoff:
                    storage.delete(path)
                    deleted += 1
            except FileNotFoundError:
                continue
    if deleted:
        log.info("deleted %s unreferenced or partial private file(s)", deleted)
    return deleted
