"""Notifications: what the portal tells a user that needs them (a report arrived, was returned or
verified, an assessment was submitted or reviewed, a report or a year-end batch is ready), in the
portal and by e-mail as each user chooses (at once, a daily digest, or not at all).

A notification stores its event, a few names (``params``) and the path of the page it names; its
text is written in the reader's language when shown. Its e-mail is sent once, by Celery after the
transaction that made it commits; creating it and e-mailing it are both kept as change records
(django-simple-history), which the audit shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

if TYPE_CHECKING:
    from accounts.models import User


class Event(models.TextChoices):
    SAVINGS_SUBMITTED = "savings_submitted", _("Savings report submitted")
    SAVINGS_RETURNED = "savings_returned", _("Savings report returned")
    SAVINGS_VERIFIED = "savings_verified", _("Savings report verified")
    ASSESSMENT_SUBMITTED = "assessment_submitted", _("Assessment submitted")
    ASSESSMENT_APPROVED = "assessment_approved", _("Assessment approved")
    ASSESSMENT_RETURNED = "assessment_returned", _("Assessment returned")
    REPORT_READY = "report_ready", _("Report ready")
    BATCH_READY = "batch_ready", _("Year-end batch ready")
    CALL_DUE_SOON = "call_due_soon", _("Savings report due soon")
    CALL_OVERDUE = "call_overdue", _("Savings report overdue")
    CALL_MISSING = "call_missing", _("Savings reports missing in your commune")


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", _("An e-mail for each notification, at once")
    DIGEST = "digest", _("One e-mail a day with the day's notifications")
    NONE = "none", _("No e-mail (notifications in the portal only)")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def visible_to(self, user: User) -> NotificationQuerySet:
        """A user's own notifications; nobody sees another's."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    class EmailStatus(models.TextChoices):
        PENDING = "pending", _("To be e-mailed")
        SENT = "sent", _("E-mailed")
        SKIPPED = "skipped", _("Not e-mailed (the user chose no e-mail)")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    event = models.CharField(_("event"), max_length=24, choices=Event.choices)
    params = models.JSONField(_("details"), default=dict, blank=True)
    url = models.CharField(_("page"), max_length=200, help_text=_("The path of the page the notification names."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    email_status = models.CharField(_("e-mail"), max_length=8, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["read_at"])
    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_new"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
            models.Index(
                fields=["email_status", "recipient"], condition=Q(email_status="pending"), name="notification_to_email"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(email_status="sent") | Q(emailed_at__isnull=False), name="notification_sent_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} → {self.recipient}"

    @property
    def message(self) -> str:
        """The notification's sentence, in the active language."""
        from .events import message_for

        return message_for(self.event, self.params)


class NotificationSettings(models.Model):
    """How a user wants to be told by e-mail; no row means at once."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_settings",
        verbose_name=_("user"),
    )
    email = models.CharField(_("e-mail"), max_length=10, choices=EmailMode.choices, default=EmailMode.IMMEDIATE)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return f"{self.user}: {self.email}"


def email_mode(user: User) -> str:
    row = NotificationSettings.objects.filter(user=user).values_list("email", flat=True).first()
    return row or EmailMode.IMMEDIATE
