"""The city PDF lists the open data-quality findings one by one only while they are few; above
``FINDINGS_LISTED`` it counts them per unit and points to the workbook, which lists every one."""

from __future__ import annotations

import dataclasses
import io

import openpyxl
import pytest

from reporting.builders.pdf import FINDINGS_LISTED, build_pdf
from reporting.builders.xlsx import build_xlsx
from reporting.indicators import compute
from reporting.indicators.results import OpenFinding
from reporting.report_data import ReportData

from .test_builders import pdf_text

pytestmark = pytest.mark.django_db


def _finding(i: int, unit: str, severity: str) -> OpenFinding:
    return OpenFinding(
        report_id=1000 + i // 2,  # two findings per report
        district=unit,
        tax_code=f"01{i:08d}",
        enterprise=f"Công ty số {i}",
        period="Cả năm",
        severity=severity,
        code="price_band",
        message="Đơn giá ngoài khung giá",
    )


def _pdf(ind) -> str:
    stream = io.BytesIO()
    build_pdf(ReportData.for_indicators(ind), stream)
    return " ".join(pdf_text(stream.getvalue()).split())


def test_few_findings_are_listed_one_by_one(world):
    ind = dataclasses.replace(compute(2024), findings=tuple(_finding(i, "Quận A", "warning") for i in range(3)))
    text = _pdf(ind)
    assert "Công ty số 2" in text and 'trang "Cảnh báo"' not in text


def test_many_findings_are_counted_per_unit_and_listed_in_the_workbook(world):
    n = FINDINGS_LISTED + 10
    findings = tuple(
        _finding(i, "Quận A" if i < 30 else "Quận B", "error" if i % 5 == 0 else "warning") for i in range(n)
    )
    ind = dataclasses.replace(compute(2024), findings=findings)
    text = _pdf(ind)
    assert "Công ty số 1 " not in text  # not listed one by one
    assert f"{n} phát hiện, được đếm theo đơn vị dưới đây" in text and 'trang "Cảnh báo"' in text
    # Quận A: findings 0–29 in reports 1000–1014, 6 errors (0, 5, …, 25); Quận B: 30–49.
    assert "Quận A 15 6 24" in text and "Quận B 10 4 16" in text

    stream = io.BytesIO()
    build_xlsx(ReportData.for_indicators(ind), stream)
    wb = openpyxl.load_workbook(io.BytesIO(stream.getvalue()), read_only=True)
    listed = [row for row in wb["Cảnh báo"].iter_rows(values_only=True) if row and row[0] == "price_band"]
    assert len(listed) == n
