"""Data-quality rules as pure functions: each rule, at its boundaries."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.utils import translation

from assessments import quality
from assessments.quality import BaselineFacts, LineFacts, ReportFacts

TODAY = datetime.date(2025, 6, 15)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def line(quantity="1000", vnd="2000000", resource="electricity", unit="kWh") -> LineFacts:
    return LineFacts(
        resource=resource,
        resource_name=resource.title(),
        unit=unit,
        quantity=None if quantity is None else D(quantity),
        vnd_saved=None if vnd is None else D(vnd),
    )


def facts(lines=None, year=2024, period="Y", today=TODAY, **kw) -> ReportFacts:
    return ReportFacts(year=year, period=period, today=today, lines=[line()] if lines is None else lines, **kw)


def codes(f: ReportFacts) -> list[str]:
    return [finding.code for finding in quality.check(f)]


def test_a_clean_report_has_no_finding():
    assert quality.check(facts()) == []


# --- errors -----------------------------------------------------------------------------------


def test_report_without_lines_is_an_error():
    found = quality.check(facts(lines=[]))
    assert [(f.code, f.severity) for f in found] == [("no_lines", "error")]


def test_negative_quantity_is_an_error_on_its_line():
    found = quality.check(facts(lines=[line(), line("-0.01")]))
    assert [(f.code, f.line) for f in found] == [("negative_quantity", 1)]
    assert found[0].is_error


def test_zero_quantity_is_not_an_error():
    assert "negative_quantity" not in codes(facts(lines=[line("0", "0")]))


@pytest.mark.parametrize(("unit", "limit"), sorted(quality.ABSURD_QUANTITY_BY_UNIT.items()))
def test_absurd_quantity_boundary(unit, limit):
    assert codes(facts(lines=[line(str(limit), None, unit=unit)])) == []
    assert codes(facts(lines=[line(str(limit + D("0.01")), None, unit=unit)])) == ["absurd_quantity"]


def test_absurd_quantity_unknown_unit_uses_default():
    over = quality.ABSURD_QUANTITY_DEFAULT + 1
    assert codes(facts(lines=[line(str(over), None, unit="piece")])) == ["absurd_quantity"]


def test_negative_and_absurd_vnd_are_errors():
    assert codes(facts(lines=[line("10", "-1")])) == ["negative_vnd"]
    assert codes(facts(lines=[line("10", str(quality.ABSURD_VND))])) == []
    assert codes(facts(lines=[line("10", str(quality.ABSURD_VND + 1))])) == ["absurd_vnd"]


@pytest.mark.parametrize(
    ("year", "period", "today", "blocked"),
    [
        (2024, "Y", datetime.date(2024, 12, 31), False),  # ends today: over
        (2024, "Y", datetime.date(2024, 12, 30), True),
        (2025, "Q1", datetime.date(2025, 3, 31), False),
        (2025, "Q1", datetime.date(2025, 3, 30), True),
        (2025, "Q2", datetime.date(2025, 6, 30), False),
        (2025, "Q2", datetime.date(2025, 6, 29), True),
        (2025, "Q3", datetime.date(2025, 9, 30), False),
        (2025, "Q4", datetime.date(2025, 12, 31), False),
        (2026, "Q1", datetime.date(2025, 6, 15), True),
    ],
)
def test_period_in_the_future_is_an_error(year, period, today, blocked):
    assert ("future_period" in codes(facts(year=year, period=period, today=today))) is blocked


def test_duplicate_period_is_an_error():
    assert codes(facts(other_periods=[(2024, "Y")])) == ["duplicate_period"]
    assert codes(facts(period="Q2", other_periods=[(2024, "Q2"), (2024, "Q1")])) == ["duplicate_period"]


def test_other_years_and_other_quarters_are_not_duplicates():
    assert codes(facts(other_periods=[(2023, "Y"), (2025, "Y")])) == []
    assert codes(facts(period="Q3", other_periods=[(2024, "Q1"), (2024, "Q2")])) == []


def test_yearly_and_quarterly_reports_of_one_year_overlap():
    assert codes(facts(period="Q1", other_periods=[(2024, "Y")])) == ["overlapping_period"]
    assert codes(facts(period="Y", other_periods=[(2024, "Q4")])) == ["overlapping_period"]


# --- warnings ---------------------------------------------------------------------------------


def baseline(quantity="10000", cost="20000000", year=2023) -> dict:
    return {"electricity": BaselineFacts(D(quantity), None if cost is None else D(cost), year)}


def test_saving_larger_than_the_yearly_baseline_is_an_error_boundary():
    assert codes(facts(lines=[line("10000", "20000000")], baseline=baseline())) == []
    found = quality.check(facts(lines=[line("10000.01", "20000020")], baseline=baseline()))
    assert [(f.code, f.severity, f.line) for f in found] == [("exceeds_baseline", "error", 0)]


def test_baseline_comparison_sums_lines_of_a_resource():
    lines = [line("6000", "12000000"), line("4000.5", "8001000")]
    found = quality.check(facts(lines=lines, baseline=baseline()))
    assert [(f.code, f.line) for f in found] == [("exceeds_baseline", 0)]


def test_quarter_above_a_quarter_of_the_baseline_is_a_warning_above_the_year_an_error():
    assert codes(facts(period="Q1", lines=[line("2500", "5000000")], baseline=baseline())) == []
    found = quality.check(facts(period="Q1", lines=[line("2501", "5002000")], baseline=baseline()))
    assert [(f.code, f.severity) for f in found] == [("exceeds_baseline_share", "warning")]
    found = quality.check(facts(period="Q1", lines=[line("10001", "20002000")], baseline=baseline()))
    assert [(f.code, f.severity) for f in found] == [("exceeds_baseline", "error")]


def test_resource_absent_from_baseline_gives_no_baseline_warning():
    water = line("999999", None, resource="water", unit="m3")
    assert codes(facts(lines=[water], baseline=baseline())) == []


def test_jump_of_more_than_three_times_previous_year_is_a_warning_boundary():
    previous = {"electricity": D("1000")}
    assert codes(facts(lines=[line("3000", None)], previous_year_verified=previous)) == []
    found = quality.check(facts(lines=[line("3000.01", None)], previous_year_verified=previous))
    assert [(f.code, f.severity) for f in found] == [("jump_vs_previous_year", "warning")]
    assert "2023" in found[0].message


def test_jump_for_a_quarter_uses_a_quarter_of_previous_year():
    previous = {"electricity": D("4000")}
    assert codes(facts(period="Q2", lines=[line("3000", None)], previous_year_verified=previous)) == []
    assert codes(facts(period="Q2", lines=[line("3001", None)], previous_year_verified=previous)) == [
        "jump_vs_previous_year"
    ]


def test_no_previous_year_saving_gives_no_jump_warning():
    assert codes(facts(lines=[line("1000000", None)], previous_year_verified={})) == []
    assert codes(facts(lines=[line("1000000", None)], previous_year_verified={"electricity": D(0)})) == []


def test_vnd_inconsistent_with_quantity_boundaries():
    # baseline unit cost: 20,000,000 / 10,000 = 2,000 VND per kWh; saving 100 kWh.
    base = baseline()
    assert codes(facts(lines=[line("100", "1000000")], baseline=base)) == []  # 10,000/kWh = 5x
    assert codes(facts(lines=[line("100", "1000001")], baseline=base)) == ["vnd_inconsistent"]
    assert codes(facts(lines=[line("100", "40000")], baseline=base)) == []  # 400/kWh = 1/5
    assert codes(facts(lines=[line("100", "39999")], baseline=base)) == ["vnd_inconsistent"]


def test_vnd_check_needs_a_baseline_cost():
    assert codes(facts(lines=[line("100", "99999999")], baseline=baseline(cost=None))) == []
    assert codes(facts(lines=[line("100", "99999999")])) == []


def test_vnd_without_quantity_is_a_warning():
    assert codes(facts(lines=[line("0", "500000")])) == ["vnd_without_quantity"]


def test_errors_come_before_warnings_and_helpers_split_them():
    found = quality.check(
        facts(
            lines=[line("9000", "95000000"), line("-1", None)],
            baseline=baseline(),
            other_periods=[(2024, "Y")],
            previous_year_verified={"electricity": D("1000")},
        )
    )
    severities = [f.severity for f in found]
    assert severities == sorted(severities)  # "error" < "warning"
    assert {f.code for f in quality.errors(found)} == {"negative_quantity", "duplicate_period"}
    assert {f.code for f in quality.warnings(found)} == {"jump_vs_previous_year", "vnd_inconsistent"}


def test_thresholds_are_named_constants():
    assert quality.JUMP_FACTOR == 3
    assert quality.UNIT_PRICE_FACTOR == 5


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        ("Y", datetime.date(2024, 1, 1), datetime.date(2024, 12, 31)),
        ("Q1", datetime.date(2024, 1, 1), datetime.date(2024, 3, 31)),
        ("Q2", datetime.date(2024, 4, 1), datetime.date(2024, 6, 30)),
        ("Q3", datetime.date(2024, 7, 1), datetime.date(2024, 9, 30)),
        ("Q4", datetime.date(2024, 10, 1), datetime.date(2024, 12, 31)),
    ],
)
def test_period_bounds(period, start, end):
    assert quality.period_bounds(2024, period) == (start, end)
