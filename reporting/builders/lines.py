"""The detailed data (the verified savings lines of a year and scope) as CSV and as XLSX.

Both are written while the rows stream from the database (``reporting.detail.LinesData``): the
CSV in batches of rows handed to the response as they are ready (UTF-8 with a byte order mark, so
that Excel reads Vietnamese correctly), the workbook with openpyxl's write-only mode (numbers as
numbers with number formats). Headers are Vietnamese, like the report's. Text that a spreadsheet
program could take for a formula is never one: a quote-prefixed cell in XLSX, a leading
apostrophe in CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from django.utils import translation
from django.utils.translation import gettext as _

from cleanprod.spreadsheets import GENERAL, INTEGER_FORMAT, is_formula_like, new_workbook, write_table
from reporting.builders.xlsx import save_workbook

if TYPE_CHECKING:
    from reporting.detail import LinesData

ProgressCallback = Callable[[int], None]
CSV_BATCH = 2000  # rows per chunk of the CSV response
PROGRESS_EVERY = 5000  # rows between two progress updates of a build
WIDTHS = [6, 18, 14, 40, 8, 10, 24, 8, 16, 12, 12, 16, 26, 10]
# Numbers are numbers; only the VND amount carries a format (thousands separated). The year, the
# quantities, TOE, tCO2e and the report number are shown in Excel's General format: openpyxl writes
# a styled cell far more slowly than a plain one, which shows on hundreds of thousands of lines.
NUMBER_FORMATS = {0: GENERAL, 8: GENERAL, 9: GENERAL, 10: GENERAL, 11: INTEGER_FORMAT, 13: GENERAL}


def headers() -> list[str]:
    """The columns, in the active language (the files are written in Vietnamese)."""
    return [
        _("Year"),
        _("District"),
        _("Tax code"),
        _("Enterprise"),
        _("VSIC division"),
        _("Period"),
        _("Resource"),
        _("Unit"),
        _("Net quantity (increases negative)"),
        _("Net TOE"),
        _("Net tCO2e"),
        _("Net saved (VND)"),
        _("Option category"),
        _("Report no."),
    ]


def line_values(data: LinesData, row: tuple) -> list[Any]:
    """One line's cells, in the order of ``headers``; None where a value is missing."""
    district, tax_code, name, division, period, resource, unit, quantity, toe, tco2e, vnd, category, report_id = row
    return [
        data.year,
        district,
        tax_code,
        name,
        division,
        data.periods.get(period, period),
        resource,
        unit,
        quantity,
        toe,
        tco2e,
        vnd,
        data.categories.get(category or "", ""),
        report_id,
    ]


def _csv_text(value: str | None) -> str | None:
    """Text as typed, with a leading apostrophe where a spreadsheet would take it for a formula."""
    return "'" + value if value and is_formula_like(value) else value


def _csv_number(value: Decimal | None) -> str | None:
    """Plain digits: no exponent, no trailing zeros."""
    return None if value is None else format(value.normalize(), "f")


def csv_values(data: LinesData, row: tuple) -> list[Any]:
    """One line's CSV fields, in the order of ``headers`` (None is written as an empty field);
    the codes' labels are the portal's own, the other texts are checked for formulas."""
    district, tax_code, name, division, period, resource, unit, quantity, toe, tco2e, vnd, category, report_id = row
    return [
        data.year,
        _csv_text(district),
        _csv_text(tax_code),
        _csv_text(name),
        division,
        data.periods.get(period, period),
        _csv_text(resource),
        _csv_text(unit),
        _csv_number(quantity),
        _csv_number(toe),
        _csv_number(tco2e),
        vnd,
        data.categories.get(category or "", ""),
        report_id,
    ]


def csv_chunks(data: LinesData) -> Iterator[bytes]:
    """The CSV file of ``data``, chunk by chunk: the byte order mark and the header row first (the
    download starts before the first query), then the lines ``CSV_BATCH`` at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    with translation.override("vi"):
        writer.writerow(headers())
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    pending = 0
    for row in data.rows():
        writer.writerow(csv_values(data, row))
        pending += 1
        if pending == CSV_BATCH:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue().encode("utf-8")


def _with_progress(rows: Iterator[Sequence[Any]], total: int, report: ProgressCallback) -> Iterator[Sequence[Any]]:
    """``rows`` unchanged, reporting 5–95 % as they go by."""
    for done, row in enumerate(rows, start=1):
        if done % PROGRESS_EVERY == 0 and total:
            report(5 + 90 * min(done, total) // total)
        yield row


def build_lines_xlsx(data: LinesData, stream: IO[bytes], *, progress: ProgressCallback | None = None) -> None:
    """Write the workbook of ``data`` to ``stream``: one sheet, the header row frozen and
    filtered. A locked year's file is the same byte for byte every time (``save_workbook``)."""
    report = progress or (lambda pct: None)
    total = data.count()
    report(5)
    with translation.override("vi"):
        wb = new_workbook()
        wb.properties.title = f"{_('Detailed data')} {data.year} – {data.scope_label}"
        rows = (line_values(data, row) for row in data.rows())
        write_table(
            wb,
            _("Detailed data"),
            headers(),
            _with_progress(rows, total, report),
            widths=WIDTHS,
            number_formats=NUMBER_FORMATS,
        )
    report(95)
    save_workbook(wb, stream, data.fixed_time)
