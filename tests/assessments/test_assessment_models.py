"""Database invariants, scoping querysets and model helpers of the assessments app."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from assessments.models import (
    Assessment,
    BaselineConsumption,
    CPOption,
    Evidence,
    OptionExpectedSaving,
    ResourceFactor,
    ResourceType,
    ReviewEvent,
    SavingsLine,
    SavingsReport,
    evidence_upload_to,
)
from tests.factories import (
    AssessmentFactory,
    BaselineConsumptionFactory,
    CPOptionFactory,
    SavingsLineFactory,
    SavingsReportFactory,
)

pytestmark = pytest.mark.django_db


def res(code: str) -> ResourceType:
    return ResourceType.objects.get(code=code)


def refused(make) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_quantity_and_vnd_constraints(enterprise_x):
    a = AssessmentFactory(enterprise=enterprise_x)
    refused(lambda: BaselineConsumption.objects.create(assessment=a, resource=res("water"), quantity=-1))
    refused(lambda: BaselineConsumption.objects.create(assessment=a, resource=res("water"), quantity=1, cost_vnd=-1))
    BaselineConsumption.objects.create(assessment=a, resource=res("water"), quantity=1)
    refused(lambda: BaselineConsumption.objects.create(assessment=a, resource=res("water"), quantity=2))  # unique
    refused(lambda: CPOptionFactory(assessment=a, investment_vnd=-1))
    refused(lambda: CPOptionFactory(assessment=a, expected_savings_vnd=-1))
    option = CPOptionFactory(assessment=a)
    refused(lambda: OptionExpectedSaving.objects.create(option=option, resource=res("water"), quantity=-1))
    report = SavingsReportFactory(enterprise=enterprise_x)
    refused(lambda: SavingsLineFactory(report=report, quantity=Decimal("-0.001")))
    refused(lambda: SavingsLineFactory(report=report, vnd_saved=-1))


@pytest.mark.parametrize("year", [1989, 2101])
def test_year_range_constraints(enterprise_x, year):
    refused(lambda: AssessmentFactory(enterprise=enterprise_x, year=year))
    refused(lambda: SavingsReportFactory(enterprise=enterprise_x, year=year))
    refused(lambda: ResourceFactor.objects.create(resource=res("biomass"), valid_from_year=year, source="x"))


def test_step_status_and_period_constraints(enterprise_x):
    refused(lambda: AssessmentFactory(enterprise=enterprise_x, step=7))
    refused(lambda: AssessmentFactory(enterprise=enterprise_x, status="closed"))
    refused(lambda: SavingsReportFactory(enterprise=enterprise_x, period="H1"))


def test_one_savings_report_per_enterprise_and_period(enterprise_x):
    SavingsReportFactory(enterprise=enterprise_x, year=2023, period="Q1")
    refused(lambda: SavingsReportFactory(enterprise=enterprise_x, year=2023, period="Q1"))
    SavingsReportFactory(enterprise=enterprise_x, year=2023, period="Q2")


def test_factor_unique_per_resource_and_year():
    refused(lambda: ResourceFactor.objects.create(resource=res("electricity"), valid_from_year=2022, source="x"))
    refused(
        lambda: ResourceFactor.objects.create(
            resource=res("biomass"), valid_from_year=2022, toe_per_unit=Decimal(-1), source="x"
        )
    )


def test_implementation_date_only_on_implemented_options(enterprise_x):
    a = AssessmentFactory(enterprise=enterprise_x)
    refused(lambda: CPOptionFactory(assessment=a, status="feasible", implemented_on="2023-01-01"))
    CPOptionFactory(assessment=a, status="implemented", implemented_on="2023-01-01")


def test_review_event_has_exactly_one_subject(enterprise_x):
    a = AssessmentFactory(enterprise=enterprise_x)
    r = SavingsReportFactory(enterprise=enterprise_x)
    refused(lambda: ReviewEvent.objects.create(from_status="draft", to_status="submitted"))
    refused(lambda: ReviewEvent.objects.create(assessment=a, savings_report=r, from_status="a", to_status="b"))
    event = ReviewEvent.objects.create(savings_report=r, from_status="submitted", to_status="verified")
    assert event.to_label == str(SavingsReport.Status.VERIFIED.label)


@pytest.mark.parametrize(
    ("investment", "savings", "payback"),
    [(100_000_000, 40_000_000, Decimal("2.5")), (0, 5_000_000, Decimal("0.0")), (10, 0, None), (1, 3, Decimal("0.3"))],
)
def test_payback_years(investment, savings, payback):
    assert CPOption(investment_vnd=investment, expected_savings_vnd=savings).payback_years == payback


def test_evidence_path_never_uses_the_users_file_name():
    evidence = Evidence(report_id=42, content_type="application/pdf")
    path = evidence_upload_to(evidence, "../../etc/hoá đơn điện tháng 5.exe")
    assert re.fullmatch(r"evidence/42/[0-9a-f]{32}\.pdf", path)
    assert re.fullmatch(
        r"evidence/42/[0-9a-f]{32}\.png", evidence_upload_to(Evidence(report_id=42, content_type="image/png"), "x.jpg")
    )
    assert re.fullmatch(r"evidence/7/[0-9a-f]{32}\.bin", evidence_upload_to(Evidence(report_id=7), "a.b/c.t?x"))


def test_visible_to_scopes(doit_user, officer_a, officer_b, staff_x, staff_y, enterprise_x, enterprise_y):
    a_x = AssessmentFactory(enterprise=enterprise_x)
    a_y = AssessmentFactory(enterprise=enterprise_y)
    o_x, o_y = CPOptionFactory(assessment=a_x), CPOptionFactory(assessment=a_y)
    r_x, r_y = SavingsReportFactory(enterprise=enterprise_x), SavingsReportFactory(enterprise=enterprise_y)
    l_x, l_y = SavingsLineFactory(report=r_x), SavingsLineFactory(report=r_y)
    cases = {doit_user: "xy", officer_a: "x", officer_b: "y", staff_x: "x", staff_y: "y"}
    for user, scope in cases.items():
        for model, x, y in [
            (Assessment, a_x, a_y),
            (CPOption, o_x, o_y),
            (SavingsReport, r_x, r_y),
            (SavingsLine, l_x, l_y),
        ]:
            expected = {obj for key, obj in (("x", x), ("y", y)) if key in scope}
            assert set(model.objects.visible_to(user)) == expected, (user, model)


def test_inactive_or_roleless_users_see_nothing(officer_a, enterprise_x):
    AssessmentFactory(enterprise=enterprise_x)
    officer_a.is_active = False
    assert not Assessment.objects.visible_to(officer_a).exists()


def test_history_is_kept_for_assessments_options_and_savings(enterprise_x):
    a = AssessmentFactory(enterprise=enterprise_x)
    a.notes = "changed"
    a.save()
    BaselineConsumptionFactory(assessment=a)
    o = CPOptionFactory(assessment=a)
    line = SavingsLineFactory(report=SavingsReportFactory(enterprise=enterprise_x))
    assert a.history.count() == 2
    assert o.history.count() == 1 and line.history.count() == 1 and line.report.history.count() == 1
