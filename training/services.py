"""Writes of the training module. Only DOIT (and administrators) manage training records."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from .models import Attendance, Course, EnterpriseParticipation, Officer

if TYPE_CHECKING:
    from accounts.models import User
    from enterprises.models import Enterprise


def _require_manager(by: User) -> None:
    if not by.has_perm("training.manage_training"):
        raise PermissionDenied


def _assign(instance: Any, data: dict[str, Any]) -> None:
    for name, value in data.items():
        setattr(instance, name, value)


@transaction.atomic
def officer_create(*, by: User, data: dict[str, Any]) -> Officer:
    _require_manager(by)
    officer = Officer(**data)
    officer.full_clean()
    officer.save()
    return officer


@transaction.atomic
def officer_update(*, by: User, officer: Officer, data: dict[str, Any]) -> Officer:
    _require_manager(by)
    _assign(officer, data)
    officer.full_clean()
    officer.save()
    return officer


@transaction.atomic
def course_create(*, by: User, data: dict[str, Any]) -> Course:
    _require_manager(by)
    course = Course(**data)
    course.full_clean()
    course.save()
    return course


@transaction.atomic
def course_update(*, by: User, course: Course, data: dict[str, Any]) -> Course:
    _require_manager(by)
    _assign(course, data)
    course.full_clean()
    course.save()
    return course


@dataclass(frozen=True)
class SheetRow:
    """One line of a course's attendance sheet as submitted."""

    officer_id: int
    attended: bool
    passed: bool
    certificate_number: str

    @property
    def is_blank(self) -> bool:
        return not (self.attended or self.passed or self.certificate_number)


@dataclass(frozen=True)
class SheetResult:
    created: int
    updated: int
    removed: int


@transaction.atomic
def attendance_sheet_save(*, by: User, course: Course, rows: Iterable[SheetRow]) -> SheetResult:
    """Make the course's attendance what the sheet says. A row left blank (not attended, not
    passed, no certificate) removes that officer's record, if any; the change history keeps it.
    Rows that did not change are not written."""
    _require_manager(by)
    existing = {a.officer_id: a for a in Attendance.objects.select_for_update().filter(course=course)}
    rows = list(rows)
    created = updated = removed = 0
    # Free the certificate numbers that are being moved or cleared first, so that two rows may
    # swap numbers without tripping the uniqueness check in between.
    freed: set[int] = set()
    for row in rows:
        current = existing.get(row.officer_id)
        if current and current.certificate_number and current.certificate_number != row.certificate_number:
            current.certificate_number = ""
            current.save(update_fields=["certificate_number"])
            freed.add(row.officer_id)
    for row in rows:
        current = existing.get(row.officer_id)
        if row.is_blank:
            if current is not None:
                current.delete()
                removed += 1
            continue
        values = {"attended": row.attended, "passed": row.passed, "certificate_number": row.certificate_number}
        if current is None:
            attendance = Attendance(course=course, officer_id=row.officer_id, **values)
            attendance.full_clean()
            attendance.save()
            created += 1
            continue
        if all(getattr(current, name) == value for name, value in values.items()):
            updated += row.officer_id in freed
            continue
        _assign(current, values)
        current.full_clean()
        current.save()
        updated += 1
    return SheetResult(created=created, updated=updated, removed=removed)


@transaction.atomic
def participation_add(*, by: User, course: Course, enterprise: Enterprise, attendees: int) -> EnterpriseParticipation:
    """Record that an enterprise took part in a course (or change its number of attendees)."""
    _require_manager(by)
    participation = EnterpriseParticipation.objects.filter(course=course, enterprise=enterprise).first()
    if participation is None:
        participation = EnterpriseParticipation(course=course, enterprise=enterprise)
    participation.attendees = attendees
    participation.full_clean()
    participation.save()
    return participation


@transaction.atomic
def participation_remove(*, by: User, participation: EnterpriseParticipation) -> None:
    _require_manager(by)
    participation.delete()
