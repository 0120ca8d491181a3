"""Writes on notifications: create them with the event that causes them, e-mail each once (at
once or in the daily digest, as the recipient chose), mark them read, change the choice.

``notify`` runs inside the caller's transaction: the notifications exist if and only if the event
does. Their e-mails are sent by a Celery task enqueued once that transaction commits; the task
locks each notification while it sends, so that a duplicate message sends nothing.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .models import EmailMode, Notification, NotificationSettings

if TYPE_CHECKING:
    from accounts.models import User

log = logging.getLogger(__name__)


def portal_url(path: str) -> str:
    """An absolute link for an e-mail: the address the portal is served on (``PORTAL_BASE_URL``)."""
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def notify(*, event: str, recipients: Iterable[User], url: str, params: dict | None = None) -> list[Notification]:
    """One notification per distinct active recipient, and their e-mails after commit."""
    users = {user.pk: user for user in recipients if user is not None and user.is_active}
    if not users:
        return []
    modes = dict(NotificationSettings.objects.filter(user_id__in=users).values_list("user_id", "email"))
    created = []
    for user in users.values():
        mode = modes.get(user.pk, EmailMode.IMMEDIATE)
        skipped = mode == EmailMode.NONE or not user.email
        notification = Notification(
            recipient=user,
            event=event,
            params=params or {},
            url=url,
            email_status=Notification.EmailStatus.SKIPPED if skipped else Notification.EmailStatus.PENDING,
        )
        notification.full_clean()
        notification.save()
        created.append(notification)
        if not skipped and mode == EmailMode.IMMEDIATE:
            transaction.on_commit(functools.partial(_email_after_commit, notification.pk))
    return created


def _email_after_commit(notification_id: int) -> None:
    from .tasks import send_notification_email

    try:
        send_notification_email.delay(notification_id)
    except Exception:  # the queue is down: the daily sweep e-mails what is still pending
        log.exception("could not queue the e-mail of notification %s", notification_id)


def _lock_pending(ids: Sequence[int]) -> QuerySet[Notification]:
    return (
        Notification.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk__in=ids, email_status=Notification.EmailStatus.PENDING)
        .select_related("recipient")
        .order_by("created_at", "pk")
    )


def _mark_sent(notifications: Sequence[Notification], reason: str) -> None:
    now = timezone.now()
    for notification in notifications:
        notification.email_status = Notification.EmailStatus.SENT
        notification.emailed_at = now
        notification._change_reason = reason  # type: ignore[attr-defined]  # read by simple_history
        notification.save(update_fields=["email_status", "emailed_at"])


def notification_email_send(*, notification_id: int) -> bool:
    """E-mail one notification if it is still pending (True when this call sent it). The row is
    locked while the mail is sent and marked sent in the same transaction: a second task for the
    same notification finds it locked or sent and does nothing; a failed send leaves it pending."""
    with transaction.atomic():
        notification = _lock_pending([notification_id]).first()
        if notification is None:
            return False
        user = notification.recipient
        with translation.override(settings.LANGUAGE_CODE):
            message = notification.message
            context = {"user": user, "message": message, "link": portal_url(_open_path(notification))}
            context["settings_link"] = portal_url(reverse("notifications:settings"))
            body = render_to_string("notifications/email/one.txt", context)
            subject = _("[Cleaner Production Portal] %(message)s") % {"message": message}
        send_mail(subject[:180], body, None, [user.email])
        _mark_sent([notification], "e-mail sent")
    return True


def notification_digests_send() -> int:
    """The daily digest: one e-mail per user who chose it, listing their notifications not yet
    e-mailed. Returns how many e-mails were sent."""
    user_ids = (
        Notification.objects.filter(
            email_status=Notification.EmailStatus.PENDING, recipient__notification_settings__email=EmailMode.DIGEST
        )
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    sent = 0
    for user_id in list(user_ids):
        ids = list(
            Notification.objects.filter(
                recipient_id=user_id, email_status=Notification.EmailStatus.PENDING
            ).values_list("pk", flat=True)
        )
        with transaction.atomic():
            notifications = list(_lock_pending(ids))
            if not notifications:
                continue
            user = notifications[0].recipient
            with translation.override(settings.LANGUAGE_CODE):
                items = [(n.message, portal_url(_open_path(n))) for n in notifications]
                body = render_to_string(
                    "notifications/email/digest.txt",
                    {"user": user, "items": items, "settings_link": portal_url(reverse("notifications:settings"))},
                )
                subject = _("[Cleaner Production Portal] %(count)s notifications today") % {"count": len(items)}
            send_mail(subject, body, None, [user.email])
            _mark_sent(notifications, "daily digest e-mail sent")
            sent += 1
    return sent


def _open_path(notification: Notification) -> str:
    return reverse("notifications:open", args=[notification.pk])


def notification_open(*, notification: Notification) -> str:
    """Mark it read; the path of the page it names."""
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
    return notification.url


def notifications_mark_all_read(*, user: User) -> int:
    return Notification.objects.visible_to(user).unread().update(read_at=timezone.now())


@transaction.atomic
def notification_settings_set(*, user: User, email: str) -> NotificationSettings:
    """Change how ``user`` is e-mailed. Notifications still waiting for an e-mail follow the new
    choice: none skips them, at once sends them now, the digest keeps them for the next one."""
    row, _created = NotificationSettings.objects.get_or_create(user=user)
    row.email = email
    row.full_clean()
    row.save()
    pending = Notification.objects.filter(recipient=user, email_status=Notification.EmailStatus.PENDING)
    if email == EmailMode.NONE:
        pending.update(email_status=Notification.EmailStatus.SKIPPED)
    elif email == EmailMode.IMMEDIATE:
        for pk in pending.values_list("pk", flat=True):
            transaction.on_commit(functools.partial(_email_after_commit, pk))
    return row
