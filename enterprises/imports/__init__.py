"""Enterprise spreadsheet import: read an .xlsx laid out like the export, preview every row as
new / updated / error, then apply all rows in one transaction or none.

Two phases, so that applying re-validates against the database as it is at that moment:

1. ``WorkbookRows``: file checks (size, real xlsx content, row limit) and raw cell values per
   row, keyed by column (``spreadsheet.COLUMNS``), headers in Vietnamese or English; streamed
   from the file (read again for each pass, never held whole).
2. ``validate_rows``: lookups (district, sector, zone, existing tax codes), the model's own
   validation, the user's scope. The result is an ``ImportPreview``.

``parse_enterprise_workbook`` does both; ``apply_enterprise_import`` runs phase 2 again inside its
transaction (locking the existing enterprises it will change) and writes, with history.

Modules: ``xlsx`` (file checks, shared with the other importers), ``reading`` (phase 1),
``cells`` (cell values), ``validation`` (phase 2, one row), ``stream`` (phase 2 in batches),
``preview`` (results), ``applying`` (the writes).
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

from django.core.exceptions import PermissionDenied

from ..spreadsheet import COLUMNS
from .applying import BATCH_SIZE, apply_enterprise_import
from .cells import FALSE_WORDS, TRUE_WORDS, _code, _is_blank, _text, _whole_number, parse_yes_no
from .errors import ImportFileError, ImportRowsError
from .preview import ImportPreview, ImportResult, ImportRow, RawRow, RowStatus
from .reading import (
    REQUIRED_KEYS,
    WorkbookRows,
    column_label,
    header_aliases,
    no_rows_message,
    read_enterprise_workbook,
)
from .stream import validate_rows, validate_stream
from .validation import FIELD_COLUMN
from .xlsx import (
    MAX_COLUMNS,
    MAX_COMPRESSION_RATIO,
    MAX_LOADED_PART_BYTES,
    MAX_UNPACKED_BYTES,
    check_row_width,
    check_xlsx_file,
    embedded_message,
    linked_message,
)

if TYPE_CHECKING:
    from accounts.models import User

__all__ = [
    "BATCH_SIZE",
    "COLUMNS",
    "FALSE_WORDS",
    "FIELD_COLUMN",
    "MAX_COLUMNS",
    "MAX_COMPRESSION_RATIO",
    "MAX_LOADED_PART_BYTES",
    "MAX_UNPACKED_BYTES",
    "REQUIRED_KEYS",
    "TRUE_WORDS",
    "WorkbookRows",
    "ImportFileError",
    "ImportPreview",
    "ImportResult",
    "ImportRow",
    "ImportRowsError",
    "RawRow",
    "RowStatus",
    "_code",
    "_is_blank",
    "_text",
    "_whole_number",
    "apply_enterprise_import",
    "check_row_width",
    "check_xlsx_file",
    "column_label",
    "embedded_message",
    "header_aliases",
    "linked_message",
    "parse_enterprise_workbook",
    "parse_yes_no",
    "read_enterprise_preview",
    "read_enterprise_workbook",
    "validate_rows",
    "validate_stream",
]


def parse_enterprise_workbook(file: IO[bytes], *, user: User) -> ImportPreview:
    """Read and check an uploaded workbook for ``user``, streaming its rows; nothing is written.

    Raises ImportFileError when the file is refused as a whole, PermissionDenied when the user may
    not import."""
    if not user.has_perm("enterprises.import_enterprise"):
        raise PermissionDenied
    raw_rows = WorkbookRows(file)
    rows = validate_rows(raw_rows, user=user)
    if not rows:
        raise ImportFileError(no_rows_message())
    return ImportPreview(raw_rows=raw_rows, columns=raw_rows.columns, rows=rows)


def read_enterprise_preview(file: IO[bytes]) -> ImportPreview:
    """The file checked and its header read, its rows not read yet: for a confirmation, where
    ``apply_enterprise_import`` reads and validates them (once) inside its transaction."""
    raw_rows = WorkbookRows(file)
    return ImportPreview(raw_rows=raw_rows, columns=raw_rows.columns, rows=[])
