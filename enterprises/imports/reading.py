"""Phase 1 of the enterprise import: the file checked, its header mapped to column keys, its rows
read as raw cell values."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.conf import settings
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ..spreadsheet import COLUMNS
from ..text import fold
from .cells import _is_blank
from .errors import ImportFileError
from .preview import RawRow
from .xlsx import check_row_width, check_xlsx_file

logger = logging.getLogger(__name__)

REQUIRED_KEYS = ("tax_code", "name", "district_code", "sector_code", "address", "ownership", "size", "employees")


def header_aliases() -> dict[str, str]:
    """Folded header text -> column key: each column's header in Vietnamese and in English (so
    the export of either language re-imports), and the key itself."""
    aliases: dict[str, str] = {}
    for key, label in COLUMNS:
        aliases[fold(key)] = key
        aliases[fold(key.replace("_", " "))] = key
        for language in ("vi", "en"):
            with translation.override(language):
                aliases[fold(str(label))] = key
    return aliases


def column_label(key: str) -> str:
    return str(dict(COLUMNS)[key])


def _map_header(header: Iterable[Any]) -> dict[int, str]:
    aliases = header_aliases()
    columns: dict[int, str] = {}
    for index, title in enumerate(header):
        if _is_blank(title):
            continue
        key = aliases.get(fold(str(title)))
        if key is None:
            continue  # an extra column (notes, …) is ignored
        if key in columns.values():
            raise ImportFileError(_("The column “%(column)s” appears twice.") % {"column": column_label(key)})
        columns[index] = key
    missing = [column_label(key) for key in REQUIRED_KEYS if key not in columns.values()]
    if missing:
        raise ImportFileError(
            _("The first row must hold the column headers of the export. Missing: %(columns)s.")
            % {"columns": ", ".join(missing)}
        )
    return columns


class WorkbookRows:
    """The data rows of an uploaded workbook's first sheet, read again from the file each time
    they are iterated (openpyxl's read-only mode streams the sheet), so that no more than one row
    is held at a time: a file of 50,000 rows costs the memory of one.

    Creating it checks the file and reads the header (``columns``, the keys found, in the
    export's order); iterating yields the non-empty rows after the header and refuses a file past
    ``IMPORT_MAX_ROWS`` rows. Everything refused as a whole raises ImportFileError."""

    def __init__(self, file: IO[bytes]) -> None:
        check_xlsx_file(file)
        self.file = file
        self._header: dict[int, str] | None = None
        for _row in self._sheet_rows(header_only=True):
            pass  # stops after the header row
        if self._header is None:
            raise ImportFileError(no_rows_message())
        self.columns: list[str] = sorted(self._header.values(), key=[k for k, _label in COLUMNS].index)

    def __iter__(self) -> Iterator[RawRow]:
        return self._sheet_rows(header_only=False)

    def _sheet_rows(self, *, header_only: bool) -> Iterator[RawRow]:
        from openpyxl import load_workbook

        unreadable = _("This file could not be read as an Excel workbook.")
        max_rows = settings.IMPORT_MAX_ROWS
        self.file.seek(0)
        try:
            workbook = load_workbook(self.file, read_only=True, data_only=True)
        except Exception as exc:
            logger.info("Import: unreadable workbook: %s", exc)
            raise ImportFileError(unreadable) from exc
        try:
            if not workbook.worksheets:
                raise ImportFileError(unreadable)
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # do not trust the stored dimension: read every row there is
            rows: Iterator[tuple[Any, ...]] = sheet.iter_rows(values_only=True)
            columns: dict[int, str] | None = None
            count = 0
            for number, values in enumerate(rows, start=1):
                check_row_width(values, number)
                if all(_is_blank(v) for v in values):
                    continue
                if columns is None:
                    columns = self._header = _map_header(values)
                    if header_only:
                        return
                    continue
                count += 1
                if count > max_rows:
                    raise ImportFileError(
                        _("The file has more than %(max)s rows. Split it into smaller files.")
                        % {"max": number_format(max_rows, force_grouping=True)}
                    )
                yield RawRow(number, {key: values[i] if i < len(values) else None for i, key in columns.items()})
        except ImportFileError:
            raise
        except Exception as exc:
            logger.info("Import: unreadable worksheet: %s", exc)
            raise ImportFileError(unreadable) from exc
        finally:
            workbook.close()
            self.file.seek(0)


def no_rows_message() -> str:
    return _("The file has no enterprise rows.")


def read_enterprise_workbook(file: IO[bytes]) -> tuple[list[str], list[RawRow]]:
    """Check the file and read its first sheet whole: (column keys found, non-empty data rows).
    For small files and tests; imports iterate ``WorkbookRows`` instead."""
    rows = WorkbookRows(file)
    raw_rows = list(rows)
    if not raw_rows:
        raise ImportFileError(no_rows_message())
    return rows.columns, raw_rows
