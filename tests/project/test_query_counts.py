"""Every list page and every dashboard runs the same number of SQL queries whatever the amount
of data: measured for each role that may open the page with 3 rows of everything, then again
after growing to 12 rows of everything, and the counts must be equal. (The benchmarks in
``bench/web.py`` report the same counts on the city and national data sets.)"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from tests.factories import (
    ActionPlanFactory,
    AssessmentFactory,
    AttendanceFactory,
    BaselineConsumptionFactory,
    CourseFactory,
    CPOptionFactory,
    EnterpriseFactory,
    EnterpriseParticipationFactory,
    ReportJobFactory,
    SavingsLineFactory,
    SavingsReportFactory,
    TargetFactory,
    TrainingOfficerFactory,
    UserFactory,
    resource,
)

pytestmark = pytest.mark.django_db

SERIAL = itertools.count()
SMALL, LARGE = 3, 12

# page name -> (URL, query string, roles that open it)
PAGES = {
    "enterprises": ("enterprises:list", {}, ("doit_user", "officer_a", "staff_x")),
    "enterprises_search": ("enterprises:list", {"q": "thu nghiem", "size": "small"}, ("doit_user", "officer_a")),
    "assessments": ("assessments:list", {}, ("doit_user", "officer_a", "staff_x")),
    "savings": ("savings:list", {}, ("doit_user", "officer_a", "staff_x")),
    "training_officers": ("training:officers", {}, ("doit_user", "officer_a")),
    "training_courses": ("training:courses", {}, ("doit_user", "officer_a")),
    "training_coverage": ("training:coverage", {}, ("doit_user", "officer_a")),
    "reports": ("reporting:list", {}, ("doit_user", "officer_a")),
    "plans": ("reporting:plans", {}, ("doit_user",)),
    "users": ("accounts:users", {}, ("doit_user", "officer_a")),
}
DASHBOARD_ROLES = ("doit_user", "officer_a", "staff_x")
CASES = [(page, role) for page, (_url, _query, roles) in PAGES.items() for role in roles]


def grow(n: int, world) -> None:
    """n more rows of everything, in the officer's district (so their pages grow too), in the
    other district and for the enterprise account's own enterprise."""
    for _ in range(n):
        i = next(SERIAL)  # unique across tests: names, certificate numbers
        own_year = 2005 + next(world.years)  # the enterprise account's reports: one per year
        district = world.a if i % 2 == 0 else world.b
        enterprise = EnterpriseFactory(district=district)
        assessment = AssessmentFactory(enterprise=enterprise, year=2024, status="submitted" if i % 3 else "approved")
        BaselineConsumptionFactory(assessment=assessment, resource=resource("electricity"))
        option = CPOptionFactory(assessment=assessment, status="implemented", implemented_on=dt.date(2024, 3, 1))
        own = AssessmentFactory(enterprise=world.x, year=own_year, status="approved")
        BaselineConsumptionFactory(assessment=own, resource=resource("water"))
        for target, year in ((enterprise, 2024), (world.x, own_year)):
            report = SavingsReportFactory(
                enterprise=target, year=year, status="verified" if i % 2 else "submitted", created_by=world.staff
            )
            SavingsLineFactory(report=report, resource=resource("electricity"), option=option if year == 2024 else None)
            SavingsLineFactory(report=report, resource=resource("water"), quantity=10, vnd_saved=100_000)
        course = CourseFactory(start_date=dt.date(2020 + i % 5, 1 + i % 12, 1), district=district if i % 2 else None)
        officer = TrainingOfficerFactory(district=district)
        AttendanceFactory(officer=officer, course=course, certificate_number=f"QC-{i}")
        EnterpriseParticipationFactory(enterprise=enterprise, course=CourseFactory(kind="awareness", district=district))
        for requester in (world.doit, world.officer):
            # At most one unfinished job per report: each row's jobs are for a year of their own.
            ReportJobFactory(
                requester=requester, year=own_year, district=world.a if requester == world.officer else None
            )
        UserFactory(username=f"qc-staff-{i}", role=Role.ENTERPRISE, enterprise=enterprise)
        TargetFactory(plan=ActionPlanFactory(decision_number=f"{900 + i}/KH-UBND"), year=2024)


@pytest.fixture
def world(district_a, district_b, doit_user, officer_a, staff_x, enterprise_x):
    from types import SimpleNamespace

    return SimpleNamespace(
        a=district_a,
        b=district_b,
        doit=doit_user,
        officer=officer_a,
        staff=staff_x,
        x=enterprise_x,
        years=itertools.count(),
    )


def count(client, url: str, query: dict, *, cold: bool = False) -> int:
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, query)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("page", "role"), CASES)
def test_list_page_query_count_is_constant(request, login, world, page, role):
    name, query, _roles = PAGES[page]
    url = reverse(name)
    client = login(request.getfixturevalue(role))
    grow(SMALL, world)
    client.get(url, query)  # the first request of a session stamps it
    small = count(client, url, query)
    grow(LARGE - SMALL, world)
    assert count(client, url, query) == small, page


@pytest.mark.parametrize("role", DASHBOARD_ROLES)
def test_dashboard_query_count_is_constant_cold_and_warm(request, login, world, role):
    client = login(request.getfixturevalue(role))
    query = {"year": 2024}
    grow(SMALL, world)
    client.get("/", query)
    small_cold = count(client, "/", query, cold=True)
    small_warm = count(client, "/", query)
    grow(LARGE - SMALL, world)
    assert count(client, "/", query, cold=True) == small_cold
    assert count(client, "/", query) == small_warm
    if role != "staff_x":  # the city and district figures are cached; the enterprise overview is small
        assert small_warm < small_cold
