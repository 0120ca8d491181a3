"""The attendance file: checked as a whole, its header found and mapped, its rows read."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import IO, Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enterprises.imports import ImportFileError, check_row_width, check_xlsx_file
from enterprises.text import fold

from .preview import RawRow

logger = logging.getLogger(__name__)

# An attendance list is a few dozen names; settings.IMPORT_MAX_ROWS caps it too.
ATTENDANCE_MAX_ROWS = 1000
# Rows above the header that a list may carry (a title, the course name, a blank line).
HEADER_SEARCH_ROWS = 10

COLUMNS = [
    ("full_name", gettext_lazy("Full name")),
    ("district", gettext_lazy("District")),
    ("position", gettext_lazy("Position")),
    ("passed", gettext_lazy("Passed")),
    ("certificate_number", gettext_lazy("Certificate number")),
]
REQUIRED_KEYS = ("full_name", "district", "passed")
# Usual headers of the lists the districts keep, besides the translated labels above.
EXTRA_ALIASES = {
    "full_name": ["Họ và tên", "Họ tên", "Tên", "Name", "Cán bộ"],
    "district": ["Quận/huyện", "Quận, huyện", "Quận huyện", "Quận/huyện/thị xã", "Đơn vị", "Mã quận/huyện"],
    "position": ["Chức vụ", "Chức danh"],
    "passed": ["Đạt", "Kết quả", "Đạt yêu cầu", "Result"],
    "certificate_number": ["Số chứng chỉ", "Chứng chỉ", "Số giấy chứng nhận", "Certificate", "Certificate no"],
}


def header_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for key, label in COLUMNS:
        aliases[fold(key.replace("_", " "))] = key
        for language in ("vi", "en"):
            with translation.override(language):
                aliases[fold(str(label))] = key
        for alias in EXTRA_ALIASES[key]:
            aliases[fold(alias)] = key
    return aliases


def column_label(key: str) -> str:
    return str(dict(COLUMNS)[key])


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _map_header(values: Iterable[Any], aliases: dict[str, str]) -> dict[int, str]:
    columns: dict[int, str] = {}
    for index, title in enumerate(values):
        if _is_blank(title):
            continue
        key = aliases.get(fold(str(title)).rstrip(" :*"))
        if key is None:
            continue
        if key in columns.values():
            raise ImportFileError(_("The column “%(column)s” appears twice.") % {"column": column_label(key)})
        columns[index] = key
    return columns


def max_rows() -> int:
    return min(ATTENDANCE_MAX_ROWS, settings.IMPORT_MAX_ROWS)


def read_attendance_workbook(file: IO[bytes]) -> list[RawRow]:
    """Check the file and read the first sheet's rows below the header. Raises ImportFileError
    (a translated message) when the file is refused as a whole."""
    from openpyxl import load_workbook

    check_xlsx_file(file)
    limit = max_rows()
    unreadable = _("This file could not be read as an Excel workbook.")
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:
        logger.info("Attendance import: unreadable workbook: %s", exc)
        raise ImportFileError(unreadable) from exc
    aliases = header_aliases()
    columns: dict[int, str] | None = None
    raw_rows: list[RawRow] = []
    try:
        if not workbook.worksheets:
            raise ImportFileError(unreadable)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            check_row_width(values, number)
            if all(_is_blank(v) for v in values):
                continue
            if columns is None:
                found = _map_header(values, aliases)
                if all(key in found.values() for key in REQUIRED_KEYS):
                    columns = found
                elif number >= HEADER_SEARCH_ROWS:
                    break
                continue
            if len(raw_rows) >= limit:
                raise ImportFileError(
                    _("The file has more than %(max)s rows. Split it into smaller files.") % {"max": limit}
                )
            raw_rows.append(RawRow(number, {key: values[i] if i < len(values) else None for i, key in columns.items()}))
    except ImportFileError:
        raise
    except Exception as exc:
        logger.info("Attendance import: unreadable worksheet: %s", exc)
        raise ImportFileError(unreadable) from exc
    finally:
        workbook.close()
        file.seek(0)
    if columns is None:
        raise ImportFileError(
            _("No header row found. The list needs the columns: %(columns)s.")
            % {"columns": ", ".join(column_label(k) for k, _label in COLUMNS)}
        )
    if not raw_rows:
        raise ImportFileError(_("The file has no attendance rows."))
    return raw_rows
