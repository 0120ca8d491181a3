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
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cleanprod.files import private_save
from enterprises.imports import ImportFileError, check_row_width, check_xlsx_file, parse_yes_no
from enterprises.models import District
from enterprises.text import fold

from .models import Attendance, Course, Officer

if TYPE_CHECKING:
    from django.contrib.sessions.backends.base import SessionBase

    from accounts.models import User

logger = logging.getLogger(__name__)

# An attendance list is a few dozen names; settings.IMPORT_MAX_ROWS caps it too.
ATTENDANCE_MAX_ROWS = 1000
# Rows above the header that a list may carry (a title, the course name, a blank line).
HEADER_SEARCH_ROWS = 10
SESSION_KEY = "training_attendance_imports"
PENDING_TTL_SECONDS = 24 * 3600  # an upload not applied within a day is dropped at the next upload
STORAGE_DIR = "imports/training"

COLUMNS = [
    ("full_name", gettext_lazy("Full name")),
    ("district", gettext_lazy("District")),
    ("position", gettext_lazy("Position")),
    ("passed", gettext_lazy("Passed")),
    ("certificate_number", gettext_lazy("Certificate number")),
]
REQUIRED_KEYS = ("full_name", "district", "passed")
# Usual headers of the lists the districts keep, besides the translated labels above.
EXTRA_ALIASES = {
    "full_name": ["Họ và tên", "Họ tên", "Tên", "Name", "Cán bộ"],
    "district": ["Quận/huyện", "Quận, huyện", "Quận huyện", "Quận/huyện/thị xã", "Đơn vị", "Mã quận/huyện"],
    "position": ["Chức vụ", "Chức danh"],
    "passed": ["Đạt", "Kết quả", "Đạt yêu cầu", "Result"],
    "certificate_number": ["Số chứng chỉ", "Chứng chỉ", "Số giấy chứng nhận", "Certificate", "Certificate no"],
}
TRUE_WORDS = {"co", "yes", "y", "1", "x", "true", "dat", "dat yeu cau", "pass", "passed"}
FALSE_WORDS = {"", "khong", "no", "n", "0", "false", "khong dat", "chua dat", "truot", "fail", "failed"}
DISTRICT_PREFIXES = ("quan ", "huyen ", "thi xa ")


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


# --- The file -------------------------------------------------------------------------------


def header_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for key, label in COLUMNS:
        aliases[fold(key.replace("_", " "))] = key
        for language in ("vi", "en"):
            with translation.override(language):
                aliases[fold(str(label))] = key
        for alias in EXTRA_ALIASES[key]:
            aliases[fold(alias)] = key
    return aliases


def column_label(key: str) -> str:
    return str(dict(COLUMNS)[key])


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _map_header(values: Iterable[Any], aliases: dict[str, str]) -> dict[int, str]:
    columns: dict[int, str] = {}
    for index, title in enumerate(values):
        if _is_blank(title):
            continue
        key = aliases.get(fold(str(title)).rstrip(" :*"))
        if key is None:
            continue
        if key in columns.values():
            raise ImportFileError(_("The column “%(column)s” appears twice.") % {"column": column_label(key)})
        columns[index] = key
    return columns


def max_rows() -> int:
    return min(ATTENDANCE_MAX_ROWS, settings.IMPORT_MAX_ROWS)


def read_attendance_workbook(file: IO[bytes]) -> list[RawRow]:
    """Check the file and read the first sheet's rows below the header. Raises ImportFileError
    (a translated message) when the file is refused as a whole."""
    from openpyxl import load_workbook

    check_xlsx_file(file)
    limit = max_rows()
    unreadable = _("This file could not be read as an Excel workbook.")
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:
        logger.info("Attendance import: unreadable workbook: %s", exc)
        raise ImportFileError(unreadable) from exc
    aliases = header_aliases()
    columns: dict[int, str] | None = None
    raw_rows: list[RawRow] = []
    try:
        if not workbook.worksheets:
            raise ImportFileError(unreadable)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            check_row_width(values, number)
            if all(_is_blank(v) for v in values):
                continue
            if columns is None:
                found = _map_header(values, aliases)
                if all(key in found.values() for key in REQUIRED_KEYS):
                    columns = found
                elif number >= HEADER_SEARCH_ROWS:
                    break
                continue
            if len(raw_rows) >= limit:
                raise ImportFileError(
                    _("The file has more than %(max)s rows. Split it into smaller files.") % {"max": limit}
                )
            raw_rows.append(RawRow(number, {key: values[i] if i < len(values) else None for i, key in columns.items()}))
    except ImportFileError:
        raise
    except Exception as exc:
        logger.info("Attendance import: unreadable worksheet: %s", exc)
        raise ImportFileError(unreadable) from exc
    finally:
        workbook.close()
        file.seek(0)
    if columns is None:
        raise ImportFileError(
            _("No header row found. The list needs the columns: %(columns)s.")
            % {"columns": ", ".join(column_label(k) for k, _label in COLUMNS)}
        )
    if not raw_rows:
        raise ImportFileError(_("The file has no attendance rows."))
    return raw_rows


# --- The rows -------------------------------------------------------------------------------


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


# --- The file between preview and apply -----------------------------------------------------


def stash_upload(session: SessionBase, course: Course, file: IO[bytes], original_name: str) -> str:
    """Keep the uploaded file in default storage under a generated name; return a token that
    the session maps to it (and to the course)."""
    now = int(time.time())
    pending = dict(session.get(SESSION_KEY, {}))
    for old_token, entry in list(pending.items()):  # uploads left behind in this session
        if now - entry.get("created", 0) > PENDING_TTL_SECONDS:
            pending.pop(old_token)
            _delete(entry["name"])
    token = secrets.token_urlsafe(16)
    name = private_save(f"{STORAGE_DIR}/{secrets.token_hex(16)}.xlsx", file)
    pending[token] = {"name": name, "course": course.pk, "original": original_name[:200], "created": now}
    session[SESSION_KEY] = pending
    return token


def stashed_upload(session: SessionBase, course: Course, token: str) -> dict | None:
    entry = session.get(SESSION_KEY, {}).get(token)
    if not entry or entry.get("course") != course.pk or not default_storage.exists(entry["name"]):
        return None
    return entry


def discard_upload(session: SessionBase, token: str) -> None:
    pending = dict(session.get(SESSION_KEY, {}))
    entry = pending.pop(token, None)
    session[SESSION_KEY] = pending
    if entry:
        _delete(entry["name"])


def _delete(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:  # already gone: nothing to clean
        logger.warning("Attendance import: could not delete %s", name)
