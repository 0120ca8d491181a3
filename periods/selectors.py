"""Reads of the period lock (DESIGN.md §10): is a year locked, and the guard that serialises
locking a year with the writes on that year's assessments and savings reports.

The write services of ``assessments`` call ``assessments.services.workflow.ensure_year_open``,
which takes ``year_guard(year)`` (shared) and then asks ``is_year_locked``; ``year_lock`` takes
``year_guard(year, exclusive=True)``. On PostgreSQL these are transaction-level advisory locks:
a lock waits for the writes already under way on that year to commit, and a write that starts
meanwhile waits for the lock to commit and then sees it. Other databases (SQLite in local
development) serialise writers anyway.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from .models import YearLock

# First key of the two-key advisory locks taken by the period lock ("SXSH" in ASCII).
ADVISORY_NAMESPACE = 0x53585348


def is_year_locked(year: int | None) -> bool:
    """Whether the final report of ``year`` was issued (one query)."""
    if year is None:
        return False
    return YearLock.objects.is_locked(int(year))


def locked_years(years: Iterable[int] | None = None) -> set[int]:
    """The locked years (among ``years`` when given), in one query: for pages listing many items."""
    qs = YearLock.objects.all()
    if years is not None:
        qs = qs.filter(year__in={int(y) for y in years if y is not None})
    return qs.years()


def year_lock_for(year: int) -> YearLock | None:
    return YearLock.objects.select_related("locked_by").filter(year=year).first()


def year_guard(*years: int, exclusive: bool = False) -> None:
    """Take the advisory lock of each year until the end of the current transaction (call it
    inside ``transaction.atomic``). Years are taken in order, so that two writers never wait on
    each other in a cycle."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    with connection.cursor() as cursor:
        for year in sorted({int(y) for y in years if y is not None}):
            cursor.execute(f"SELECT {function}(%s, %s)", [ADVISORY_NAMESPACE, year])  # noqa: S608 (fixed names)
