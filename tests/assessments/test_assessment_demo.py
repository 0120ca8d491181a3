"""seed_demo's assessments part: deterministic, every status and category, scaled."""

from __future__ import annotations

import pytest

from accounts import demo as accounts_demo
from accounts.models import User
from assessments import demo
from assessments.models import Assessment, CPOption, DataCall, ReviewEvent, SavingsReport
from cleanprod.demo import DemoContext
from enterprises import demo as enterprises_demo
from enterprises.models import Enterprise

pytestmark = pytest.mark.django_db


def build(seed: int = 7, n: int = 60):
    ctx = DemoContext(seed=seed, enterprises=n, first_year=2019, last_year=2023)
    enterprises_demo.seed(ctx)
    accounts_demo.seed(ctx)
    demo.seed(ctx)
    return ctx


def snapshot():
    return sorted(
        Assessment.objects.values_list("enterprise__tax_code", "year", "status", "step", "baseline_output")
    ), sorted(CPOption.objects.values_list("assessment__enterprise__tax_code", "category", "status", "investment_vnd"))


def test_demo_covers_every_status_and_category():
    build()
    active = Enterprise.objects.filter(active=True).count()
    with_assessment = Enterprise.objects.filter(assessments__isnull=False).distinct().count()
    assert 0.15 * active <= with_assessment <= 0.5 * active
    assert set(Assessment.objects.values_list("status", flat=True)) == set(Assessment.Status.values)
    assert set(CPOption.objects.values_list("category", flat=True)) == set(CPOption.Category.values)
    assert set(Assessment.objects.values_list("year", flat=True)) <= set(range(2019, 2024))
    assert not Assessment.objects.filter(baseline_lines__isnull=True).exists()
    # Non-draft assessments have their review log; versions follow it.
    for a in Assessment.objects.exclude(status="draft").prefetch_related("review_events"):
        events = list(a.review_events.all())
        assert events and events[-1].to_status == a.status
        assert a.version == len(events) + 1
    assert not ReviewEvent.objects.filter(assessment__status="draft").exists()
    assert not CPOption.objects.filter(status="implemented", implemented_on__isnull=True).exists()


def test_demo_is_deterministic():
    build(seed=11, n=30)
    first = snapshot()
    DataCall.objects.all().delete()
    SavingsReport.objects.all().delete()
    Assessment.objects.all().delete()
    User.objects.all().delete()
    Enterprise.objects.all().delete()
    build(seed=11, n=30)
    assert snapshot() == first
