"""A crafted data set for the reporting tests (year 2024; districts A = Đống Đa, B = Đông Anh,
C = Ba Đình with no enterprise). Every figure is recomputed independently in ``expected.py``."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from enterprises.models import District, Sector
from tests.factories import (
    AssessmentFactory,
    AttendanceFactory,
    BaselineConsumptionFactory,
    CourseFactory,
    CPOptionFactory,
    EnterpriseFactory,
    EnterpriseParticipationFactory,
    SavingsLineFactory,
    SavingsReportFactory,
    TrainingOfficerFactory,
    resource,
)

YEAR = 2024
D = dt.date


@pytest.fixture(autouse=True)
def national_targets(request):
    """The indicators and plans come from data migrations; a flushed database gets them back here."""
    if (
        "db" in request.fixturenames
        or "transactional_db" in request.fixturenames
        or request.node.get_closest_marker("django_db")
    ):
        from django.apps import apps

        from reporting.models import ActionPlan
        from reporting.reference import DECISION_1419, load_reference

        request.getfixturevalue("transactional_db" if "transactional_db" in request.fixturenames else "db")
        if not ActionPlan.objects.filter(decision_number=DECISION_1419).exists():
            load_reference(apps.get_model)


@pytest.fixture
def district_c(db) -> District:
    return District.objects.get(code="001")


def _option(assessment, category, status="implemented", on=None, investment=0, expected=0):
    return CPOptionFactory(
        assessment=assessment,
        category=category,
        status=status,
        implemented_on=on,
        investment_vnd=investment,
        expected_savings_vnd=expected,
    )


def _lines(report, *rows):
    for code, quantity, vnd, *option in rows:
        SavingsLineFactory(
            report=report,
            resource=resource(code),
            quantity=quantity,
            vnd_saved=vnd,
            option=option[0] if option else None,
        )
    return report


@pytest.fixture
def world(district_a, district_b, district_c, enterprise_x, enterprise_y):
    plastics = Sector.objects.get(code="22")
    a2 = EnterpriseFactory(name="Công ty Nhựa Đống Đa", district=district_a, sector=plastics)
    a3 = EnterpriseFactory(name="Xưởng cũ Đống Đa", district=district_a, active=False)
    b2 = EnterpriseFactory(name="Công ty Bao bì Đông Anh", district=district_b, sector=plastics)

    # Assessments: only approved ones count.
    ax = AssessmentFactory(enterprise=enterprise_x, year=2024, status="approved")
    BaselineConsumptionFactory(assessment=ax, resource=resource("electricity"), quantity=200_000, cost_vnd=380_000_000)
    BaselineConsumptionFactory(assessment=ax, resource=resource("diesel_do"), quantity=20_000, cost_vnd=400_000_000)
    BaselineConsumptionFactory(assessment=ax, resource=resource("water"), quantity=10_000, cost_vnd=120_000_000)
    ax_old = AssessmentFactory(enterprise=enterprise_x, year=2021, status="approved")
    BaselineConsumptionFactory(assessment=ax_old, resource=resource("electricity"), quantity=999_999)
    ay = AssessmentFactory(enterprise=enterprise_y, year=2023, status="approved")
    BaselineConsumptionFactory(assessment=ay, resource=resource("electricity"), quantity=50_000, cost_vnd=95_000_000)
    a2_submitted = AssessmentFactory(enterprise=a2, year=2024, status="submitted")
    AssessmentFactory(enterprise=b2, year=2025, status="approved")  # after the year
    AssessmentFactory(enterprise=a3, year=2024, status="approved")  # an inactive enterprise's

    # Options.
    o1 = _option(ax, "housekeeping", on=D(2024, 5, 1), investment=50_000_000, expected=25_000_000)  # 2 years
    o2 = _option(ax, "technology", on=D(2024, 8, 1), investment=600_000_000, expected=100_000_000)  # 6 years
    _option(ax, "equipment", status="proposed", investment=80_000_000, expected=40_000_000)
    _option(ax, "housekeeping", on=D(2024, 2, 2), investment=40_000_000, expected=10_000_000)  # 4 years
    _option(ay, "housekeeping", on=D(2023, 6, 1), investment=10_000_000, expected=10_000_000)  # in 2023
    o5 = _option(ay, "recovery", on=D(2024, 3, 1), investment=90_000_000, expected=30_000_000)  # 3 years
    _option(ay, "housekeeping", on=D(2024, 10, 1), investment=30_000_000, expected=0)  # no payback
    _option(a2_submitted, "housekeeping", on=D(2024, 1, 1), investment=1_000_000, expected=1_000_000)

    # Savings reports: only verified ones count.
    _lines(
        SavingsReportFactory(enterprise=enterprise_x, year=2024, period="Y", status="verified"),
        ("electricity", 20_000, 38_000_000, o1),
        ("diesel_do", 2_000, 44_000_000, o2),
        ("water", 1_000, 12_000_000),
    )
    _lines(
        SavingsReportFactory(enterprise=enterprise_y, year=2024, period="Q1", status="verified"),
        ("electricity", "5000.5", 9_500_000, o5),
    )
    _lines(
        SavingsReportFactory(enterprise=enterprise_y, year=2024, period="Q2", status="submitted"),
        ("electricity", 4_000, 7_600_000),
    )
    _lines(
        SavingsReportFactory(enterprise=b2, year=2024, period="Y", status="verified"),
        ("biomass", "12.5", 15_000_000),
        ("lpg", 300, 7_500_000),
    )
    _lines(
        SavingsReportFactory(enterprise=enterprise_x, year=2023, period="Y", status="verified"),
        ("electricity", 15_000, 28_500_000),
    )
    _lines(
        SavingsReportFactory(enterprise=enterprise_x, year=2022, period="Y", status="verified"),
        ("coal_3_4", 10, 35_000_000),
    )
    _lines(SavingsReportFactory(enterprise=a2, year=2024, period="Y", status="returned"), ("water", 50, 600_000))

    # Training.
    awareness = CourseFactory(kind="awareness", start_date=D(2024, 4, 9), end_date=D(2024, 4, 10))
    EnterpriseParticipationFactory(enterprise=a2, course=awareness)
    EnterpriseParticipationFactory(enterprise=b2, course=awareness)
    late_awareness = CourseFactory(kind="awareness", start_date=D(2025, 2, 1))
    EnterpriseParticipationFactory(enterprise=a3, course=late_awareness)
    officer_course = CourseFactory(kind="officer", start_date=D(2024, 6, 14), end_date=D(2024, 6, 15))
    oa1 = TrainingOfficerFactory(district=district_a)
    oa2 = TrainingOfficerFactory(district=district_a)
    ob1 = TrainingOfficerFactory(district=district_b)
    AttendanceFactory(officer=oa1, course=officer_course, passed=True)
    AttendanceFactory(officer=oa2, course=officer_course, passed=True)
    AttendanceFactory(officer=ob1, course=officer_course, passed=False)
    workshop = CourseFactory(kind="workshop", start_date=D(2024, 9, 1), district=district_b)
    EnterpriseParticipationFactory(enterprise=enterprise_y, course=workshop)
    ob2 = TrainingOfficerFactory(district=district_b)
    AttendanceFactory(officer=ob2, course=CourseFactory(kind="officer", start_date=D(2022, 5, 1)), passed=True)
    oa3 = TrainingOfficerFactory(district=district_a, tenure_start=D(2025, 1, 1))
    AttendanceFactory(officer=oa3, course=CourseFactory(kind="officer", start_date=D(2025, 3, 1)), passed=True)
    return SimpleNamespace(
        year=YEAR, a=district_a, b=district_b, c=district_c, x=enterprise_x, y=enterprise_y, a2=a2, a3=a3, b2=b2
    )


@pytest.fixture(autouse=True)
def private_storage(settings, tmp_path):
    """Built reports go to a throw-away private folder."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    return tmp_path / "private"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Factory users hash their password; a fast hasher keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
