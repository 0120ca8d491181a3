"""A keyboard-only pass of each role's main journey, written down as a screen reader would announce
it.

Chromium is driven with the keys a keyboard user presses (Tab, Shift+Tab, Enter, Space, the arrow
keys and typed text; the address bar is the only thing "typed" otherwise, as a user types a URL).
At every stop the focused element is read from Chromium's accessibility tree (the DevTools
protocol's ``Accessibility.getPartialAXTree``: the role, name and states that Chromium hands to
a screen reader) and written to ``var/test-artefacts/keyboard/<journey>.txt`` with the key that
led there. Native dialogs (the confirmations before submitting or verifying) are recorded with
their message and accepted, as a user presses Enter on them.

Each journey must end where the user meant to go (the report submitted, verified, the assessment
approved), and every stop must be visible, have a visible focus ring and a non-empty accessible
name. What this cannot show: how a given screen reader words or orders the announcement, live
updates, and whether a person finds the journey understandable (docs/accessibility.md).
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from assessments.models import Assessment, SavingsReport
from tests.factories import AssessmentFactory, BaselineConsumptionFactory, CPOptionFactory, resource

from .keyboard_pass import KeyboardPass

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def switch(page) -> None:
    page.context.clear_cookies()


@pytest.fixture
def world(enterprise_x, staff_x, officer_a, doit_user):
    year = timezone.localdate().year - 1
    assessment = AssessmentFactory(enterprise=enterprise_x, year=year - 1, status="approved", step=5)
    BaselineConsumptionFactory(assessment=assessment, quantity=100_000, cost_vnd=200_000_000)
    option = CPOptionFactory(
        assessment=assessment, category="technology", description="Thay đèn LED", status="implemented"
    )
    submitted = AssessmentFactory(enterprise=enterprise_x, year=year, status="submitted", step=3)
    BaselineConsumptionFactory(assessment=submitted, quantity=120_000, cost_vnd=240_000_000)
    return {"year": year, "option": option, "submitted": submitted}


def test_enterprise_staff_report_savings_with_the_keyboard_only(page, staff_x, world):
    kb = KeyboardPass(page, "enterprise-staff-savings-report")
    kb.sign_in(staff_x)
    kb.skip_to_content()
    kb.note("to the savings reports through the navigation (Shift+Tab back from the content)")
    kb.tab_to("nav a[href='/savings/']", back=True)
    kb.press("Enter", navigates=True)
    kb.tab_to("[data-testid=new-report]")
    kb.press("Enter", navigates=True)
    kb.tab_to("select[name=period]")
    kb.choose("Y")
    kb.tab_to("select[name=lines-0-resource]")
    assert any("(in group “Dòng tiết kiệm 1”)" in line for line in kb.lines)  # the line's group is announced
    kb.choose(str(resource("electricity").pk))
    kb.tab_to("input[name=lines-0-quantity]")
    kb.type("20000")
    kb.tab_to("input[name=lines-0-vnd_saved]")
    kb.type("40000000")
    kb.tab_to("select[name=lines-0-option]")
    kb.choose(str(world["option"].pk))
    kb.tab_to("[data-testid=save]")
    kb.press("Enter", navigates=True)
    report = SavingsReport.objects.get(enterprise=staff_x.enterprise)
    assert report.lines.count() == 1
    kb.tab_to("[data-testid=submit]")
    kb.press("Enter", navigates=True)
    kb.note("the confirmation step: what is sent, then the button that sends it")
    kb.tab_to("[data-testid=confirm-submit]")
    kb.press("Enter", navigates=True)
    report.refresh_from_db()
    assert report.status == "submitted"
    kb.note("the print view and its PDF")
    kb.tab_to("[data-testid=print-view]", back=True)
    kb.press("Enter", navigates=True)
    kb.skip_to_content()
    kb.tab_to("[data-testid=print-pdf]", back=True)
    kb.write()
    assert not kb.problems, "\n".join(kb.problems)


def test_officer_verifies_a_report_with_the_keyboard_only(page, staff_x, officer_a, world):
    report = SavingsReport.objects.create(
        enterprise=staff_x.enterprise, year=world["year"], period="Y", status="submitted", created_by=staff_x
    )
    report.lines.create(resource=resource("electricity"), quantity=20_000, vnd_saved=40_000_000)
    kb = KeyboardPass(page, "officer-verify-savings-report")
    kb.sign_in(officer_a)
    kb.skip_to_content()
    kb.tab_to("nav a[href='/savings/']", back=True)
    kb.press("Enter", navigates=True)
    kb.tab_to(f"main a[href='/savings/{report.pk}/']")
    kb.press("Enter", navigates=True)
    kb.tab_to("[data-testid=verify]")
    kb.press("Enter", navigates=True)
    report.refresh_from_db()
    assert report.status == "verified"
    kb.write()
    assert not kb.problems, "\n".join(kb.problems)


def test_doit_approves_an_assessment_and_signs_out_with_the_keyboard_only(page, doit_user, world):
    from tests.conftest import otp_device_for, totp_code

    kb = KeyboardPass(page, "doit-approve-assessment")
    kb.sign_in(doit_user, code=totp_code(otp_device_for(doit_user)))
    kb.skip_to_content()
    kb.tab_to("nav a[href='/assessments/']", back=True)
    kb.press("Enter", navigates=True)
    assessment = world["submitted"]
    kb.tab_to(f"main a[href='/assessments/{assessment.pk}/']")
    kb.press("Enter", navigates=True)
    kb.tab_to("textarea[name=comment]")
    kb.type("Đạt yêu cầu.")
    kb.tab_to("#review button[type=submit]")
    kb.press("Enter", navigates=True)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.APPROVED
    kb.note("the account menu: open it with Enter, move with the arrow keys, sign out")
    kb.tab_to("[data-testid=user-menu]", back=True)
    kb.press("Enter")
    kb.press("ArrowDown")
    for _ in range(10):
        if page.evaluate("() => document.activeElement.closest('form') !== null"):
            break
        kb.press("ArrowDown")
    kb.press("Enter", navigates=True)
    assert "/accounts/login/" in page.url
    kb.write()
    assert not kb.problems, "\n".join(kb.problems)
