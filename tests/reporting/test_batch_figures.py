"""The year-end batch computes the figures of all its scopes in one pass (issue 11, item 8): its
first task stores them per scope (``BatchFigures``), and each report job only lays its scope out.
Celery runs eagerly here; ``test_batch_worker.py`` runs the batch with a real worker."""

from __future__ import annotations

import dataclasses
import datetime as dt
from unittest import mock

import pytest

from reporting import services
from reporting.areas import area_for, batch_units
from reporting.batches import batch_figures, store_batch_figures
from reporting.models import BatchFigures, ReportBatch, ReportJob
from reporting.report_data import gather
from tests.factories import DataCallFactory, EnterpriseFactory, SavingsLineFactory, SavingsReportFactory, resource

pytestmark = pytest.mark.django_db


def _same(a, b) -> bool:
    return dataclasses.replace(a, computed_at=None) == dataclasses.replace(b, computed_at=None)


@pytest.fixture
def year_2025(world):
    """The reporting world, with 2025 savings in two communes and a data call of 2025."""
    for enterprise in (world.x, world.y):
        report = SavingsReportFactory(enterprise=enterprise, year=2025, period="Y", status="verified")
        SavingsLineFactory(report=report, resource=resource("electricity"), quantity=1_000, vnd_saved=2_000_000)
    late = EnterpriseFactory(district=world.b)
    SavingsReportFactory(enterprise=late, year=2025, period="Y", status="submitted")
    return DataCallFactory(year=2025, period="Y", due_date=dt.date(2026, 3, 31))


@pytest.mark.parametrize("year", [2024, 2025])
def test_the_batch_stores_each_scopes_figures_equal_to_a_single_reports(year, world, year_2025, doit_user):
    batch = ReportBatch.objects.create(year=year, requester=doit_user)
    areas = [None, *(area_for(year, unit) for unit in batch_units(year))]
    assert store_batch_figures(batch.pk) == len(areas)
    assert store_batch_figures(batch.pk) == 0  # stored once
    # Compared with a single report's: the city, the units with data, and two without.
    field = "commune_id" if year >= 2025 else "district_id"
    with_data = {getattr(e, field) for e in (world.x, world.y, world.a2, world.b2)}
    checked = [a for a in areas if a is None or a.unit.pk in with_data] + areas[1:2] + areas[-1:]
    assert len(checked) >= 4
    for area in checked:
        from_batch = gather(year, area, batch_id=batch.pk)
        alone = gather(year, area)
        assert _same(dataclasses.replace(from_batch.ind, calls=None), alone.ind), area
        assert from_batch.calls == alone.calls, area
    if year == 2025:
        assert any(f.rows for f in batch_figures(batch.pk, None).calls)  # the call's figures are there


@pytest.fixture
def few_units(world):
    """The batch of 2025 over the communes of the world's enterprises and one without any (every
    file of 127 scopes would make a slow test; ``test_batch_worker`` runs a whole batch)."""
    units = [world.x.commune, world.y.commune, world.b2.commune]
    units = sorted({*units, next(u for u in batch_units(2025) if u not in units)}, key=lambda u: u.code)
    with (
        mock.patch("reporting.services.batch_units", return_value=units),
        mock.patch("reporting.batches.batch_units", return_value=units),
    ):
        yield units


def test_jobs_of_a_batch_only_lay_their_scope_out(
    world, year_2025, few_units, doit_user, django_capture_on_commit_callbacks
):
    """With the figures stored, no job computes any: the per-scope computation is never called."""
    with (
        mock.patch("reporting.report_data.compute", side_effect=AssertionError("computed per scope")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        jobs = services.report_request_all(by=doit_user, year=2025, formats=["pdf", "xlsx"])
    assert len(jobs) == 2 * (1 + len(few_units))
    rows = ReportJob.objects.filter(pk__in=[j.pk for j in jobs])
    assert {r.status for r in rows} == {"done"}, [r.error for r in rows if r.error]
    assert BatchFigures.objects.filter(batch=jobs[0].batch).count() == 1 + len(few_units)


def test_a_failed_figures_task_leaves_each_job_to_compute_its_own(
    world, year_2025, few_units, doit_user, django_capture_on_commit_callbacks
):
    with (
        mock.patch("reporting.indicators.compute_all", side_effect=RuntimeError("boom")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        jobs = services.report_request_all(by=doit_user, year=2025, formats=["xlsx"])
    assert not BatchFigures.objects.exists()
    assert set(ReportJob.objects.filter(pk__in=[j.pk for j in jobs]).values_list("status", flat=True)) == {"done"}


def test_a_locked_year_uses_its_snapshot_not_batch_figures(world, doit_user):
    services.year_lock(year=2024, by=doit_user)
    batch = ReportBatch.objects.create(year=2024, requester=doit_user)
    assert store_batch_figures(batch.pk) == 0
    assert not BatchFigures.objects.exists()


def test_the_sweep_does_not_resend_jobs_waiting_behind_their_batchs_figures(world, doit_user, monkeypatch):
    jobs = services.report_request_all(by=doit_user, year=2024, formats=["xlsx"])  # not sent: no commit
    old = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    ReportJob.objects.filter(pk__in=[j.pk for j in jobs]).update(created_at=old, dispatched_at=old)
    sent: list[int] = []
    monkeypatch.setattr(services, "_enqueue", lambda job: sent.append(job.pk) or True)
    batch_id = jobs[0].batch_id
    monkeypatch.setattr("reporting.broker.pending_task_ids", lambda: {services.figures_task_id(batch_id)})
    assert services.report_dispatch_queued() == 0 and sent == []  # the figures task holds them
    monkeypatch.setattr("reporting.broker.pending_task_ids", lambda: set())
    assert services.report_dispatch_queued() == len(jobs)  # lost: sent again, one by one
