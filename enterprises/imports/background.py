"""The enterprise import as a background job (``jobs``): the preview and the writing of an
uploaded enterprise list, run by the task on the stored file."""

from __future__ import annotations

from typing import IO, Any

from django.core.exceptions import PermissionDenied

from ..models import ImportJob
from .applying import apply_enterprise_import
from .errors import ImportFileError, ImportRowsError
from .jobs import LISTED_ROWS, CountedRows, Importer, Progress, RowsRefused
from .preview import ImportPreview
from .reading import WorkbookRows, no_rows_message
from .stream import validate_rows
from .xlsx import expected_rows


def enterprise_summary(preview: ImportPreview) -> dict[str, Any]:
    """What the preview page shows, as JSON: the counts, and the rows listed (errors first)."""
    listed = preview.listed_rows(LISTED_ROWS)
    return {
        "ok": preview.ok,
        "total": preview.total,
        "new_count": preview.new_count,
        "updated_count": preview.updated_count,
        "unchanged_count": preview.unchanged_count,
        "error_count": preview.error_count,
        "hidden_count": preview.total - len(listed),
        "rows": [
            {
                "number": row.number,
                "status": row.status,
                "tax_code": row.tax_code,
                "name": row.name,
                "errors": row.errors,
                "changed": row.changed,
                "is_error": row.is_error,
            }
            for row in listed
        ],
    }


def _check(job: ImportJob) -> None:
    if not job.requester.has_perm("enterprises.import_enterprise"):
        raise PermissionDenied


def preview_enterprises(job: ImportJob, file: IO[bytes], progress: Progress) -> dict[str, Any]:
    _check(job)
    raw_rows = WorkbookRows(file)
    counted = CountedRows(raw_rows, expected_rows(file), progress)
    rows = validate_rows(counted, user=job.requester)
    if not rows:
        raise ImportFileError(no_rows_message())
    return enterprise_summary(ImportPreview(raw_rows=raw_rows, columns=raw_rows.columns, rows=rows))


def apply_enterprises(job: ImportJob, file: IO[bytes], progress: Progress) -> dict[str, Any]:
    _check(job)
    raw_rows = WorkbookRows(file)
    counted = CountedRows(raw_rows, expected_rows(file), progress)
    preview = ImportPreview(raw_rows=counted, columns=raw_rows.columns, rows=[])
    try:
        result = apply_enterprise_import(preview=preview, by=job.requester)
    except ImportRowsError as exc:
        raise RowsRefused(str(exc), enterprise_summary(exc.preview)) from exc
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}


IMPORTER = Importer(kind=ImportJob.Kind.ENTERPRISES, preview=preview_enterprises, apply=apply_enterprises)
