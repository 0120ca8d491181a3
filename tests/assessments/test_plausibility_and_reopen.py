"""Savings figures DOIT can stand behind: plausibility errors block submission and verification,
warnings need a stored justification, and a verified report can be reopened with a reason."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from assessments.models import ReviewEvent, SavingsReport
from assessments.plausibility import DESIGNATED_ENERGY_USER_TOE, price_bands
from assessments.services import savings as services
from assessments.services.workflow import YearLocked
from periods.models import YearLock
from reporting import indicators
from reporting.dashboard import dashboard_figures
from tests.factories import (
    AssessmentFactory,
    BaselineConsumptionFactory,
    SavingsLineFactory,
    SavingsReportFactory,
)

S = SavingsReport.Status
YEAR = 2024


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def absurd_report(enterprise, status=S.DRAFT) -> SavingsReport:
    """The report of the issue: 999,999,999 kWh saved for 1,000 VND, by an enterprise whose
    approved baseline is 100,000 kWh a year."""
    assessment = AssessmentFactory(enterprise=enterprise, year=YEAR - 1, status="approved")
    BaselineConsumptionFactory(assessment=assessment, quantity=100_000, cost_vnd=200_000_000)
    report = SavingsReportFactory(enterprise=enterprise, year=YEAR, status=status)
    SavingsLineFactory(report=report, quantity=999_999_999, vnd_saved=1_000)
    return report


def warned_report(enterprise) -> SavingsReport:
    """A possible but unusual report: 11,000 VND per kWh against a baseline at 2,000."""
    assessment = AssessmentFactory(enterprise=enterprise, year=YEAR - 1, status="approved")
    BaselineConsumptionFactory(assessment=assessment, quantity=100_000, cost_vnd=200_000_000)
    report = SavingsReportFactory(enterprise=enterprise, year=YEAR, status=S.DRAFT)
    SavingsLineFactory(report=report, quantity=10_000, vnd_saved=110_000_000)
    return report


def clean_report(enterprise, quantity=10_000) -> SavingsReport:
    assessment = AssessmentFactory(enterprise=enterprise, year=YEAR - 1, status="approved")
    BaselineConsumptionFactory(assessment=assessment, quantity=100_000, cost_vnd=200_000_000)
    report = SavingsReportFactory(enterprise=enterprise, year=YEAR, status=S.DRAFT)
    SavingsLineFactory(report=report, quantity=quantity, vnd_saved=quantity * 2_000)
    return report


# --- errors that block -------------------------------------------------------------------------


def test_the_absurd_report_is_blocked_at_submission(staff_x, enterprise_x):
    report = absurd_report(enterprise_x)
    with pytest.raises(services.SubmissionBlocked) as blocked:
        services.savings_report_submit(report=report, by=staff_x)
    codes = {f.code for f in blocked.value.review.errors}
    # more than the yearly baseline; 0.000001 VND per kWh; 154,300 TOE for an enterprise under 1,000 TOE
    assert codes == {"exceeds_baseline", "implausible_unit_price", "beyond_enterprise_size"}
    report.refresh_from_db()
    assert report.status == S.DRAFT and not ReviewEvent.objects.filter(savings_report=report).exists()


def test_the_absurd_report_is_blocked_from_the_form_with_the_reasons(login, staff_x, enterprise_x):
    report = absurd_report(enterprise_x)
    response = login(staff_x).post(
        reverse("savings:submit", args=[report.pk]), {"version": report.version}, follow=True
    )
    report.refresh_from_db()
    assert report.status == S.DRAFT
    html = response.content.decode()
    for code in ("exceeds_baseline", "implausible_unit_price", "beyond_enterprise_size"):
        assert f'data-code="{code}"' in html


def test_price_band_comes_from_data_with_its_source():
    band = price_bands()["electricity"]
    assert (band.low, band.high) == (Decimal(884), Decimal(2759))
    assert "4495/QĐ-BCT" in band.source


def test_energy_size_rule_does_not_apply_to_designated_energy_users(staff_x, enterprise_x):
    enterprise_x.is_designated_energy_user = True
    enterprise_x.save()
    # 7,000,000 kWh = 1,080.1 TOE, under a 10,000,000 kWh baseline, at 2,000 VND/kWh
    assessment = AssessmentFactory(enterprise=enterprise_x, year=YEAR - 1, status="approved")
    BaselineConsumptionFactory(assessment=assessment, quantity=10_000_000, cost_vnd=20_000_000_000)
    report = SavingsReportFactory(enterprise=enterprise_x, year=YEAR)
    SavingsLineFactory(report=report, quantity=7_000_000, vnd_saved=14_000_000_000)
    assert services.review_report(report).errors == []
    enterprise_x.is_designated_energy_user = False
    enterprise_x.save()
    report = SavingsReport.objects.get(pk=report.pk)
    assert Decimal(7_000_000) * Decimal("0.0001543") > DESIGNATED_ENERGY_USER_TOE
    assert [f.code for f in services.review_report(report).errors] == ["beyond_enterprise_size"]


def test_an_officer_cannot_verify_a_report_with_an_error(login, officer_a, enterprise_x):
    # Submitted before the rules existed (or its baseline changed since): verification re-checks.
    report = absurd_report(enterprise_x, status=S.SUBMITTED)
    with pytest.raises(services.VerificationBlocked):
        services.savings_report_verify(report=report, by=officer_a, justification="Đã kiểm tra")
    page = login(officer_a).get(reverse("savings:detail", args=[report.pk]))
    assert 'data-testid="verification-blocked"' in page.content.decode()
    assert 'data-testid="verify"' not in page.content.decode()
    response = login(officer_a).post(
        reverse("savings:verify", args=[report.pk]), {"version": report.version, "justification": "x"}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == S.SUBMITTED


# --- warnings need a justification -------------------------------------------------------------


def test_submission_stores_the_warning_count_and_the_queue_shows_and_filters_it(
    login, staff_x, officer_a, enterprise_x
):
    warned = warned_report(enterprise_x)
    services.savings_report_submit(report=warned, by=staff_x)
    warned.refresh_from_db()
    assert warned.status == S.SUBMITTED and warned.warning_count == 1
    other = SavingsReportFactory(enterprise=enterprise_x, year=YEAR - 1, status=S.SUBMITTED)
    client = login(officer_a)
    rows = client.get(reverse("savings:list"), {"status": "submitted", "warnings": "with"}).context["page"]
    assert [r.pk for r in rows] == [warned.pk]
    rows = client.get(reverse("savings:list"), {"status": "submitted", "warnings": "without"}).context["page"]
    assert [r.pk for r in rows] == [other.pk]
    html = client.get(reverse("savings:list"), {"warnings": "with"}).content.decode()
    assert 'data-testid="warning-count"><span class="badge text-bg-warning">1</span>' in html
    queue = indicators.review_queue(enterprise_x.district, for_city_staff=False)
    assert {item.pk: item.warnings for item in queue.items} == {warned.pk: 1, other.pk: 0}


def test_verifying_with_warnings_requires_a_justification(login, staff_x, officer_a, enterprise_x):
    report = warned_report(enterprise_x)
    services.savings_report_submit(report=report, by=staff_x)
    with pytest.raises(services.JustificationRequired):
        services.savings_report_verify(report=report, by=officer_a, justification="   ")
    response = login(officer_a).post(
        reverse("savings:verify", args=[report.pk]), {"version": report.version, "justification": ""}
    )
    assert response.status_code == 400
    assert response.context["verify_form"].errors["justification"]
    report.refresh_from_db()
    assert report.status == S.SUBMITTED


def test_the_justification_is_stored_shown_and_in_the_audit(login, staff_x, officer_a, doit_user, enterprise_x):
    report = warned_report(enterprise_x)
    services.savings_report_submit(report=report, by=staff_x)
    text = "Đơn giá điện theo hợp đồng giờ cao điểm; đã đối chiếu hóa đơn tháng 3."
    response = login(officer_a).post(
        reverse("savings:verify", args=[report.pk]), {"version": report.version, "justification": text}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == S.VERIFIED and report.warnings_justification == text and report.warning_count == 1
    event = ReviewEvent.objects.get(savings_report=report, to_status=S.VERIFIED)
    assert event.comment == text and event.by == officer_a
    assert report.history.first().warnings_justification == text
    html = login(doit_user).get(reverse("savings:detail", args=[report.pk])).content.decode()
    assert 'data-testid="warnings-justification"' in html and text in html


def test_a_report_without_warnings_verifies_without_justification(staff_x, officer_a, enterprise_x):
    report = clean_report(enterprise_x)
    services.savings_report_submit(report=report, by=staff_x)
    services.savings_report_verify(report=report, by=officer_a)
    report.refresh_from_db()
    assert report.status == S.VERIFIED and report.warning_count == 0 and report.warnings_justification == ""


# --- reopen with a reason -----------------------------------------------------------------------


def verified(enterprise, staff, officer, quantity=10_000) -> SavingsReport:
    report = clean_report(enterprise, quantity)
    services.savings_report_submit(report=report, by=staff)
    return services.savings_report_verify(report=report, by=officer)


def test_reopen_with_a_reason_moves_the_city_totals_back(
    login, staff_x, officer_a, doit_user, enterprise_x, django_capture_on_commit_callbacks
):
    before = indicators.compute_live(YEAR, with_findings=False)
    report = verified(enterprise_x, staff_x, officer_a, quantity=50_000)
    after = indicators.compute_live(YEAR, with_findings=False)
    # 50,000 kWh × 0.0001543 TOE/kWh (MOIT 3505/BCT-KHCN) = 7.715 TOE
    assert after.savings_toe - before.savings_toe == Decimal("7.715")
    assert dashboard_figures(YEAR, None, for_city_staff=True).indicators.savings_toe == after.savings_toe
    with django_capture_on_commit_callbacks(execute=True):
        response = login(doit_user).post(
            reverse("savings:reopen", args=[report.pk]),
            {"version": report.version, "reason": "Sai đơn vị: số liệu là Wh, không phải kWh."},
        )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == S.RETURNED
    assert indicators.compute_live(YEAR, with_findings=False).savings_toe == before.savings_toe
    assert dashboard_figures(YEAR, None, for_city_staff=True).indicators.savings_toe == before.savings_toe
    event = ReviewEvent.objects.filter(savings_report=report).latest("at", "pk")
    assert (event.from_status, event.to_status, event.by, event.is_reopening) == (
        S.VERIFIED,
        S.RETURNED,
        doit_user,
        True,
    )
    assert event.comment == "Sai đơn vị: số liệu là Wh, không phải kWh."
    html = login(staff_x).get(reverse("savings:detail", args=[report.pk])).content.decode()
    assert "Sai đơn vị" in html and 'data-testid="reopened-badge"' in html


def test_reopen_needs_a_reason(login, staff_x, officer_a, doit_user, enterprise_x):
    report = verified(enterprise_x, staff_x, officer_a)
    with pytest.raises(ValidationError):
        services.savings_report_reopen(report=report, by=doit_user, reason=" ")
    response = login(doit_user).post(reverse("savings:reopen", args=[report.pk]), {"version": report.version})
    assert response.status_code == 400 and response.context["reopen_form"].errors["reason"]
    report.refresh_from_db()
    assert report.status == S.VERIFIED


def test_the_verifying_officer_may_reopen_within_30_days_only(staff_x, officer_a, enterprise_x):
    report = verified(enterprise_x, staff_x, officer_a)
    event = ReviewEvent.objects.get(savings_report=report, to_status=S.VERIFIED)
    event.at = timezone.now() - datetime.timedelta(days=31)
    event.save()
    with pytest.raises(PermissionDenied):
        services.savings_report_reopen(report=report, by=officer_a, reason="Nhầm số liệu")
    event.at = timezone.now() - datetime.timedelta(days=29)
    event.save()
    services.savings_report_reopen(report=report, by=officer_a, reason="Nhầm số liệu")
    report.refresh_from_db()
    assert report.status == S.RETURNED


def test_another_officer_of_the_district_may_not_reopen(login, staff_x, officer_a, enterprise_x):
    from tests.factories import OfficerFactory

    report = verified(enterprise_x, staff_x, officer_a)
    colleague = OfficerFactory(username="officer.a2", district=enterprise_x.district)
    with pytest.raises(PermissionDenied):
        services.savings_report_reopen(report=report, by=colleague, reason="x")
    page = login(colleague).get(reverse("savings:detail", args=[report.pk]))
    assert not page.context["can_reopen"] and 'data-testid="reopen-form"' not in page.content.decode()
    response = login(colleague).post(reverse("savings:reopen", args=[report.pk]), {"reason": "x"})
    assert response.status_code == 403


def test_enterprise_staff_may_not_reopen_and_outsiders_get_404(login, staff_x, staff_y, officer_a, enterprise_x):
    report = verified(enterprise_x, staff_x, officer_a)
    assert login(staff_x).post(reverse("savings:reopen", args=[report.pk]), {"reason": "x"}).status_code == 403
    assert login(staff_y).post(reverse("savings:reopen", args=[report.pk]), {"reason": "x"}).status_code == 404


def test_reopen_is_refused_in_a_locked_year_until_doit_reopens_it(staff_x, officer_a, doit_user, enterprise_x):
    report = verified(enterprise_x, staff_x, officer_a)
    lock = YearLock.objects.create(year=YEAR, locked_by=doit_user)
    with pytest.raises(YearLocked):
        services.savings_report_reopen(report=report, by=doit_user, reason="Sai số liệu")
    report.refresh_from_db()
    assert report.status == S.VERIFIED
    lock.delete()
    services.savings_report_reopen(report=report, by=doit_user, reason="Sai số liệu")
    report.refresh_from_db()
    assert report.status == S.RETURNED
