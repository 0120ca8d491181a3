"""Property-based tests of the validators and of the quantity, money, date and period fields:
whatever is typed, validation answers with a message (never an exception), and what it accepts
fits the database columns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from assessments.forms.assessments import AssessmentForm, BaselineForm, CPOptionForm
from assessments.forms.savings import SavingsLineForm, SavingsReportForm
from assessments.models import MAX_YEAR, MIN_YEAR, QUANTITY_DIGITS, QUANTITY_PLACES, ResourceType, SavingsReport
from enterprises.validators import TAX_CODE_RE, is_valid_tax_code, validate_tax_code
from training.forms import CourseForm

from .strategies import HOSTILE, hostile_text, number_text, valid_tax_codes

BIGINT_MAX = 2**63 - 1
QUANTITY_LIMIT = Decimal(10) ** (QUANTITY_DIGITS - QUANTITY_PLACES)


# --- Tax codes --------------------------------------------------------------------------------


@HOSTILE
@given(value=st.one_of(hostile_text, st.text(alphabet="0123456789-", max_size=16), valid_tax_codes()))
def test_tax_code_validator_answers_every_text_with_a_message_or_acceptance(value):
    try:
        validate_tax_code(value)
    except ValidationError as exc:
        assert exc.messages and all(exc.messages)
        assert not is_valid_tax_code(value)
    else:
        assert is_valid_tax_code(value) and TAX_CODE_RE.fullmatch(value)


@HOSTILE
@given(code=valid_tax_codes(), position=st.integers(min_value=0, max_value=8), delta=st.integers(1, 9))
def test_changing_any_one_of_the_first_nine_digits_breaks_the_check_digit(code, position, delta):
    validate_tax_code(code)
    digits = list(code)
    digits[position] = str((int(digits[position]) + delta) % 10)
    with pytest.raises(ValidationError):
        validate_tax_code("".join(digits))


@HOSTILE
@given(code=valid_tax_codes(), suffix=st.sampled_from(["\n", " ", "-000", "-1", "-1234", "０", "\u0660"]))
def test_tax_code_with_anything_appended_is_refused(code, suffix):
    with pytest.raises(ValidationError):
        validate_tax_code(code.split("-")[0] + suffix)


# --- Quantities, money, dates and periods in the forms -----------------------------------------


def _fits_quantity(value: Decimal) -> bool:
    exponent = value.as_tuple().exponent
    return 0 <= value < QUANTITY_LIMIT and isinstance(exponent, int) and exponent >= -QUANTITY_PLACES


@pytest.mark.django_db
@HOSTILE
@given(quantity=number_text, vnd=number_text)
def test_savings_line_quantities_are_refused_with_a_message_or_fit_the_columns(enterprise_x, quantity, vnd):
    resource = ResourceType.objects.get(code="electricity")
    form = SavingsLineForm(
        data={"resource": resource.pk, "quantity": quantity, "vnd_saved": vnd, "option": ""}, enterprise=enterprise_x
    )
    if form.is_valid():
        assert _fits_quantity(form.cleaned_data["quantity"])
        assert 0 <= form.cleaned_data["vnd_saved"] <= BIGINT_MAX
    else:
        assert set(form.errors) <= {"quantity", "vnd_saved"} and all(form.errors.values())


@pytest.mark.django_db
@HOSTILE
@given(quantity=number_text, cost=number_text)
def test_baseline_quantities_are_refused_with_a_message_or_fit_the_columns(quantity, cost):
    resource = ResourceType.objects.get(code="water")
    form = BaselineForm(data={"resource": resource.pk, "quantity": quantity, "cost_vnd": cost})
    if form.is_valid():
        assert _fits_quantity(form.cleaned_data["quantity"])
        assert form.cleaned_data["cost_vnd"] is None or 0 <= form.cleaned_data["cost_vnd"] <= BIGINT_MAX
    else:
        assert set(form.errors) <= {"quantity", "cost_vnd"} and all(form.errors.values())


@pytest.mark.django_db
@HOSTILE
@given(investment=number_text, savings=number_text, saving=number_text, implemented_on=hostile_text)
def test_option_money_quantity_and_date_are_refused_with_a_message_or_fit(investment, savings, saving, implemented_on):
    resource = ResourceType.objects.get(code="electricity")
    data = {
        "category": "housekeeping",
        "description": "Sửa rò rỉ khí nén",
        "investment_vnd": investment,
        "expected_savings_vnd": savings,
        "screening": "implement_now",
        "status": "implemented",
        "implemented_on": implemented_on,
        "saving_resource_1": resource.pk,
        "saving_quantity_1": saving,
    }
    form = CPOptionForm(data=data)
    if form.is_valid():
        assert 0 <= form.cleaned_data["investment_vnd"] <= BIGINT_MAX
        assert 0 <= form.cleaned_data["expected_savings_vnd"] <= BIGINT_MAX
        assert _fits_quantity(form.expected_savings()[resource.pk])
        assert isinstance(form.cleaned_data["implemented_on"], dt.date | None)
    else:
        assert all(form.errors.values())


@pytest.mark.django_db
@HOSTILE
@given(
    year=st.one_of(number_text, st.integers().map(str)),
    period=st.one_of(hostile_text, st.sampled_from(["Y", "Q1", "Q4", "Q5", "y", "H1"])),
)
def test_savings_period_is_refused_with_a_message_or_is_a_past_period(enterprise_x, year, period):  # fmt: skip
    form = SavingsReportForm(data={"year": year, "period": period, "notes": ""}, enterprise=enterprise_x)
    if form.is_valid():
        assert 2000 <= form.cleaned_data["year"] <= dt.date.today().year
        assert form.cleaned_data["period"] in SavingsReport.Period.values
    else:
        assert set(form.errors) <= {"year", "period"} and all(form.errors.values())


@pytest.mark.django_db
@HOSTILE
@given(year=number_text, output=number_text, step=number_text)
def test_assessment_header_numbers_are_refused_with_a_message_or_fit(year, output, step):
    form = AssessmentForm(
        data={"year": year, "assessor_name": "A", "step": step, "baseline_output": output, "notes": ""}
    )
    if form.is_valid():
        assert MIN_YEAR <= form.cleaned_data["year"] <= MAX_YEAR
        value = form.cleaned_data["baseline_output"]
        assert value is None or _fits_quantity(value)
        assert 1 <= form.cleaned_data["step"] <= 6
    else:
        assert all(form.errors.values())


@pytest.mark.django_db
@HOSTILE
@given(start=hostile_text, end=hostile_text, hours=number_text, title=hostile_text)
def test_course_dates_and_hours_are_refused_with_a_message_or_are_ordered(district_a, start, end, hours, title):
    data = {
        "title": title,
        "kind": "officer",
        "start_date": start,
        "end_date": end,
        "hours": hours,
        "district": district_a.pk,
        "organiser": "Sở Công Thương",
        "venue": "",
        "topics": "",
    }
    form = CourseForm(data=data)
    if form.is_valid():
        assert form.cleaned_data["start_date"] <= form.cleaned_data["end_date"]
    else:
        assert all(form.errors.values())


@pytest.mark.django_db
@HOSTILE
@given(
    start=st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)), end=st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))
)
def test_course_with_real_dates_is_accepted_only_in_order(district_a, start, end):
    data = {
        "title": "Tập huấn SXSH",
        "kind": "officer",
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "hours": "8",
        "district": district_a.pk,
        "organiser": "Sở Công Thương",
        "venue": "",
        "topics": "",
    }
    form = CourseForm(data=data)
    if start > end:
        assert not form.is_valid()
    elif form.is_valid():
        assert (form.cleaned_data["start_date"], form.cleaned_data["end_date"]) == (start, end)
