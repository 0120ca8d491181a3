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
