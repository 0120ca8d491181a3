"""Import of a course's attendance list from an .xlsx file: preview, then all-or-nothing apply.

Columns (headers in Vietnamese or English, in any order, extra columns ignored): full name,
district, position, passed, certificate number. Each row is matched to an existing officer by
accent-insensitive name (``enterprises.text.fold``) within the district; an officer not found is
created, in post from the course's start date.

1. ``read_attendance_workbook``: the file as a whole (real xlsx content and size, checked by the
   enterprise import's ``check_xlsx_file``; row limit; headers) and the raw cells of each row.
2. ``validate_attendance_rows``: every row against the database; errors are sentences for the
   user, per row, translated with gettext.
3. ``apply_attendance_import``: validates again inside one transaction and writes every row, or
   nothing when any row has an error.

On the portal the import is a background job (``enterprises.imports.jobs``): the uploaded file
waits in private storage, a Celery task builds the preview and, once confirmed, writes the rows.

Modules: ``reading`` (1), ``validation`` (2), ``applying`` (3), ``preview`` (results),
``background`` (the two phases of the job).
"""

from __future__ import annotations

from enterprises.imports import ImportFileError
from enterprises.text import fold

from .applying import apply_attendance_import, parse_attendance_workbook
from .preview import AttendancePreview, AttendanceRow, ImportResult, ImportRowsError, RawRow
from .reading import (
    ATTENDANCE_MAX_ROWS,
    COLUMNS,
    HEADER_SEARCH_ROWS,
    REQUIRED_KEYS,
    column_label,
    header_aliases,
    max_rows,
    read_attendance_workbook,
)
from .validation import FALSE_WORDS, TRUE_WORDS, validate_attendance_rows

__all__ = [
    "ATTENDANCE_MAX_ROWS",
    "COLUMNS",
    "FALSE_WORDS",
    "HEADER_SEARCH_ROWS",
    "REQUIRED_KEYS",
    "TRUE_WORDS",
    "AttendancePreview",
    "AttendanceRow",
    "ImportFileError",
    "ImportResult",
    "ImportRowsError",
    "RawRow",
    "apply_attendance_import",
    "column_label",
    "fold",
    "header_aliases",
    "max_rows",
    "parse_attendance_workbook",
    "read_attendance_workbook",
    "validate_attendance_rows",
]
