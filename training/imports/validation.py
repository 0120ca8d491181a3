"""Attendance rows checked against the database: districts, officers matched by name, duplicates,
certificate numbers."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from enterprises.imports import parse_yes_no
from enterprises.models import District
from enterprises.text import fold

from ..models import Attendance, Course, Officer
from .preview import AttendancePreview, AttendanceRow, RawRow

TRUE_WORDS = {"co", "yes", "y", "1", "x", "true", "dat", "dat yeu cau", "pass", "passed"}
FALSE_WORDS = {"", "khong", "no", "n", "0", "false", "khong dat", "chua dat", "truot", "fail", "failed"}
DISTRICT_PREFIXES = ("quan ", "huyen ", "thi xa ")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


class _Districts:
    def __init__(self) -> None:
        self.by_key: dict[str, District] = {}
        for district in District.objects.filter(active=True):
            name = fold(district.name)
            self.by_key[district.code] = district
            self.by_key[name] = district
            for prefix in DISTRICT_PREFIXES:
                self.by_key[prefix + name] = district

    def find(self, value: Any) -> District | None:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return self.by_key.get(f"{int(value):03d}")
        key = fold(_text(value))
        if key.isdigit():
            key = key.zfill(3)
        return self.by_key.get(key)


def _pick_officer(candidates: list[Officer], course: Course) -> Officer | None | str:
    """The officer a name refers to: the only one, or the only one in post during the course;
    "ambiguous" when several remain; None when there is none."""
    if not candidates:
        return None
    if len(candidates) == 1:
        return candidates[0]
    during = [
        o
        for o in candidates
        if o.tenure_start <= course.end_date and (o.tenure_end is None or o.tenure_end >= course.start_date)
    ]
    return during[0] if len(during) == 1 else "ambiguous"


def validate_attendance_rows(course: Course, raw_rows: list[RawRow], *, lock: bool = False) -> AttendancePreview:
    """Check every row against the database as it is now; nothing is written."""
    districts = _Districts()
    name_max = Officer._meta.get_field("full_name").max_length or 150
    position_max = Officer._meta.get_field("position").max_length or 150
    certificate_max = Attendance._meta.get_field("certificate_number").max_length or 40
    rows: list[AttendanceRow] = []
    for raw in raw_rows:
        values = raw.values
        row = AttendanceRow(
            number=raw.number,
            full_name=_text(values.get("full_name")),
            district_label=_text(values.get("district")),
            position=_text(values.get("position")),
            passed=False,
            certificate_number=_text(values.get("certificate_number")),
        )
        if not row.full_name:
            row.errors.append(_("The full name is missing."))
        elif len(row.full_name) > name_max:
            row.errors.append(_("The full name is longer than %(max)s characters.") % {"max": name_max})
        if len(row.position) > position_max:
            row.errors.append(_("The position is longer than %(max)s characters.") % {"max": position_max})
        row.district = districts.find(values.get("district"))
        if row.district is None:
            if row.district_label:
                row.errors.append(_("Unknown district “%(value)s”.") % {"value": row.district_label})
            else:
                row.errors.append(_("The district is missing."))
        passed_known = True
        try:
            row.passed = parse_yes_no(values.get("passed"), true_words=TRUE_WORDS, false_words=FALSE_WORDS)
        except ValueError:
            passed_known = False
            row.errors.append(
                _("“%(value)s” in the Passed column is not understood: write Yes or No.")
                % {"value": _text(values.get("passed"))}
            )
        if "\x00" in row.full_name + row.position + row.certificate_number:
            # PostgreSQL cannot store or even compare it: a row error, and matched without it.
            row.errors.append(_("The row contains a character that cannot be stored (NUL)."))
            row.full_name, row.position, row.certificate_number = (
                text.replace("\x00", "") for text in (row.full_name, row.position, row.certificate_number)
            )
        if len(row.certificate_number) > certificate_max:
            row.errors.append(_("The certificate number is longer than %(max)s characters.") % {"max": certificate_max})
        if row.certificate_number and passed_known and not row.passed:
            row.errors.append(_("A certificate number is only recorded for an officer who passed."))
        rows.append(row)

    _match_officers(course, rows, lock=lock)
    _check_duplicates(rows)
    _check_certificates(course, rows)
    return AttendancePreview(rows=rows)


def _match_officers(course: Course, rows: list[AttendanceRow], *, lock: bool) -> None:
    keys = {(row.district.pk, fold(row.full_name)) for row in rows if row.district and row.full_name}
    candidates: dict[tuple[int | None, str], list[Officer]] = {}
    if keys:
        query = Q()
        for district_id, name_key in keys:
            query |= Q(district_id=district_id, name_key=name_key)
        officers = Officer.objects.filter(query).order_by("pk")
        if lock:
            officers = officers.select_for_update()
        for officer in officers:
            candidates.setdefault((officer.district_id, officer.name_key), []).append(officer)
    attendance_qs = Attendance.objects.filter(course=course)
    if lock:
        attendance_qs = attendance_qs.select_for_update()
    existing = {a.officer_id: a for a in attendance_qs}
    for row in rows:
        if not (row.district and row.full_name):
            continue
        picked = _pick_officer(candidates.get((row.district.pk, fold(row.full_name)), []), course)
        if picked == "ambiguous":
            row.errors.append(
                _("Several officers named %(name)s work in %(district)s; record this one on the attendance sheet.")
                % {"name": row.full_name, "district": row.district.name}
            )
        elif isinstance(picked, Officer):
            row.officer = picked
            row.attendance = existing.get(picked.pk)
        elif not row.position:
            row.errors.append(_("%(name)s is a new officer: the position is needed.") % {"name": row.full_name})


def _check_duplicates(rows: list[AttendanceRow]) -> None:
    first_row: dict[tuple[int, str], int] = {}
    for row in rows:
        if not (row.district and row.full_name):
            continue
        key = (row.district.pk, fold(row.full_name))
        if key in first_row:
            row.errors.append(
                _("%(name)s of %(district)s is already listed on row %(row)s.")
                % {"name": row.full_name, "district": row.district.name, "row": first_row[key]}
            )
        else:
            first_row[key] = row.number


def _check_certificates(course: Course, rows: list[AttendanceRow]) -> None:
    first_row: dict[str, int] = {}
    for row in rows:
        number = row.certificate_number
        if not number:
            continue
        if number in first_row:
            row.errors.append(
                _("Certificate number %(number)s is already used on row %(row)s.")
                % {"number": number, "row": first_row[number]}
            )
        else:
            first_row[number] = row.number
    if not first_row:
        return
    by_number = {row.certificate_number: row for row in rows if row.certificate_number}
    taken = Attendance.objects.filter(certificate_number__in=list(first_row)).select_related("officer", "course")
    for attendance in taken:
        row = by_number[attendance.certificate_number]
        if row.officer is not None and attendance.officer_id == row.officer.pk and attendance.course_id == course.pk:
            continue  # the same record, re-imported
        row.errors.append(
            _("Certificate number %(number)s is already recorded for %(officer)s (%(course)s).")
            % {
                "number": attendance.certificate_number,
                "officer": attendance.officer.full_name,
                "course": attendance.course.title,
            }
        )
