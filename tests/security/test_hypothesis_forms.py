"""Property-based tests through the views: hostile quantities, money, years, periods, tax codes
and text posted to the savings, assessment and enterprise forms. The answer is never a server
error; a refused post says why on the page and writes nothing; an accepted one stores exactly
what was typed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import example, given
from hypothesis import strategies as st

from assessments.models import Assessment, BaselineConsumption, CPOption, ResourceType, SavingsLine, SavingsReport
from enterprises.models import Enterprise
from tests.assessments.assessment_forms import full_post, option
from tests.factories import AssessmentFactory, next_tax_code

from .strategies import THROUGH_VIEWS, hostile_text, number_text, rolled_back, valid_tax_codes

pytestmark = pytest.mark.django_db


def _savings_counts() -> tuple[int, int]:
    return SavingsReport.objects.count(), SavingsLine.objects.count()


def _has_error_message(response) -> bool:
    html = response.content.decode()
    return "invalid-feedback" in html or "alert-danger" in html or "errorlist" in html


@THROUGH_VIEWS
@given(
    quantity=number_text,
    vnd=number_text,
    year=st.one_of(number_text, st.sampled_from(["2023", "2024"])),
    period=st.one_of(st.sampled_from(["Y", "Q1", "Q3"]), hostile_text),
    notes=hostile_text,
)
@example(quantity="1E999999999", vnd="9" * 25, year="2023", period="Y", notes="")
@example(quantity="12.5", vnd="1000", year="2023", period="Q2", notes="<script>alert(1)</script>")
def test_savings_form_answers_any_numbers_without_a_server_error(login, staff_x, quantity, vnd, year, period, notes):  # fmt: skip
    client = login(staff_x, language="en")
    electricity = ResourceType.objects.get(code="electricity")
    data = {
        "year": year,
        "period": period,
        "notes": notes,
        "lines-TOTAL_FORMS": 1,
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 1000,
        "lines-0-resource": electricity.pk,
        "lines-0-quantity": quantity,
        "lines-0-vnd_saved": vnd,
        "lines-0-option": "",
    }
    with rolled_back():
        before = _savings_counts()
        response = client.post(reverse("savings:create"), data)
        assert response.status_code in (200, 302, 400)
        if response.status_code == 302:
            report = SavingsReport.objects.get(enterprise=staff_x.enterprise)
            line = report.lines.get()
            assert line.quantity == Decimal(quantity.strip()) and report.notes == notes.replace("\r\n", "\n").strip()
        else:
            assert _has_error_message(response)
            assert _savings_counts() == before


def _assessment_rows() -> tuple[int, int, int]:
    return Assessment.objects.count(), BaselineConsumption.objects.count(), CPOption.objects.count()


@THROUGH_VIEWS
@given(
    quantity=number_text,
    cost=number_text,
    investment=number_text,
    saving=number_text,
    description=hostile_text,
    year=st.one_of(number_text, st.just("2023")),
    implemented_on=hostile_text,
)
@example(
    quantity="1e3",
    cost="-1",
    investment="99999999999999999999",
    saving="NaN",
    description="x",
    year="2023",
    implemented_on="2023-02-30",
)
def test_assessment_form_answers_any_numbers_without_a_server_error(login, officer_a, enterprise_x, quantity, cost,
                                                                    investment, saving, description, year,
                                                                    implemented_on):  # fmt: skip
    client = login(officer_a, language="en")
    with rolled_back():
        assessment = AssessmentFactory(enterprise=enterprise_x, year=2023, status="draft")
        before = _assessment_rows()
        version = assessment.version
        electricity = ResourceType.objects.get(code="electricity")
        data = full_post(
            assessment,
            year=year,
            baseline=[{"resource": electricity.pk, "quantity": quantity, "cost_vnd": cost}],
            options=[
                option(
                    description=description,
                    investment_vnd=investment,
                    status="implemented",
                    implemented_on=implemented_on,
                    saving_resource_1=electricity.pk,
                    saving_quantity_1=saving,
                )
            ],
        )
        response = client.post(reverse("assessments:edit", args=[assessment.pk]), data)
        assert response.status_code in (200, 302, 400, 409)
        assessment.refresh_from_db()
        if response.status_code == 302:
            assert assessment.version > version
            assert assessment.baseline_lines.get().quantity == Decimal(quantity.strip())
        else:
            assert _has_error_message(response)
            assert _assessment_rows() == before and assessment.version == version


@THROUGH_VIEWS
@given(
    tax_code=st.one_of(hostile_text, st.text(alphabet="0123456789-", max_size=15), valid_tax_codes()),
    name=hostile_text,
    address=hostile_text,
    employees=number_text,
)
def test_enterprise_form_answers_any_tax_code_and_text_without_a_server_error(login, officer_a, tax_code, name,
                                                                             address, employees):  # fmt: skip
    from enterprises.models import Sector

    client = login(officer_a, language="en")
    data = {
        "tax_code": tax_code,
        "name": name,
        "district": officer_a.district_id,
        "sector": Sector.objects.filter(parent=None).order_by("code").first().pk,
        "address": address,
        "ownership": "private",
        "size": "small",
        "employees": employees,
        "active": "on",
    }
    with rolled_back():
        before = Enterprise.objects.count()
        response = client.post(reverse("enterprises:create"), data)
        assert response.status_code in (200, 302, 400)  # 400: a NUL character anywhere
        if response.status_code == 302:
            created = Enterprise.objects.get(tax_code=tax_code.strip())
            assert created.name == name.strip()
        else:
            assert _has_error_message(response)
            assert Enterprise.objects.count() == before


def test_a_valid_enterprise_post_is_stored_as_typed(login, officer_a):
    """The property above also accepts; this pins that acceptance really happens."""
    from enterprises.models import Sector

    code = next_tax_code()
    data = {
        "tax_code": code,
        "name": '"><img src=x onerror=alert(1)>',
        "district": officer_a.district_id,
        "sector": Sector.objects.filter(parent=None).first().pk,
        "address": '=HYPERLINK("http://x")',
        "ownership": "private",
        "size": "small",
        "employees": "12",
        "active": "on",
    }
    response = login(officer_a, language="en").post(reverse("enterprises:create"), data)
    assert response.status_code == 302
    stored = Enterprise.objects.get(tax_code=code)
    assert (stored.name, stored.address) == (data["name"], data["address"])
