"""The figures of the city and of every unit in one pass (``indicators.compute_all``): the same
number of queries for 3 units as for 30, with or without the city, and each scope's figures equal
to ``compute_live`` of that scope, for a year broken down by districts (2024) and one broken down
by communes (2025)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enterprises.models import Commune, District, IndustrialZone, Sector
from reporting.areas import area_for, batch_units
from reporting.indicators import compute_all, compute_live, open_findings
from reporting.models import Indicator, ModelEnterpriseRule
from reporting.services import indicator_save

from ..factories import (
    AssessmentFactory,
    AttendanceFactory,
    BaselineConsumptionFactory,
    CourseFactory,
    CPOptionFactory,
    EnterpriseFactory,
    EnterpriseParticipationFactory,
    SavingsLineFactory,
    SavingsReportFactory,
    TrainingOfficerFactory,
    resource,
)

pytestmark = pytest.mark.django_db
D = dt.date


def _lines(report, *rows):
    for code, quantity, vnd, *option in rows:
        SavingsLineFactory(
            report=report,
            resource=resource(code),
            quantity=quantity,
            vnd_saved=vnd,
            option=option[0] if option else None,
        )
    return report


def _assessed(enterprise, year, options, baseline=(("electricity", 200_000), ("diesel_do", 20_000))):
    """An approved assessment with its baseline and options (category, implemented on,
    investment, expected savings); returns the options."""
    assessment = AssessmentFactory(enterprise=enterprise, year=year, status="approved")
    for code, quantity in baseline:
        BaselineConsumptionFactory(assessment=assessment, resource=resource(code), quantity=quantity)
    return [
        CPOptionFactory(
            assessment=assessment,
            category=category,
            status="implemented" if on else "proposed",
            implemented_on=on,
            investment_vnd=investment,
            expected_savings_vnd=expected,
        )
        for category, on, investment, expected in options
    ]


def _filtered_indicators(user, district: District) -> None:
    """Indicators with filters of every family of measures (flags, assessments, options,
    savings, models), and one of a single district."""
    food = list(Sector.objects.filter(code="10"))
    for code, measure, extra in [
        ("applying_share_food", "applying_share", {"sectors": food}),
        ("assessments_food", "assessments_completed", {"sectors": food}),
        ("options_small", "options_implemented", {"size": "small"}),
        ("investment_small", "investment_vnd", {"size": "small"}),
        ("electricity_toe", "savings_toe", {"resource": resource("electricity")}),
        ("models_food", "models", {"sectors": food}),
        ("savings_vnd_one_district", "savings_vnd", {"district": district}),
    ]:
        indicator_save(
            by=user,
            indicator=Indicator(),
            data={"code": code, "name_vi": code, "name_en": code, "measure": measure, **extra},
        )


def _populate(year: int, places: list[dict], unlocated: dict, user) -> SimpleNamespace:
    """Enterprises in several units (``places``: factory keywords placing one), with
    assessments, options of several categories, verified savings of several resources, a
    report awaiting verification with findings, training and an industrial zone; one enterprise
    not located; a rule for model enterprises; indicators with filters."""
    plastics = Sector.objects.get(code="22")
    zone = IndustrialZone.objects.create(name="KCN Thử nghiệm", district=District.objects.get(code="017"))
    ModelEnterpriseRule.objects.create(year=year, min_toe=0, min_vnd=1)
    made = []
    places = [{"address": "Số 1, phố Huế, Hà Nội", **place} for place in places]
    for n, place in enumerate(places):
        first = EnterpriseFactory(name=f"Công ty A{n}", **place)
        second = EnterpriseFactory(name=f"Công ty B{n}", sector=plastics, size="medium", industrial_zone=zone, **place)
        EnterpriseFactory(name=f"Công ty đóng cửa {n}", active=False, **place)
        o1, o2, _o3, o4 = _assessed(
            first,
            year,
            [
                ("housekeeping", D(year, 3, 1), 50_000_000 * (n + 1), 25_000_000),
                ("technology", D(year, 5, 1), 600_000_000, 100_000_000 + n),
                ("equipment", None, 80_000_000, 40_000_000),
                ("housekeeping", D(year, 7, 1), 40_000_000, 10_000_000 * (n + 1)),
            ],
        )
        (o5,) = _assessed(second, year - 1, [("recovery", D(year, 2, 1), 90_000_000, 30_000_000)])
        _lines(
            SavingsReportFactory(enterprise=first, year=year, period="Y", status="verified", output_quantity=1000),
            ("electricity", 20_000 + n, 38_000_000, o1),
            ("diesel_do", 2_000, 44_000_000, o2),
            ("water", 1_000, 12_000_000),
            ("electricity", 500, 950_000, o4),
        )
        _lines(
            SavingsReportFactory(enterprise=second, year=year, period="Q1", status="verified"),
            ("electricity", "5000.5", 9_500_000, o5),
            ("lpg", 300, 7_500_000),
        )
        _lines(
            SavingsReportFactory(enterprise=second, year=year - 1, period="Y", status="verified"), ("coal_3_4", 10, 1)
        )
        # Awaiting verification: saves more electricity than the baseline consumed (findings).
        _lines(
            SavingsReportFactory(enterprise=first, year=year, period="Q4", status="submitted"),
            ("electricity", 900_000, 1_000),
        )
        _lines(SavingsReportFactory(enterprise=second, year=year, period="Q2", status="returned"), ("water", 5, 1))
        AssessmentFactory(enterprise=second, year=year, status="submitted")
        office = {k: v for k, v in place.items() if k in ("district", "commune")}
        if "commune" in office:
            office["district"] = None
        officer = TrainingOfficerFactory(**office)
        course = CourseFactory(kind="officer", start_date=D(year, 6, 1), **office)
        AttendanceFactory(officer=officer, course=course, passed=True)
        if n % 2:
            awareness = CourseFactory(kind="awareness", start_date=D(year, 4, 1), **office)
            EnterpriseParticipationFactory(enterprise=first, course=awareness)
        made.append((first, second))
    lost = EnterpriseFactory(name="Công ty chưa định vị", address="Số 9, Hà Nội", **unlocated)
    _lines(
        SavingsReportFactory(enterprise=lost, year=year, period="Y", status="verified"), ("electricity", 700, 1_330_000)
    )
    city_wide = CourseFactory(kind="workshop", start_date=D(year, 9, 1))
    EnterpriseParticipationFactory(enterprise=made[0][1], course=city_wide)
    EnterpriseParticipationFactory(enterprise=lost, course=city_wide)
    city_officer = CourseFactory(kind="officer", start_date=D(year, 10, 1))
    AttendanceFactory(officer=TrainingOfficerFactory(**office), course=city_officer, passed=False)
    _filtered_indicators(user, District.objects.get(code="006"))
    return SimpleNamespace(made=made, lost=lost)


@pytest.fixture
def year_2024(doit_user):
    districts = [District.objects.get(code=code) for code in ("006", "017", "002")]
    _populate(2024, [{"district": d} for d in districts], {"district": None, "commune": None}, doit_user)
    return SimpleNamespace(year=2024, units=districts)


@pytest.fixture
def year_2025(doit_user):
    communes = [Commune.objects.get(code=code) for code in ("00070", "00082", "00235", "00454")]
    _populate(
        2025,
        [{"district": None, "commune": c} for c in communes],
        {"district": District.objects.get(code="006"), "commune": None},
        doit_user,
    )
    return SimpleNamespace(year=2025, units=communes)


def _same(a, b) -> None:
    a, b = dataclasses.replace(a, computed_at=None), dataclasses.replace(b, computed_at=None)
    for field in dataclasses.fields(a):
        assert getattr(a, field.name) == getattr(b, field.name), (a.district_code, field.name)


def _queries(year: int, areas: list) -> int:
    with CaptureQueriesContext(connection) as captured:
        compute_all(year, areas)
    return len(captured.captured_queries)


@pytest.mark.parametrize("fixture", ["year_2024", "year_2025"])
def test_every_scope_equals_its_own_computation(request, fixture):
    data = request.getfixturevalue(fixture)
    year = data.year
    units = batch_units(year)
    areas = [None, *(area_for(year, u) for u in units)]
    result = compute_all(year, areas)
    assert list(result) == [None, *(u.code for u in units)]
    assert open_findings(year, None)  # the data exercises the findings
    for area in areas:
        _same(result[area.code if area else None], compute_live(year, area))
    # The data reaches every part of a unit's figures.
    unit = result[data.units[1].code]
    assert unit.findings and unit.models and unit.trend[-1].savings_vnd and unit.energy.enterprises
    assert unit.training.officers_trained and unit.training.courses_held and unit.categories[0].median_payback_years
    assert unit.by_unit_year.cells and unit.by_sector_category.cells and unit.warnings
    assert unit.value("zones_reached") == 1 and unit.fig["electricity_toe"].value
    # A unit's findings are its own; all units' and the unlocated ones make the city's.
    city = result[None]
    assert sum(len(result[u.code].findings) for u in units) == len(city.findings)


@pytest.mark.parametrize("fixture", ["year_2024", "year_2025"])
def test_the_queries_do_not_grow_with_the_number_of_units(request, fixture):
    year = request.getfixturevalue(fixture).year
    units = [area_for(year, u) for u in batch_units(year)]
    few = _queries(year, units[:3])
    assert _queries(year, units[:30]) == few
    with_city = _queries(year, [None, *units[:3]])
    assert _queries(year, [None, *units[:30]]) == with_city
    assert with_city < few + 80  # the city adds its own fixed set of queries


def test_findings_off_and_other_areas_fall_back(year_2025):
    year = 2025
    former = area_for(year, District.objects.get(code="002"))  # the communes formed from Hoàn Kiếm
    commune = area_for(year, year_2025.units[0])
    result = compute_all(year, [commune, former], with_findings=False)
    assert result[commune.code].findings == () and result[former.code].findings == ()
    _same(result[former.code], compute_live(year, former, with_findings=False))
    _same(result[commune.code], compute_live(year, commune, with_findings=False))
