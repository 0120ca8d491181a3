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


# --------------------------------------------------------------------------- all of a commune or former district


@pytest.fixture
def giang_vo(db):
    """Phường Giảng Võ (00025), formed from wards of the former districts Ba Đình (001) and Đống Đa (006)."""
    from enterprises.models import Commune

    return Commune.objects.get(code="00025")


def submitted_in(commune, former_code: str, n: int) -> list[SavingsReport]:
    from enterprises.models import District

    former = District.objects.get(code=former_code)
    return [submitted(EnterpriseFactory(commune=commune, district=former)) for _ in range(n)]


def test_select_all_of_a_former_district_across_pages(login, giang_vo):
    from enterprises.models import Commune
    from tests.factories import OfficerFactory

    officer = OfficerFactory(commune=giang_vo, district=None)
    ba_dinh = submitted_in(giang_vo, "001", 27)  # more than one page (25 a page)
    dong_da = submitted_in(giang_vo, "006", 2)
    elsewhere = submitted_in(Commune.objects.get(code="00004"), "001", 1)  # another commune: out of scope
    client = login(officer)
    page = client.get(reverse("savings:list"), {"status": "submitted", "former": "001"})
    html = page.content.decode()
    assert len(page.context["page"].object_list) == 25 and page.context["page"].paginator.count == 27
    assert 'data-testid="filter-former"' in html and 'value="001" selected' in html
    assert "Áp dụng cho tất cả 27 báo cáo đã gửi của Ba Đình" in html
    client.post(URL, {"action": "return", "all": "1", "former": "001", "comment": "Bổ sung hóa đơn điện."})
    statuses = dict(SavingsReport.objects.values_list("pk", "status"))
    assert all(statuses[r.pk] == S.RETURNED for r in ba_dinh)
    assert all(statuses[r.pk] == S.SUBMITTED for r in dong_da + elsewhere)


def test_select_all_of_the_commune_verifies_each_with_its_checks(login, giang_vo):
    from tests.factories import OfficerFactory

    officer = OfficerFactory(commune=giang_vo, district=None)
    clean = submitted_in(giang_vo, "001", 2) + submitted_in(giang_vo, "006", 1)
    wrong = submitted(EnterpriseFactory(commune=giang_vo), quantity=500_000)  # above its baseline: an error
    client = login(officer)
    html = client.get(reverse("savings:list"), {"status": "submitted"}).content.decode()
    assert "Áp dụng cho tất cả 4 báo cáo đã gửi của Giảng Võ" in html  # no filter: the officer's commune
    response = client.post(URL, {"action": "verify", "all": "1", "commune": giang_vo.code}, follow=True)
    statuses = dict(SavingsReport.objects.values_list("pk", "status"))
    assert all(statuses[r.pk] == S.VERIFIED for r in clean) and statuses[wrong.pk] == S.SUBMITTED
    assert "Đã xác minh 3 báo cáo." in " ".join(str(m) for m in response.context["messages"])


def test_doit_narrows_the_list_to_a_commune_or_a_former_district(login, doit_user, giang_vo, enterprise_y):
    mine = submitted_in(giang_vo, "006", 2)
    other = submitted(enterprise_y)
    client = login(doit_user)
    listed = client.get(reverse("savings:list"), {"commune": giang_vo.code}).context["page"].object_list
    assert {r.pk for r in listed} == {r.pk for r in mine}
    listed = client.get(reverse("savings:list"), {"former": enterprise_y.district.code}).context["page"].object_list
    assert {r.pk for r in listed} == {other.pk}
    # A code outside the scope or unknown narrows nothing and reveals nothing.
    assert client.get(reverse("savings:list"), {"commune": "99999"}).status_code == 200


@pytest.mark.parametrize("role", ["officer", "doit"])
def test_queue_query_count_is_constant_with_the_unit_filters(
    login, doit_user, giang_vo, role, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import OfficerFactory

    user = OfficerFactory(commune=giang_vo, district=None) if role == "officer" else doit_user
    client = login(user)
    query = {"status": "submitted", "former": "001", "commune": giang_vo.code}
    submitted_in(giang_vo, "001", 3)
    client.get(reverse("savings:list"), query)  # the session's first request
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("savings:list"), query)
    submitted_in(giang_vo, "001", 30)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(reverse("savings:list"), query)
    assert response.context["page"].paginator.count == 33
