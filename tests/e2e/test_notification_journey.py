"""An officer is told in the browser and by e-mail that a savings report arrived: the bell in the
navigation bar shows the unread count, and the link in the e-mail opens the report's page."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from assessments.services import savings as savings_services
from tests.factories import SavingsLineFactory, SavingsReportFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_officer_follows_the_email_link_of_a_submitted_report(sign_in, live_server, settings, officer_a, staff_x):
    settings.PORTAL_BASE_URL = live_server.url  # the address the portal is served on
    report = SavingsReportFactory(enterprise=staff_x.enterprise, year=2023, status="draft")
    SavingsLineFactory(report=report)
    savings_services.savings_report_submit(report=report, by=staff_x)

    (message,) = [m for m in mail.outbox if m.to == [officer_a.email]]
    link = re.search(r"https?://\S+/notifications/\d+/", message.body).group(0)
    assert link.startswith(live_server.url)

    page = sign_in(officer_a)
    bell = page.locator("[data-testid=notifications-link]")
    assert bell.locator("[data-testid=notification-count]").inner_text() == "1"  # loaded after the page

    page.goto(link)
    page.wait_for_url(re.compile(rf"/savings/{report.pk}/$"))
    assert staff_x.enterprise.name in page.locator("main").inner_text()
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=notification-count]").count() == 0  # read now

    page.click("[data-testid=notifications-link]")
    page.wait_for_url(re.compile(r"/notifications/$"))
    assert "Phạm Thị X" in page.locator("[data-testid=notifications]").inner_text()
