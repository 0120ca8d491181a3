"""Notifications (issue 15, item 6): each review event tells the people it concerns, in the portal
(with a count in the navigation bar) and by e-mail as each chose (at once, a daily digest, none);
the e-mail is sent by Celery after the commit, once, and both show in the audit; the link in the
e-mail leads to the page the notification names."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from assessments.models import Assessment, SavingsReport
from notifications import services
from notifications.models import EmailMode, Notification
from notifications.tasks import send_notification_digests, send_notification_email
from tests.factories import AssessmentFactory, OfficerFactory, SavingsLineFactory, SavingsReportFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)  # real commits: e-mails follow them


def report_in(status: str, enterprise) -> SavingsReport:
    report = SavingsReportFactory(enterprise=enterprise, year=2023, status=status)
    SavingsLineFactory(report=report)
    return report


def post(client, name: str, obj, comment: str = ""):
    response = client.post(reverse(name, args=[obj.pk]), {"version": obj.version, "comment": comment})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def link_in(message) -> str:
    return re.search(r"https?://[^\s]+/notifications/\d+/", message.body).group(0)


def test_a_submitted_savings_report_tells_the_officers_of_its_unit_once(
    login, staff_x, officer_a, officer_b, enterprise_x, doit_user
):
    colleague = OfficerFactory(district=officer_a.district)
    report = report_in(SavingsReport.Status.DRAFT, enterprise_x)
    post(login(staff_x), "savings:submit", report)

    told = Notification.objects.filter(event="savings_submitted")
    assert {n.recipient for n in told} == {officer_a, colleague}  # not officer B, not DOIT, not the author
    assert sorted(m.to[0] for m in mail.outbox) == sorted([officer_a.email, colleague.email])
    assert all(n.email_status == "sent" and n.emailed_at for n in told)
    assert "Phạm Thị X" in mail.outbox[0].body and str(enterprise_x) in mail.outbox[0].body

    # A second task for the same notification (a duplicate message) sends nothing.
    for notification in told:
        assert send_notification_email.delay(notification.pk).get() is False
    assert len(mail.outbox) == 2


def test_following_the_email_link_opens_the_page_it_names_and_marks_it_read(
    login, staff_x, officer_a, officer_b, enterprise_x
):
    report = report_in(SavingsReport.Status.DRAFT, enterprise_x)
    post(login(staff_x), "savings:submit", report)
    (message,) = mail.outbox
    link = link_in(message)
    assert link.startswith("http://")
    path = "/" + link.split("/", 3)[3]

    client = login(officer_a)
    nav = client.get(reverse("notifications:count")).content.decode()
    assert 'data-testid="notification-count">1<' in nav
    response = client.get(path, follow=True)
    assert response.redirect_chain[-1][0] == reverse("savings:detail", args=[report.pk])
    assert response.status_code == 200 and str(enterprise_x.name) in response.content.decode()
    assert Notification.objects.get().read_at is not None
    assert 'data-testid="notification-count"' not in client.get(reverse("notifications:count")).content.decode()

    assert login(officer_b).get(path).status_code == 404  # someone else's notification
    assert login(staff_x).get(path).status_code == 404


def test_returned_and_verified_reports_tell_the_enterprise_staff(login, staff_x, officer_a, enterprise_x):
    returned = report_in(SavingsReport.Status.SUBMITTED, enterprise_x)
    post(login(officer_a), "savings:return", returned, "Thiếu hóa đơn tiền điện tháng 12.")
    verified = SavingsReportFactory(enterprise=enterprise_x, year=2022, status="submitted")
    SavingsLineFactory(report=verified)
    post(login(officer_a), "savings:verify", verified)
    events = {n.event: n for n in Notification.objects.filter(recipient=staff_x)}
    assert set(events) == {"savings_returned", "savings_verified"}
    assert events["savings_returned"].url == reverse("savings:detail", args=[returned.pk])
    assert "Thiếu hóa đơn tiền điện tháng 12." in mail.outbox[0].body
    assert [m.to for m in mail.outbox] == [[staff_x.email], [staff_x.email]]


def test_assessment_submitted_tells_doit_and_its_review_tells_its_officer(login, officer_a, doit_user, enterprise_x):
    other_doit = UserFactory(role="doit")
    assessment = AssessmentFactory(enterprise=enterprise_x, year=2023, status="draft", assessor=None)
    post(login(officer_a), "assessments:submit", assessment)
    submitted = Notification.objects.filter(event="assessment_submitted")
    assert {n.recipient for n in submitted} == {doit_user, other_doit}

    assessment.refresh_from_db()
    post(login(doit_user), "assessments:return", assessment, "Bổ sung số liệu nền.")
    assessment.refresh_from_db()
    post(login(officer_a), "assessments:submit", assessment)
    assessment.refresh_from_db()
    post(login(doit_user), "assessments:approve", assessment)
    to_officer = Notification.objects.filter(recipient=officer_a).order_by("created_at")
    assert [n.event for n in to_officer] == ["assessment_returned", "assessment_approved"]
    assert all(n.url == reverse("assessments:detail", args=[assessment.pk]) for n in to_officer)
    assert Assessment.objects.get().status == "approved"


def test_each_user_chooses_immediate_digest_or_none(login, staff_x, officer_a, enterprise_x):
    colleague = OfficerFactory(district=officer_a.district)
    client = login(officer_a)
    assert client.post(reverse("notifications:settings"), {"email": EmailMode.DIGEST}).status_code == 302
    login(colleague).post(reverse("notifications:settings"), {"email": EmailMode.NONE})

    for year in (2021, 2022):
        report = SavingsReportFactory(enterprise=enterprise_x, year=year, status="draft")
        SavingsLineFactory(report=report)
        post(login(staff_x), "savings:submit", report)
    assert mail.outbox == []  # nobody chose immediate
    assert set(Notification.objects.filter(recipient=colleague).values_list("email_status", flat=True)) == {"skipped"}
    assert Notification.objects.filter(recipient=colleague).count() == 2  # still shown in the portal

    assert send_notification_digests.delay().get() == 1
    (digest,) = mail.outbox
    assert digest.to == [officer_a.email] and "2 thông báo" in digest.subject
    assert len(re.findall(r"/notifications/\d+/", digest.body)) == 2
    assert send_notification_digests.delay().get() == 0  # each notification once

    page = client.get(reverse("notifications:list")).content.decode()
    assert page.count('data-read="no"') == 2
    client.post(reverse("notifications:read_all"))
    assert 'data-read="no"' not in client.get(reverse("notifications:list")).content.decode()


def test_switching_to_immediate_sends_what_was_waiting(login, officer_a, enterprise_x):
    services.notification_settings_set(user=officer_a, email=EmailMode.DIGEST)
    with transaction.atomic():
        services.notify(event="report_ready", recipients=[officer_a], url="/reports/", params={"object": "Báo cáo"})
    assert mail.outbox == []
    login(officer_a).post(reverse("notifications:settings"), {"email": EmailMode.IMMEDIATE})
    assert [m.to for m in mail.outbox] == [[officer_a.email]]


def test_no_email_leaves_before_the_commit_and_none_if_it_rolls_back(officer_a):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.notify(event="report_ready", recipients=[officer_a], url="/reports/", params={"object": "X"})
        assert mail.outbox == []  # not before the commit
        raise RuntimeError("the event failed")
    assert mail.outbox == [] and not Notification.objects.exists()


def test_notifications_and_their_emails_are_in_the_audit(login, staff_x, officer_a, doit_user, enterprise_x):
    report = report_in(SavingsReport.Status.DRAFT, enterprise_x)
    post(login(staff_x), "savings:submit", report)
    notification = Notification.objects.get()
    records = list(notification.history.order_by("history_date"))
    assert [r.email_status for r in records] == ["pending", "sent"]
    assert records[0].history_user == staff_x  # who caused it
    assert records[1].history_change_reason == "e-mail sent"
    page = login(doit_user).get(reverse("accounts:audit"), {"kind": "notification"})
    assert page.status_code == 200
    assert str(officer_a) in page.content.decode()


def test_the_list_shows_only_ones_own_notifications(login, officer_a, officer_b):
    with transaction.atomic():
        services.notify(event="report_ready", recipients=[officer_a], url="/reports/", params={"object": "Đông Anh"})
    mine = Notification.objects.get()
    assert (
        f'data-testid="notification-{mine.pk}"' in login(officer_a).get(reverse("notifications:list")).content.decode()
    )
    assert (
        f'data-testid="notification-{mine.pk}"'
        not in login(officer_b).get(reverse("notifications:list")).content.decode()
    )
