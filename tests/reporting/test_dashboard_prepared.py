"""A dashboard's figures are computed by workers, never in a request (issue 18): a dashboard with
no figures yet says so and when they were queued, queues one computation however many people
open it, and shows the figures once a worker has computed them; the nightly fill queues every
dashboard whose figures are missing or older than the data, once; migrations and ``seed_demo``
queue that fill. The data calls' completeness and timeliness are stored with the figures."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from io import StringIO
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Assessment, SavingsReport
from cleanprod.celery import app
from enterprises.models import Commune
from reporting import dashboard, enterprise_dashboard, indicators
from reporting.indicators import overview
from reporting.indicators.queries import savings_trend
from reporting.models import DashboardSnapshot
from tests.factories import (
    AssessmentFactory,
    DataCallFactory,
    EnterpriseFactory,
    SavingsLineFactory,
    SavingsReportFactory,
)

pytestmark = pytest.mark.django_db

CITY_VND_2024 = 126_000_000  # the verified VND saved in 2024 in the reporting ``world``


@contextmanager
def with_a_worker():
    """Tasks go to a queue (as in production) instead of running in-process: ``delay`` is
    recorded, and nothing is computed until the test runs what a worker would."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with (
            mock.patch.object(dashboard.refresh_dashboard, "delay") as refresh,
            mock.patch.object(dashboard.fill_dashboards, "delay") as fill,
            mock.patch.object(enterprise_dashboard.refresh_enterprise_dashboard, "delay") as refresh_enterprise,
            mock.patch.object(enterprise_dashboard.fill_enterprise_dashboards, "delay") as fill_enterprises,
        ):
            refresh.enterprise, fill.enterprises = refresh_enterprise, fill_enterprises
            yield refresh, fill
    finally:
        app.conf.task_always_eager = previous


@contextmanager
def nothing_computed():
    """Every function that computes figures fails the test if called."""
    fail = AssertionError("figures computed in the request")
    with (
        mock.patch.object(indicators, "compute", side_effect=fail),
        mock.patch.object(indicators, "compute_live", side_effect=fail),
        mock.patch.object(dashboard, "_compute_figures", side_effect=fail),
        mock.patch.object(dashboard, "year_call_figures", side_effect=fail),
        mock.patch.object(enterprise_dashboard, "enterprise_trends", side_effect=fail),
        mock.patch.object(overview, "savings_trend", side_effect=fail),
    ):
        yield


def figure_queries(captured) -> list[str]:
    """The queries that read the data figures are computed from (savings lines, baselines,
    training)."""
    tables = ("savingsline", "baselineconsumption", "attendance", "enterpriseparticipation")
    return [q["sql"] for q in captured if any(f'_{table}"' in q["sql"] for table in tables)]


def test_a_dashboard_never_computed_is_prepared_by_a_worker_not_the_request(world, login, doit_user):
    client = login(doit_user)
    with with_a_worker() as (refresh, _fill), nothing_computed():
        with CaptureQueriesContext(connection) as first:
            response = client.get("/", {"year": 2024})
        body = response.content.decode()
        assert response.status_code == 200 and "ind" not in response.context
        assert 'data-testid="dashboard-pending"' in body
        assert "Số liệu năm 2024 của trang tổng quan đang được chuẩn bị" in body
        queued_at = response.context["pending"].queued_at
        local = dt.datetime.fromisoformat(queued_at.isoformat()).astimezone(dt.timezone(dt.timedelta(hours=7)))
        assert local.strftime("%H:%M") in body and local.strftime("%d/%m/%Y") in body
        assert 'data-testid="review-queue"' in body  # what waits for review is current
        assert figure_queries(first.captured_queries) == []
        # Many people open it: one computation is queued, and each request costs the same.
        for _ in range(3):
            with CaptureQueriesContext(connection) as again:
                assert 'data-testid="dashboard-pending"' in client.get("/", {"year": 2024}).content.decode()
            assert len(again.captured_queries) <= len(first.captured_queries)
    refresh.assert_called_once()
    assert refresh.call_args.args[:3] == (2024, None, True)
    assert len(first.captured_queries) <= 12


def test_the_pending_page_runs_the_same_queries_whatever_the_data(world, login, doit_user):
    client = login(doit_user)
    with with_a_worker(), nothing_computed():
        with CaptureQueriesContext(connection) as small:
            client.get("/", {"year": 2024})
        for i in range(10):
            enterprise = EnterpriseFactory(district=world.a if i % 2 else world.b)
            SavingsLineFactory(report=SavingsReportFactory(enterprise=enterprise, year=2024, status="verified"))
        dashboard.bump_generation()  # the data changed: queued again
        with CaptureQueriesContext(connection) as large:
            client.get("/", {"year": 2024})
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_worker_fills_them_and_the_next_request_shows_them(world, login, doit_user, officer_a):
    DataCallFactory(scope="implemented", year=2024, due_date=dt.date(2025, 3, 31))
    for user in (doit_user, officer_a):
        client = login(user)
        with with_a_worker() as (refresh, _fill):
            client.get("/", {"year": 2024})
        assert dashboard.refresh_dashboard(*refresh.call_args.args) is True  # what the worker runs
        assert dashboard.refresh_dashboard(*refresh.call_args.args) is False  # queued twice: once computed
        with nothing_computed():
            response = client.get("/", {"year": 2024})
        assert "pending" not in response.context
        ind = response.context["ind"]
        if user == doit_user:
            assert ind.is_city and ind.savings_vnd == CITY_VND_2024
        else:
            assert ind.district_code == officer_a.commune.code
        # The data calls' completeness and timeliness come with the stored figures.
        (call,) = response.context["calls"]
        live = dashboard._call_summaries(2024, None if user == doit_user else officer_a.commune)
        assert (call.expected, call.received, call.on_time) == (live[0].expected, live[0].received, live[0].on_time)
        assert 'data-testid="dashboard-calls"' in response.content.decode()
        stored = DashboardSnapshot.objects.get(name=dashboard._figures_name(*refresh.call_args.args))
        assert stored.data["calls"][0]["expected"] == call.expected and stored.data["generation"]


def test_english_dashboard_says_so_in_english(world, login, doit_user):
    with with_a_worker(), nothing_computed():
        body = login(doit_user, language="en").get("/", {"year": 2024}).content.decode()
    assert "The figures of 2024 for this dashboard are being prepared." in body


def test_stored_figures_of_an_older_generation_are_served_while_a_worker_refreshes(world, login, doit_user):
    client = login(doit_user)
    with with_a_worker() as (refresh, _fill):
        client.get("/", {"year": 2024})
    dashboard.refresh_dashboard(*refresh.call_args.args)
    waiting = client.get("/", {"year": 2024}).context["queue"].assessments_submitted
    AssessmentFactory(enterprise=world.x, year=2024, status="submitted")
    dashboard.bump_generation()  # a change was committed
    with with_a_worker() as (refresh, _fill), nothing_computed():
        response = client.get("/", {"year": 2024})
        client.get("/", {"year": 2024})
    assert response.context["ind"].savings_vnd == CITY_VND_2024
    assert response.context["queue"].assessments_submitted == waiting + 1  # the review queue is current
    assert 'data-testid="dashboard-refreshing"' in response.content.decode()
    refresh.assert_called_once()


def test_the_nightly_fill_queues_every_missing_dashboard_once(world):
    keys = dashboard.dashboard_keys()
    communes = Commune.objects.in_force(dt.date.today()).count()
    years = dashboard.dashboard_years()
    first = min(
        min(Assessment.objects.values_list("year", flat=True)),
        min(SavingsReport.objects.values_list("year", flat=True)),
    )
    assert years == list(range(first, dt.date.today().year + 1))  # from the first year with data
    assert len(keys) == len(years) * (1 + communes) * 2  # the city and each commune, in vi and en
    assert {(k[1], k[2], k[3]) for k in keys} >= {(None, True, "vi"), (None, True, "en"), ("00235", False, "vi")}
    with with_a_worker() as (refresh, fill):
        runs = [dashboard.fill_dashboards()]
        while fill.call_count == len(runs):  # it queued its next run: the worker runs it
            runs.append(dashboard.fill_dashboards())
        # A few at a time, so that a report requested meanwhile is not queued behind them all.
        assert sum(runs) == len(keys) and max(runs) == dashboard.FILL_BATCH
        assert dashboard.fill_dashboards() == 0  # run again: nothing queued twice
    queued = [c.args for c in refresh.call_args_list]
    assert len(queued) == len(set(queued)) and set(queued) == set(keys)  # each once
    fill.enterprises.assert_called_once_with()  # the enterprises' own figures: one job


def test_the_nightly_fill_fills_the_gaps_only(world):
    few = [(2024, None, True, "vi"), (2024, None, True, "en"), (2024, "00235", False, "vi")]
    with mock.patch.object(dashboard, "dashboard_keys", return_value=few):
        with with_a_worker() as (refresh, _fill):
            assert dashboard.fill_dashboards() == 3
        for queued in refresh.call_args_list:
            dashboard.refresh_dashboard(*queued.args)  # the worker
        generation = cache.get(dashboard._generation_key())
        cache.delete_many([dashboard._queued_key(dashboard._figures_name(*k), generation) for k in few])  # expired
        with with_a_worker() as (refresh, _fill):
            assert dashboard.fill_dashboards() == 0  # every one current
            DashboardSnapshot.objects.filter(name=dashboard._figures_name(*few[2])).delete()
            assert dashboard.fill_dashboards() == 1
        assert refresh.call_args.args == few[2]
        dashboard.bump_generation()  # the data changed since: every one is out of date
        with with_a_worker() as (refresh, _fill):
            assert dashboard.fill_dashboards() == 3


def test_the_fill_runs_nightly_from_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["reporting-fill-dashboards"]
    assert entry["task"] == dashboard.fill_dashboards.name


def test_migrate_queues_the_fill_without_computing(django_capture_on_commit_callbacks):
    with with_a_worker() as (refresh, fill), nothing_computed():
        with django_capture_on_commit_callbacks(execute=True):
            call_command("migrate", verbosity=0)
    fill.assert_called_once_with()
    refresh.assert_not_called()


def test_a_flush_queues_nothing():
    from django.core.management.sql import emit_post_migrate_signal

    with with_a_worker() as (_refresh, fill):
        emit_post_migrate_signal(0, False, "default")
    fill.assert_not_called()


def test_seed_demo_queues_the_fill_without_computing():
    with with_a_worker() as (refresh, fill), nothing_computed():
        call_command("seed_demo", enterprises=20, years="2024-2024", seed=7, stdout=StringIO())
    fill.assert_called_once_with()
    refresh.assert_not_called()


# --------------------------------------------------------------------------- enterprises' own pages


def test_an_enterprise_page_never_computes_its_savings_in_the_request(world, login, staff_x):
    client = login(staff_x)
    with with_a_worker() as (refresh, _fill), nothing_computed():
        for _ in range(3):
            with CaptureQueriesContext(connection) as captured:
                response = client.get("/", {"year": 2025})
            body = response.content.decode()
            assert 'data-testid="dashboard-pending"' in body
            assert "Số liệu tiết kiệm của doanh nghiệp đang được chuẩn bị" in body
            assert 'data-testid="enterprise-reports"' in body  # its own reports: read live
            assert figure_queries(captured.captured_queries) == []
    refresh.enterprise.assert_called_once_with(world.x.pk)
    assert enterprise_dashboard.refresh_enterprise_dashboard(world.x.pk) is True  # the worker
    assert enterprise_dashboard.refresh_enterprise_dashboard(world.x.pk) is False  # queued twice
    with with_a_worker(), nothing_computed():
        response = client.get("/", {"year": 2025})
    assert "dashboard-pending" not in response.content.decode()
    live = tuple(savings_trend(overview.overview_years(2025), None, world.x))
    assert response.context["overview"].trend == live and any(p.savings_vnd for p in live)


def test_the_nightly_fill_computes_every_enterprise_with_staff_once(world, staff_x, staff_y):
    assert enterprise_dashboard.fill_enterprise_dashboards() == 2  # x and y have staff; the others none
    assert enterprise_dashboard.fill_enterprise_dashboards() == 0
    for enterprise in (world.x, world.y):
        stored = enterprise_dashboard.enterprise_figures(enterprise.pk, 2024)
        assert stored.trend == tuple(savings_trend(overview.overview_years(2024), None, enterprise))
    dashboard.bump_generation()  # the data changed
    assert enterprise_dashboard.fill_enterprise_dashboards() == 2
