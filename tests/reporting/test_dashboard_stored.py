"""Behind the cache, the last dashboard figures are kept in PostgreSQL: a cold cache (Redis
restarted or flushed) is answered from them without computing, while a worker recomputes."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import cache

from reporting import dashboard, indicators
from reporting.models import DashboardSnapshot

pytestmark = pytest.mark.django_db


def city_vnd(client) -> int:
    response = client.get("/", {"year": 2024})
    assert response.status_code == 200
    return response.context["ind"].savings_vnd


def test_computed_figures_are_kept_in_the_database(world, login, doit_user):
    client = login(doit_user)
    vnd = city_vnd(client)
    row = DashboardSnapshot.objects.get(name__contains=":city:1:2024")
    assert row.data["indicators"]["$dc"] == "YearIndicators"
    from reporting.snapshots import indicators_from_json

    stored = indicators_from_json(row.data)
    assert stored.savings_vnd == vnd
    assert stored.findings == ()  # the dashboard never carries the report's findings


def test_cold_cache_is_answered_from_the_database_and_refreshed_in_the_background(world, login, doit_user):
    client = login(doit_user)
    vnd = city_vnd(client)
    cache.clear()  # Redis restarted or flushed
    with (
        mock.patch.object(indicators, "compute_live", side_effect=AssertionError("computed in the request")),
        mock.patch.object(dashboard.refresh_dashboard, "delay") as delay,
    ):
        assert city_vnd(client) == vnd
        assert city_vnd(client) == vnd  # the second request does not queue a second refresh
    delay.assert_called_once()
    year, code, for_city_staff, _language = delay.call_args.args
    assert (year, code, for_city_staff) == (2024, None, True)


def test_queued_refresh_brings_the_stored_figures_up_to_date(world, login, doit_user):
    client = login(doit_user)
    city_vnd(client)
    DashboardSnapshot.objects.update(computed_at="2000-01-01T00:00:00Z")
    cache.clear()
    with mock.patch.object(dashboard.refresh_dashboard, "delay") as delay:
        city_vnd(client)
    dashboard.refresh_dashboard(*delay.call_args.args)  # what the worker runs
    assert DashboardSnapshot.objects.get(name__contains=":city:1:2024").computed_at.year > 2000


def test_unreadable_stored_figures_are_computed_again(world, login, doit_user):
    client = login(doit_user)
    vnd = city_vnd(client)
    DashboardSnapshot.objects.update(data={"version": 0})
    cache.clear()
    assert city_vnd(client) == vnd
    assert DashboardSnapshot.objects.get(name__contains=":city:1:2024").data["version"] != 0
