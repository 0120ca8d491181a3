"""What the yearly report contains besides the indicators: shares of all industrial
establishments (DOIT's count), the funding and cost per TOE, the previous year, the model
enterprises, the factor annex with its fallbacks, and the pandas cross-tables, each against an
independent computation and read back from the files."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.db.models import Sum

from assessments.models import SavingsLine
from enterprises.models import Sector
from reporting import services
from reporting.indicators import compute, share
from reporting.models import EstablishmentCount, Funding, Indicator, ModelEnterpriseRule

from .expected import expected, trend
from .test_builders import pdf_text, vi

pytestmark = pytest.mark.django_db
YEAR = 2024


def build(fmt: str) -> bytes:
    stream = io.BytesIO()
    services.build_file(year=YEAR, district=None, fmt=fmt, stream=stream)
    return stream.getvalue()


def flat(text: str) -> str:
    return " ".join(text.split())


def test_shares_of_all_industrial_establishments_use_dois_count(world, doit_user):
    exp = expected(YEAR)
    assert compute(YEAR).measures["aware_share_all"] is None  # no count entered: no share invented
    EstablishmentCount.objects.create(year=2023, count=40, source="Niên giám thống kê Hà Nội 2023")
    ind = compute(YEAR)
    assert ind.establishments.count == 40 and ind.establishments.year == 2023  # latest year ≤ 2024
    assert ind.measures["aware_share_all"] == share(exp["aware_count"], 40)
    assert ind.measures["applying_share_all"] == share(exp["applying_count"], 40)
    assert compute(YEAR, world.a).measures["aware_share_all"] is None  # a district has no city count
    text = flat(pdf_text(build("pdf")))
    assert "40 cơ sở sản xuất công nghiệp" in text and "Niên giám thống kê Hà Nội 2023" in text


def test_a_sector_share_of_all_establishments_needs_the_sectors_counts(world, doit_user):
    division = Sector.objects.get(code="22")
    indicator = services.indicator_save(
        by=doit_user,
        indicator=Indicator(),
        data={
            "code": "aware_all_22",
            "name_vi": "Tỷ lệ cơ sở nhựa nhận thức",
            "name_en": "Plastics aware",
            "measure": "aware_share_all",
            "sectors": [division],
        },
    )
    assert compute(YEAR).fig[indicator.code].value is None
    EstablishmentCount.objects.create(year=YEAR, division=division, count=8, source="Cục Thống kê")
    aware_22 = sum(1 for e in (world.a2, world.b2) if e.active and e.pk in aware_ids(YEAR))
    assert compute(YEAR).fig[indicator.code].value == share(aware_22, 8)


def aware_ids(year: int) -> set[int]:
    from reporting.indicators.base import year_end
    from reporting.indicators.queries import enterprise_flags

    return set(enterprise_flags(year, None, year_end(year)).filter(is_aware=True).values_list("pk", flat=True))


def test_funding_and_cost_per_toe_saved(world):
    exp = expected(YEAR)
    Funding.objects.create(year=YEAR, source="city_budget", amount_vnd=300_000_000, activity="Đánh giá SXSH")
    Funding.objects.create(year=YEAR, source="industry_promotion", amount_vnd=150_000_000, activity="Tập huấn")
    Funding.objects.create(year=YEAR - 1, source="donor", amount_vnd=999, activity="Năm trước")
    ind = compute(YEAR)
    assert ind.funding_total == 450_000_000
    assert ind.cost_per_toe == (Decimal(450_000_000) / Decimal(exp["savings_toe"])).quantize(Decimal(1))
    text = flat(pdf_text(build("pdf")))
    assert vi(450_000_000) in text and vi(ind.cost_per_toe) in text
    wb = openpyxl.load_workbook(io.BytesIO(build("xlsx")))
    rows = list(wb["Kinh phí"].iter_rows(min_row=2, values_only=True))
    assert ("Tổng cộng", None, 450_000_000) in rows or any(r[2] == 450_000_000 for r in rows)


def test_comparison_with_the_previous_year_comes_from_the_trend(world):
    ind = compute(YEAR)
    exp = trend(range(YEAR - 1, YEAR + 1))
    rows = {r.code: r for r in ind.year_on_year}
    assert rows["savings_vnd"].value == exp[YEAR]["savings_vnd"]
    assert rows["savings_vnd"].previous == exp[YEAR - 1]["savings_vnd"]
    change = share(exp[YEAR]["savings_vnd"] - exp[YEAR - 1]["savings_vnd"], exp[YEAR - 1]["savings_vnd"])
    assert rows["savings_vnd"].change_pct == change


def test_model_enterprises_are_those_above_doits_thresholds_with_what_they_did(world):
    assert compute(YEAR).models == ()  # no thresholds, no list
    by_enterprise = dict(
        SavingsLine.objects.filter(report__status="verified", report__year=YEAR)
        .values_list("report__enterprise")
        .annotate(v=Sum("vnd_saved"))
    )
    threshold = sorted(by_enterprise.values())[-1]  # only the best one reaches it
    ModelEnterpriseRule.objects.create(year=YEAR, min_toe=0, min_vnd=threshold)
    models = compute(YEAR).models
    assert [m.savings_vnd for m in models] == [threshold]
    best = next(pk for pk, v in by_enterprise.items() if v == threshold)
    assert models[0].tax_code == type(world.x).objects.get(pk=best).tax_code
    assert models[0].actions  # the options it implemented
    assert models[0].name in flat(pdf_text(build("pdf")))


def test_the_factor_annex_lists_every_factor_used_and_the_grid_fallback(world):
    ind = compute(YEAR)
    used = {f.resource: f for f in ind.factors}
    electricity = next(f for name, f in used.items() if "điện" in name.lower() or "electric" in name.lower())
    assert electricity.valid_from_year < YEAR and electricity.fallback and electricity.source
    assert all(not f.fallback for f in ind.factors if f is not electricity)  # fuel factors are standing
    text = flat(pdf_text(build("pdf")))
    assert f"hệ số năm {electricity.valid_from_year}" in text


def test_cross_tables_are_pivoted_from_grouped_sql(world):
    exp = expected(YEAR)
    ind = compute(YEAR)
    table = ind.by_sector_category
    assert table.total == exp["savings_vnd"]
    assert sum(table.col_totals) == exp["savings_vnd"]
    years = ind.by_unit_year
    assert years.col_labels[-1] == str(YEAR)
    yearly = trend(range(int(years.col_labels[0]), YEAR + 1))
    assert list(years.col_totals) == [yearly[int(y)]["savings_vnd"] for y in years.col_labels]
    wb = openpyxl.load_workbook(io.BytesIO(build("xlsx")))
    sheet = list(wb["Theo ngành và nhóm giải pháp"].iter_rows(min_row=2, values_only=True))
    assert sum(row[-1] for row in sheet) == exp["savings_vnd"]


def test_doit_enters_the_years_counts_funding_and_thresholds_on_one_page(client, doit_user, officer_a):
    from django.urls import reverse

    url = reverse("reporting:inputs")
    client.force_login(officer_a)
    assert client.get(url).status_code == 403
    client.force_login(doit_user)
    assert client.get(url, {"year": YEAR}).status_code == 200
    data = {
        "year": YEAR,
        "est-TOTAL_FORMS": 1,
        "est-INITIAL_FORMS": 0,
        "est-0-division": "",
        "est-0-count": "1234",
        "est-0-source": "Niên giám thống kê",
        "fund-TOTAL_FORMS": 1,
        "fund-INITIAL_FORMS": 0,
        "fund-0-source": "industry_promotion",
        "fund-0-amount_vnd": "150000000",
        "fund-0-activity": "Tập huấn SXSH",
        "fund-0-note": "",
        "min_toe": "1",
        "min_vnd": "",
    }
    assert client.post(url, data).status_code == 302
    assert EstablishmentCount.objects.get(year=YEAR).count == 1234
    assert Funding.objects.get(year=YEAR).amount_vnd == 150_000_000
    assert ModelEnterpriseRule.objects.get(year=YEAR).min_toe == 1
    data["est-0-count"] = "-5"  # refused next to the field, nothing else written
    response = client.post(url, data)
    assert response.status_code == 200 and EstablishmentCount.objects.count() == 1


def test_the_data_quality_section_names_verified_reports_that_carry_warnings(db):
    from reporting.builders import build_pdf
    from reporting.report_data import ReportData

    from ..factories import EnterpriseFactory, SavingsLineFactory, SavingsReportFactory

    enterprise = EnterpriseFactory()
    for warnings in (0, 2):
        report = SavingsReportFactory(
            enterprise=enterprise,
            year=2023,
            period="Q1" if warnings else "Q2",
            status="verified",
            warning_count=warnings,
            warnings_justification="Đã đối chiếu hóa đơn điện." if warnings else "",
        )
        SavingsLineFactory(report=report)
    ind = compute(2023)
    warned = [w for w in ind.warnings if w.code == "verified_with_warnings"]
    assert [w.count for w in warned] == [1]
    stream = io.BytesIO()
    build_pdf(ReportData.for_indicators(ind), stream)
    text = " ".join(pdf_text(stream.getvalue()).split())
    assert "1 báo cáo tiết kiệm năm 2023 đã được xác nhận dù có cảnh báo" in text
