"""Housekeeping of private storage: files that a workflow left behind.

An import is uploaded, previewed, then applied or cancelled; a preview that is never confirmed
leaves its upload under ``imports/`` (enterprise lists) or ``imports/training/`` (attendance
lists). Those are removed after a day by a Celery beat task (``reporting.tasks.sweep_abandoned_imports``);
the sessions that referred to them have expired by then.
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
    """Delete the import uploads older than ``older_than``; returns how many were deleted."""
    storage = storage or default_storage
    cutoff = (now or timezone.now()) - older_than
    deleted = 0
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
