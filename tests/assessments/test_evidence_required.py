"""Evidence before verification: DOIT's programme setting (by default at least one file for the
reports whose net energy saving is above 10 TOE). Verification, one at a time or in bulk, is
refused while files are missing; the enterprise sees what is missing before it submits."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import SavingsReport
from assessments.services import savings as services
from programme.services import settings_update
from tests.assessments.test_evidence_checks import pdf_bytes, png_bytes
from tests.factories import (
    AssessmentFactory,
    BaselineConsumptionFactory,
    EnterpriseFactory,
    EnterpriseStaffFactory,
    SavingsLineFactory,
    SavingsReportFactory,
)

pytestmark = pytest.mark.django_db
S = SavingsReport.Status
BIG_KWH = 100_000  # 15.43 TOE at 0.0001543 TOE/kWh (MOIT 3505/BCT-KHCN): above the default 10 TOE
SMALL_KWH = 10_000  # 1.543 TOE: below it


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path)}},
    }


def report_of(enterprise, kwh: int, status: str = S.SUBMITTED) -> SavingsReport:
    assessment = AssessmentFactory(enterprise=enterprise, year=2023, status="approved")
    BaselineConsumptionFactory(assessment=assessment, quantity=1_000_000, cost_vnd=2_000_000_000)
    report = SavingsReportFactory(enterprise=enterprise, year=2024, status=status)
    SavingsLineFactory(report=report, quantity=kwh, vnd_saved=kwh * 2_000)
    return report


def attach(report, staff, content=None, name="hoa-don.pdf"):
    upload = SimpleUploadedFile(name, content or pdf_bytes(), content_type="application/pdf")
    return services.evidence_add(report=report, by=staff, upload=upload)


def test_the_rule_follows_the_net_toe_and_the_files(enterprise_x, staff_x):
    big = report_of(enterprise_x, BIG_KWH)
    need = services.evidence_need(big)
    assert need.required and need.net_toe == Decimal("15.4300000") and need.missing == 1 and not need.met
    assert not services.evidence_need(report_of(EnterpriseFactory(), SMALL_KWH)).required


def test_verification_is_refused_without_evidence_with_a_vietnamese_message(login, officer_a, enterprise_x):
    report = report_of(enterprise_x, BIG_KWH)
    client = login(officer_a)
    page = client.get(report.get_absolute_url()).content.decode()
    assert 'data-testid="evidence-blocked"' in page and 'data-testid="verify"' not in page
    response = client.post(reverse("savings:verify", args=[report.pk]), {"version": report.version}, follow=True)
    text = " ".join(str(m) for m in response.context["messages"])
    assert "Chưa thể xác minh báo cáo khi thiếu tệp minh chứng" in text
    assert "15,43 TOE" in text and "10,00 TOE" in text and "Còn thiếu: 1 tệp minh chứng" in text
    report.refresh_from_db()
    assert report.status == S.SUBMITTED


def test_with_the_file_attached_the_report_is_verified(login, officer_a, staff_x, enterprise_x):
    report = report_of(enterprise_x, BIG_KWH, status=S.DRAFT)
    attach(report, staff_x)
    services.savings_report_submit(report=report, by=staff_x)
    services.savings_report_verify(report=report, by=officer_a)
    report.refresh_from_db()
    assert report.status == S.VERIFIED


def test_below_the_threshold_no_evidence_is_needed(officer_a, enterprise_x):
    report = report_of(enterprise_x, SMALL_KWH)
    services.savings_report_verify(report=report, by=officer_a)
    report.refresh_from_db()
    assert report.status == S.VERIFIED


def test_doit_sets_the_rule(officer_a, staff_x, doit_user, enterprise_x):
    report = report_of(enterprise_x, SMALL_KWH, status=S.DRAFT)
    attach(report, staff_x)
    services.savings_report_submit(report=report, by=staff_x)
    settings_update(by=doit_user, data={"evidence_toe_threshold": Decimal("1"), "evidence_min_files": 2})
    with pytest.raises(services.EvidenceMissing):
        services.savings_report_verify(report=report, by=officer_a)
    settings_update(by=doit_user, data={"evidence_required": False})
    services.savings_report_verify(report=report, by=officer_a)
    report.refresh_from_db()
    assert report.status == S.VERIFIED


def test_bulk_verification_skips_the_reports_without_evidence(login, officer_a, enterprise_x, district_a):
    without = report_of(enterprise_x, BIG_KWH)
    other = EnterpriseFactory(district=district_a)
    with_file = report_of(other, BIG_KWH, status=S.DRAFT)
    attach(with_file, EnterpriseStaffFactory(enterprise=other))
    SavingsReport.objects.filter(pk=with_file.pk).update(status=S.SUBMITTED)
    response = login(officer_a).post(
        reverse("savings:bulk_review"), {"action": "verify", "report": [without.pk, with_file.pk]}, follow=True
    )
    statuses = dict(SavingsReport.objects.values_list("pk", "status"))
    assert statuses == {without.pk: S.SUBMITTED, with_file.pk: S.VERIFIED}
    text = " ".join(str(m) for m in response.context["messages"])
    assert "Đã xác minh 1 báo cáo." in text and "thiếu tệp minh chứng" in text


def test_the_submit_page_says_what_is_missing_before_the_click(login, staff_x, enterprise_x):
    report = report_of(enterprise_x, BIG_KWH, status=S.DRAFT)
    client = login(staff_x)
    page = client.get(report.get_absolute_url()).content.decode()
    assert 'data-testid="evidence-missing"' in page and 'data-testid="submit"' in page
    notice = page.split('data-testid="evidence-missing"')[1].split("</div>\n</div>")[0]
    assert "15,43 TOE" in notice and "Còn thiếu: 1 tệp minh chứng" in notice and "đã đính kèm 0" in notice
    # The confirmation step before submitting says it too.
    confirm = client.get(reverse("savings:submit", args=[report.pk])).content.decode()
    assert 'data-testid="evidence-missing"' in confirm and "Còn thiếu: 1 tệp minh chứng" in confirm
    attach(report, staff_x, png_bytes(), "cong-to.png")
    assert 'data-testid="evidence-missing"' not in client.get(report.get_absolute_url()).content.decode()
    assert (
        'data-testid="evidence-missing"' not in client.get(reverse("savings:submit", args=[report.pk])).content.decode()
    )
