"""Recompute the sector statistics when the verified data behind them change.

A committed write to an assessment, an option, a savings report or line, or an enterprise (its
sector) schedules one refresh by a worker; writes made while one is pending do not schedule
another (the refresh clears the mark before it reads, so nothing committed after is missed).
A rolled-back transaction schedules nothing."""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

PENDING_TTL = 600


def _pending_key() -> str:
    return f"guidance:statistics-pending:{connection.settings_dict['NAME']}"


class _Key:
    def __str__(self) -> str:
        return _pending_key()


PENDING_KEY = _Key()


def schedule_refresh() -> None:
    from .tasks import refresh_sector_statistics

    if cache.add(str(PENDING_KEY), 1, PENDING_TTL):
        refresh_sector_statistics.delay()


def _on_change(sender, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    transaction.on_commit(schedule_refresh, robust=True)


def connect_signals() -> None:
    """Called once from ``GuidanceConfig.ready``."""
    from assessments.models import Assessment, CPOption, SavingsLine, SavingsReport
    from enterprises.models import Enterprise
    from enterprises.signals import bulk_changed

    for model in (Assessment, CPOption, SavingsReport, SavingsLine, Enterprise):
        post_save.connect(_on_change, sender=model, dispatch_uid=f"guidance-{model._meta.label}-save")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"guidance-{model._meta.label}-delete")
    bulk_changed.connect(_on_change, dispatch_uid="guidance-enterprises-bulk")
