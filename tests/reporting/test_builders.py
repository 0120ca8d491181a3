"""The PDF and the Excel file are really produced and read back (pdftotext, openpyxl)."""

from __future__ import annotations

import io
import subprocess
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import translation

from reporting.builders.pdf import build_pdf, document_subtitle
from reporting.builders.xlsx import build_xlsx
from reporting.indicators import compute
from reporting.report_data import ReportData
from tests.factories import EnterpriseFactory, SavingsLineFactory, SavingsReportFactory

from .expected import expected

pytestmark = pytest.mark.django_db


def pdf_text(data: bytes, *args: str) -> str:
    result = subprocess.run(["pdftotext", *args, "-", "-"], input=data, capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def vi(value: Decimal | int, places: int = 0) -> str:
    """The Vietnamese way, computed here independently: 1.234.567,89."""
    text = f"{round(Decimal(value), places):,.{places}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def build(builder, ind) -> bytes:
    stream = io.BytesIO()
    builder(ReportData.for_indicators(ind), stream)
    return stream.getvalue()


def test_pdf_holds_the_totals_formatted_the_vietnamese_way(world):
    exp = expected(world.year)
    data = build(build_pdf, compute(world.year))
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    with translation.override("vi"):
        title = document_subtitle(world.year)
    assert title == "Kết quả thực hiện Kế hoạch hành động sản xuất sạch hơn trong công nghiệp năm 2024"
    assert f"BÁO CÁO {title}" in " ".join(text.split())
    assert vi(exp["savings_vnd"]) in text  # 126.000.000
    assert vi(exp["savings_toe"], 2) in text  # 5,94
    assert vi(exp["savings_tco2e"], 2) in text  # 22,80
    assert vi(exp["investment_vnd"]) in text
    for code in ("006", "017"):
        assert vi(exp["districts"][code]["savings_vnd"]) in text
    assert "Đống Đa" in text and "Đông Anh" in text and "Sinh khối" in text  # Vietnamese glyphs survive
    assert vi(exp["aware_share"], 2) in text and vi(exp["energy_saving_pct"], 2) in text


def test_pdf_is_a4_in_times_metrics_with_page_numbers_from_the_second_page(world):
    data = build(build_pdf, compute(world.year))
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages > 5 and "A4" in info
    fonts = subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True).stdout.decode()
    assert "Liberation-Serif" in fonts  # metric-compatible with Times New Roman (Decree 30/2020/NĐ-CP)
    assert all(" yes " in line for line in fonts.splitlines()[2:]), fonts  # every font embedded
    # Page numbers centred at the top, none on the first page (the decree's appendix).
    first, second = (pdf_text(data, "-f", str(n), "-l", str(n)) for n in (1, 2))
    assert first.split()[0] == "UBND" and second.split()[0] == "2"


def test_district_pdf_has_the_districts_figures(world):
    exp = expected(world.year, world.b)
    text = pdf_text(build(build_pdf, compute(world.year, world.b)))
    assert "Đông Anh" in text
    assert vi(exp["savings_vnd"]) in text
    assert "Đống Đa" not in text


def test_empty_year_builds_both_formats(db):
    ind = compute(2012)
    assert pdf_text(build(build_pdf, ind))
    wb = openpyxl.load_workbook(io.BytesIO(build(build_xlsx, ind)))
    assert wb.worksheets[0].max_row > 1  # the summary's figures, none of them computed from a line


def _rows(ws):
    return list(ws.iter_rows(values_only=True))


def test_excel_holds_the_same_numbers_as_cells(world):
    exp = expected(world.year)
    ind = compute(world.year)
    data = build(build_xlsx, ind)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    summary, targets, by_district, by_sector, options, resources, trend_ws, training, warnings, *_annex = wb.worksheets

    values = {row[0]: row[1] for row in _rows(summary)[1 : len(ind.figures) + 1]}
    for f in ind.figures:
        if f.code not in exp:
            continue
        e = exp[f.code]
        assert values[f.label] == (None if e is None else pytest.approx(float(e))), f.code
    assert summary.freeze_panes == "A2" and summary.auto_filter.ref.startswith("A1:")
    assert isinstance(values[ind.fig["savings_vnd"].label], int | float)

    header, *rows = _rows(by_district)
    assert (
        len(rows) == 30 and by_district.freeze_panes == "A2" and by_district.auto_filter.ref == f"A1:P{len(rows) + 1}"
    )
    row = next(r for r in rows if r[0] == "006")
    d = exp["districts"]["006"]
    assert row[3] == d["enterprises_active"] and row[8] == d["assessments_completed"] and row[12] == d["savings_vnd"]
    assert row[10] == pytest.approx(float(d["savings_toe"]))
    assert by_district.cell(row=rows.index(row) + 2, column=13).number_format == "#,##0"

    sectors = {r[0]: r for r in _rows(by_sector)[1:]}
    assert sectors["22"][9] == exp["sectors"]["22"]["savings_vnd"]

    categories = {r[0]: r for r in _rows(options)[1:]}
    hk = next(c for c in ind.categories if c.code == "housekeeping")
    assert categories[hk.label][1:6] == (2, 3, 120_000_000, 35_000_000, 38_000_000) and categories[hk.label][6] == 3

    by_resource = {r[0]: r for r in _rows(resources)[1:]}
    assert by_resource["Điện"][2] == pytest.approx(float(exp["resources"]["electricity"]["quantity"]))
    assert by_resource["Sinh khối"][3] is None  # no factor: an empty cell, not a zero

    assert any(r[0] == "factor_missing" for r in _rows(warnings)[1:])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert any(name.startswith("xl/charts/chart") for name in z.namelist())  # a native chart


def test_build_report_command_writes_both_formats(world, tmp_path):
    pdf, xlsx = tmp_path / "r.pdf", tmp_path / "r.xlsx"
    call_command("build_report", year=2024, fmt="pdf", output=str(pdf), stdout=io.StringIO())
    call_command(
        "build_report",
        "--year",
        "2024",
        "--district",
        "017",
        "--format",
        "xlsx",
        "--output",
        str(xlsx),
        stdout=io.StringIO(),
    )
    assert vi(expected(2024)["savings_vnd"]) in pdf_text(pdf.read_bytes())
    wb = openpyxl.load_workbook(xlsx)
    assert [r[0] for r in _rows(wb.worksheets[2])[1:]] == ["017"]


@pytest.mark.parametrize("args", [["--year", "1999"], ["--year", "2024", "--district", "999"]])
def test_build_report_command_refuses_bad_input(db, tmp_path, args):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("build_report", *args, "--format", "pdf", "--output", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize("builder", [build_pdf, build_xlsx])
def test_builders_query_count_does_not_grow(world, builder, django_assert_max_num_queries):
    with django_assert_max_num_queries(67) as small:
        build(builder, compute(world.year))
    for i in range(20):
        e = EnterpriseFactory(district=world.a if i % 2 else world.b)
        SavingsLineFactory(report=SavingsReportFactory(enterprise=e, year=2024, status="verified"))
    with django_assert_max_num_queries(len(small.captured_queries)):
        build(builder, compute(world.year))
