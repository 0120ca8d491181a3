"""Savings-report pages: scoping (404s for every URL), the one-page form with its lines, the
one-report-per-period message, option scoping, the version check, the report page's figures and
warnings, and the list's query count."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from assessments.models import Evidence, ResourceType, SavingsLine, SavingsReport
from tests.factories import (
    AssessmentFactory,
    BaselineConsumptionFactory,
    CPOptionFactory,
    EnterpriseFactory,
    SavingsLineFactory,
    SavingsReportFactory,
    resource,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def login(login, settings):
    """Signed-in clients that ask for the English interface (assertions read English text)."""

    def _login(user):
        client = login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _login


S = SavingsReport.Status


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    """Evidence files go to a temporary directory, not the developer's var/private."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(tmp_path)}},
    }
    return tmp_path


def form_data(*, year=2023, period="Y", notes="", version=None, lines=(), initial=0) -> dict:
    data = {
        "year": year,
        "period": period,
        "notes": notes,
        "lines-TOTAL_FORMS": len(lines),
        "lines-INITIAL_FORMS": initial,
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 1000,
    }
    if version is not None:
        data["version"] = version
    for i, line in enumerate(lines):
        for key, value in line.items():
            data[f"lines-{i}-{key}"] = "" if value is None else value
    return data


def line(code="electricity", quantity="12000", vnd="24000000", option=None, **extra) -> dict:
    return {"resource": resource(code).pk, "quantity": quantity, "vnd_saved": vnd, "option": option or "", **extra}


# --- create -----------------------------------------------------------------------------------


def test_staff_create_a_report_with_two_lines_on_one_page(login, staff_x, enterprise_x):
    assessment = AssessmentFactory(enterprise=enterprise_x)
    option = CPOptionFactory(assessment=assessment, status="implemented", implemented_on=datetime.date(2022, 5, 1))
    data = form_data(lines=[line(option=option.pk), line("diesel_do", "1500", "30000000")])
    response = login(staff_x).post(reverse("savings:create"), data)
    report = SavingsReport.objects.get(enterprise=enterprise_x)
    assert response.status_code == 302 and response.url == report.get_absolute_url()
    assert (report.year, report.period, report.status, report.created_by) == (2023, "Y", S.DRAFT, staff_x)
    lines = list(report.lines.order_by("resource__sort_order"))
    assert [(ln.resource.code, ln.quantity, ln.vnd_saved) for ln in lines] == [
        ("electricity", Decimal("12000"), 24_000_000),
        ("diesel_do", Decimal("1500"), 30_000_000),
    ]
    assert lines[0].option == option


def test_blank_extra_rows_are_ignored(login, staff_x, enterprise_x):
    blank = {"resource": "", "quantity": "", "vnd_saved": "", "option": ""}
    response = login(staff_x).post(reverse("savings:create"), form_data(lines=[line(), blank]))
    assert response.status_code == 302, (response.context["form"].errors, response.context["formset"].errors)
    assert SavingsLine.objects.filter(report__enterprise=enterprise_x).count() == 1


def test_save_and_submit_from_the_form_asks_for_confirmation_first(login, staff_x, enterprise_x):
    client = login(staff_x)
    data = {**form_data(lines=[line()]), "submit": "1"}
    response = client.post(reverse("savings:create"), data)
    report = SavingsReport.objects.get(enterprise=enterprise_x)
    assert response.status_code == 302 and response.url == reverse("savings:submit", args=[report.pk])
    assert report.status == S.DRAFT  # saved, not yet sent
    page = client.get(response.url).content.decode()
    assert 'data-testid="confirm-submit"' in page and 'data-testid="blocking-errors"' not in page
    # The confirmation is a plain form: it works without JavaScript.
    action = re.search(r'<form method="post" action="([^"]+)"[^>]*data-testid="confirm-form"', page).group(1)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    assert action == reverse("savings:submit", args=[report.pk])
    client.post(action, {"version": version})
    assert SavingsReport.objects.get(pk=report.pk).status == S.SUBMITTED


def test_save_and_submit_that_cannot_be_submitted_leaves_no_draft(login, staff_x, enterprise_x):
    """A report of a period that has not ended cannot be submitted: nothing is kept, the errors
    are shown on the form with the input, and the next attempt is not blocked by a stray draft."""
    this_year = timezone.localdate().year
    data = {**form_data(year=this_year, period="Y", notes="Ghi chú", lines=[line(quantity="4321")]), "submit": "1"}
    response = login(staff_x).post(reverse("savings:create"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-code="future_period"' in html and 'value="4321"' in html and "Ghi chú" in html
    assert not SavingsReport.objects.filter(enterprise=enterprise_x).exists()
    assert not SavingsLine.objects.filter(quantity=4321).exists()
    # Saved as a draft, the same report is accepted: no duplicate-period error from the failed try.
    response = login(staff_x).post(reverse("savings:create"), form_data(year=this_year, lines=[line()]))
    assert response.status_code == 302
    assert SavingsReport.objects.filter(enterprise=enterprise_x).count() == 1


def test_duplicate_period_gets_a_friendly_message_and_keeps_input(login, staff_x, enterprise_x):
    SavingsReportFactory(enterprise=enterprise_x, year=2023, period="Q2")
    response = login(staff_x).post(
        reverse("savings:create"), form_data(period="Q2", notes="Ghi chú của tôi", lines=[line(quantity="777")])
    )
    assert response.status_code == 200
    assert "already has a savings report for this period" in response.context["form"].errors["period"][0]
    html = response.content.decode()
    assert "Ghi chú của tôi" in html and 'value="777"' in html
    existing = SavingsReport.objects.get(enterprise=enterprise_x)
    link = re.search(r'data-testid="existing-report">.*?<a href="([^"]+)"', html, flags=re.DOTALL)
    assert link and link.group(1) == existing.get_absolute_url()
    assert SavingsReport.objects.filter(enterprise=enterprise_x).count() == 1
    assert not SavingsLine.objects.filter(quantity=777).exists()


def test_same_period_of_another_enterprise_is_fine(login, staff_x, enterprise_y):
    SavingsReportFactory(enterprise=enterprise_y, year=2023, period="Y")
    assert login(staff_x).post(reverse("savings:create"), form_data(lines=[line()])).status_code == 302


def test_option_select_lists_only_own_enterprise_options(login, staff_x, enterprise_x, enterprise_y):
    own = CPOptionFactory(assessment=AssessmentFactory(enterprise=enterprise_x), description="Thu hồi nhiệt")
    other = CPOptionFactory(assessment=AssessmentFactory(enterprise=enterprise_y), description="Bí mật của Y")
    response = login(staff_x).get(reverse("savings:create"))
    choices = [str(value) for value, _label in response.context["formset"].forms[0].fields["option"].choices]
    assert str(own.pk) in choices and str(other.pk) not in choices
    assert "Bí mật của Y" not in response.content.decode()


def test_posting_another_enterprise_option_is_a_form_error(login, staff_x, enterprise_y):
    other = CPOptionFactory(assessment=AssessmentFactory(enterprise=enterprise_y))
    response = login(staff_x).post(reverse("savings:create"), form_data(lines=[line(option=other.pk)]))
    assert response.status_code == 200
    assert response.context["formset"].forms[0].errors["option"] == ["Choose one of your enterprise's own options."]
    assert not SavingsReport.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("quantity", "-5"), ("vnd_saved", "-1")])
def test_negative_amounts_are_refused_next_to_the_line(login, staff_x, field, value):
    response = login(staff_x).post(reverse("savings:create"), form_data(lines=[line(**{field: value})]))
    assert response.status_code == 200
    assert field in response.context["formset"].forms[0].errors
    assert not SavingsReport.objects.exists()


def test_future_year_is_refused(login, staff_x):
    next_year = timezone.localdate().year + 1
    response = login(staff_x).post(reverse("savings:create"), form_data(year=next_year, lines=[line()]))
    assert "year" in response.context["form"].errors
    assert not SavingsReport.objects.exists()


# --- edit and the version check -------------------------------------------------------------


def edit_data(report: SavingsReport, **changes) -> dict:
    lines = [
        {"id": ln.pk, "resource": ln.resource_id, "quantity": ln.quantity, "vnd_saved": ln.vnd_saved, "option": ""}
        for ln in report.lines.order_by("pk")
    ]
    for i, values in changes.pop("line_changes", {}).items():
        lines[i].update(values)
    lines += changes.pop("new_lines", [])
    return form_data(
        year=report.year, period=report.period, version=report.version, lines=lines, initial=report.lines.count(),
        **changes,
    )  # fmt: skip


def test_edit_changes_lines_and_bumps_version(login, staff_x, enterprise_x):
    report = SavingsReportFactory(enterprise=enterprise_x, year=2023)
    first = SavingsLineFactory(report=report, quantity=100)
    second = SavingsLineFactory(report=report, quantity=200)
    data = edit_data(
        report, line_changes={0: {"quantity": "150"}, 1: {"DELETE": "on"}}, new_lines=[line("water", "30", "0")]
    )
    response = login(staff_x).post(reverse("savings:edit", args=[report.pk]), data)
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.version == 2
    first.refresh_from_db()
    assert first.quantity == 150
    assert not SavingsLine.objects.filter(pk=second.pk).exists()
    assert report.lines.filter(resource__code="water", quantity=30).exists()


def test_stale_save_is_refused_with_a_message_and_keeps_input(login, staff_x, enterprise_x):
    report = SavingsReportFactory(enterprise=enterprise_x, year=2023)
    SavingsLineFactory(report=report, quantity=100)
    loaded = edit_data(report, line_changes={0: {"quantity": "4321"}}, notes="Sửa của tôi")
    # Meanwhile a colleague saves the report.
    colleague = login(staff_x).post(
        reverse("savings:edit", args=[report.pk]), edit_data(report, line_changes={0: {"quantity": "999"}})
    )
    assert colleague.status_code == 302
    response = login(staff_x).post(reverse("savings:edit", args=[report.pk]), loaded)
    assert response.status_code == 200
    assert response.context["stale"]
    html = response.content.decode()
    assert "Someone else saved this report" in html
    assert 'value="4321"' in html and "Sửa của tôi" in html  # the user's input is kept
    assert SavingsLine.objects.get(report=report).quantity == 999  # nothing overwritten
    report.refresh_from_db()
    assert report.version == 2 and report.notes == ""
    # The form now carries the current version: saving again is a deliberate overwrite.
    assert response.context["form"]["version"].value() == "2"


def test_stale_version_after_a_workflow_move_is_refused(login, staff_x, officer_a, enterprise_x):
    report = SavingsReportFactory(enterprise=enterprise_x, year=2023, status=S.RETURNED, version=3)
    SavingsLineFactory(report=report)
    data = edit_data(report)
    data["version"] = 2
    response = login(staff_x).post(reverse("savings:edit", args=[report.pk]), data)
    assert response.status_code == 200 and response.context["stale"]


def test_a_line_of_another_report_cannot_be_edited_through_this_form(login, staff_x, enterprise_x, enterprise_y):
    report = SavingsReportFactory(enterprise=enterprise_x, year=2023)
    foreign = SavingsLineFactory(report=SavingsReportFactory(enterprise=enterprise_y), quantity=5)
    data = form_data(version=1, lines=[{**line(quantity="1"), "id": foreign.pk}], initial=1)
    response = login(staff_x).post(reverse("savings:edit", args=[report.pk]), data)
    assert response.status_code == 200
    foreign.refresh_from_db()
    assert foreign.quantity == 5 and foreign.report.enterprise == enterprise_y


def test_moving_a_report_onto_a_taken_period_is_a_form_error(login, staff_x, enterprise_x):
    SavingsReportFactory(enterprise=enterprise_x, year=2023, period="Q1")
    report = SavingsReportFactory(enterprise=enterprise_x, year=2023, period="Q2")
    data = edit_data(report)
    data["period"] = "Q1"
    response = login(staff_x).post(reverse("savings:edit", args=[report.pk]), data)
    assert response.status_code == 200 and "period" in response.context["form"].errors
    report.refresh_from_db()
    assert report.period == "Q2"


def test_edit_form_shows_quality_errors_next_to_the_line(login, staff_x, enterprise_x):
    report = SavingsReportFactory(enterprise=enterprise_x, year=2023)
    SavingsLineFactory(report=report, quantity=2_000_000_000)  # 2 TWh: absurd
    response = login(staff_x).get(reverse("savings:edit", args=[report.pk]))
    assert "absurd_quantity" in [f.code for f in response.context["formset"].forms[0].quality_errors]
    assert 'data-code="absurd_quantity"' in response.content.decode()


# --- report page ------------------------------------------------------------------------------


def test_report_page_converts_each_line_with_the_factor_of_its_year(login, officer_a, enterprise_x):
    report = SavingsReportFactory(enterprise=enterprise_x, year=2023, status=S.SUBMITTED)
    SavingsLineFactory(report=report, resource=resource("electricity"), quantity=10000, vnd_saved=20_000_000)
    SavingsLineFactory(report=report, resource=resource("diesel_do"), quantity=1000, vnd_saved=21_000_000)
    SavingsLineFactory(report=report, resource=resource("water"), quantity=500, vnd_saved=5_000_000)
    response = login(officer_a).get(reverse("savings:detail", args=[report.pk]))
    figures = response.context["figures"]
    by_code = {row.line.resource.code: row.conversion for row in figures.rows}
    # electricity 2023: 0.1543 TOE/MWh (MOIT 3505/BCT-KHCN); 0.6592 tCO2/MWh (DCC 2023)
    assert by_code["electricity"].toe == Decimal("1.543")
    assert by_code["electricity"].tco2e == Decimal("6.592")
    assert by_code["electricity"].factor.valid_from_year == 2023 and not by_code["electricity"].fell_back
    # diesel: 0.88 TOE per 1000 L; 0.88 × 0.041868 TJ/TOE × 74,100 kg/TJ = 2,730.13 kg CO2
    assert by_code["diesel_do"].toe == Decimal("0.88")
    assert round(by_code["diesel_do"].tco2e, 3) == Decimal("2.730")
    assert by_code["water"].factor is None
    assert round(figures.toe, 3) == Decimal("2.423")
    assert round(figures.tco2e, 3) == Decimal("9.322")
    assert figures.vnd == 46_000_000
    assert [(r.code, q) for r, q in figures.own_units] == [("water", Decimal("500"))]
    html = response.content.decode()
    assert "Factor of 2023" in html and "DCC" in html and "MOIT 3505/BCT-KHCN" in html
    # Diesel's factor is the 2011 one (the latest for 2023), and the page says so; electricity's is 2023's.
    assert by_code["diesel_do"].fell_back and by_code["diesel_do"].factor.valid_from_year == 2011
    assert html.count('data-testid="fallback-notice"') == 1


def test_report_page_says_when_an_earlier_year_factor_is_used(login, staff_x, enterprise_x):
    report = SavingsReportFactory(enterprise=enterprise_x, year=2025)
    SavingsLineFactory(report=report, resource=resource("electricity"), quantity=10000)
    response = login(staff_x).get(reverse("savings:detail", args=[report.pk]))
    conversion = response.context["figures"].rows[0].conversion
    assert conversion.fell_back and conversion.factor.valid_from_year == 2023
    assert "No factor published for 2025: the latest earlier one, from 2023, is used." in response.content.decode()


def _report_with_warning(enterprise) -> SavingsReport:
    assessment = AssessmentFactory(enterprise=enterprise, year=2022, status="approved")
    BaselineConsumptionFactory(assessment=assessment, quantity=100_000, cost_vnd=200_000_000)
    report = SavingsReportFactory(enterprise=enterprise, year=2023, status=S.SUBMITTED)
    # 11,000 VND per kWh: a possible price, but more than 5 times the baseline's 2,000 VND per kWh.
    SavingsLineFactory(report=report, quantity=50_000, vnd_saved=550_000_000)
    return report


def test_reviewing_officer_sees_warnings_next_to_the_line(login, officer_a, enterprise_x):
    report = _report_with_warning(enterprise_x)
    response = login(officer_a).get(reverse("savings:detail", args=[report.pk]))
    assert [f.code for f in response.context["warnings"]] == ["vnd_inconsistent"]
    html = response.content.decode()
    assert 'data-testid="quality-warning"' in html and 'data-testid="line-warning"' in html
    assert response.context["can_verify"] and response.context["can_return"]


def test_doit_sees_warnings_but_cannot_verify(login, doit_user, enterprise_x):
    report = _report_with_warning(enterprise_x)
    response = login(doit_user).get(reverse("savings:detail", args=[report.pk]))
    assert response.context["warnings"]
    assert not (response.context["can_verify"] or response.context["can_return"] or response.context["can_edit"])
    assert 'data-testid="verify"' not in response.content.decode()


def test_enterprise_staff_see_blocking_errors_not_reviewer_warnings(login, staff_x, enterprise_x):
    report = _report_with_warning(enterprise_x)
    SavingsReport.objects.filter(pk=report.pk).update(status=S.DRAFT)
    SavingsLineFactory(report=report, resource=resource("water"), quantity=10**11)
    response = login(staff_x).get(reverse("savings:detail", args=[report.pk]))
    assert response.context["warnings"] == []
    html = response.content.decode()
    assert 'data-testid="quality-warning"' not in html
    assert 'data-code="absurd_quantity"' in html and 'data-testid="blocking-errors"' in html


# --- scoping: every URL -----------------------------------------------------------------------


def _urls(report: SavingsReport, evidence: Evidence) -> list[tuple[str, str]]:
    pk = report.pk
    return [
        ("get", reverse("savings:detail", args=[pk])),
        ("get", reverse("savings:edit", args=[pk])),
        ("post", reverse("savings:edit", args=[pk])),
        ("post", reverse("savings:submit", args=[pk])),
        ("post", reverse("savings:verify", args=[pk])),
        ("post", reverse("savings:return", args=[pk])),
        ("post", reverse("savings:evidence_upload", args=[pk])),
        ("get", reverse("savings:evidence_download", args=[pk, evidence.pk])),
        ("post", reverse("savings:evidence_delete", args=[pk, evidence.pk])),
    ]


@pytest.fixture
def report_x_with_evidence(enterprise_x, staff_x):
    """A submitted report of enterprise X with one PDF attached (while it was a draft)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from assessments.services.savings import evidence_add
    from tests.assessments.test_evidence_checks import pdf_bytes

    report = SavingsReportFactory(enterprise=enterprise_x, year=2023, status=S.DRAFT)
    SavingsLineFactory(report=report)
    item = evidence_add(report=report, by=staff_x, upload=SimpleUploadedFile("hoa-don.pdf", pdf_bytes()))
    SavingsReport.objects.filter(pk=report.pk).update(status=S.SUBMITTED)
    report.refresh_from_db()
    return report, item


@pytest.mark.parametrize("role", ["officer_b", "staff_y"])
def test_every_savings_url_is_404_out_of_scope(request, login, report_x_with_evidence, role):
    report, item = report_x_with_evidence
    client = login(request.getfixturevalue(role))
    for method, url in _urls(report, item):
        response = getattr(client, method)(url, {"version": report.version, "comment": "x"})
        assert response.status_code == 404, (method, url)
    report.refresh_from_db()
    assert report.status == S.SUBMITTED and report.evidence.count() == 1


def test_missing_report_and_evidence_are_404(login, staff_x, report_x_with_evidence):
    report, item = report_x_with_evidence
    client = login(staff_x)
    assert client.get(reverse("savings:detail", args=[report.pk + 1000])).status_code == 404
    assert client.get(reverse("savings:evidence_download", args=[report.pk, item.pk + 1000])).status_code == 404
    other = SavingsReportFactory(enterprise=report.enterprise, year=2021)
    # evidence of report A through the URL of report B: 404 as well
    assert client.get(reverse("savings:evidence_download", args=[other.pk, item.pk])).status_code == 404


def test_anonymous_users_are_sent_to_login(client, report_x_with_evidence):
    report, item = report_x_with_evidence
    for method, url in [*_urls(report, item), ("get", reverse("savings:list")), ("get", reverse("savings:create"))]:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response.url, url


@pytest.mark.parametrize("role", ["doit_user", "officer_a", "staff_x"])
def test_in_scope_roles_see_the_report(request, login, report_x_with_evidence, role):
    report, item = report_x_with_evidence
    client = login(request.getfixturevalue(role))
    assert client.get(reverse("savings:detail", args=[report.pk])).status_code == 200
    assert client.get(reverse("savings:evidence_download", args=[report.pk, item.pk])).status_code == 200


# --- list -------------------------------------------------------------------------------------


def test_list_is_scoped_per_role(login, doit_user, officer_a, staff_y, enterprise_x, enterprise_y):
    rx = SavingsReportFactory(enterprise=enterprise_x)
    ry = SavingsReportFactory(enterprise=enterprise_y)

    def listed(user):
        return {r.pk for r in login(user).get(reverse("savings:list")).context["page"]}

    assert listed(doit_user) == {rx.pk, ry.pk}
    assert listed(officer_a) == {rx.pk}
    assert listed(staff_y) == {ry.pk}


def test_list_filters_and_totals(login, officer_a, enterprise_x):
    submitted = SavingsReportFactory(enterprise=enterprise_x, year=2023, status=S.SUBMITTED)
    SavingsLineFactory(report=submitted, vnd_saved=1_000)
    SavingsLineFactory(report=submitted, vnd_saved=2_000)
    SavingsReportFactory(enterprise=enterprise_x, year=2022, status=S.VERIFIED)
    client = login(officer_a)
    page = client.get(reverse("savings:list"), {"status": "submitted"}).context["page"]
    assert [(r.pk, r.line_count, r.vnd_total, r.evidence_count) for r in page] == [(submitted.pk, 2, 3_000, 0)]
    assert [r.year for r in client.get(reverse("savings:list"), {"year": "2022"}).context["page"]] == [2022]
    assert client.get(reverse("savings:list"), {"q": "bia dong da"}).context["page"].paginator.count == 2
    assert client.get(reverse("savings:list"), {"q": "khong co"}).context["page"].paginator.count == 0
    assert client.get(reverse("savings:list")).context["to_review"] == 1


def _make_reports(count: int, district) -> None:
    for i in range(count):
        enterprise = EnterpriseFactory(district=district)
        report = SavingsReportFactory(enterprise=enterprise, year=2015 + i % 9, status=S.SUBMITTED)
        SavingsLineFactory(report=report)
        SavingsLineFactory(report=report, resource=resource("water"), quantity=10)


@pytest.mark.parametrize("role", ["doit_user", "officer_a", "staff_x"])
def test_list_query_count_does_not_grow(request, login, role, district_a, django_assert_max_num_queries):
    client = login(request.getfixturevalue(role))
    _make_reports(3, district_a)
    # 10: 8 as before, and the commune and former-district choices of the queue's filters.
    with django_assert_max_num_queries(10):
        assert client.get(reverse("savings:list")).status_code == 200
    _make_reports(40, district_a)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("savings:list"))
        assert response.status_code == 200


def test_detail_query_count_does_not_grow_with_lines(login, officer_a, enterprise_x, django_assert_max_num_queries):
    report = SavingsReportFactory(enterprise=enterprise_x, year=2023, status=S.SUBMITTED)
    SavingsLineFactory(report=report)
    client = login(officer_a)
    with django_assert_max_num_queries(25) as small:
        client.get(reverse("savings:detail", args=[report.pk]))
    for code in ["diesel_do", "lpg", "water", "coal_1_2", "natural_gas", "electricity"] * 3:
        SavingsLineFactory(report=report, resource=ResourceType.objects.get(code=code), quantity=1)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("savings:detail", args=[report.pk]))


def test_save_and_submit_blocked_keeps_the_draft_and_shows_why(login, staff_x, enterprise_x):
    report = SavingsReportFactory(enterprise=enterprise_x, year=2023)
    SavingsLineFactory(report=report)
    data = {**edit_data(report, line_changes={0: {"DELETE": "on"}}), "submit": "1"}
    response = login(staff_x).post(reverse("savings:edit", args=[report.pk]), data, follow=True)
    report.refresh_from_db()
    assert report.status == S.DRAFT and report.version == 2 and not report.lines.exists()
    # The confirmation step says why it cannot be sent, and offers no button to send it.
    assert response.redirect_chain[-1][0] == reverse("savings:submit", args=[report.pk])
    html = response.content.decode()
    assert 'data-testid="blocking-errors"' in html and 'data-code="no_lines"' in html
    assert 'data-testid="confirm-submit"' not in html


def test_changing_a_report_to_a_taken_period_links_to_the_report_of_that_period(login, staff_x, enterprise_x):
    taken = SavingsReportFactory(enterprise=enterprise_x, year=2023, period="Q3", status=S.VERIFIED)
    report = SavingsReportFactory(enterprise=enterprise_x, year=2023, period="Q4")
    SavingsLineFactory(report=report)
    data = {**edit_data(report), "period": "Q3"}
    response = login(staff_x).post(reverse("savings:edit", args=[report.pk]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="{taken.get_absolute_url()}" class="alert-link"' in html
    assert SavingsReport.objects.get(pk=report.pk).period == "Q4"


def test_submit_confirmation_page_lists_what_is_sent_and_asks_first(login, staff_x, enterprise_x):
    report = SavingsReportFactory(enterprise=enterprise_x, year=2023)
    SavingsLineFactory(report=report, quantity=Decimal("1000"), vnd_saved=2_000_000)
    client = login(staff_x)
    detail = client.get(report.get_absolute_url()).content.decode()
    # The report page links to the confirmation step (a GET), it does not submit at once.
    assert f'href="{reverse("savings:submit", args=[report.pk])}"' in detail
    page = client.get(reverse("savings:submit", args=[report.pk])).content.decode()
    assert re.search(r'data-testid="confirm-vnd">2[.,]000[.,]000<', page) and 'data-testid="confirm-submit"' in page
    assert SavingsReport.objects.get(pk=report.pk).status == S.DRAFT  # looking is not submitting


def test_submit_confirmation_of_a_submitted_report_offers_nothing(login, staff_x, enterprise_x):
    report = SavingsReportFactory(enterprise=enterprise_x, year=2023, status=S.SUBMITTED)
    page = login(staff_x).get(reverse("savings:submit", args=[report.pk])).content.decode()
    assert 'data-testid="cannot-submit"' in page and 'data-testid="confirm-submit"' not in page
