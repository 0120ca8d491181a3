"""Helpers shared by every XLSX the portal writes (openpyxl write-only mode).

Text from users is never run as a formula: a string starting with ``=``, ``+``, ``-``, ``@`` (or a
tab / carriage return, which some spreadsheet programs strip first) is stored as a string cell
with Excel's "quote prefix" style, so Excel shows it as typed and does not evaluate it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

INVALID_TITLE_CHARS = re.compile(r"[\[\]:*?/\\]")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F6F43")
INTEGER_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.00"
DATE_FORMAT = "dd/mm/yyyy"
GENERAL = "General"  # a number as Excel shows it by default (a year, an id): written with no style


def is_formula_like(value: str) -> bool:
    return value.startswith(FORMULA_TRIGGERS)


def cell(ws: Worksheet, value: Any, *, number_format: str | None = None) -> WriteOnlyCell:
    """A write-only cell holding ``value`` as its real type; text is never a formula."""
    if isinstance(value, Decimal):
        value = float(value)
    c = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        c.data_type = "s"
        if is_formula_like(value):
            c.quotePrefix = True
    elif isinstance(value, bool):
        pass
    elif isinstance(value, int):
        c.number_format = number_format or INTEGER_FORMAT
    elif isinstance(value, float):
        c.number_format = number_format or DECIMAL_FORMAT
    elif isinstance(value, dt.datetime):
        c.number_format = number_format or "dd/mm/yyyy hh:mm"
    elif isinstance(value, dt.date):
        c.number_format = number_format or DATE_FORMAT
    return c


def _fast_cell(ws: Worksheet, value: Any, number_format: str | None, styles: dict) -> Any:
    """``cell()`` for a table row, cheaper on long tables: text that cannot be taken for a formula
    goes in as it is (openpyxl stores it as text), and a number takes the style ``cell()`` gave the
    first number of its kind and format in this table (``styles``) instead of looking it up again."""
    if value is None or (isinstance(value, str) and not is_formula_like(value)):
        return value
    kind = type(value)
    if number_format == GENERAL and (kind is int or kind is float or kind is Decimal):
        return value  # a number in the General format: no style, openpyxl's fast path
    if kind is int or kind is float or kind is Decimal:
        key = (kind is int, number_format)
        style = styles.get(key)
        if style is None:
            first = cell(ws, value, number_format=number_format)
            styles[key] = first._style
            return first
        c = WriteOnlyCell(ws, value=float(value) if kind is Decimal else value)
        c._style = style
        return c
    return cell(ws, value, number_format=number_format)


def sheet_title(title: str) -> str:
    """A valid Excel sheet name: no [ ] : * ? / \\ and at most 31 characters
    ("Quận/huyện" becomes "Quận-huyện")."""
    return INVALID_TITLE_CHARS.sub("-", str(title))[:31]


def header_row(ws: Worksheet, headers: Sequence[str]) -> list[WriteOnlyCell]:
    row = []
    for title in headers:
        c = cell(ws, str(title))
        c.font = HEADER_FONT
        c.fill = HEADER_FILL
        c.alignment = Alignment(wrap_text=True, vertical="center")
        row.append(c)
    return row


A4 = "9"  # the paper size code in the file
LANDSCAPE_FROM = 110  # total column width (in characters) from which a sheet is printed landscape


def print_setup(ws: Worksheet, widths: Sequence[int], header_rows: int = 1) -> None:
    """Printing, set before the rows are written: A4, one page wide and as many tall as needed,
    landscape when the columns are wide, the header rows repeated at the top of every page."""
    ws.page_setup.paperSize = A4
    ws.page_setup.orientation = "landscape" if sum(widths) >= LANDSCAPE_FROM else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"1:{header_rows}"


def print_area(ws: Worksheet, columns: int, rows: int) -> None:
    """What is printed: the table's columns and rows (set once the rows are written)."""
    ws.print_area = f"A1:{get_column_letter(max(columns, 1))}{max(rows, 1)}"


def write_table(
    wb: Workbook,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    widths: Sequence[int] | None = None,
    number_formats: dict[int, str] | None = None,
) -> Worksheet:
    """Stream one table into a new sheet of a write-only workbook: header row frozen, autofilter
    over the data, column widths set, ready to print (``print_setup``). ``rows`` may be a
    generator; it is consumed once."""
    ws = wb.create_sheet(title=sheet_title(title))
    widths = widths or [18] * len(headers)
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    print_setup(ws, widths)
    ws.append(header_row(ws, headers))
    formats = number_formats or {}
    styles: dict = {}
    count = 0
    for values in rows:
        ws.append([_fast_cell(ws, v, formats.get(i), styles) for i, v in enumerate(values)])
        count += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count + 1}"
    print_area(ws, len(headers), count + 1)
    return ws


def new_workbook() -> Workbook:
    return Workbook(write_only=True)


def save(wb: Workbook, stream: IO[bytes]) -> None:
    wb.save(stream)


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
