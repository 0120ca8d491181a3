"""The Excel report prints well: every sheet has a print area, fits the page width (as many pages
tall as needed), repeats its header row, is landscape where its columns are wide, and the summary's
chart stands beside its data rather than over it. Read back with openpyxl from the file produced."""

from __future__ import annotations

import io

import openpyxl
import pytest
from openpyxl.utils import column_index_from_string, range_boundaries

from cleanprod.spreadsheets import LANDSCAPE_FROM
from reporting.builders.xlsx import build_xlsx
from reporting.indicators import compute
from reporting.report_data import ReportData

pytestmark = pytest.mark.django_db


@pytest.fixture
def workbook(world):
    stream = io.BytesIO()
    build_xlsx(ReportData.for_indicators(compute(world.year)), stream)
    stream.seek(0)
    return openpyxl.load_workbook(stream)


def width_of(ws, columns: int) -> float:
    return sum(ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width or 13 for i in range(1, columns + 1))


def test_every_sheet_is_set_up_for_printing(workbook):
    assert len(workbook.worksheets) >= 5
    for ws in workbook.worksheets:
        assert ws.print_area, ws.title
        min_col, min_row, max_col, max_row = range_boundaries(ws.print_area.split("!")[-1].replace("$", ""))
        assert (min_col, min_row) == (1, 1) and max_col >= 2, ws.title
        assert max_row >= ws.max_row, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), ws.title
        assert ws.print_title_rows == "$1:$1", ws.title
        assert ws.page_setup.paperSize in (9, "9"), ws.title  # A4
        expected = "landscape" if width_of(ws, max_col) >= LANDSCAPE_FROM else "portrait"
        assert ws.page_setup.orientation == expected, ws.title
    assert any(ws.page_setup.orientation == "landscape" for ws in workbook.worksheets)


def test_summary_chart_stands_beside_its_data_and_is_printed(workbook):
    summary = workbook.worksheets[0]
    (chart,) = summary._charts
    anchor = chart.anchor._from
    data_ref = chart.series[0].val.numRef.f  # e.g. 'Tổng hợp'!$B$21:$B$24
    data_min_col, data_min_row, data_max_col, _ = range_boundaries(data_ref.split("!")[-1].replace("$", ""))
    assert anchor.col + 1 > data_max_col + 1  # to the right of every data column, with a gap
    assert anchor.row + 1 >= data_min_row - 1  # level with its data, below the main table
    _c1, _r1, print_max_col, print_max_row = range_boundaries(summary.print_area.split("!")[-1].replace("$", ""))
    assert print_max_col >= column_index_from_string("E") and print_max_row >= anchor.row + 1
