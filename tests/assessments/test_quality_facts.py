"""The facts the quality rules read from the database: latest assessment's baseline, the
previous year's verified savings, the enterprise's other periods."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from assessments.models import SavingsReport
from assessments.services.savings import report_facts, review_report
from tests.factories import (
    AssessmentFactory,
    BaselineConsumptionFactory,
    SavingsLineFactory,
    SavingsReportFactory,
    resource,
)

pytestmark = pytest.mark.django_db
S = SavingsReport.Status
TODAY = datetime.date(2025, 6, 1)


def test_baseline_comes_from_the_latest_assessment_up_to_the_report_year(enterprise_x):
    BaselineConsumptionFactory(assessment=AssessmentFactory(enterprise=enterprise_x, year=2019), quantity=1)
    BaselineConsumptionFactory(assessment=AssessmentFactory(enterprise=enterprise_x, year=2022), quantity=500)
    BaselineConsumptionFactory(assessment=AssessmentFactory(enterprise=enterprise_x, year=2024), quantity=9)
    report = SavingsReportFactory(enterprise=enterprise_x, year=2023)
    facts = report_facts(report, today=TODAY)
    assert facts.baseline["electricity"].quantity == Decimal("500")
    assert facts.baseline["electricity"].assessment_year == 2022


def test_previous_year_counts_only_verified_savings(enterprise_x, enterprise_y):
    verified = SavingsReportFactory(enterprise=enterprise_x, year=2022, period="Q1", status=S.VERIFIED)
    SavingsLineFactory(report=verified, quantity=100)
    SavingsLineFactory(report=verified, quantity=50)
    other_q = SavingsReportFactory(enterprise=enterprise_x, year=2022, period="Q2", status=S.VERIFIED)
    SavingsLineFactory(report=other_q, quantity=25)
    SavingsLineFactory(report=SavingsReportFactory(enterprise=enterprise_x, year=2022, period="Q3", status=S.SUBMITTED))
    SavingsLineFactory(report=SavingsReportFactory(enterprise=enterprise_y, year=2022, status=S.VERIFIED))
    report = SavingsReportFactory(enterprise=enterprise_x, year=2023)
    assert report_facts(report, today=TODAY).previous_year_verified == {"electricity": Decimal("175")}


def test_other_periods_exclude_the_report_itself(enterprise_x):
    SavingsReportFactory(enterprise=enterprise_x, year=2023, period="Q1")
    SavingsReportFactory(enterprise=enterprise_x, year=2021, period="Y")
    report = SavingsReportFactory(enterprise=enterprise_x, year=2023, period="Q2")
    assert list(report_facts(report, today=TODAY).other_periods) == [(2023, "Q1")]


def test_review_maps_findings_to_line_ids(enterprise_x):
    assessment = AssessmentFactory(enterprise=enterprise_x, year=2022)
    BaselineConsumptionFactory(assessment=assessment, quantity=1000, cost_vnd=2_000_000)
    report = SavingsReportFactory(enterprise=enterprise_x, year=2023)
    ok = SavingsLineFactory(report=report, resource=resource("water"), quantity=5, vnd_saved=0)
    big = SavingsLineFactory(report=report, quantity=2000, vnd_saved=4_000_000)
    review = review_report(report, today=TODAY)
    assert review.warnings == []
    errors = review.by_line("error")
    assert [f.code for f in errors[big.pk]] == ["exceeds_baseline"]
    assert ok.pk not in errors
