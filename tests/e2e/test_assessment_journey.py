"""Journey: an officer records an assessment with baseline lines and an option on one page
(adding rows in the browser), submits it; DOIT returns it with a comment; the officer sees why,
fixes and resubmits; DOIT approves; the enterprise page lists it."""

import pytest

from assessments.models import Assessment, ResourceType

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def switch_to(page, sign_in, user):
    page.context.clear_cookies()
    sign_in(user)


def test_assessment_review_journey(browser, page, sign_in, live_server, officer_a, doit_user, enterprise_x):
    electricity = ResourceType.objects.get(code="electricity")
    water = ResourceType.objects.get(code="water")
    sign_in(officer_a)
    page.goto(f"/assessments/new/?enterprise={enterprise_x.pk}")
    page.fill("input[name=year]", "2023")
    page.select_option("select[name=step]", "3")
    page.fill("input[name=baseline_output]", "1500")
    page.select_option("select[name=baseline-0-resource]", str(electricity.pk))
    page.fill("input[name=baseline-0-quantity]", "250000")
    page.fill("input[name=baseline-0-cost_vnd]", "475000000")
    page.select_option("select[name=baseline-1-resource]", str(water.pk))
    page.fill("input[name=baseline-1-quantity]", "12000")
    page.click("[data-formset-add=baseline]")  # a third row, added in the browser
    page.select_option("select[name=baseline-2-resource]", str(ResourceType.objects.get(code="lpg").pk))
    page.fill("input[name=baseline-2-quantity]", "8000")
    page.select_option("select[name=options-0-category]", "technology")
    page.fill("textarea[name=options-0-description]", "Thay đèn LED toàn nhà máy")
    page.fill("input[name=options-0-investment_vnd]", "120000000")
    page.fill("input[name=options-0-expected_savings_vnd]", "48000000")
    page.select_option("select[name=options-0-saving_resource_1]", str(electricity.pk))
    page.fill("input[name=options-0-saving_quantity_1]", "25000")
    page.click("form button[type=submit].btn-success")
    page.wait_for_url("**/assessments/*/")
    assessment = Assessment.objects.get()
    assert assessment.baseline_lines.count() == 3
    assert page.locator("[data-testid=payback]").first.inner_text().strip() in {"2,5", "2.5"}

    # Submitting asks first, on a page of its own (it works without JavaScript).
    page.click("[data-testid=submit]")
    page.wait_for_url(f"**/assessments/{assessment.pk}/submit/")
    page.click("[data-testid=confirm-submit]")
    page.wait_for_url(f"**/assessments/{assessment.pk}/")
    assessment.refresh_from_db()
    assert assessment.status == "submitted"

    switch_to(page, sign_in, doit_user)
    page.goto(assessment.get_absolute_url())
    page.fill("textarea[name=comment]", "Bổ sung chi phí nước năm cơ sở")
    page.click("button[formaction$='/return/']")
    page.wait_for_load_state()
    assessment.refresh_from_db()
    assert assessment.status == "returned"

    switch_to(page, sign_in, officer_a)
    page.goto(assessment.get_absolute_url())
    assert "Bổ sung chi phí nước năm cơ sở" in page.locator("[data-testid=returned-reason]").inner_text()
    page.click(f"a[href='/assessments/{assessment.pk}/edit/']")
    page.fill("input[name=baseline-1-cost_vnd]", "96000000")
    page.click("form button[type=submit].btn-success")
    page.wait_for_url(f"**/assessments/{assessment.pk}/")
    page.click("[data-testid=submit]")
    page.click("[data-testid=confirm-submit]")
    page.wait_for_url(f"**/assessments/{assessment.pk}/")

    switch_to(page, sign_in, doit_user)
    page.goto(assessment.get_absolute_url())
    page.click("#review button.btn-success")
    page.wait_for_load_state()
    assessment.refresh_from_db()
    assert assessment.status == "approved"
    assert page.locator("[data-testid=review-event]").count() == 4

    page.goto(enterprise_x.get_absolute_url())
    assert "2023" in page.locator("[data-testid=enterprise-assessments]").inner_text()
