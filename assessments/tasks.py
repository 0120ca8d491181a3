"""Celery tasks of assessments: thin wrappers calling the services."""

from __future__ import annotations

from celery import shared_task

from .services import reminders


@shared_task(name="assessments.tasks.send_data_call_reminders", soft_time_limit=600, time_limit=660)
def send_data_call_reminders() -> dict:
    """Beat, once a day: the enterprises' reminders before the due date and once overdue."""
    counts = reminders.data_call_reminders_send()
    return {"before": counts.before, "overdue": counts.overdue}


@shared_task(name="assessments.tasks.send_data_call_digests", soft_time_limit=600, time_limit=660)
def send_data_call_digests() -> int:
    """Beat, once a week: each commune's officers the reports still missing there."""
    return reminders.data_call_digests_send()
