"""What the attendance import found in a file: each row's status, and the counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from enterprises.models import District

from ..models import Attendance, Officer


class ImportRowsError(Exception):
    """Applying found row errors; raised inside the transaction, so nothing is written."""

    def __init__(self, preview: AttendancePreview) -> None:
        super().__init__(_("%(count)s rows have errors; nothing was imported.") % {"count": preview.error_count})
        self.preview = preview


@dataclass
class RawRow:
    number: int  # row number in the sheet
    values: dict[str, Any]


@dataclass
class AttendanceRow:
    number: int
    full_name: str
    district_label: str
    position: str
    passed: bool
    certificate_number: str
    district: District | None = None
    officer: Officer | None = None  # the existing officer matched, None for a new one
    attendance: Attendance | None = None  # this officer's existing record on the course
    errors: list[str] = field(default_factory=list)

    @property
    def is_error(self) -> bool:
        return bool(self.errors)

    @property
    def is_new_officer(self) -> bool:
        return self.officer is None

    @property
    def changes_attendance(self) -> bool:
        current = self.attendance
        return current is None or (current.attended, current.passed, current.certificate_number) != (
            True,
            self.passed,
            self.certificate_number,
        )


@dataclass
class AttendancePreview:
    rows: list[AttendanceRow]

    @property
    def error_count(self) -> int:
        return sum(1 for row in self.rows if row.is_error)

    @property
    def new_officer_count(self) -> int:
        return sum(1 for row in self.rows if not row.is_error and row.is_new_officer)

    @property
    def matched_count(self) -> int:
        return sum(1 for row in self.rows if not row.is_error and not row.is_new_officer)

    @property
    def passed_count(self) -> int:
        return sum(1 for row in self.rows if not row.is_error and row.passed)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.error_count


@dataclass(frozen=True)
class ImportResult:
    officers_created: int
    attendance_written: int
