"""Enterprise spreadsheet import: read an .xlsx laid out like the export, preview every row as
new / updated / error, then apply all rows in one transaction or none.

Two phases, so that applying re-validates against the database as it is at that moment:

1. ``read_enterprise_workbook``: file checks (size, real xlsx content, row limit) and raw cell
   values per row, keyed by column (``spreadsheet.COLUMNS``), headers in Vietnamese or English.
2. ``validate_rows``: lookups (district, sector, zone, existing tax codes), the model's own
   validation, the user's scope. The result is an ``ImportPreview``.

``parse_enterprise_workbook`` does both; ``apply_enterprise_import`` runs phase 2 again inside its
transaction (locking the existing enterprises it will change) and writes, with history.

Modules: ``xlsx`` (file checks, shared with the other importers), ``reading`` (phase 1), ``cells``
(cell values), ``validation`` (phase 2), ``preview`` (results), ``applying`` (the writes).
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

from django.core.exceptions import PermissionDenied

from ..spreadsheet import COLUMNS
from .applying import BATCH_SIZE, apply_enterprise_import
from .cells import FALSE_WORDS, TRUE_WORDS, _code, _is_blank, _text, _whole_number, parse_yes_no
from .errors import ImportFileError, ImportRowsError
from .preview import ImportPreview, ImportResult, ImportRow, RawRow, RowStatus
from .reading import REQUIRED_KEYS, column_label, header_aliases, read_enterprise_workbook
from .validation import FIELD_COLUMN, validate_rows
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
]


def parse_enterprise_workbook(file: IO[bytes], *, user: User) -> ImportPreview:
    """Read and check an uploaded workbook for ``user``; nothing is written.

    Raises ImportFileError when the file is refused as a whole, PermissionDenied when the user may
    not import."""
    if not user.has_perm("enterprises.import_enterprise"):
        raise PermissionDenied
    columns, raw_rows = read_enterprise_workbook(file)
    return ImportPreview(raw_rows=raw_rows, columns=columns, rows=validate_rows(raw_rows, user=user))


def read_enterprise_preview(file: IO[bytes]) -> ImportPreview:
    """The file checked and read, its rows not validated yet: for a confirmation, where
    ``apply_enterprise_import`` validates them (once) inside its transaction."""
    columns, raw_rows = read_enterprise_workbook(file)
    return ImportPreview(raw_rows=raw_rows, columns=columns, rows=[])
