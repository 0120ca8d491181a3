"""A locked year keeps its data calls' completeness and timeliness as they stood when it was locked:
reports submitted or verified afterwards (written by hand: the services refuse a locked year) and
enterprises that join the expected set later change the live figures, not the closed year's
report, its Excel sheet or the dashboards. A year locked before the figures were stored reads them
live, as before."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone, translation

from assessments.models import ReviewEvent, SavingsReport
from reporting import dashboard, indicators, services, snapshots
from reporting.builders.xlsx import build_xlsx
from reporting.indicators.calls import call_figures
from reporting.models import YearSnapshot
from reporting.report_data import gather
from tests.factories import DataCallFactory, EnterpriseFactory
from tests.reporting.test_dashboard_prepared import with_a_worker
from tests.reporting.test_snapshot_upgrade import as_version_3

from .test_data_calls import DUE, implemented, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

YEAR = 2025
SHEET = "Yêu cầu báo cáo số liệu"


def lock(by) -> None:
    services.year_lock(year=YEAR, by=by)
    assert services.year_snapshot_ensure(year=YEAR)


def by_hand(enterprise, status: str, on: dt.date) -> None:
    """A report of the locked year moved to ``status`` after the due date, written directly."""
    report = SavingsReport.objects.get(enterprise=enterprise, year=YEAR, period="Y")
    if status == "submitted":
        at = timezone.make_aware(dt.datetime.combine(on, dt.time(9, 0)))
        ReviewEvent.objects.create(savings_report=report, from_status=report.status, to_status="submitted", at=at)
    SavingsReport.objects.filter(pk=report.pk).update(status=status)


def later_work(world, district_a) -> None:  # noqa: F811
    by_hand(world["a"][2], "submitted", dt.date(2026, 5, 4))  # a draft, submitted late
    by_hand(world["a"][3], "submitted", dt.date(2026, 5, 5))  # a returned report, sent again
    by_hand(world["a"][1], "verified", dt.date(2026, 5, 6))  # a late report verified
    implemented(EnterpriseFactory(district=district_a))  # a newcomer the call now expects


def dashboard_page(client) -> str:
    """The dashboard of the year once a worker has computed its figures."""
    with with_a_worker() as (refresh, _fill):
        client.get(reverse("dashboard"), {"year": YEAR})
    if refresh.called:
        dashboard.refresh_dashboard(*refresh.call_args.args)
    response = client.get(reverse("dashboard"), {"year": YEAR})
    assert "pending" not in response.context
    return response.content.decode()


def totals(calls) -> list[tuple[int, int, int]]:
    return [(f.total.expected, f.total.received, f.total.on_time) for f in calls]


def call_sheet() -> list[tuple]:
    with translation.override("vi"):
        buffer = io.BytesIO()
        build_xlsx(gather(YEAR, None), buffer)
    return list(openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))[SHEET].iter_rows(values_only=True))


@pytest.fixture(autouse=True)
def vietnamese():
    """The portal's language, whatever an earlier test left active."""
    with translation.override("vi"):
        yield


def test_a_locked_years_call_figures_stay_as_they_were(
    world,  # noqa: F811
    doit_user,
    officer_a,
    login,
    commune_a,
    district_a,
):
    # One lock for the whole story: storing a year of 126 communes takes a while.
    call = DataCallFactory(scope="implemented", due_date=DUE, year=YEAR)
    lock(doit_user)
    city, commune = gather(YEAR, None).calls, gather(YEAR, commune_a).calls
    sheet = call_sheet()
    assert totals(city) == [(8, 3, 2)] and totals(commune) == [(5, 2, 1)]

    later_work(world, district_a)
    live = call_figures(call)
    # The returned report had first been sent on time: on time once received again.
    assert (live.total.expected, live.total.received, live.total.on_time) == (9, 5, 3)  # it would have moved

    assert gather(YEAR, None).calls == city
    assert gather(YEAR, commune_a).calls == commune
    assert call_sheet() == sheet
    dashboard.bump_generation()  # whatever the signals did: the dashboards are computed again
    page = dashboard_page(login(doit_user))
    assert "3 / 8" in page and "37,5" in page
    page = dashboard_page(login(officer_a))
    assert "2 / 5" in page and "40,0" in page

    # Stored in the report's language, named in the reader's.
    with translation.override("en"):
        [figures] = gather(YEAR, None).calls
        assert figures.total.name == "Hanoi city" and figures.call.get_period_display() == "Full year"
    assert city[0].total.name == "Thành phố Hà Nội"

    # A year locked before the calls' figures were stored (format 3) reads them live, as then.
    for row in YearSnapshot.objects.filter(lock__year=YEAR):
        row.data = as_version_3(row.data)
        row.save(update_fields=["data"])
    assert snapshots.stored_version(YEAR, None) == 3
    assert indicators.compute(YEAR).calls is None
    assert gather(YEAR, None).calls == (call_figures(call),)
