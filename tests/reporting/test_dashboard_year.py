import pytest
from django.utils import timezone

from assessments.models import SavingsReport
from tests.factories import SavingsReportFactory

pytestmark = pytest.mark.django_db


def test_dashboard_opens_on_the_latest_year_with_verified_savings(login, doit_user, enterprise_x):
    last_year = timezone.localdate().year - 1
    SavingsReportFactory(enterprise=enterprise_x, year=last_year - 1, status=SavingsReport.Status.VERIFIED)
    SavingsReportFactory(enterprise=enterprise_x, year=last_year, status=SavingsReport.Status.SUBMITTED)
    response = login(doit_user).get("/")
    assert response.context["year"] == last_year - 1


def test_dashboard_year_asked_for_wins(login, doit_user, enterprise_x):
    this_year = timezone.localdate().year
    SavingsReportFactory(enterprise=enterprise_x, year=this_year - 2, status=SavingsReport.Status.VERIFIED)
    assert login(doit_user).get("/", {"year": this_year}).context["year"] == this_year


def test_dashboard_without_verified_savings_opens_on_this_year(login, doit_user):
    assert login(doit_user).get("/").context["year"] == timezone.localdate().year


def test_a_report_verified_during_the_year_does_not_move_the_dashboard_to_it(login, doit_user, enterprise_x):
    """A first quarter verified in the current year: the dashboard stays on the last ended year,
    whose figure is complete, instead of jumping to a year that has hardly begun."""
    this_year = timezone.localdate().year
    SavingsReportFactory(enterprise=enterprise_x, year=this_year - 2, status=SavingsReport.Status.VERIFIED)
    SavingsReportFactory(enterprise=enterprise_x, year=this_year, period="Q1", status=SavingsReport.Status.VERIFIED)
    assert login(doit_user).get("/").context["year"] == this_year - 2


def test_the_current_year_is_the_default_while_no_ended_year_has_verified_savings(login, doit_user, enterprise_x):
    this_year = timezone.localdate().year
    SavingsReportFactory(enterprise=enterprise_x, year=this_year, period="Q1", status=SavingsReport.Status.VERIFIED)
    assert login(doit_user).get("/").context["year"] == this_year


def test_every_dashboard_opens_on_the_same_year(login, doit_user, officer_a, staff_x, enterprise_x, enterprise_y):
    """DOIT, the officer and the enterprise open on one year, chosen by one rule; an enterprise
    without verified savings of its own in that year still opens on it (and can choose another)."""
    this_year = timezone.localdate().year
    SavingsReportFactory(enterprise=enterprise_y, year=this_year - 1, status=SavingsReport.Status.VERIFIED)
    SavingsReportFactory(enterprise=enterprise_x, year=this_year - 3, status=SavingsReport.Status.VERIFIED)
    SavingsReportFactory(enterprise=enterprise_x, year=this_year, period="Q1", status=SavingsReport.Status.VERIFIED)
    years = {user.role: login(user).get("/").context["year"] for user in (doit_user, officer_a, staff_x)}
    assert set(years.values()) == {this_year - 1}, years
