"""Plans after 2020 shipped with the source of every target, indicators DOIT defines (checked
against SQL written here), and the plans in force side by side in the PDF."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from enterprises.models import Sector
from reporting.indicators import compute
from reporting.models import ActionPlan, Indicator, Target
from reporting.services import indicator_save
from tests.factories import ActionPlanFactory, TargetFactory

from .test_builders import build, pdf_text

pytestmark = pytest.mark.django_db


def test_plans_after_2020_are_loaded_with_level_period_and_the_source_of_every_target(db):
    plans = {p.decision_number: p for p in ActionPlan.objects.all()}
    assert {
        "1419/QĐ-TTg",
        "889/QĐ-TTg",
        "4052/QĐ-UBND",
        "55/KH-UBND",
        "266/KH-UBND",
        "293/KH-UBND",
        "263/KH-UBND",
    } <= set(plans)
    p889 = plans["889/QĐ-TTg"]
    assert (p889.level, p889.first_year, p889.last_year, p889.issued_on) == (
        "national",
        2021,
        2030,
        dt.date(2020, 6, 24),
    )
    assert plans["263/KH-UBND"].level == "city" and plans["263/KH-UBND"].issued_on == dt.date(2023, 11, 6)
    assert plans["1419/QĐ-TTg"].level == "national" and plans["1419/QĐ-TTg"].last_year == 2020
    shipped = Target.objects.filter(plan__in=plans.values())
    assert shipped.count() >= 15 and not shipped.filter(source="").exists()
    cut = Target.objects.get(plan=p889, indicator__code="intensity_cut_pct_scp", year=2025)
    assert (cut.value, cut.value_max) == (5, 8) and "5–8%" in cut.note
    assert set(cut.indicator.sectors.values_list("code", flat=True)) >= {"13", "24", "17"}
    city_2024 = Target.objects.get(plan=plans["263/KH-UBND"], indicator__code="intensity_cut_pct_2024")
    assert (city_2024.value, city_2024.value_max) == (Decimal("3.5"), Decimal("4.5"))
    # A plan whose text was not found ships without targets (DOIT enters them).
    assert not Target.objects.filter(plan=plans["4052/QĐ-UBND"]).exists()


def test_todays_sixteen_codes_are_built_in_indicator_rows(db):
    codes = set(Indicator.objects.filter(built_in=True).values_list("code", flat=True))
    assert {"aware_share", "applying_share", "savings_toe", "districts_covered_share", "energy_saving_pct"} <= codes
    assert Indicator.objects.get(code="savings_tco2e").name_vi == "Phát thải CO2 tránh được (đã xác nhận)"


def _independent_applying_share(year: int, divisions: list[str]) -> Decimal:
    """Applying share of the active enterprises of ``divisions``, written in SQL here."""
    sql = """
        SELECT count(*) FILTER (WHERE EXISTS (
                   SELECT 1 FROM assessments_cpoption o
                   JOIN assessments_assessment a ON a.id = o.assessment_id
                   WHERE a.enterprise_id = e.id AND a.status = 'approved' AND o.status = 'implemented'
                     AND o.implemented_on <= %s)),
               count(*)
        FROM enterprises_enterprise e
        JOIN enterprises_sector s ON s.id = e.sector_id
        LEFT JOIN enterprises_sector p ON p.id = s.parent_id
        WHERE e.active AND (s.code = ANY(%s) OR p.code = ANY(%s))
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [dt.date(year, 12, 31), divisions, divisions])
        applying, active = cursor.fetchone()
    return (Decimal(applying) * 100 / Decimal(active)).quantize(Decimal("0.01"))


def _independent_savings_vnd(year: int, divisions: list[str]) -> int:
    sql = """
        SELECT coalesce(sum(l.vnd_saved), 0)
        FROM assessments_savingsline l
        JOIN assessments_savingsreport r ON r.id = l.report_id
        JOIN enterprises_enterprise e ON e.id = r.enterprise_id
        JOIN enterprises_sector s ON s.id = e.sector_id
        LEFT JOIN enterprises_sector p ON p.id = s.parent_id
        WHERE r.status = 'verified' AND r.year = %s AND (s.code = ANY(%s) OR p.code = ANY(%s))
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [year, divisions, divisions])
        return int(cursor.fetchone()[0])


def test_doit_defined_indicator_with_a_sector_filter_matches_independent_sql(world, doit_user):
    division = world.a2.sector.parent.code if world.a2.sector.parent else world.a2.sector.code
    share = indicator_save(
        by=doit_user,
        indicator=Indicator(),
        data={
            "code": "applying_share_plastics",
            "name_vi": "Tỷ lệ doanh nghiệp nhựa áp dụng SXSH",
            "name_en": "Plastics enterprises applying CP",
            "measure": "applying_share",
            "sectors": list(Sector.objects.filter(code=division)),
        },
    )
    saved = indicator_save(
        by=doit_user,
        indicator=Indicator(),
        data={
            "code": "savings_vnd_plastics",
            "name_vi": "Giá trị tiết kiệm của ngành nhựa",
            "name_en": "Savings of the plastics sector",
            "measure": "savings_vnd",
            "sectors": list(Sector.objects.filter(code=division)),
        },
    )
    fig = compute(world.year).fig
    assert fig[share.code].value == _independent_applying_share(world.year, [division])
    assert fig[saved.code].value == _independent_savings_vnd(world.year, [division])
    assert 0 < fig[saved.code].value < fig["savings_vnd"].value  # narrowed, not the city's total
    # A target on it is compared in the plans.
    plan = ActionPlanFactory(
        decision_number="7/KH-UBND", first_year=2024, last_year=2024, issued_on=dt.date(2024, 1, 3)
    )
    TargetFactory(plan=plan, indicator=share, year=2024, value=fig[share.code].value)
    row = next(p for p in compute(world.year).plans if p.decision_number == "7/KH-UBND").targets[0]
    assert row.code == share.code and row.status == "achieved"


def test_a_filter_the_measure_cannot_take_is_refused(db, doit_user):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        indicator_save(
            by=doit_user,
            indicator=Indicator(),
            data={
                "code": "courses_plastics",
                "name_vi": "Khóa học ngành nhựa",
                "name_en": "Courses, plastics",
                "measure": "courses_held",
                "sectors": list(Sector.objects.filter(code="22")),
            },
        )


def test_two_plans_side_by_side_in_the_pdf(world):
    plan = ActionPlanFactory(
        decision_number="99/KH-UBND", first_year=2024, last_year=2024, issued_on=dt.date(2024, 2, 1)
    )
    TargetFactory(plan=plan, indicator="aware_share", year=2024, value=50)
    text = pdf_text(build_pdf_bytes(world.year))
    flat = " ".join(text.split())
    assert "889/QĐ-TTg" in flat and "263/KH-UBND" in flat and "99/KH-UBND" in flat
    assert flat.index("889/QĐ-TTg (quốc gia") < flat.index("263/KH-UBND (thành phố")
    assert "Kết quả so với chỉ tiêu" in flat and "Đạt" in flat and "Chưa có số liệu" in flat
    assert "(chỉ tiêu năm 2025)" in flat  # 889's milestone shown with its year


def build_pdf_bytes(year: int) -> bytes:
    from django.utils import translation

    from reporting.builders.pdf import build_pdf

    with translation.override("vi"):
        return build(build_pdf, compute(year))
