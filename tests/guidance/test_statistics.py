"""Sector statistics against a hand computation, hidden below five enterprises, from verified data
only, and refreshed by the worker when verified data change."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from assessments.models import ResourceFactor
from enterprises.models import Sector
from guidance.models import SectorStatistic
from guidance.services import sector_statistics_refresh
from reporting.indicators.guidance import sector_statistics
from tests.factories import (
    AssessmentFactory,
    CPOptionFactory,
    EnterpriseFactory,
    SavingsLineFactory,
    SavingsReportFactory,
    resource,
)

pytestmark = pytest.mark.django_db

# (investment, verified kWh per year or None, verified VND per year or None) of six enterprises of
# division 10 that implemented a housekeeping option, and the medians worked out by hand.
IMPLEMENTED = [
    (10_000_000, 10_000, 20_000_000),  # payback 0.5
    (30_000_000, 20_000, 30_000_000),  # payback 1.0
    (60_000_000, 30_000, 40_000_000),  # payback 1.5
    (90_000_000, 40_000, 45_000_000),  # payback 2.0
    (120_000_000, 50_000, 40_000_000),  # payback 3.0
    (200_000_000, None, None),  # no verified saving yet
]
# investments sorted: 10, 30, 60, 90, 120, 200 (M VND) -> median (60 + 90) / 2 = 75 M
MEDIAN_INVESTMENT = 75_000_000
# verified VND of the five with savings: 20, 30, 40, 40, 45 M -> 40 M; kWh 10..50 k -> 30,000 kWh
MEDIAN_VND = 40_000_000
MEDIAN_KWH = Decimal(30_000)
# paybacks 0.5, 1.0, 1.5, 2.0, 3.0 -> 1.5
MEDIAN_PAYBACK = Decimal("1.5")


def approved_option(enterprise, *, status="implemented", category="housekeeping", investment=50_000_000):
    assessment = AssessmentFactory(enterprise=enterprise, status="approved", year=2022)
    return CPOptionFactory(
        assessment=assessment,
        category=category,
        status=status,
        investment_vnd=investment,
        implemented_on=dt.date(2022, 6, 1) if status == "implemented" else None,
    )


def verified_saving(option, kwh, vnd, year=2023, status="verified"):
    report = SavingsReportFactory(enterprise=option.assessment.enterprise, year=year, status=status)
    SavingsLineFactory(report=report, option=option, resource=resource("electricity"), quantity=kwh, vnd_saved=vnd)


@pytest.fixture
def division_10():
    enterprises = [EnterpriseFactory(sector=Sector.objects.get(code="10")) for _ in IMPLEMENTED]
    for enterprise, (investment, kwh, vnd) in zip(enterprises, IMPLEMENTED, strict=True):
        option = approved_option(enterprise, investment=investment)
        if kwh is not None:
            verified_saving(option, kwh, vnd)
    # Two more enterprises proposed it and did not implement it (one rejected it).
    for status in ("proposed", "rejected"):
        approved_option(EnterpriseFactory(sector=Sector.objects.get(code="10")), status=status)
    return enterprises


def _row(division: str | None, category: str = "housekeeping"):
    rows = {(r.division, r.category): r for r in sector_statistics()}
    return rows.get((division, category))


def test_statistics_match_a_hand_computation(division_10):
    row = _row("10")
    assert row.assessed_enterprises == 8
    assert (row.proposed_options, row.proposed_enterprises) == (8, 8)
    assert (row.implemented_options, row.implemented_enterprises) == (6, 6)
    assert row.share_implemented == Decimal("75.0")  # 6 of 8 options
    assert row.proposal_rate == Decimal("100.0")
    assert row.median_investment_vnd == MEDIAN_INVESTMENT
    assert row.saving_enterprises == 5
    assert row.median_saving_vnd == MEDIAN_VND
    factor = ResourceFactor.objects.filter(resource=resource("electricity"), valid_from_year__lte=2023).latest(
        "valid_from_year"
    )
    assert row.median_saving_toe == (MEDIAN_KWH * factor.toe_per_unit).quantize(Decimal("0.001"))
    assert row.payback_enterprises == 5
    assert row.median_payback_years == MEDIAN_PAYBACK
    # The all-manufacturing row holds the same enterprises here.
    assert _row(None).median_payback_years == MEDIAN_PAYBACK


def test_quarters_add_up_to_their_year_and_years_are_averaged(division_10):
    # A sixth saving enterprise: 2023 in two quarters (10 + 30 M), 2024 whole (20 M) -> 30 M a year.
    option = approved_option(EnterpriseFactory(), investment=15_000_000)
    for period, vnd in (("Q1", 10_000_000), ("Q2", 30_000_000)):
        report = SavingsReportFactory(
            enterprise=option.assessment.enterprise, year=2023, period=period, status="verified"
        )
        SavingsLineFactory(report=report, option=option, quantity=1000, vnd_saved=vnd)
    verified_saving(option, 1000, 20_000_000, year=2024)
    row = _row("10")
    # VND per year: 20, 30, 30, 40, 40, 45 M -> (30 + 40) / 2 = 35 M; paybacks 0.5, 0.5, 1, 1.5, 2, 3 -> 1.25
    assert row.median_saving_vnd == 35_000_000
    assert row.median_payback_years == Decimal("1.3")


def test_only_verified_and_approved_data_count(division_10):
    # An unverified report and an option of an assessment still in draft change nothing.
    verified_saving(approved_option(EnterpriseFactory()), 99_000, 900_000_000, status="submitted")
    draft = AssessmentFactory(enterprise=EnterpriseFactory(), status="draft")
    CPOptionFactory(assessment=draft, status="implemented", implemented_on=dt.date(2022, 1, 1))
    row = _row("10")
    assert row.saving_enterprises == 5 and row.median_saving_vnd == MEDIAN_VND
    assert row.proposed_enterprises == 9  # the submitted report's option is of an approved assessment


def test_figures_are_hidden_below_five_enterprises(division_10):
    # Division 11 has four implementing enterprises: nothing of theirs is given.
    for _ in range(4):
        option = approved_option(EnterpriseFactory(sector=Sector.objects.get(code="11")), investment=1_000_000)
        verified_saving(option, 500, 2_000_000)
    row = _row("11")
    assert row.implemented_enterprises == 4
    assert row.median_investment_vnd is None and row.median_saving_vnd is None
    assert row.median_saving_toe is None and row.median_payback_years is None
    assert row.share_implemented is None and row.proposal_rate is None
    # Division 10 has five with savings: shown. With one fewer, hidden.
    assert _row("10").median_saving_vnd == MEDIAN_VND


def test_two_options_of_one_enterprise_are_one_enterprise():
    enterprise = EnterpriseFactory()
    for year in range(2019, 2024):
        verified_saving(approved_option(enterprise), 1000, 1_000_000, year=year)
    row = _row("10")
    assert row.implemented_options == 5 and row.implemented_enterprises == 1
    assert row.median_saving_vnd is None and row.median_investment_vnd is None


def test_refresh_stores_the_rows_with_their_time(division_10):
    assert sector_statistics_refresh() > 0
    stored = SectorStatistic.objects.get(division__code="10", category="housekeeping")
    assert stored.median_payback_years == MEDIAN_PAYBACK and stored.computed_at is not None
    assert SectorStatistic.objects.get(division=None, category="housekeeping").implemented_enterprises == 6
    # Refreshing again replaces the rows, never duplicates them.
    sector_statistics_refresh()
    assert SectorStatistic.objects.filter(category="housekeeping").count() == 2


def test_a_verification_committed_refreshes_the_stored_statistics(division_10, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        verified_saving(approved_option(EnterpriseFactory(), investment=1), 10, 1_000_000_000)
    stored = SectorStatistic.objects.get(division__code="10", category="housekeeping")
    assert stored.implemented_enterprises == 7


def test_statistics_take_a_fixed_number_of_queries(division_10, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        sector_statistics()


def test_a_refresh_already_pending_is_not_queued_again(division_10):
    from django.core.cache import cache

    from guidance.signals import PENDING_KEY, schedule_refresh

    cache.set(str(PENDING_KEY), 1, 60)
    schedule_refresh()  # a worker already has one queued: nothing runs now
    assert not SectorStatistic.objects.exists()
    cache.delete(str(PENDING_KEY))
    schedule_refresh()
    assert SectorStatistic.objects.filter(division__code="10").exists()


def test_a_nightly_refresh_is_scheduled_with_a_registered_task(settings):
    from cleanprod.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["guidance-refresh-statistics"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks


def test_toe_counts_energy_lines_only_and_options_that_saved_energy(division_10):
    # Five more enterprises save water only: no TOE of theirs enters the TOE median; one saves
    # electricity and water: its water adds no TOE.
    for _ in range(5):
        option = approved_option(EnterpriseFactory(sector=Sector.objects.get(code="11")))
        report = SavingsReportFactory(enterprise=option.assessment.enterprise, year=2023, status="verified")
        SavingsLineFactory(report=report, option=option, resource=resource("water"), quantity=500, vnd_saved=9_000_000)
    row = _row("11")
    assert row.saving_enterprises == 5 and row.median_saving_vnd == 9_000_000
    assert row.median_saving_toe is None  # nobody in division 11 saved energy
    option = division_10[0].assessments.get().options.get()
    report = option.assessment.enterprise.savings_reports.get()
    SavingsLineFactory(report=report, option=option, resource=resource("water"), quantity=700, vnd_saved=0)
    factor = ResourceFactor.objects.filter(resource=resource("electricity"), valid_from_year__lte=2023).latest(
        "valid_from_year"
    )
    assert _row("10").median_saving_toe == (MEDIAN_KWH * factor.toe_per_unit).quantize(Decimal("0.001"))
