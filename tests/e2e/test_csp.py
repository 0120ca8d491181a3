"""The Content-Security-Policy in a real browser: every role opens its main pages (dashboards
with Chart.js charts, lists, forms with htmx, the two-step sign-in pages with the QR code) and
Chromium reports no violation. A control injects inline code to prove violations are caught."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import (
    AssessmentFactory,
    BaselineConsumptionFactory,
    CPOptionFactory,
    SavingsLineFactory,
    SavingsReportFactory,
    resource,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.reportCspViolation([e.violatedDirective, e.blockedURI, e.sourceFile, String(e.lineNumber)].join(" "));
});
"""


@pytest.fixture
def violations(page):
    """CSP violations seen by the browser, from the DOM event and from the console."""
    found: list[str] = []
    page.expose_function("reportCspViolation", lambda text: found.append(f"{page.url}: {text}"))
    page.add_init_script(LISTENER)
    page.on(
        "console",
        lambda msg: found.append(f"{page.url}: console: {msg.text}") if "Content Security Policy" in msg.text else None,
    )
    return found


@pytest.fixture
def data(enterprise_x, enterprise_y):
    year = dt.date.today().year - 1
    assessment = AssessmentFactory(enterprise=enterprise_x, year=year, status="approved")
    BaselineConsumptionFactory(assessment=assessment)
    CPOptionFactory(assessment=assessment, status="implemented", implemented_on=dt.date(year, 6, 1))
    for enterprise, quantity in ((enterprise_x, 12_000), (enterprise_y, 8_000)):
        report = SavingsReportFactory(enterprise=enterprise, year=year, status="verified")
        SavingsLineFactory(report=report, resource=resource("electricity"), quantity=quantity)
    return {"assessment": assessment, "report": report}


def visit(page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status < 400, (url, response and response.status)
    page.wait_for_load_state("load")
    page.wait_for_timeout(150)  # let Chart.js and htmx finish their first work


def open_user_menu(page) -> None:
    page.click("[data-testid=user-menu]")  # Bootstrap positions the menu with inline CSSOM styles
    page.locator("[data-testid=otp-menu]").wait_for()


def test_main_pages_of_every_role_raise_no_csp_violation(
    page, sign_in, violations, data, doit_user, officer_a, staff_x, enterprise_x
):
    page.goto("/accounts/login/")
    page.wait_for_load_state("load")

    sign_in(doit_user)
    for url in (
        "/",
        "/enterprises/",
        f"/enterprises/{enterprise_x.pk}/",
        "/enterprises/new/",
        "/assessments/",
        data["assessment"].get_absolute_url(),
        "/savings/",
        "/training/officers/",
        "/training/courses/",
        "/training/coverage/",
        "/reports/",
        "/accounts/users/",
        "/accounts/two-step/",
    ):
        visit(page, url)
    assert page.locator("canvas").count() == 0 or page.locator("canvas").first.is_visible()
    open_user_menu(page)

    page.context.clear_cookies()
    sign_in(officer_a)
    for url in ("/", "/enterprises/", f"/enterprises/{enterprise_x.pk}/edit/", "/savings/", "/training/coverage/"):
        visit(page, url)
    visit(page, f"/assessments/new/?enterprise={enterprise_x.pk}")
    page.click("[data-formset-add=baseline]")  # a row built from a <template> by static/js/formset.js
    visit(page, "/reports/")  # htmx polls the job list
    visit(page, "/accounts/two-step/setup/")  # the QR code is a data: image
    assert page.locator("[data-testid=otp-qr]").evaluate("img => img.naturalWidth") > 100

    page.context.clear_cookies()
    sign_in(staff_x)
    for url in ("/", f"/enterprises/{enterprise_x.pk}/", "/savings/", "/savings/new/", "/accounts/password/"):
        visit(page, url)
    open_user_menu(page)

    assert violations == []

    # control: inline code is blocked and reported, so an empty list above means something
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<div style=\"color: red\">x</div>')")
    page.evaluate("const s = document.createElement('script'); s.textContent = 'window.x = 1'; document.body.append(s)")
    page.wait_for_timeout(200)
    assert page.evaluate("window.x") is None
    assert any("style-src" in v for v in violations) and any("script-src" in v for v in violations), violations
