"""Database helpers shared by the apps: running a write again when PostgreSQL aborted it because
of a concurrent one (a deadlock, a serialization failure, or a unique row another transaction
inserted first). The write is one transaction, so an aborted attempt left nothing behind; running
it again sees the other transaction's committed rows."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, OperationalError, connection

log = logging.getLogger(__name__)
T = TypeVar("T")

# SQLSTATE of the errors a concurrent transaction causes: serialization_failure, deadlock_detected,
# unique_violation.
CONFLICT_CODES = {"40001", "40P01", "23505"}
ATTEMPTS = 3


class StillConflicting(Exception):
    """The write conflicted with concurrent ones on every attempt; nothing was written."""


def _sqlstate(exc: BaseException) -> str | None:
    cause = exc.__cause__ or exc.__context__
    return getattr(cause, "pgcode", None) or getattr(exc, "pgcode", None)


def is_conflict(exc: BaseException) -> bool:
    if not isinstance(exc, (OperationalError, IntegrityError)):
        return False
    code = _sqlstate(exc)
    if code is None and connection.vendor != "postgresql":
        return isinstance(exc, OperationalError) and "locked" in str(exc)  # SQLite: "database is locked"
    return code in CONFLICT_CODES


def retry_on_conflict(write: Callable[[], T], *, attempts: int = ATTEMPTS, what: str = "write") -> T:
    """Run ``write`` (which must be one transaction, started inside it) up to ``attempts`` times
    while it fails only because of a concurrent transaction; raises ``StillConflicting`` after
    the last. Must not be called inside an outer transaction (the retry would run in an aborted
    one)."""
    if connection.in_atomic_block:  # an outer transaction: it is the caller's to run again
        return write()
    for attempt in range(1, attempts + 1):
        try:
            return write()
        except (OperationalError, IntegrityError) as exc:
            if not is_conflict(exc):
                raise
            log.warning("%s: concurrent transaction (%s), attempt %s of %s", what, exc, attempt, attempts)
            if attempt == attempts:
                raise StillConflicting(what) from exc
            time.sleep(random.uniform(0.05, 0.3) * attempt)  # noqa: S311 - jitter, not a secret
    raise AssertionError("unreachable")
