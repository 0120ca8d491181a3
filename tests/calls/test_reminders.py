"""Reminders of data calls (issue 16): before the due date and once overdue to the enterprise's
staff, weekly to the commune's officers; each sent once, even when the beat task runs twice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from assessments import tasks
from assessments.models import CallReminder
from assessments.services.reminders import data_call_digests_send, data_call_reminders_send
from notifications.models import EmailMode, Notification, NotificationSettings
from tests.factories import (
    AssessmentFactory,
    CPOptionFactory,
    DataCallFactory,
    EnterpriseFactory,
    EnterpriseStaffFactory,
    SavingsReportFactory,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 25)  # a Wednesday


def implemented(enterprise):
    assessment = AssessmentFactory(enterprise=enterprise, year=2024, status="approved")
    CPOptionFactory(assessment=assessment, status="implemented", implemented_on=dt.date(2025, 5, 1))


@pytest.fixture
def call_world(district_a, district_b, staff_x, enterprise_x, staff_y, enterprise_y, officer_a, officer_b):
    """Enterprise X (commune A) and Y (commune B) must report; Z (commune A) already submitted."""
    z = EnterpriseFactory(district=district_a)
    staff_z = EnterpriseStaffFactory(enterprise=z)
    for e in (enterprise_x, enterprise_y, z):
        implemented(e)
    SavingsReportFactory(enterprise=z, year=2025, period="Y", status="submitted")
    call = DataCallFactory(scope="implemented", due_date=dt.date(2026, 3, 31))
    call.created_at = timezone.make_aware(dt.datetime(2026, 1, 5, 9, 0))
    call.save(update_fields=["created_at"])
    return {"call": call, "staff_z": staff_z}


def events(event):
    return sorted(Notification.objects.filter(event=event).values_list("recipient__username", flat=True))


def test_before_the_due_date_each_missing_enterprise_is_reminded_once(call_world, staff_x, staff_y):
    early = data_call_reminders_send(today=dt.date(2026, 3, 20))  # 11 days before: too early
    assert (early.before, early.overdue) == (0, 0)
    first = data_call_reminders_send(today=TODAY)
    second = data_call_reminders_send(today=TODAY)  # the beat task runs twice
    third = data_call_reminders_send(today=TODAY + dt.timedelta(days=2))
    assert (first.before, second.before, third.before) == (2, 0, 0)
    assert events("call_due_soon") == ["staff.x", "staff.y"]  # not the staff of Z, who submitted
    assert CallReminder.objects.filter(stage="before").count() == 2
    note = Notification.objects.filter(recipient=staff_x).get()
    assert "31/03/2026" in note.message and "2025" in note.message


def test_overdue_reminder_is_sent_once_after_the_due_date(call_world, staff_x, enterprise_y):
    data_call_reminders_send(today=TODAY)
    SavingsReportFactory(enterprise=enterprise_y, year=2025, period="Y", status="verified")  # Y answered late
    after = dt.date(2026, 4, 1)
    assert data_call_reminders_send(today=after).overdue == 1
    assert data_call_reminders_send(today=after + dt.timedelta(days=5)).overdue == 0
    assert events("call_overdue") == ["staff.x"]
    # A call overdue for more than the follow-up period wakes up no one.
    assert data_call_reminders_send(today=dt.date(2026, 6, 1)).overdue == 0


def test_the_beat_task_run_twice_sends_each_reminder_once(call_world, monkeypatch, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)
    tasks.send_data_call_reminders.delay()
    tasks.send_data_call_reminders.delay()
    assert Notification.objects.filter(event="call_due_soon").count() == 2
    assert CallReminder.objects.count() == 2


def test_reminders_follow_the_users_email_preference(call_world, staff_x, staff_y):
    NotificationSettings.objects.create(user=staff_x, email=EmailMode.NONE)
    NotificationSettings.objects.create(user=staff_y, email=EmailMode.DIGEST)
    data_call_reminders_send(today=TODAY)
    status = dict(Notification.objects.values_list("recipient__username", "email_status"))
    assert status == {"staff.x": "skipped", "staff.y": "pending"}
    assert len(mail.outbox) == 0  # the digest user is e-mailed with the daily digest


def test_weekly_digest_to_the_communes_officers_once_a_week(call_world, officer_a, officer_b, commune_a):
    assert data_call_digests_send(today=TODAY) == 2  # commune A (X missing) and commune B (Y missing)
    assert data_call_digests_send(today=TODAY + dt.timedelta(days=1)) == 0  # same week
    assert events("call_missing") == ["officer.a", "officer.b"]
    note = Notification.objects.get(recipient=officer_a)
    assert note.params["missing"] == 1 and note.params["expected"] == 2
    assert "1" in note.message and commune_a.name in note.message
    assert note.url == call_world["call"].get_absolute_url()
    next_monday = TODAY + dt.timedelta(days=5)
    assert data_call_digests_send(today=next_monday) == 2
    assert Notification.objects.filter(event="call_missing").count() == 4


def test_no_digest_for_a_commune_with_nothing_missing(call_world, enterprise_y, officer_b):
    SavingsReportFactory(enterprise=enterprise_y, year=2025, period="Y", status="submitted")
    assert data_call_digests_send(today=TODAY) == 1
    assert events("call_missing") == ["officer.a"]


def test_the_database_refuses_a_second_reminder_of_the_same_stage(call_world, enterprise_x):
    from django.db import IntegrityError, transaction

    CallReminder.objects.create(call=call_world["call"], enterprise=enterprise_x, stage="before")
    with pytest.raises(IntegrityError), transaction.atomic():
        CallReminder.objects.create(call=call_world["call"], enterprise=enterprise_x, stage="before")
