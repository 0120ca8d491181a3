"""The attendance import as a background job (``enterprises.imports.jobs``): the preview and the
writing of an uploaded attendance list, run by the task on the stored file."""

from __future__ import annotations

from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from cleanprod.db import StillConflicting, retry_on_conflict
from enterprises.imports import ImportFileError
from enterprises.imports.jobs import Importer, Progress, RowsRefused
from enterprises.models import ImportJob

from ..models import Course
from .applying import apply_attendance_import
from .preview import AttendancePreview, ImportRowsError
from .reading import read_attendance_workbook
from .validation import validate_attendance_rows


def attendance_summary(preview: AttendancePreview) -> dict[str, Any]:
    """What the preview page shows, as JSON: the counts and every row (a list is a few dozen)."""
    return {
        "ok": preview.ok,
        "total": len(preview.rows),
        "matched_count": preview.matched_count,
        "new_officer_count": preview.new_officer_count,
        "passed_count": preview.passed_count,
        "error_count": preview.error_count,
        "rows": [
            {
                "number": row.number,
                "full_name": row.full_name,
                "district": row.district.name if row.district else row.district_label,
                "position": row.position,
                "passed": row.passed,
                "certificate_number": row.certificate_number,
                "officer_url": row.officer.get_absolute_url() if row.officer else "",
                "is_error": row.is_error,
                "errors": row.errors,
            }
            for row in preview.rows
        ],
    }


def _course(job: ImportJob) -> Course:
    if not job.requester.has_perm("training.manage_training"):
        raise PermissionDenied
    course = Course.objects.filter(pk=job.target_id).first() if job.target_id is not None else None
    if course is None:
        raise ImportFileError(_("The course of this list no longer exists."))
    return course


def preview_attendance(job: ImportJob, file: IO[bytes], progress: Progress) -> dict[str, Any]:
    course = _course(job)
    raw_rows = read_attendance_workbook(file)
    progress(0.5)
    return attendance_summary(validate_attendance_rows(course, raw_rows))


def apply_attendance(job: ImportJob, file: IO[bytes], progress: Progress) -> dict[str, Any]:
    course = _course(job)
    raw_rows = read_attendance_workbook(file)
    progress(0.3)
    try:
        result = retry_on_conflict(
            lambda: apply_attendance_import(by=job.requester, course=course, raw_rows=raw_rows),
            what="attendance import",
        )
    except ImportRowsError as exc:
        raise RowsRefused(str(exc), attendance_summary(exc.preview)) from exc
    except StillConflicting as exc:
        raise ImportFileError(
            _(
                "Another import for this course was being saved at the same moment, so nothing was "
                "imported. Please confirm again."
            )
        ) from exc
    return {"officers_created": result.officers_created, "attendance_written": result.attendance_written}


IMPORTER = Importer(kind=ImportJob.Kind.ATTENDANCE, preview=preview_attendance, apply=apply_attendance)
