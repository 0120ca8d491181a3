"""Figures across the reform of 1/7/2025: a year's rows are the units in force on its 31
December (the 30 districts up to 2024, the 126 communes and wards from 2025), with a "not yet
located" row, groupable by former district; the reports of a commune and of a former district;
the year-end batch. Files are really built and read back (pdftotext, openpyxl)."""

from __future__ import annotations

import io
import subprocess
from decimal import Decimal
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command

from enterprises.models import Commune, District
from reporting import services
from reporting.builders import build_pdf, build_xlsx
from reporting.indicators import compute
from reporting.report_data import ReportData

from ..factories import EnterpriseFactory, OfficerFactory, SavingsLineFactory, SavingsReportFactory

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def build(builder, ind) -> bytes:
    stream = io.BytesIO()
    builder(ReportData.for_indicators(ind), stream)
    return stream.getvalue()


def verified(enterprise, year: int, vnd: int) -> None:
    report = SavingsReportFactory(enterprise=enterprise, year=year, status="verified")
    SavingsLineFactory(report=report, vnd_saved=vnd)


@pytest.fixture
def spread(db):
    """Enterprises with verified savings in 2024 and 2026: two in communes formed from the former
    Hoàn Kiếm (Hoàn Kiếm 00070, Cửa Nam 00082), one in Đống Đa's, one not yet located."""
    hoan_kiem = District.objects.get(code="002")
    in_hk = EnterpriseFactory(district=hoan_kiem, commune=Commune.objects.get(code="00070"))
    in_cn = EnterpriseFactory(district=hoan_kiem, commune=Commune.objects.get(code="00082"))
    in_dd = EnterpriseFactory(district=District.objects.get(code="006"), commune=Commune.objects.get(code="00235"))
    lost = EnterpriseFactory(district=District.objects.get(code="006"), commune=None, address="Số 1, Đống Đa")
    for year in (2024, 2026):
        verified(in_hk, year, 1_000_000)
        verified(in_cn, year, 2_000_000)
        verified(in_dd, year, 4_000_000)
        verified(lost, year, 8_000_000)
    return {"hk": in_hk, "cn": in_cn, "dd": in_dd, "lost": lost}


def rows_by_code(ind):
    return {row.code: row for row in ind.districts}


def test_2024_is_broken_down_by_the_30_districts(spread):
    ind = compute(2024)
    assert not ind.by_communes
    rows = rows_by_code(ind)
    assert len([r for r in ind.districts if r.kind == "district"]) == 30
    assert rows["002"].savings_vnd == 3_000_000 and rows["006"].savings_vnd == 12_000_000
    assert sum(r.savings_vnd for r in ind.districts) == ind.savings_vnd == 15_000_000
    text = pdf_text(build(build_pdf, ind))
    assert "Kết quả theo quận/huyện" in text
    wb = openpyxl.load_workbook(io.BytesIO(build(build_xlsx, ind)))
    assert (
        "Theo quận-huyện" in wb.sheetnames and "Theo quận-huyện cũ" not in wb.sheetnames
    )  # "/" is not allowed in a title


def test_2026_is_broken_down_by_the_126_communes_with_a_not_yet_located_row(spread):
    ind = compute(2026)
    assert ind.by_communes
    communes = [r for r in ind.districts if r.kind == "commune"]
    [unlocated] = [r for r in ind.districts if r.is_unlocated]
    assert len(communes) == 126
    rows = rows_by_code(ind)
    assert (rows["00070"].savings_vnd, rows["00082"].savings_vnd, rows["00235"].savings_vnd) == (
        1_000_000,
        2_000_000,
        4_000_000,
    )
    assert unlocated.savings_vnd == 8_000_000 and unlocated.enterprises_active == 1
    assert sum(r.savings_vnd for r in ind.districts) == ind.savings_vnd == 15_000_000  # nothing dropped
    assert sum(r.enterprises_active for r in ind.districts) == ind.value("enterprises_active")

    text = " ".join(pdf_text(build(build_pdf, ind)).split())
    assert "Kết quả theo xã, phường" in text and "Kết quả theo quận/huyện" not in text
    assert "Phường Cửa Nam" in text and "Chưa xác định xã, phường" in text
    assert "Theo quận/huyện cũ" in text or "Nhóm theo quận/huyện cũ" in text

    wb = openpyxl.load_workbook(io.BytesIO(build(build_xlsx, ind)))
    sheet = wb["Theo xã, phường"]
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(values) == 127
    by_code = {row[0]: row for row in values}
    assert by_code["00082"][1] == "Phường Cửa Nam" and by_code["00082"][12] == 2_000_000
    grouped = list(wb["Theo quận-huyện cũ"].iter_rows(min_row=2, values_only=True))
    assert sum(row[10] for row in grouped) == 15_000_000


def test_a_former_district_group_equals_the_sum_of_its_communes(spread):
    ind = compute(2026)
    groups = {row.code: row for row in ind.former_districts}
    communes = [r for r in ind.districts if r.kind == "commune" and r.group_code == "002"]
    assert {r.code for r in communes} >= {"00070", "00082"}
    assert groups["002"].savings_vnd == sum(r.savings_vnd for r in communes) == 3_000_000
    assert groups["002"].enterprises_active == sum(r.enterprises_active for r in communes)
    assert sum(g.savings_vnd for g in ind.former_districts) == ind.savings_vnd
    # The report of the former district: the communes formed from it.
    report = compute(2026, District.objects.get(code="002"))
    assert report.savings_vnd == 3_000_000 and {r.code for r in report.districts} == {r.code for r in communes}


def test_a_commune_report_follows_its_enterprises_with_their_history(spread):
    cua_nam = Commune.objects.get(code="00082")
    assert compute(2026, cua_nam).savings_vnd == 2_000_000
    assert compute(2024, cua_nam).savings_vnd == 2_000_000  # before the reform, the same enterprise


def test_build_report_by_commune_and_former_district(spread, tmp_path):
    officer = OfficerFactory(username="canbo.hk", district=District.objects.get(code="002"))
    officer.commune = Commune.objects.get(code="00082")
    officer.save()
    out = tmp_path / "cn.xlsx"
    call_command(
        "build_report",
        "--year",
        "2026",
        "--commune",
        "00082",
        "--by",
        "canbo.hk",
        "--format",
        "xlsx",
        "--output",
        str(out),
        stdout=StringIO(),
    )
    wb = openpyxl.load_workbook(out)
    assert [r[0] for r in wb["Theo xã, phường"].iter_rows(min_row=2, values_only=True)] == ["00082"]
    with pytest.raises(Exception, match="may not request"):
        call_command(
            "build_report",
            "--year",
            "2026",
            "--commune",
            "00070",
            "--by",
            "canbo.hk",
            "--format",
            "xlsx",
            "--output",
            str(tmp_path / "x.xlsx"),
            stdout=StringIO(),
        )
    out = tmp_path / "fd.pdf"
    call_command(
        "build_report",
        "--year",
        "2026",
        "--former-district",
        "002",
        "--format",
        "pdf",
        "--output",
        str(out),
        stdout=StringIO(),
    )
    text = " ".join(pdf_text(out.read_bytes()).split())
    assert "Phường Cửa Nam" in text and "Phường Hoàn Kiếm" in text


def test_year_end_batch_covers_the_city_and_every_commune_in_force(doit_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        jobs = services.report_request_all(by=doit_user, year=2026, formats=["pdf"])
    assert jobs[0].district is None and jobs[0].commune is None
    assert len(jobs) == 127 and {j.commune.code for j in jobs[1:]} == set(
        Commune.objects.values_list("code", flat=True)
    )
    with django_capture_on_commit_callbacks(execute=False):
        earlier = services.report_request_all(by=doit_user, year=2024, formats=["pdf"])
    assert len(earlier) == 31 and all(j.commune is None for j in earlier)


def test_totals_stay_decimal(spread):
    ind = compute(2026)
    assert isinstance(sum((r.savings_toe for r in ind.districts), Decimal(0)), Decimal)


def test_the_unit_by_year_table_keeps_every_enterprise_across_the_reform(spread):
    """The city's savings series by former district: an enterprise registered after the reform
    (a commune, no district) counts in its commune's principal former district, one with neither
    in a "not yet located" row; each year's column adds up to the city's verified savings."""
    new = EnterpriseFactory(
        district=None, commune=Commune.objects.get(code="00070"), address="Phường Hoàn Kiếm, Hà Nội"
    )
    nowhere = EnterpriseFactory(district=None, commune=None, address="Hà Nội")
    verified(new, 2026, 16_000_000)
    verified(nowhere, 2026, 32_000_000)
    table = compute(2026).by_unit_year
    columns = list(table.col_labels)
    rows = dict(zip(table.row_labels, table.cells, strict=True))
    hoan_kiem = District.objects.get(code="002").name
    assert rows[hoan_kiem][columns.index("2026")] == 1_000_000 + 2_000_000 + 16_000_000
    assert rows["Chưa xác định xã, phường"][columns.index("2026")] == 32_000_000
    assert table.col_totals[columns.index("2026")] == 15_000_000 + 16_000_000 + 32_000_000
    assert table.col_totals[columns.index("2024")] == 15_000_000


def test_a_model_enterprise_is_placed_by_its_commune_else_its_former_district():
    from reporting.indicators.annex import _place

    new = EnterpriseFactory(
        district=None, commune=Commune.objects.get(code="00070"), address="Phường Hoàn Kiếm, Hà Nội"
    )

    assert _place(new) == Commune.objects.get(code="00070").name
    assert _place(EnterpriseFactory(district=District.objects.get(code="006"), commune=None)) == "Đống Đa"
    assert _place(EnterpriseFactory(district=None, commune=None, address="Hà Nội")) == ""
