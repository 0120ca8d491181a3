"""Celery tasks of notifications: thin wrappers taking ids (JSON) and calling the services."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services


@shared_task(
    bind=True,
    name="notifications.tasks.send_notification_email",
    soft_time_limit=60,
    time_limit=90,
    max_retries=5,
    acks_late=True,
)
def send_notification_email(self, notification_id: int) -> bool:
    """E-mail one notification once; a mail server or database that is down is retried later."""
    try:
        return services.notification_email_send(notification_id=notification_id)
    except (OSError, OperationalError, InterfaceError) as exc:
        raise self.retry(exc=exc, countdown=min(600, 30 * 2**self.request.retries)) from exc


@shared_task(name="notifications.tasks.send_notification_digests", soft_time_limit=600, time_limit=660)
def send_notification_digests() -> int:
    """Beat, once a day: the digest of each user who chose it."""
    return services.notification_digests_send()
