"""The uploaded attendance file between preview and apply: kept in private storage under a
generated name, the session holding only a token."""

from __future__ import annotations

import logging
import secrets
import time
from typing import IO, TYPE_CHECKING

from django.core.files.storage import default_storage

from cleanprod.files import private_save

from ..models import Course

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase


logger = logging.getLogger(__name__)

SESSION_KEY = "training_attendance_imports"
PENDING_TTL_SECONDS = 24 * 3600  # an upload not applied within a day is dropped at the next upload
STORAGE_DIR = "imports/training"


def stash_upload(session: SessionBase, course: Course, file: IO[bytes], original_name: str) -> str:
    """Keep the uploaded file in default storage under a generated name; return a token that
    the session maps to it (and to the course)."""
    now = int(time.time())
    pending = dict(session.get(SESSION_KEY, {}))
    for old_token, entry in list(pending.items()):  # uploads left behind in this session
        if now - entry.get("created", 0) > PENDING_TTL_SECONDS:
            pending.pop(old_token)
            _delete(entry["name"])
    token = secrets.token_urlsafe(16)
    name = private_save(f"{STORAGE_DIR}/{secrets.token_hex(16)}.xlsx", file)
    pending[token] = {"name": name, "course": course.pk, "original": original_name[:200], "created": now}
    session[SESSION_KEY] = pending
    return token


def stashed_upload(session: SessionBase, course: Course, token: str) -> dict | None:
    entry = session.get(SESSION_KEY, {}).get(token)
    if not entry or entry.get("course") != course.pk or not default_storage.exists(entry["name"]):
        return None
    return entry


def discard_upload(session: SessionBase, token: str) -> None:
    pending = dict(session.get(SESSION_KEY, {}))
    entry = pending.pop(token, None)
    session[SESSION_KEY] = pending
    if entry:
        _delete(entry["name"])


def _delete(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:  # already gone: nothing to clean
        logger.warning("Attendance import: could not delete %s", name)
