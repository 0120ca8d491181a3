"""Verify or return several savings reports at once, with the same checks for each."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from assessments.models import ReviewEvent, SavingsReport
from tests.factories import (
    AssessmentFactory,
    BaselineConsumptionFactory,
    EnterpriseFactory,
    SavingsLineFactory,
    SavingsReportFactory,
)

S = SavingsReport.Status
URL = reverse("savings:bulk_review")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def submitted(enterprise, quantity=10_000, vnd=None) -> SavingsReport:
    assessment = AssessmentFactory(enterprise=enterprise, year=2023, status="approved")
    BaselineConsumptionFactory(assessment=assessment, quantity=100_000, cost_vnd=200_000_000)
    report = SavingsReportFactory(enterprise=enterprise, year=2024, status=S.SUBMITTED)
    SavingsLineFactory(report=report, quantity=quantity, vnd_saved=quantity * 2_000 if vnd is None else vnd)
    return report


def test_bulk_verify_applies_the_same_checks_to_each(login, officer_a, enterprise_x, district_a):
    clean = submitted(enterprise_x)
    warned = submitted(EnterpriseFactory(district=district_a), vnd=110_000_000)  # 11,000 VND/kWh
    wrong = submitted(EnterpriseFactory(district=district_a), quantity=500_000)  # above the baseline
    client = login(officer_a)
    response = client.post(URL, {"action": "verify", "report": [clean.pk, warned.pk, wrong.pk]}, follow=True)
    statuses = dict(SavingsReport.objects.values_list("pk", "status"))
    assert statuses == {clean.pk: S.VERIFIED, warned.pk: S.SUBMITTED, wrong.pk: S.SUBMITTED}
    text = " ".join(str(m) for m in response.context["messages"])
    # The portal speaks Vietnamese: one verified, one skipped for its warning, one for its error.
    assert "Đã xác minh 1 báo cáo." in text and "cảnh báo" in text and "lỗi chất lượng dữ liệu" in text
    assert text.count("Chưa thực hiện với") == 2
    client.post(URL, {"action": "verify", "report": [warned.pk], "justification": "Đơn giá giờ cao điểm."})
    warned.refresh_from_db()
    assert warned.status == S.VERIFIED and warned.warnings_justification == "Đơn giá giờ cao điểm."


def test_select_all_of_the_district_and_return_with_a_comment(login, officer_a, enterprise_x, enterprise_y):
    mine = [submitted(enterprise_x), submitted(EnterpriseFactory(district=enterprise_x.district))]
    other = submitted(enterprise_y)
    page = login(officer_a).get(reverse("savings:list"), {"status": "submitted"})
    assert 'data-testid="bulk-all"' in page.content.decode()
    login(officer_a).post(
        URL, {"action": "return", "all": "1", "district": enterprise_y.district.code, "comment": "Thiếu hóa đơn."}
    )
    other.refresh_from_db()
    assert other.status == S.SUBMITTED  # out of scope: never touched
    login(officer_a).post(
        URL, {"action": "return", "all": "1", "district": enterprise_x.district.code, "comment": "Thiếu hóa đơn."}
    )
    for report in mine:
        report.refresh_from_db()
        assert report.status == S.RETURNED
        assert ReviewEvent.objects.get(savings_report=report, to_status=S.RETURNED).comment == "Thiếu hóa đơn."


def test_return_without_a_comment_is_refused_for_each(login, officer_a, enterprise_x):
    report = submitted(enterprise_x)
    login(officer_a).post(URL, {"action": "return", "report": [report.pk]})
    report.refresh_from_db()
    assert report.status == S.SUBMITTED


def test_only_officers_may_bulk_review(login, doit_user, staff_x, enterprise_x):
    report = submitted(enterprise_x)
    assert login(doit_user).post(URL, {"action": "verify", "report": [report.pk]}).status_code == 403
    assert login(staff_x).post(URL, {"action": "verify", "report": [report.pk]}).status_code == 403
    report.refresh_from_db()
    assert report.status == S.SUBMITTED
