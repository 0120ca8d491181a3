"""The dashboard's figures are cached until the data they come from changes: a committed write to
any of those models (or a bulk import) serves fresh figures at the next request, a rolled-back one
does not, and a write that commits while figures are being computed never leaves them current."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from enterprises.models import Enterprise
from enterprises.signals import bulk_changed
from reporting import dashboard
from tests.factories import (
    AssessmentFactory,
    CourseFactory,
    EnterpriseFactory,
    EnterpriseParticipationFactory,
    SavingsLineFactory,
    SavingsReportFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db

CITY_VND_2024 = 126_000_000  # the verified VND saved in 2024 in the reporting ``world``


def city_vnd(client) -> int:
    response = client.get("/", {"year": 2024})
    assert response.status_code == 200
    return response.context["ind"].savings_vnd


def queries(client, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/", params).status_code == 200
    return len(ctx.captured_queries)


def test_warm_dashboard_reads_the_cache(world, login, doit_user):
    client = login(doit_user)
    cold = queries(client, {"year": 2024})
    warm = queries(client, {"year": 2024})
    assert warm < cold
    assert warm <= 6  # session, user, authenticator, language: nothing that reads the figures


def test_committed_savings_line_refreshes_the_dashboard(world, login, doit_user, django_capture_on_commit_callbacks):
    client = login(doit_user)
    assert city_vnd(client) == CITY_VND_2024
    with django_capture_on_commit_callbacks(execute=True):
        SavingsLineFactory(
            report=SavingsReportFactory(enterprise=world.x, year=2024, period="Q4", status="verified"),
            vnd_saved=1_000_000,
        )
    assert city_vnd(client) == CITY_VND_2024 + 1_000_000


def test_uncommitted_write_leaves_the_cached_figures(world, login, doit_user, django_capture_on_commit_callbacks):
    client = login(doit_user)
    assert city_vnd(client) == CITY_VND_2024
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        SavingsLineFactory(
            report=SavingsReportFactory(enterprise=world.x, year=2024, period="Q4", status="verified"),
            vnd_saved=1_000_000,
        )
    assert callbacks  # the refresh waits for the commit...
    assert city_vnd(client) == CITY_VND_2024  # ...which has not happened


def test_status_change_refreshes_the_dashboard(world, login, doit_user, django_capture_on_commit_callbacks):
    client = login(doit_user)
    assert city_vnd(client) == CITY_VND_2024
    report = SavingsReportFactory(enterprise=world.x, year=2024, period="Q3", status="submitted")
    SavingsLineFactory(report=report, vnd_saved=2_000_000)
    dashboard.bump_generation()  # the setup above committed
    assert city_vnd(client) == CITY_VND_2024
    with django_capture_on_commit_callbacks(execute=True):
        report.status = "verified"
        report.save()
    assert city_vnd(client) == CITY_VND_2024 + 2_000_000


def test_officer_dashboard_refreshes_too(world, login, officer_a, django_capture_on_commit_callbacks):
    client = login(officer_a)
    before = client.get("/", {"year": 2024}).context["ind"].savings_vnd
    with django_capture_on_commit_callbacks(execute=True):
        SavingsLineFactory(
            report=SavingsReportFactory(enterprise=world.x, year=2024, period="Q4", status="verified"),
            vnd_saved=3_000_000,
        )
    assert client.get("/", {"year": 2024}).context["ind"].savings_vnd == before + 3_000_000


@pytest.mark.parametrize(
    "change",
    [
        "enterprise",
        "assessment",
        "target",
        "participation",
        "delete_line",
    ],
)
def test_every_kind_of_change_starts_a_new_generation(world, change, django_capture_on_commit_callbacks):
    key = dashboard._generation_key()
    dashboard.bump_generation()
    from django.core.cache import cache

    before = cache.get(key)
    with django_capture_on_commit_callbacks(execute=True):
        if change == "enterprise":
            EnterpriseFactory(district=world.x.district)
        elif change == "assessment":
            AssessmentFactory(enterprise=world.x, year=2024, status="approved")
        elif change == "target":
            TargetFactory()
        elif change == "participation":
            EnterpriseParticipationFactory(enterprise=world.x, course=CourseFactory(kind="awareness"))
        else:
            world.x.savings_reports.first().lines.first().delete()
    assert cache.get(key) != before


def test_bulk_import_signal_refreshes(world, login, doit_user, django_capture_on_commit_callbacks):
    client = login(doit_user)
    active = client.get("/", {"year": 2024}).context["ind"].value("enterprises_active")
    # What the spreadsheet import does: rows written in bulk (no post_save), then the signal.
    Enterprise.objects.bulk_create([EnterpriseFactory.build(district=world.x.district, sector=world.x.sector)])
    assert client.get("/", {"year": 2024}).context["ind"].value("enterprises_active") == active
    with django_capture_on_commit_callbacks(execute=True):
        bulk_changed.send(sender=Enterprise)
    assert client.get("/", {"year": 2024}).context["ind"].value("enterprises_active") == active + 1


def test_write_committed_during_the_computation_leaves_the_result_stale():
    calls = []

    def compute():
        calls.append(1)
        dashboard.bump_generation()  # another process commits a change meanwhile
        return len(calls)

    assert dashboard._cached("test-entry", compute) == 1
    assert dashboard._cached("test-entry", compute) == 2  # not served: computed before the change

    def quiet():
        calls.append(1)
        return len(calls)

    assert dashboard._cached("test-entry", quiet) == 3
    assert dashboard._cached("test-entry", quiet) == 3  # now current, served from the cache


def test_rolled_back_write_does_not_refresh(world):
    from django.core.cache import cache

    dashboard.bump_generation()
    before = cache.get(dashboard._generation_key())
    with pytest.raises(RuntimeError), transaction.atomic():
        EnterpriseFactory(district=world.x.district)
        raise RuntimeError
    assert cache.get(dashboard._generation_key()) == before


def test_stale_entry_is_served_while_one_background_refresh_runs():
    """With a worker (not in-process), the request after a change answers with the previous
    figures and queues one refresh per generation; the refreshed figures are served after it."""
    queued = []
    assert dashboard._cached("swr", lambda: "old", refresh=lambda: queued.append(1)) == "old"
    dashboard.bump_generation()  # a change was committed
    never = lambda: pytest.fail("a stale entry must not be recomputed in the request")  # noqa: E731
    assert dashboard._cached("swr", never, refresh=lambda: queued.append(1)) == "old"
    assert dashboard._cached("swr", never, refresh=lambda: queued.append(1)) == "old"
    assert queued == [1]  # one refresh for the generation, not one per request
    dashboard._store("swr", lambda: "new")  # what the refresh task does
    assert dashboard._cached("swr", never, refresh=lambda: queued.append(1)) == "new"


def test_unavailable_queue_serves_the_stale_entry_and_tries_again_later():
    def broken_queue():
        raise ConnectionError("broker down")

    assert dashboard._cached("swr-down", lambda: "old") == "old"
    dashboard.bump_generation()
    assert dashboard._cached("swr-down", lambda: "recomputed", refresh=broken_queue) == "old"
    tried = []
    assert dashboard._cached("swr-down", lambda: "recomputed", refresh=lambda: tried.append(1)) == "old"
    assert tried == [1]  # the failed attempt did not hold the refresh lock


def test_refresh_task_stores_the_current_figures(world, login, doit_user, django_capture_on_commit_callbacks):
    client = login(doit_user)
    assert city_vnd(client) == CITY_VND_2024
    with django_capture_on_commit_callbacks(execute=True):
        SavingsLineFactory(
            report=SavingsReportFactory(enterprise=world.x, year=2024, period="Q4", status="verified"),
            vnd_saved=5_000_000,
        )
    dashboard.refresh_dashboard(2024, None, True, "vi")  # as the worker runs it
    figures = dashboard._cached(dashboard._figures_name(2024, None, True, "vi"), lambda: pytest.fail("recomputed"))
    assert figures.indicators.savings_vnd == CITY_VND_2024 + 5_000_000
    assert figures.indicators.findings == ()  # the report's findings are not carried by the dashboard
