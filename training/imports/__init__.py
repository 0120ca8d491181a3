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

The uploaded file waits in default storage (private) under a generated name while the user looks
at the preview; the session keeps only a token pointing at it.

Modules: ``reading`` (1), ``validation`` (2), ``applying`` (3), ``preview`` (results),
``pending`` (the file between preview and apply).
"""

from __future__ import annotations

from enterprises.imports import ImportFileError
from enterprises.text import fold

from .applying import apply_attendance_import, parse_attendance_workbook
from .pending import PENDING_TTL_SECONDS, SESSION_KEY, STORAGE_DIR, discard_upload, stash_upload, stashed_upload
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
    "PENDING_TTL_SECONDS",
    "REQUIRED_KEYS",
    "SESSION_KEY",
    "STORAGE_DIR",
    "TRUE_WORDS",
    "AttendancePreview",
    "AttendanceRow",
    "ImportFileError",
    "ImportResult",
    "ImportRowsError",
    "RawRow",
    "apply_attendance_import",
    "column_label",
    "discard_upload",
    "fold",
    "header_aliases",
    "max_rows",
    "parse_attendance_workbook",
    "read_attendance_workbook",
    "stash_upload",
    "stashed_upload",
    "validate_attendance_rows",
]
