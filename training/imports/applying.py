"""Applying an attendance import: every row or none, in one transaction."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction

from ..models import Attendance, Course, Officer

if TYPE_CHECKING:
    from accounts.models import User
from .preview import AttendancePreview, ImportResult, ImportRowsError, RawRow
from .reading import read_attendance_workbook
from .validation import validate_attendance_rows


def parse_attendance_workbook(course: Course, file: IO[bytes]) -> AttendancePreview:
    return validate_attendance_rows(course, read_attendance_workbook(file))


@transaction.atomic
def apply_attendance_import(*, by: User, course: Course, raw_rows: list[RawRow]) -> ImportResult:
    """Validate again (locking what will change) and write every row, or nothing: any row error
    raises ImportRowsError and the transaction rolls back."""
    if not by.has_perm("training.manage_training"):
        raise PermissionDenied
    course = Course.objects.select_for_update().get(pk=course.pk)
    preview = validate_attendance_rows(course, raw_rows, lock=True)
    if not preview.ok:
        raise ImportRowsError(preview)
    officers_created = attendance_written = 0
    for row in preview.rows:
        officer = row.officer
        if officer is None:
            officer = Officer(
                full_name=row.full_name,
                district=row.district,
                position=row.position,
                tenure_start=course.start_date,
            )
            officer.full_clean()
            officer.save()
            officers_created += 1
        if not row.changes_attendance:
            continue
        attendance = row.attendance or Attendance(course=course, officer=officer)
        attendance.attended = True
        attendance.passed = row.passed
        attendance.certificate_number = row.certificate_number
        attendance.full_clean()
        attendance.save()
        attendance_written += 1
    return ImportResult(officers_created=officers_created, attendance_written=attendance_written)
