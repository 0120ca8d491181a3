"""Reminders of data calls (issue 16), sent by Celery beat through the notifications app (each
recipient's e-mail preference applies: at once, daily digest or none):

- to the staff of each enterprise a call expects and has not heard from: once in the
  ``REMIND_BEFORE_DAYS`` before the due date, and once after it (up to ``FOLLOW_UP_DAYS`` after
  it, so that an old call does not wake up);
- to the officers of each commune, once a week while a call is followed, how many of the reports
  asked of their commune are still missing.

Each reminder is recorded (``CallReminder``) before it is sent, in the same transaction, and the
record is unique per call, enterprise and stage (per call, commune and week for the digest): a
second run, even at the same moment, finds the record and sends nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.scope import Scope
from notifications.models import Event
from notifications.services import notify

from ..calls import expected_enterprises, with_answers
from ..models import CallReminder, DataCall

REMIND_BEFORE_DAYS = 7
FOLLOW_UP_DAYS = 30


@dataclass
class ReminderCounts:
    before: int = 0
    overdue: int = 0
    digests: int = 0


def _params(call: DataCall) -> dict:
    return {"year": str(call.year), "period": call.period, "due": call.due_date.strftime("%d/%m/%Y")}


def followed_calls(today: dt.date):
    """The calls still followed on ``today``: opened, and due at most ``FOLLOW_UP_DAYS`` ago."""
    return (
        DataCall.objects.filter(created_at__date__lte=today, due_date__gte=today - dt.timedelta(days=FOLLOW_UP_DAYS))
        .prefetch_related("sectors", "communes")
        .order_by("due_date", "pk")
    )


def missing_enterprises(call: DataCall):
    """The enterprises ``call`` expects whose report has not been received."""
    answered: Any = with_answers(expected_enterprises(call), call)  # annotated: unknown to the stubs
    return answered.filter(received=False)


def _staff_by_enterprise(enterprise_ids: list[int]) -> dict[int, list[User]]:
    staff: dict[int, list[User]] = defaultdict(list)
    for user in User.objects.filter(enterprise_id__in=enterprise_ids, is_active=True).order_by("pk"):
        if Scope.of(user).is_enterprise:
            staff[user.enterprise_id].append(user)
    return staff


def _remind_enterprises(call: DataCall, stage: str, event: str) -> int:
    done = set(CallReminder.objects.filter(call=call, stage=stage).values_list("enterprise_id", flat=True))
    ids = [pk for pk in missing_enterprises(call).values_list("pk", flat=True) if pk not in done]
    staff = _staff_by_enterprise(ids)
    sent = 0
    url = reverse("dashboard")
    for enterprise_id in ids:
        with transaction.atomic():
            reminder, created = CallReminder.objects.get_or_create(
                call=call, enterprise_id=enterprise_id, stage=stage, defaults={"missing": 1}
            )
            if not created:
                continue
            recipients = notify(event=event, recipients=staff.get(enterprise_id, []), url=url, params=_params(call))
            reminder.recipients = len(recipients)
            reminder.save(update_fields=["recipients"])
            sent += 1
    return sent


def data_call_reminders_send(*, today: dt.date | None = None) -> ReminderCounts:
    """The enterprises' reminders due on ``today`` (default: today), each sent once."""
    today = today or timezone.localdate()
    counts = ReminderCounts()
    for call in followed_calls(today):
        if call.due_date - dt.timedelta(days=REMIND_BEFORE_DAYS) <= today <= call.due_date:
            counts.before += _remind_enterprises(call, CallReminder.Stage.BEFORE, Event.CALL_DUE_SOON)
        elif today > call.due_date:
            counts.overdue += _remind_enterprises(call, CallReminder.Stage.OVERDUE, Event.CALL_OVERDUE)
    return counts


def _commune_officers(commune_ids: list[int]) -> dict[int, list[User]]:
    officers: dict[int, list[User]] = defaultdict(list)
    for user in User.objects.filter(commune_id__in=commune_ids, is_active=True).order_by("pk"):
        if Scope.of(user).is_unit:
            officers[user.commune_id].append(user)
    return officers


def data_call_digests_send(*, today: dt.date | None = None) -> int:
    """This week's digest to the officers of each commune with reports missing, for each followed
    call; once per call, commune and week (the week starts on Monday)."""
    today = today or timezone.localdate()
    week = today - dt.timedelta(days=today.weekday())
    sent = 0
    for call in followed_calls(today):
        counts = (
            with_answers(expected_enterprises(call).filter(commune__isnull=False), call)
            .order_by()
            .values("commune_id", "commune__name")
            .annotate(expected=Count("pk"), missing=Count("pk", filter=Q(received=False)))
        )
        rows = [row for row in counts if row["missing"]]
        done = set(
            CallReminder.objects.filter(call=call, stage=CallReminder.Stage.DIGEST, week=week).values_list(
                "commune_id", flat=True
            )
        )
        rows = [row for row in rows if row["commune_id"] not in done]
        officers = _commune_officers([row["commune_id"] for row in rows])
        for row in rows:
            with transaction.atomic():
                reminder, created = CallReminder.objects.get_or_create(
                    call=call,
                    commune_id=row["commune_id"],
                    week=week,
                    stage=CallReminder.Stage.DIGEST,
                    defaults={"missing": row["missing"]},
                )
                if not created:
                    continue
                params = {
                    **_params(call),
                    "missing": row["missing"],
                    "expected": row["expected"],
                    "commune": row["commune__name"],
                }
                recipients = notify(
                    event=Event.CALL_MISSING,
                    recipients=officers.get(row["commune_id"], []),
                    url=call.get_absolute_url(),
                    params=params,
                )
                reminder.recipients = len(recipients)
                reminder.save(update_fields=["recipients"])
                sent += 1
    return sent
