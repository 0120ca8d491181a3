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


def read_enterprise_workbook(file: IO[bytes]) -> tuple[list[str], list[RawRow]]:
    """Check the file and read its first sheet: (column keys found, non-empty data rows).
    Raises ImportFileError for anything refused as a whole."""
    from openpyxl import load_workbook

    check_xlsx_file(file)
    max_rows = settings.IMPORT_MAX_ROWS
    unreadable = _("This file could not be read as an Excel workbook.")
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
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
        raw_rows: list[RawRow] = []
        for number, values in enumerate(rows, start=1):
            check_row_width(values, number)
            if all(_is_blank(v) for v in values):
                continue
            if columns is None:
                columns = _map_header(values)
                continue
            if len(raw_rows) >= max_rows:
                raise ImportFileError(
                    _("The file has more than %(max)s rows. Split it into smaller files.")
                    % {"max": number_format(max_rows, force_grouping=True)}
                )
            raw_rows.append(RawRow(number, {key: values[i] if i < len(values) else None for i, key in columns.items()}))
    except ImportFileError:
        raise
    except Exception as exc:
        logger.info("Import: unreadable worksheet: %s", exc)
        raise ImportFileError(unreadable) from exc
    finally:
        workbook.close()
        file.seek(0)
    if columns is None or not raw_rows:
        raise ImportFileError(_("The file has no enterprise rows."))
    return sorted(columns.values(), key=[k for k, _label in COLUMNS].index), raw_rows
