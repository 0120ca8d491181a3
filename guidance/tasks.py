"""Celery tasks of the guidance app: thin wrappers calling ``guidance.services``."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache

from . import services
from .signals import PENDING_KEY


@shared_task(name="guidance.tasks.refresh_sector_statistics", soft_time_limit=600, time_limit=660)
def refresh_sector_statistics() -> int:
    """Recompute the stored sector statistics (after verified data changed)."""
    cache.delete(str(PENDING_KEY))  # a change committed from here on schedules another refresh
    return services.sector_statistics_refresh()
