from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from reporting.indicators import compute, enterprise_overview, review_queue
from reporting.models import ActionPlan, Indicator, IndicatorValue
from tests.factories import (
    ActionPlanFactory,
    CPOptionFactory,
    EnterpriseFactory,
    SavingsLineFactory,
    SavingsReportFactory,
    TargetFactory,
    resource,
)

from .expected import expected, trend

pytestmark = pytest.mark.django_db

# The figures of the fixed list the portal started with (now built-in indicator rows).
SCALARS = [
    "enterprises_active",
    "aware_count",
    "aware_share",
    "applying_count",
    "applying_share",
    "assessments_completed",
    "options_implemented",
    "investment_vnd",
    "savings_toe",
    "savings_tco2e",
    "savings_vnd",
    "energy_saving_pct",
    "officers_trained",
    "courses_held",
    "districts_covered",
    "districts_covered_share",
]


def approx(value, places: int = 6):
    return None if value is None else round(Decimal(value), places)


def assert_figures(ind, exp):
    for code in SCALARS:
        assert approx(ind.value(code)) == approx(exp[code]), code
    assert ind.enterprises_registered == exp["enterprises_registered"]
    assert ind.training.enterprises_participating == exp["enterprises_participating"]
    assert approx(ind.baseline_energy_toe) == approx(exp["baseline_toe"])


def test_every_city_figure_matches_an_independent_computation(world):
    ind = compute(world.year)
    exp = expected(world.year)
    assert_figures(ind, exp)
    # The data set is not trivial: each figure has something to count.
    assert exp["aware_count"] == 4 and exp["applying_count"] == 2 and exp["assessments_completed"] == 2
    assert exp["savings_vnd"] == 38_000_000 + 44_000_000 + 12_000_000 + 9_500_000 + 15_000_000 + 7_500_000
    assert exp["officers_trained"] == 2 and exp["courses_held"] == 3 and exp["districts_covered"] == 2


@pytest.mark.parametrize("which", ["a", "b", "c"])
def test_every_district_figure_matches_an_independent_computation(world, which):
    district = getattr(world, which)
    ind = compute(world.year, district)
    assert_figures(ind, expected(world.year, district))
    assert [row.code for row in ind.districts] == [district.code]


def test_district_table_matches_per_district_computation(world):
    ind = compute(world.year)
    exp = expected(world.year)["districts"]
    assert len(ind.districts) == 30
    for row in ind.districts:
        for field, value in exp[row.code].items():
            assert approx(getattr(row, field)) == approx(value), (row.code, field)


def test_district_without_enterprises_has_zero_counts_and_no_shares(world):
    ind = compute(world.year, world.c)
    row = ind.districts[0]
    assert (row.enterprises_active, row.aware, row.applying, row.savings_vnd) == (0, 0, 0, 0)
    assert row.aware_share is None and ind.value("aware_share") is None and ind.value("applying_share") is None
    assert ind.sectors == ()


def test_sector_table_matches_independent_computation(world):
    ind = compute(world.year)
    exp = expected(world.year)["sectors"]
    assert {s.code for s in ind.sectors} == set(exp)
    for row in ind.sectors:
        for field, value in exp[row.code].items():
            assert getattr(row, field) == value, (row.code, field)


def test_options_by_category_with_median_payback(world):
    ind = compute(world.year)
    exp = expected(world.year)["categories"]
    for row in ind.categories:
        e = exp[row.code]
        for field in ("identified", "implemented", "investment_vnd", "expected_savings_vnd", "verified_savings_vnd"):
            assert getattr(row, field) == e[field], (row.code, field)
        assert approx(row.median_payback_years, 3) == approx(e["median_payback_years"], 3), row.code
    assert sum(r.verified_savings_vnd for r in ind.categories) == ind.savings_vnd
    housekeeping = next(r for r in ind.categories if r.code == "housekeeping")
    assert housekeeping.median_payback_years == Decimal(3)  # median of 2 and 4 years; a 0-savings option has none


def test_savings_by_resource_in_units_toe_co2_and_vnd(world):
    ind = compute(world.year)
    exp = expected(world.year)["resources"]
    by_code = {r.code: r for r in ind.resources}
    for code, e in exp.items():
        r = by_code[code]
        assert r.quantity == e["quantity"] and r.vnd == e["vnd"] and r.lines == e["lines"], code
        assert approx(r.toe) == approx(e["toe"]) and approx(r.tco2e) == approx(e["tco2e"]), code
    assert by_code["water"].toe is None  # water is reported in m³ only
    assert by_code["electricity"].quantity == Decimal("25000.5")


def test_a_resource_without_factor_is_left_out_of_totals_and_flagged(world):
    ind = compute(world.year)
    biomass = next(r for r in ind.resources if r.code == "biomass")
    assert biomass.quantity == Decimal("12.5") and biomass.toe is None and biomass.factor_missing
    assert any(w.code == "factor_missing" and "Sinh khối" in w.message for w in ind.warnings)


def test_a_year_without_any_factor(db, enterprise_x):
    report = SavingsReportFactory(enterprise=enterprise_x, year=2010, status="verified")
    SavingsLineFactory(report=report, resource=resource("electricity"), quantity=1000, vnd_saved=1_500_000)
    ind = compute(2010)
    assert ind.value("savings_toe") == 0 and ind.value("savings_tco2e") == 0
    assert ind.value("savings_vnd") == 1_500_000
    electricity = next(r for r in ind.resources if r.code == "electricity")
    assert electricity.toe is None and electricity.factor_year is None
    assert [w.code for w in ind.warnings] == ["factor_missing"]
    assert_figures(ind, expected(2010))


def test_no_data_at_all(db):
    ind = compute(2024)
    assert ind.value("enterprises_active") == 0 and ind.value("savings_vnd") == 0
    assert ind.value("aware_share") is None and ind.value("energy_saving_pct") is None
    assert ind.value("districts_covered") == 0 and ind.training.districts_total == 30
    assert ind.warnings == () and ind.sectors == ()
    assert all(p.savings_vnd == 0 for p in ind.trend)
    assert_figures(ind, expected(2024))


def test_unverified_and_unapproved_data_does_not_count(world):
    exp = expected(world.year)
    ind = compute(world.year)
    assert exp["reports_unverified"] == 1
    codes = {w.code: w.count for w in ind.warnings}
    assert codes["reports_unverified"] == 1 and codes["reports_returned"] == 1 and codes["assessments_unapproved"] == 1
    # A new submitted report changes no figure.
    SavingsLineFactory(report=SavingsReportFactory(enterprise=world.b2, year=2024, period="Q3", status="submitted"))
    assert compute(world.year).value("savings_vnd") == ind.value("savings_vnd")


def test_trend_over_the_plans_years(world):
    ActionPlanFactory(decision_number="1/KH-UBND", first_year=2021, last_year=2025, issued_on=dt.date(2021, 1, 5))
    ind = compute(world.year)
    assert [p.year for p in ind.trend] == [2021, 2022, 2023, 2024]
    exp = trend(range(2021, 2025))
    for point in ind.trend:
        assert point.savings_vnd == exp[point.year]["savings_vnd"]
        assert approx(point.savings_toe) == approx(exp[point.year]["savings_toe"])
    assert ind.trend[1].savings_toe == Decimal(10) * Decimal("0.6")  # 10 t coal 3-4 in 2022


def test_every_plan_in_force_is_compared_side_by_side(world):
    old = ActionPlanFactory(
        decision_number="5768/QĐ-UBND", first_year=2016, last_year=2024, issued_on=dt.date(2015, 10, 29)
    )
    plan = ActionPlanFactory(
        decision_number="99/KH-UBND", first_year=2024, last_year=2024, issued_on=dt.date(2024, 2, 1)
    )
    TargetFactory(plan=old, indicator="aware_share", year=2024, value=10)
    TargetFactory(plan=plan, indicator="aware_share", year=2024, value=50)
    TargetFactory(plan=plan, indicator="applying_share", year=2024, value=60)
    TargetFactory(plan=plan, indicator="assessments_completed", year=2024, value=2)
    ind = compute(world.year)
    plans = {p.decision_number: p for p in ind.plans}
    # National plans first, then the city's; the shipped 889/QĐ-TTg and 263/KH-UBND are in force too.
    assert [p.level for p in ind.plans] == sorted((p.level for p in ind.plans), key=lambda lv: lv != "national")
    assert {"889/QĐ-TTg", "4052/QĐ-UBND", "263/KH-UBND", "5768/QĐ-UBND", "99/KH-UBND"} <= set(plans)
    exp = expected(world.year)
    assert [t.status for t in plans["5768/QĐ-UBND"].targets] == ["achieved"]
    rows = {t.code: t for t in plans["99/KH-UBND"].targets}
    assert rows["aware_share"].result == exp["aware_share"] and rows["aware_share"].status == "achieved"
    assert rows["applying_share"].result == exp["applying_share"] < 60
    assert rows["applying_share"].status == "not_achieved"
    assert rows["assessments_completed"].status == "achieved"
    assert plans["99/KH-UBND"].achieved == 2
    # The dashboard's figure carries the target of the latest city plan.
    fig = ind.fig
    assert fig["aware_share"].target.value == 50 and fig["aware_share"].target.plan == "99/KH-UBND"
    assert fig["savings_vnd"].target is None and fig["savings_vnd"].achieved is None
    # A district is compared with the city's shares only, not with its counts.
    district = {p.decision_number: p for p in compute(world.year, world.a).plans}
    assert {t.code for t in district["99/KH-UBND"].targets} == {"aware_share", "applying_share"}


def test_a_plan_without_a_target_for_the_year_shows_its_next_milestone(world):
    ind = compute(world.year)
    plan = next(p for p in ind.plans if p.decision_number == "889/QĐ-TTg")
    zones = next(t for t in plan.targets if t.code == "zones_reached_share")
    assert (zones.target_year, zones.value) == (2025, 70)
    assert "70%" in zones.note and zones.source


def test_national_strategy_targets_apply_up_to_2020(db):
    plans = compute(2020).plans
    assert [p.decision_number for p in plans] == ["1419/QĐ-TTg"]
    rows = {t.code: t for t in plans[0].targets}
    assert rows["aware_share"].value == 90 and rows["aware_share"].target_year == 2020
    # A saving per unit of product is a cut in consumption per unit of product, with its range.
    assert (rows["intensity_cut_pct"].value, rows["intensity_cut_pct"].value_max) == (8, 13)
    assert "energy_saving_pct" not in rows and "districts_covered_share" not in rows
    # 2016–2019 work towards the 2020 milestone; 2021 is under the plans after 2020.
    assert {t.target_year for t in compute(2019).plans[0].targets} == {2020}
    assert "1419/QĐ-TTg" not in {p.decision_number for p in compute(2021).plans}


def test_the_departments_qualified_staff_is_one_yes_no_for_the_city(world):
    plan = ActionPlan.objects.get(decision_number="1419/QĐ-TTg")
    staff = next(t for t in compute(2020).plans[0].targets if t.code == "doit_qualified_staff")
    assert staff.is_yes_no and staff.value == 1 and staff.status == "no_data"
    IndicatorValue.objects.create(
        indicator=Indicator.objects.get(code="doit_qualified_staff"), year=2020, value=1, source="Công văn 1/SCT"
    )
    staff = next(t for t in compute(2020).plans[0].targets if t.code == "doit_qualified_staff")
    assert staff.result == 1 and staff.status == "achieved"
    # Not a share of the districts covered, and not compared in a district's report.
    assert plan.targets.filter(indicator__code="districts_covered_share").count() == 0
    district_plan = compute(2020, world.a).plans[0]
    assert "doit_qualified_staff" not in {t.code for t in district_plan.targets}


def test_current_year_counts_as_of_today(db, enterprise_x):
    today = dt.date.today()
    if (today.month, today.day) == (12, 31):
        pytest.skip("no later day in this year")
    CPOptionFactory(
        assessment__enterprise=enterprise_x,
        assessment__status="approved",
        assessment__year=today.year,
        status="implemented",
        implemented_on=today + dt.timedelta(days=1),
    )
    ind = compute(today.year)
    assert ind.as_of == today and ind.value("applying_count") == 0


def test_query_count_does_not_grow_with_data(world, django_assert_max_num_queries):
    SavingsLineFactory(report=SavingsReportFactory(enterprise=world.x, year=2024, period="Q3", status="submitted"))
    # About 55 queries (one more per filtered indicator), and 3 for the transaction that switches
    # PostgreSQL's JIT off (savepoint here).
    with django_assert_max_num_queries(63) as small:
        compute(world.year)
    for i in range(15):
        e = EnterpriseFactory(district=world.b if i % 2 else world.a)
        SavingsLineFactory(report=SavingsReportFactory(enterprise=e, year=2024, status="verified"))
        CPOptionFactory(assessment__enterprise=e, assessment__status="approved", assessment__year=2024)
    with django_assert_max_num_queries(len(small.captured_queries)):
        compute(world.year)


def test_review_queue_and_enterprise_overview(world):
    city = review_queue(None, for_city_staff=True)
    assert city.assessments_submitted == 1 and city.savings_submitted == 1
    assert [i.enterprise for i in city.items] == [world.a2.name]
    officer_b = review_queue(world.b, for_city_staff=False)
    assert officer_b.savings_submitted == 1 and officer_b.items[0].period
    assert review_queue(world.a, for_city_staff=False).savings_submitted == 0
    overview = enterprise_overview(world.x, 2025)
    assert [p.year for p in overview.trend] == [2021, 2022, 2023, 2024, 2025]
    assert overview.trend[3].savings_vnd == 38_000_000 + 44_000_000 + 12_000_000
    assert overview.due == ()  # its 2024 report is verified
    assert enterprise_overview(world.a2, 2025).due  # its 2024 report was returned


def test_open_findings_are_those_the_reviewer_sees(world, django_assert_max_num_queries):
    from assessments.models import SavingsReport
    from assessments.services.savings import review_report
    from reporting.indicators import open_findings

    y_q3 = SavingsReportFactory(enterprise=world.y, year=2024, period="Q3", status="submitted")
    SavingsLineFactory(report=y_q3, resource=resource("electricity"), quantity=20_000, vnd_saved=1_000)
    x_q4 = SavingsReportFactory(enterprise=world.x, year=2024, period="Q4", status="submitted")
    SavingsLineFactory(report=x_q4, resource=resource("diesel_do"), quantity=10, vnd_saved=2_000_000)
    SavingsLineFactory(report=SavingsReportFactory(enterprise=world.b2, year=2024, period="Q3", status="submitted"))

    with django_assert_max_num_queries(7):
        findings = open_findings(2024, None)
    submitted = SavingsReport.objects.filter(year=2024, status="submitted")
    assert submitted.count() == 4
    for report in submitted:
        theirs = {(f.severity, f.code, f.message) for f in review_report(report).findings}
        mine = {(f.severity, f.code, f.message) for f in findings if f.report_id == report.pk}
        assert mine == theirs, report
    codes = {f.code for f in findings}
    assert {"implausible_unit_price", "exceeds_baseline_share", "vnd_inconsistent", "overlapping_period"} <= codes
    assert {f.report_id for f in open_findings(2024, world.a)} == {x_q4.pk}
    assert compute(2024).findings == findings


def test_open_findings_query_count_does_not_grow(world, django_assert_max_num_queries):
    from reporting.indicators import open_findings

    for _i in range(10):
        e = EnterpriseFactory(district=world.b)
        SavingsLineFactory(report=SavingsReportFactory(enterprise=e, year=2024, status="submitted"), quantity=2 * 10**9)
    with django_assert_max_num_queries(7):
        assert len(open_findings(2024, None)) >= 10
