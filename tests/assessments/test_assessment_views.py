"""Assessment pages: scope (404), role (403), create/edit with inline lines and options, bad input,
the version check, the factors page, the enterprise page section and query counts."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.models import (
    Assessment,
    BaselineConsumption,
    CPOption,
    OptionExpectedSaving,
    ResourceFactor,
    ResourceType,
)
from tests.factories import (
    AssessmentFactory,
    BaselineConsumptionFactory,
    CPOptionFactory,
    EnterpriseFactory,
    SavingsLineFactory,
    SavingsReportFactory,
)

from .assessment_forms import full_post, option

pytestmark = pytest.mark.django_db


def rid(code: str) -> int:
    return ResourceType.objects.get(code=code).pk


@pytest.fixture
def assessment_x(enterprise_x):
    assessment = AssessmentFactory(enterprise=enterprise_x, year=2022)
    BaselineConsumptionFactory(assessment=assessment, quantity=10000)
    CPOptionFactory(assessment=assessment)
    return assessment


# --------------------------------------------------------------------------- scope and roles


@pytest.mark.parametrize("name", ["detail", "edit", "submit", "approve", "return"])
@pytest.mark.parametrize("role", ["officer_b", "staff_y"])
def test_out_of_scope_users_get_404_on_every_assessment_url(request, login, assessment_x, name, role):
    client = login(request.getfixturevalue(role))
    url = reverse(f"assessments:{name}", args=[assessment_x.pk])
    response = client.post(url, {"version": 1}) if name in {"submit", "approve", "return"} else client.get(url)
    assert response.status_code == 404


def test_missing_assessment_is_404_like_out_of_scope(login, doit_user):
    assert login(doit_user).get(reverse("assessments:detail", args=[999999])).status_code == 404


@pytest.mark.parametrize("role", ["doit_user", "officer_a", "staff_x"])
def test_in_scope_users_see_the_assessment(request, login, assessment_x, role):
    response = login(request.getfixturevalue(role)).get(reverse("assessments:detail", args=[assessment_x.pk]))
    assert response.status_code == 200
    assert assessment_x.enterprise.name in response.content.decode()


def test_list_shows_only_what_the_user_may_see(
    login, doit_user, officer_a, officer_b, staff_x, staff_y, enterprise_x, enterprise_y
):
    a = AssessmentFactory(enterprise=enterprise_x)
    b = AssessmentFactory(enterprise=enterprise_y)
    expectations = {
        doit_user: {a, b},
        officer_a: {a},
        officer_b: {b},
        staff_x: {a},
        staff_y: {b},
    }
    for user, visible in expectations.items():
        page = login(user).get(reverse("assessments:list")).content.decode()
        for item in (a, b):
            assert (item.get_absolute_url() in page) == (item in visible), user


def test_list_filters(login, doit_user, enterprise_x, enterprise_y, district_b):
    AssessmentFactory(enterprise=enterprise_x, year=2021, status="approved")
    AssessmentFactory(enterprise=enterprise_y, year=2022, status="draft")
    client = login(doit_user)

    def count(**params):
        page = client.get(reverse("assessments:list"), params).content.decode()
        return len(re.findall(r'href="/assessments/\d+/"', page))

    assert count() == 2
    assert count(year=2021) == 1
    assert count(status="draft") == 1
    assert count(district=district_b.pk) == 1
    assert count(q="bia dong da") == 1


@pytest.mark.parametrize(
    ("role", "enterprise", "status"),
    [
        ("officer_a", "enterprise_x", 200),
        ("officer_a", "enterprise_y", 404),
        ("officer_b", "enterprise_x", 404),
        ("staff_x", "enterprise_x", 403),
        ("staff_y", "enterprise_x", 404),
        ("doit_user", "enterprise_x", 403),
    ],
)
def test_create_page_scope_and_role(request, login, role, enterprise, status):
    target = request.getfixturevalue(enterprise)
    request.getfixturevalue("enterprise_y")
    response = login(request.getfixturevalue(role)).get(reverse("assessments:create") + f"?enterprise={target.pk}")
    assert response.status_code == status


def test_create_without_enterprise_lets_officer_choose_from_own_district(
    login, officer_a, enterprise_x, enterprise_y, staff_x
):
    page = login(officer_a).get(reverse("assessments:create")).content.decode()
    assert f'?enterprise={enterprise_x.pk}"' in page and f'?enterprise={enterprise_y.pk}"' not in page
    assert login(staff_x).get(reverse("assessments:create")).status_code == 403


@pytest.mark.parametrize(("role", "status"), [("doit_user", 403), ("staff_x", 403), ("officer_b", 404)])
def test_edit_refused_to_other_roles(request, login, assessment_x, role, status):
    client = login(request.getfixturevalue(role))
    url = reverse("assessments:edit", args=[assessment_x.pk])
    assert client.get(url).status_code == status
    assert client.post(url, full_post(assessment_x, notes="changed")).status_code == status
    assessment_x.refresh_from_db()
    assert assessment_x.notes == ""


@pytest.mark.parametrize("status", ["submitted", "approved"])
def test_officer_cannot_edit_while_under_review_or_approved(login, officer_a, enterprise_x, status):
    assessment = AssessmentFactory(enterprise=enterprise_x, status=status)
    client = login(officer_a)
    assert client.get(reverse("assessments:edit", args=[assessment.pk])).status_code == 403
    assert client.post(reverse("assessments:edit", args=[assessment.pk]), full_post(assessment)).status_code == 403


def test_officer_edits_returned_assessment(login, officer_a, enterprise_x):
    assessment = AssessmentFactory(enterprise=enterprise_x, status="returned")
    response = login(officer_a).post(
        reverse("assessments:edit", args=[assessment.pk]), full_post(assessment, notes="sửa")
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.notes == "sửa" and assessment.status == "returned"


# --------------------------------------------------------------------------- create and edit


def test_officer_creates_assessment_with_lines_and_options(login, officer_a, enterprise_x):
    data = full_post(
        baseline=[
            {"resource": rid("electricity"), "quantity": "250000", "cost_vnd": "475000000"},
            {"resource": rid("water"), "quantity": "12000", "cost_vnd": ""},
        ],
        options=[
            option(
                category="technology",
                description="Thay đèn LED",
                investment_vnd="120000000",
                expected_savings_vnd="48000000",
                saving_resource_1=rid("electricity"),
                saving_quantity_1="25000",
            ),
            option(category="recovery", status="implemented", implemented_on="2023-06-15"),
        ],
    )
    data["enterprise"] = enterprise_x.pk
    response = login(officer_a).post(reverse("assessments:create") + f"?enterprise={enterprise_x.pk}", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    assessment = Assessment.objects.get()
    assert response["Location"] == assessment.get_absolute_url()
    assert (assessment.enterprise, assessment.status, assessment.created_by, assessment.version) == (
        enterprise_x,
        "draft",
        officer_a,
        1,
    )
    assert assessment.assessor == officer_a  # the name defaulted to the officer's
    assert assessment.baseline_lines.count() == 2
    led = assessment.options.get(category="technology")
    assert led.payback_years == Decimal("2.5")
    assert list(led.expected_savings.values_list("resource__code", "quantity")) == [("electricity", Decimal("25000"))]
    page = login(officer_a).get(assessment.get_absolute_url()).content.decode()
    assert "2,5" in page or "2.5" in page  # payback shown (vi or en decimal separator)


@pytest.mark.parametrize(
    ("baseline", "options", "message"),
    [
        ([{"resource": "electricity", "quantity": "-5", "cost_vnd": ""}], [], "greater than or equal to 0"),
        ([{"resource": "electricity", "quantity": "5", "cost_vnd": "-1"}], [], "greater than or equal to 0"),
        (
            [
                {"resource": "electricity", "quantity": "5", "cost_vnd": ""},
                {"resource": "electricity", "quantity": "6", "cost_vnd": ""},
            ],
            [],
            "Please correct the duplicate",
        ),
        ([], [option(status="implemented")], "Give the date the option was implemented"),
        ([], [option(investment_vnd="-1")], "greater than or equal to 0"),
        ([], [option(saving_resource_1="electricity")], "Give the quantity saved per year"),
    ],
)
def test_bad_input_is_refused_with_message_and_nothing_written(
    login, officer_a, enterprise_x, baseline, options, message, settings
):
    settings.LANGUAGE_CODE = "en"
    for row in baseline:
        row["resource"] = rid(row["resource"])
    for row in options:
        if row.get("saving_resource_1"):
            row["saving_resource_1"] = rid(row["saving_resource_1"])
    data = full_post(baseline=baseline, options=options, notes="giữ lại ghi chú này")
    data["enterprise"] = enterprise_x.pk
    client = login(officer_a)
    client.cookies["django_language"] = "en"
    response = client.post(reverse("assessments:create") + f"?enterprise={enterprise_x.pk}", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "giữ lại ghi chú này" in page  # the user's input is kept
    assert not Assessment.objects.exists()
    assert not BaselineConsumption.objects.exists() and not CPOption.objects.exists()


def test_edit_updates_header_lines_and_options_and_bumps_version(login, officer_a, assessment_x):
    line = assessment_x.baseline_lines.get()
    opt = assessment_x.options.get()
    data = full_post(
        assessment_x,
        baseline=[
            {"id": line.pk, "resource": line.resource_id, "quantity": "12000", "cost_vnd": "1", "DELETE": "on"},
            {"resource": rid("diesel_do"), "quantity": "3000", "cost_vnd": "60000000"},
        ],
        options=[
            option(
                id=opt.pk,
                category="equipment",
                description="Bảo ôn đường ống hơi",
                status="feasible",
                saving_resource_1=rid("diesel_do"),
                saving_quantity_1="300",
            )
        ],
        step=4,
    )
    response = login(officer_a).post(reverse("assessments:edit", args=[assessment_x.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assessment_x.refresh_from_db()
    assert assessment_x.version == 2 and assessment_x.step == 4
    assert list(assessment_x.baseline_lines.values_list("resource__code", "quantity")) == [("diesel_do", Decimal(3000))]
    opt.refresh_from_db()
    assert (opt.category, opt.status) == ("equipment", "feasible")
    assert list(OptionExpectedSaving.objects.values_list("resource__code", "quantity")) == [("diesel_do", Decimal(300))]
    # Clearing the expected saving removes it.
    data = full_post(
        assessment_x, options=[option(id=opt.pk, category="equipment", description="x", status="feasible")]
    )
    assert login(officer_a).post(reverse("assessments:edit", args=[assessment_x.pk]), data).status_code == 302
    assert not OptionExpectedSaving.objects.exists()


def test_stale_version_keeps_input_and_overwrites_nothing(login, officer_a, enterprise_x):
    colleague = type(officer_a).objects.create_user(
        "officer.a2", password="Mat-khau-thu-2026", role="officer", commune=officer_a.commune, full_name="Đồng Nghiệp"
    )
    assessment = AssessmentFactory(enterprise=enterprise_x)
    first = full_post(assessment, notes="ghi chú của người thứ nhất")
    second = full_post(assessment, notes="ghi chú của người thứ hai")  # both loaded version 1
    assert login(colleague).post(reverse("assessments:edit", args=[assessment.pk]), first).status_code == 302
    response = login(officer_a).post(reverse("assessments:edit", args=[assessment.pk]), second)
    assert response.status_code == 409
    page = response.content.decode()
    assert 'data-testid="form-error"' in page
    assert "ghi chú của người thứ hai" in page  # input kept
    assessment.refresh_from_db()
    assert assessment.notes == "ghi chú của người thứ nhất" and assessment.version == 2


def test_edit_form_without_version_is_treated_as_stale(login, officer_a, assessment_x):
    data = full_post(assessment_x, notes="no version")
    data.pop("version")
    assert login(officer_a).post(reverse("assessments:edit", args=[assessment_x.pk]), data).status_code == 409
    assessment_x.refresh_from_db()
    assert assessment_x.notes == ""


# --------------------------------------------------------------------------- detail page


def test_detail_shows_conversion_factor_and_fallback_notice(login, officer_a, enterprise_x):
    exact = AssessmentFactory(enterprise=enterprise_x, year=2022)
    BaselineConsumptionFactory(assessment=exact, quantity=10000)
    later = AssessmentFactory(enterprise=enterprise_x, year=2025)
    BaselineConsumptionFactory(assessment=later, quantity=10000)
    client = login(officer_a)
    page = client.get(exact.get_absolute_url()).content.decode()
    assert 'data-testid="fallback-notice"' not in page
    page = client.get(later.get_absolute_url()).content.decode()
    assert 'data-testid="fallback-notice"' in page and 'data-testid="factor-fallback"' in page


def test_detail_groups_options_by_status(login, officer_a, enterprise_x):
    assessment = AssessmentFactory(enterprise=enterprise_x)
    CPOptionFactory(assessment=assessment, status="proposed")
    CPOptionFactory(assessment=assessment, status="implemented", implemented_on="2023-01-10")
    page = login(officer_a).get(assessment.get_absolute_url()).content.decode()
    assert 'data-testid="options-proposed"' in page and 'data-testid="options-implemented"' in page
    assert 'data-testid="options-rejected"' not in page


# --------------------------------------------------------------------------- factors page


@pytest.mark.parametrize("role", ["officer_a", "staff_x"])
def test_factors_page_is_doit_only(request, login, role):
    client = login(request.getfixturevalue(role))
    assert client.get(reverse("assessments:factors")).status_code == 403
    response = client.post(
        reverse("assessments:factors"),
        {"resource": rid("electricity"), "valid_from_year": 2024, "tco2e_per_unit": "0.0006", "source": "x"},
    )
    assert response.status_code == 403
    assert not ResourceFactor.objects.filter(valid_from_year=2024).exists()


def test_doit_adds_next_years_grid_factor_with_source(login, doit_user):
    client = login(doit_user)
    page = client.get(reverse("assessments:factors")).content.decode()
    assert "327/BĐKH-PTCBT" in page
    response = client.post(
        reverse("assessments:factors"),
        {
            "resource": rid("electricity"),
            "valid_from_year": 2024,
            "toe_per_unit": "0.0001543",
            "tco2e_per_unit": "0.0006",
            "source": "DCC announcement 2024 (test)",
            "method": "",
        },
    )
    assert response.status_code == 302
    factor = ResourceFactor.objects.get(resource__code="electricity", valid_from_year=2024)
    assert factor.created_by == doit_user and factor.source == "DCC announcement 2024 (test)"


@pytest.mark.parametrize(
    "data",
    [
        {"valid_from_year": 2024, "tco2e_per_unit": "0.0006", "source": ""},  # no source
        {"valid_from_year": 2022, "tco2e_per_unit": "0.0006", "source": "dup"},  # year exists
        {"valid_from_year": 2024, "source": "no figure"},  # neither factor
        {"valid_from_year": 2024, "tco2e_per_unit": "-1", "source": "negative"},
    ],
)
def test_bad_factor_is_refused(login, doit_user, data):
    before = ResourceFactor.objects.count()
    response = login(doit_user).post(reverse("assessments:factors"), {"resource": rid("electricity"), **data})
    assert response.status_code == 400
    assert ResourceFactor.objects.count() == before


# --------------------------------------------------------------------------- enterprise page


def test_enterprise_page_shows_assessments_options_and_verified_savings(login, officer_a, staff_x, enterprise_x):
    assessment = AssessmentFactory(enterprise=enterprise_x, year=2022, status="approved")
    CPOptionFactory(assessment=assessment, status="implemented", implemented_on="2022-05-01")
    CPOptionFactory(assessment=assessment, status="proposed")
    verified = SavingsReportFactory(enterprise=enterprise_x, year=2022, status="verified")
    SavingsLineFactory(report=verified, resource=ResourceType.objects.get(code="electricity"), quantity=10000)
    SavingsLineFactory(report=verified, resource=ResourceType.objects.get(code="diesel_do"), quantity=1000)
    SavingsLineFactory(report=verified, resource=ResourceType.objects.get(code="water"), quantity=500)
    pending = SavingsReportFactory(enterprise=enterprise_x, year=2023, status="submitted")
    SavingsLineFactory(report=pending, quantity=99999)
    for user in (officer_a, staff_x):
        page = login(user).get(enterprise_x.get_absolute_url()).content.decode()
        assert assessment.get_absolute_url() in page
        assert 'data-testid="verified-savings"' in page
        chart = json.loads(
            re.search(r'<script id="cp-savings-data" type="application/json">(.*?)</script>', page).group(1)
        )
        assert chart["labels"] == ["2022"]  # the submitted 2023 report does not count
        assert chart["toe"] == [2.423]  # 1.543 + 0.88
        assert chart["tco2e"] == [9.496]  # 6.766 + 2.730
        assert "<script>" not in page  # no inline script


def test_enterprise_page_without_cp_data(login, officer_a, enterprise_x):
    page = login(officer_a).get(enterprise_x.get_absolute_url()).content.decode()
    assert 'id="cleaner-production"' in page and "cp-savings-data" not in page
    assert f'{reverse("assessments:create")}?enterprise={enterprise_x.pk}"' in page


def test_ids_and_versions_are_not_localised_in_links_and_forms(login, officer_a, district_a):
    """Vietnamese formatting groups thousands ("12.345"): ids and versions must stay raw."""
    enterprise = EnterpriseFactory(pk=123456, district=district_a)
    assessment = AssessmentFactory(pk=234567, enterprise=enterprise, version=1234)
    client = login(officer_a)
    page = client.get(enterprise.get_absolute_url()).content.decode()
    assert "?enterprise=123456" in page and "/assessments/234567/" in page
    page = client.get(reverse("assessments:create")).content.decode()
    assert "?enterprise=123456" in page
    page = client.get(reverse("assessments:create") + "?enterprise=123456").content.decode()
    assert 'name="enterprise" value="123456"' in page
    page = client.get(reverse("assessments:submit", args=[assessment.pk])).content.decode()  # the confirmation
    assert 'name="version" value="1234"' in page
    page = client.get(reverse("assessments:edit", args=[assessment.pk])).content.decode()
    assert 'value="1234"' in page


# --------------------------------------------------------------------------- query counts


def _populate(enterprise, n: int) -> None:
    for i in range(n):
        assessment = AssessmentFactory(enterprise=enterprise, year=2015 + i % 10)
        CPOptionFactory(assessment=assessment)
        BaselineConsumptionFactory(assessment=assessment)


@pytest.mark.parametrize("size", [2, 30])
def test_list_query_count_does_not_grow(login, doit_user, officer_a, district_a, size, django_assert_max_num_queries):
    _populate(EnterpriseFactory(district=district_a), size)
    for user in (doit_user, officer_a):
        client = login(user)
        client.get(reverse("assessments:list"))  # warm the session
        # session, user, second factor, count, page, the commune and district filter choices, the
        # two permission lookups of the bulk actions: 9 whatever the number of rows
        with django_assert_max_num_queries(9):
            assert client.get(reverse("assessments:list")).status_code == 200


@pytest.mark.parametrize("size", [1, 15])
def test_detail_query_count_does_not_grow(login, officer_a, enterprise_x, size, django_assert_max_num_queries):
    assessment = AssessmentFactory(enterprise=enterprise_x)
    for code in ["electricity", "water", "diesel_do", "lpg", "coke"][: min(size, 5)]:
        BaselineConsumptionFactory(assessment=assessment, resource=ResourceType.objects.get(code=code))
    for _ in range(size):
        option_ = CPOptionFactory(assessment=assessment)
        OptionExpectedSaving.objects.create(option=option_, resource=ResourceType.objects.get(code="water"), quantity=1)
    client = login(officer_a)
    # 18: with the library's documents of the sector and step (the enterprise's sector, the documents).
    with django_assert_max_num_queries(18):
        assert client.get(assessment.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("size", [1, 12])
def test_enterprise_page_query_count_does_not_grow(login, officer_a, enterprise_x, size, django_assert_max_num_queries):
    _populate(enterprise_x, size)
    for year in range(2014, 2014 + size):
        report = SavingsReportFactory(enterprise=enterprise_x, year=year, status="verified")
        SavingsLineFactory(report=report)
    client = login(officer_a)
    with django_assert_max_num_queries(20):
        assert client.get(enterprise_x.get_absolute_url()).status_code == 200


def test_submitting_an_assessment_asks_for_confirmation_on_a_page(login, officer_a, enterprise_x):
    """The confirmation works without JavaScript: the detail page links to a page that says what
    happens and posts the submission only from there."""
    assessment = AssessmentFactory(enterprise=enterprise_x)
    client = login(officer_a)
    url = reverse("assessments:submit", args=[assessment.pk])
    detail = client.get(assessment.get_absolute_url()).content.decode()
    assert f'<a class="btn btn-success" href="{url}" data-testid="submit">' in detail
    page = client.get(url).content.decode()
    assert 'data-testid="confirm-submit"' in page
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.DRAFT
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    response = client.post(url, {"version": version})
    assert response.status_code == 302
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.SUBMITTED
    # Once submitted, the confirmation page offers nothing more to send.
    page = client.get(url).content.decode()
    assert 'data-testid="cannot-submit"' in page and 'data-testid="confirm-submit"' not in page
