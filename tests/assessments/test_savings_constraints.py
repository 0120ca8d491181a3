"""Database invariants behind the savings forms: one report per enterprise and period,
quantities and amounts ≥ 0, valid periods and statuses."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from assessments.models import SavingsLine, SavingsReport
from assessments.services import savings as services
from tests.factories import SavingsLineFactory, SavingsReportFactory, resource

pytestmark = pytest.mark.django_db


def integrity_error(fn) -> str:
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        fn()
    return str(info.value)


def test_one_report_per_enterprise_and_period(enterprise_x):
    SavingsReportFactory(enterprise=enterprise_x, year=2023, period="Q1")
    message = integrity_error(lambda: SavingsReport.objects.create(enterprise=enterprise_x, year=2023, period="Q1"))
    assert "savings_report_unique_period" in message
    # other periods and years are separate reports
    SavingsReport.objects.create(enterprise=enterprise_x, year=2023, period="Q2")
    SavingsReport.objects.create(enterprise=enterprise_x, year=2022, period="Q1")


def test_the_service_turns_the_constraint_into_a_friendly_field_error(enterprise_x, staff_x):
    SavingsReportFactory(enterprise=enterprise_x, year=2023, period="Y")
    with pytest.raises(ValidationError) as info:
        services.savings_report_create(by=staff_x, enterprise=enterprise_x, year=2023, period="Y")
    assert info.value.message_dict["period"][0] == services.duplicate_period_message()
    assert SavingsReport.objects.count() == 1


def test_the_service_catches_a_race_lost_at_insert(enterprise_x, staff_x, monkeypatch):
    """Two requests pass the friendly check at the same time: the constraint decides, and the
    loser still gets the friendly message rather than a server error."""
    SavingsReportFactory(enterprise=enterprise_x, year=2023, period="Y")
    monkeypatch.setattr(services, "_period_taken", lambda *args, **kwargs: False)
    with pytest.raises(ValidationError) as info:
        services.savings_report_create(by=staff_x, enterprise=enterprise_x, year=2023, period="Y")
    assert "period" in info.value.message_dict


@pytest.mark.parametrize(("field", "value"), [("quantity", -1), ("vnd_saved", -1)])
def test_line_amounts_are_never_negative(enterprise_x, field, value):
    report = SavingsReportFactory(enterprise=enterprise_x)
    values = {"quantity": 1, "vnd_saved": 0, field: value}
    message = integrity_error(
        lambda: SavingsLine.objects.create(report=report, resource=resource("electricity"), **values)
    )
    assert f"savings_line_{'quantity' if field == 'quantity' else 'vnd'}_non_negative" in message


def test_zero_is_a_valid_quantity(enterprise_x):
    SavingsLineFactory(report=SavingsReportFactory(enterprise=enterprise_x), quantity=0, vnd_saved=0)


@pytest.mark.parametrize(
    ("field", "value", "constraint"),
    [
        ("period", "Q5", "savings_report_period_valid"),
        ("status", "approved", "savings_report_status_valid"),
        ("year", 1800, "savings_report_year_range"),
    ],
)
def test_report_fields_are_checked_by_the_database(enterprise_x, field, value, constraint):
    values = {"year": 2023, "period": "Y", "status": "draft", field: value}
    assert constraint in integrity_error(lambda: SavingsReport.objects.create(enterprise=enterprise_x, **values))


def test_line_of_a_foreign_option_is_refused_by_the_service(enterprise_x, enterprise_y, staff_x):
    from tests.factories import AssessmentFactory, CPOptionFactory

    foreign = CPOptionFactory(assessment=AssessmentFactory(enterprise=enterprise_y))
    line = services.LineInput(resource=resource("electricity"), quantity=1, vnd_saved=0, option=foreign)
    with pytest.raises(ValidationError):
        services.savings_report_create(by=staff_x, enterprise=enterprise_x, year=2023, period="Y", lines=[line])
    assert not SavingsReport.objects.exists()


def test_staff_cannot_create_for_another_enterprise(enterprise_y, staff_x):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.savings_report_create(by=staff_x, enterprise=enterprise_y, year=2023, period="Y")
