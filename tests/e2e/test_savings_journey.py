"""Journey: enterprise staff submit a savings report with two lines and a PDF; the district
officer sees the data-quality warning and returns it; the staff fix it and resubmit; the officer
verifies it; the enterprise page then shows the verified saving."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.utils import timezone
from PIL import Image

from assessments.models import Evidence, ReviewEvent, SavingsReport
from tests.factories import AssessmentFactory, BaselineConsumptionFactory, CPOptionFactory, resource

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path)}},
    }


def pdf_bytes() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(buf, "PDF")
    return buf.getvalue()


def switch_user(page, sign_in, user):
    page.context.clear_cookies()
    return sign_in(user)


def test_savings_report_from_submission_to_verification(page, sign_in, enterprise_x, staff_x, officer_a):
    year = timezone.localdate().year - 1
    assessment = AssessmentFactory(enterprise=enterprise_x, year=year - 1, status="approved")
    # Baseline: 100,000 kWh a year for 200,000,000 VND (2,000 VND/kWh).
    BaselineConsumptionFactory(assessment=assessment, quantity=100_000, cost_vnd=200_000_000)
    option = CPOptionFactory(
        assessment=assessment,
        category="technology",
        description="Thay đèn huỳnh quang bằng đèn LED",
        status="implemented",
        implemented_on=datetime.date(year - 1, 6, 1),
    )
    electricity, water = resource("electricity"), resource("water")

    # --- Enterprise staff: a draft with two lines, a PDF, then submit --------------------------
    sign_in(staff_x)
    page.goto("/savings/")
    page.click("[data-testid=new-report]")
    assert page.input_value("input[name=year]") == str(year)
    page.select_option("select[name=period]", "Y")
    page.select_option("select[name=lines-0-resource]", str(electricity.pk))
    page.fill("input[name=lines-0-quantity]", "90000")
    page.fill("input[name=lines-0-vnd_saved]", "990000000")  # 11,000 VND/kWh against 2,000: a warning
    page.select_option("select[name=lines-0-option]", str(option.pk))
    page.select_option("select[name=lines-1-resource]", str(water.pk))
    page.fill("input[name=lines-1-quantity]", "1200")
    page.fill("input[name=lines-1-vnd_saved]", "14400000")
    page.click("[data-testid=add-line]")  # a third, blank row (static/js/formset.js): ignored on save
    assert page.locator("[data-testid=line-form]").count() == 3
    assert page.input_value("input[name=lines-TOTAL_FORMS]") == "3"
    page.click("[data-testid=save]")
    page.wait_for_url(re.compile(r"/savings/\d+/$"))
    report = SavingsReport.objects.get(enterprise=enterprise_x)
    assert report.lines.count() == 2 and report.status == "draft"
    assert page.locator("[data-testid=line-row]").count() == 2

    page.set_input_files(
        "[data-testid=evidence-form] input[type=file]",
        files=[{"name": "hoa-don-tien-dien.pdf", "mimeType": "application/pdf", "buffer": pdf_bytes()}],
    )
    page.click("[data-testid=upload]")
    page.wait_for_selector("[data-testid=evidence-item]")
    assert "hoa-don-tien-dien.pdf" in page.locator("[data-testid=evidence-item]").inner_text()
    assert Evidence.objects.filter(report=report).count() == 1

    # Submitting asks first, on a page that says what is sent (it works without JavaScript).
    page.click("[data-testid=submit]")
    page.wait_for_url(f"**/savings/{report.pk}/submit/")
    assert page.locator("[data-testid=submit-summary]").count() == 1
    page.click("[data-testid=confirm-submit]")
    page.wait_for_selector("[data-testid=report-status] .text-bg-primary")
    report.refresh_from_db()
    assert report.status == "submitted"
    # Staff do not see the reviewer's warnings.
    assert page.locator("[data-testid=quality-warning]").count() == 0

    # --- Officer: sees the warning, returns the report with a comment ---------------------------
    switch_user(page, sign_in, officer_a)
    page.goto("/savings/")
    assert page.locator("[data-testid=to-review]").count() == 1
    page.click(f"a[href='/savings/{report.pk}/'] >> nth=0")
    warning = page.locator("[data-testid=quality-warning][data-code=vnd_inconsistent]")
    assert warning.count() == 1
    assert page.locator("[data-testid=line-warning][data-code=vnd_inconsistent]").count() == 1
    page.fill("textarea[name=comment]", "Lượng điện tiết kiệm lớn hơn mức tiêu thụ cơ sở, đề nghị kiểm tra lại.")
    page.click("[data-testid=return]")
    page.wait_for_selector("[data-testid=report-status] .text-bg-warning")
    report.refresh_from_db()
    assert report.status == "returned"

    # --- Staff: see why, fix the line, save and resubmit -----------------------------------------
    switch_user(page, sign_in, staff_x)
    page.goto(f"/savings/{report.pk}/")
    assert "đề nghị kiểm tra lại" in page.locator("[data-testid=return-reason]").inner_text()
    page.click("[data-testid=edit]")
    page.fill("input[name=lines-0-quantity]", "90000")
    page.fill("input[name=lines-0-vnd_saved]", "171000000")
    page.click("[data-testid=save-submit]")
    page.wait_for_url(f"**/savings/{report.pk}/submit/")
    page.click("[data-testid=confirm-submit]")
    page.wait_for_url(f"**/savings/{report.pk}/")
    page.wait_for_selector("[data-testid=report-status] .text-bg-primary")
    report.refresh_from_db()
    assert report.status == "submitted"

    # --- Officer: no warning left, verifies -----------------------------------------------------
    switch_user(page, sign_in, officer_a)
    page.goto(f"/savings/{report.pk}/")
    assert page.locator("[data-testid=quality-warning]").count() == 0
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("[data-testid=verify]")
    page.wait_for_selector("[data-testid=report-status] .text-bg-success")
    report.refresh_from_db()
    assert report.status == "verified"
    moves = list(
        ReviewEvent.objects.filter(savings_report=report).order_by("at", "pk").values_list("to_status", flat=True)
    )
    assert moves == ["submitted", "returned", "submitted", "verified"]
    assert page.locator("[data-testid=review-event]").count() == 4

    # --- The enterprise page shows the verified saving -----------------------------------------
    page.goto(f"/enterprises/{enterprise_x.pk}/")
    table = page.locator("[data-testid=verified-savings]")
    text = table.inner_text()
    assert str(year) in text
    # 90,000 kWh × 0.0001543 TOE/kWh = 13.887 TOE (Vietnamese decimal comma); 171,000,000 VND + water 14,400,000.
    assert "13,887" in text
    assert "185.400.000" in text
