"""Reads of the period lock now live in ``periods.selectors`` (below ``assessments``); they are
named here too for the callers of the reporting app."""

from __future__ import annotations

from periods.selectors import ADVISORY_NAMESPACE, is_year_locked, locked_years, year_guard, year_lock_for

__all__ = ["ADVISORY_NAMESPACE", "is_year_locked", "locked_years", "year_guard", "year_lock_for"]
