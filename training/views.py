"""Training pages. Enterprise staff get 403 on all of them; district officers read their own
district's rows (anything else is 404); only DOIT writes."""

from __future__ import annotations

import datetime as dt
import tempfile
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cleanprod import spreadsheets
from cleanprod.bounds import date_in_range
from cleanprod.files import StorageFull
from cleanprod.spreadsheets import XLSX_CONTENT_TYPE
from enterprises.imports import ImportFileError
from enterprises.imports import jobs as import_jobs
from enterprises.models import ImportJob

from . import imports, services
from .filters import CourseFilter, OfficerFilter
from .forms import (
    AttendanceSheet,
    AttendanceUploadForm,
    BaseAttendanceSheet,
    CourseForm,
    OfficerForm,
    ParticipationForm,
)
from .models import Attendance, EnterpriseParticipation
from .selectors import (
    COVERAGE_SORTS,
    DEFAULT_COVERAGE_SORT,
    STALE_AFTER_YEARS,
    attendance_of_course,
    attendance_of_officer,
    count_statuses,
    courses_for,
    coverage_for,
    get_course_for,
    get_officer_for,
    history_of,
    officers_for,
    participants_of_course,
    sheet_candidates,
)

PAGE_SIZE = 25


def _require_view(user) -> None:
    if not user.has_perm("training.view_training"):
        raise PermissionDenied


def _require_manage(user) -> None:
    if not user.has_perm("training.manage_training"):
        raise PermissionDenied


def _querystring(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- Officers -------------------------------------------------------------------------------


@login_required
def officer_list(request):
    _require_view(request.user)
    today = timezone.localdate()
    queryset = officers_for(request.user).with_status(today).order_by("district__code", "full_name", "pk")
    flt = OfficerFilter(request.GET or None, queryset=queryset, user=request.user, as_of=today)
    page = Paginator(flt.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "training/officer_list.html",
        {
            "filter": flt,
            "page": page,
            "querystring": _querystring(request),
            "can_manage": request.user.has_perm("training.manage_training"),
        },
    )


@login_required
def officer_detail(request, pk: int):
    _require_view(request.user)
    officer = get_officer_for(request.user, pk)
    today = timezone.localdate()
    return render(
        request,
        "training/officer_detail.html",
        {
            "officer": officer,
            "in_post": officer.is_in_post(today),
            "attendances": attendance_of_officer(request.user, officer),
            "history": history_of(officer),
            "can_manage": request.user.has_perm("training.manage_training"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def officer_create(request):
    _require_view(request.user)
    _require_manage(request.user)
    form = OfficerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        officer = services.officer_create(by=request.user, data=form.cleaned_data)
        messages.success(request, _("Officer %(name)s recorded.") % {"name": officer.full_name})
        return redirect(officer)
    return render(request, "training/officer_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def officer_edit(request, pk: int):
    _require_view(request.user)
    officer = get_officer_for(request.user, pk)
    _require_manage(request.user)
    form = OfficerForm(request.POST or None, instance=officer)
    if request.method == "POST" and form.is_valid():
        services.officer_update(by=request.user, officer=officer, data=form.cleaned_data)
        messages.success(request, _("Changes saved."))
        return redirect(officer)
    return render(request, "training/officer_form.html", {"form": form, "officer": officer})


# --- Courses --------------------------------------------------------------------------------


def _count(queryset, **filters) -> Coalesce:
    sub = queryset.filter(course=OuterRef("pk"), **filters).order_by().values("course").annotate(n=Count("pk"))
    return Coalesce(Subquery(sub.values("n"), output_field=IntegerField()), 0)


@login_required
def course_list(request):
    _require_view(request.user)
    # Counts of what the user may see: an officer counts their own district's people.
    attendance = Attendance.objects.visible_to(request.user)
    queryset = courses_for(request.user).annotate(
        n_attended=_count(attendance, attended=True),
        n_passed=_count(attendance, passed=True),
        n_enterprises=_count(EnterpriseParticipation.objects.visible_to(request.user)),
    )
    flt = CourseFilter(request.GET or None, queryset=queryset, user=request.user)
    page = Paginator(flt.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "training/course_list.html",
        {
            "filter": flt,
            "page": page,
            "querystring": _querystring(request),
            "can_manage": request.user.has_perm("training.manage_training"),
        },
    )


def _sheet(course, data=None) -> BaseAttendanceSheet:
    candidates = sheet_candidates(course)
    recorded = {a.officer_id: a for a in Attendance.objects.filter(course=course)}
    initial = []
    for officer in candidates:
        attendance = recorded.get(officer.pk)
        initial.append(
            {
                "officer": officer.pk,
                "attended": bool(attendance and attendance.attended),
                "passed": bool(attendance and attendance.passed),
                "certificate_number": attendance.certificate_number if attendance else "",
            }
        )
    sheet = AttendanceSheet(data, initial=initial, course=course, candidates=candidates, prefix="sheet")  # type: ignore[call-arg]
    return cast(BaseAttendanceSheet, sheet)


def _course_page(request, course, *, sheet=None, participation_form=None):
    can_manage = request.user.has_perm("training.manage_training")
    context = {
        "course": course,
        "participants": participants_of_course(request.user, course),
        "history": history_of(course),
        "can_manage": can_manage,
    }
    if can_manage:
        context["sheet"] = sheet or _sheet(course)
        if course.takes_enterprises:
            context["participation_form"] = participation_form or ParticipationForm(course=course, prefix="p")
    else:
        context["attendances"] = attendance_of_course(request.user, course)
    return render(request, "training/course_detail.html", context)


@login_required
def course_detail(request, pk: int):
    _require_view(request.user)
    course = get_course_for(request.user, pk)
    return _course_page(request, course)


@login_required
@require_http_methods(["GET", "POST"])
def course_create(request):
    _require_view(request.user)
    _require_manage(request.user)
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        course = services.course_create(by=request.user, data=form.cleaned_data)
        messages.success(request, _("Course recorded. Now fill in its attendance sheet."))
        return redirect(course)
    return render(request, "training/course_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request, pk: int):
    _require_view(request.user)
    course = get_course_for(request.user, pk)
    _require_manage(request.user)
    form = CourseForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        services.course_update(by=request.user, course=course, data=form.cleaned_data)
        messages.success(request, _("Changes saved."))
        return redirect(course)
    return render(request, "training/course_form.html", {"form": form, "course": course})


@login_required
@require_POST
def course_attendance(request, pk: int):
    _require_view(request.user)
    course = get_course_for(request.user, pk)
    _require_manage(request.user)
    sheet = _sheet(course, request.POST)
    if not sheet.is_valid():
        messages.error(request, _("The attendance sheet was not saved: correct the marked rows."))
        return _course_page(request, course, sheet=sheet)
    rows = [
        services.SheetRow(
            officer_id=form.cleaned_data["officer"],
            attended=form.cleaned_data["attended"],
            passed=form.cleaned_data["passed"],
            certificate_number=form.cleaned_data["certificate_number"],
        )
        for form in sheet.forms
    ]
    result = services.attendance_sheet_save(by=request.user, course=course, rows=rows)
    messages.success(
        request,
        _("Attendance sheet saved: %(created)s added, %(updated)s changed, %(removed)s removed.")
        % {"created": result.created, "updated": result.updated, "removed": result.removed},
    )
    return redirect(reverse("training:course_detail", args=[course.pk]) + "#attendance")


@login_required
@require_POST
def participant_add(request, pk: int):
    _require_view(request.user)
    course = get_course_for(request.user, pk)
    _require_manage(request.user)
    form = ParticipationForm(request.POST, course=course, prefix="p")
    if not form.is_valid():
        return _course_page(request, course, participation_form=form)
    participation = services.participation_add(
        by=request.user,
        course=course,
        enterprise=form.cleaned_data["enterprise"],
        attendees=form.cleaned_data["attendees"],
    )
    messages.success(request, _("%(name)s recorded as a participant.") % {"name": participation.enterprise.name})
    return redirect(reverse("training:course_detail", args=[course.pk]) + "#participants")


@login_required
@require_POST
def participant_remove(request, pk: int, participation_pk: int):
    _require_view(request.user)
    course = get_course_for(request.user, pk)
    participation = get_object_or_404(
        EnterpriseParticipation.objects.visible_to(request.user).filter(course=course), pk=participation_pk
    )
    _require_manage(request.user)
    services.participation_remove(by=request.user, participation=participation)
    messages.success(request, _("Participant removed."))
    return redirect(reverse("training:course_detail", args=[course.pk]) + "#participants")


# --- Attendance import ----------------------------------------------------------------------


def _import_course(request, pk: int):
    _require_view(request.user)
    course = get_course_for(request.user, pk)
    _require_manage(request.user)
    return course


def _import_job(request, course, job: int) -> ImportJob:
    """The user's own import job for ``course``; anyone else's answers 404."""
    jobs = ImportJob.objects.visible_to(request.user).filter(kind=ImportJob.Kind.ATTENDANCE, target_id=course.pk)
    return get_object_or_404(jobs, pk=job)


@login_required
@require_http_methods(["GET", "POST"])
def attendance_import(request, pk: int):
    course = _import_course(request, pk)
    form = AttendanceUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_jobs.import_job_start(
                by=request.user,
                kind=ImportJob.Kind.ATTENDANCE,
                file=upload,
                original_name=upload.name,
                target_id=course.pk,
            )
        except (ImportFileError, StorageFull) as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("training:attendance_import_preview", pk=course.pk, job=job.pk)
    return render(request, "training/import_upload.html", {"course": course, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def attendance_import_preview(request, pk: int, job: int):
    """GET: the job's progress, then its preview or result; POST: confirm (the rows are written
    by the task)."""
    course = _import_course(request, pk)
    import_job = _import_job(request, course, job)
    if request.method == "POST":
        if import_job.previewed or import_job.phase == ImportJob.Phase.APPLY:  # a second click: its page
            import_jobs.import_job_confirm(by=request.user, job=import_job)
        else:
            messages.error(request, _("This import cannot be confirmed. Please upload the file again."))
        return redirect("training:attendance_import_preview", pk=course.pk, job=import_job.pk)
    return render(
        request, "training/import_preview.html", {"course": course, "job": import_job, "preview": import_job.summary}
    )


@login_required
@require_POST
def attendance_import_cancel(request, pk: int, job: int):
    course = _import_course(request, pk)
    import_job = _import_job(request, course, job)
    if import_jobs.import_job_cancel(job=import_job):
        messages.info(request, _("Import cancelled; nothing was recorded."))
        return redirect(course)
    messages.error(request, _("The rows are being saved; the import can no longer be cancelled."))
    return redirect("training:attendance_import_preview", pk=course.pk, job=import_job.pk)


@login_required
def attendance_import_template(request):
    _require_view(request.user)
    _require_manage(request.user)
    wb = spreadsheets.new_workbook()
    spreadsheets.write_table(
        wb,
        _("Attendance"),
        [imports.column_label(key) for key, _label in imports.COLUMNS],
        [],
        widths=[30, 18, 28, 10, 18],
    )
    stream = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    spreadsheets.save(wb, stream)
    stream.seek(0)
    return FileResponse(stream, as_attachment=True, filename="danh-sach-hoc-vien.xlsx", content_type=XLSX_CONTENT_TYPE)


# --- Coverage -------------------------------------------------------------------------------


def _as_of(request) -> dt.date:
    value = request.GET.get("as_of", "")
    parsed = None
    if value:
        try:
            parsed = parse_date(value)
        except ValueError:
            parsed = None
        if parsed is None:
            try:
                parsed = dt.datetime.strptime(value, "%d/%m/%Y").date()  # noqa: DTZ007 - a calendar date
            except ValueError:
                parsed = None
    if parsed is not None and not date_in_range(parsed):
        parsed = None  # outside the calendar the portal works in: today, as for an unreadable date
    return parsed or timezone.localdate()


def _sort(request) -> str:
    sort = request.GET.get("sort", DEFAULT_COVERAGE_SORT)
    return sort if sort.lstrip("-") in COVERAGE_SORTS else DEFAULT_COVERAGE_SORT


@login_required
def coverage(request):
    _require_view(request.user)
    as_of, sort = _as_of(request), _sort(request)
    rows = coverage_for(request.user, as_of, sort=sort)
    columns = []
    for key, label in [
        ("district", _("District")),
        ("officers", _("Officers in post")),
        ("trained", _("Trained officers in post")),
        ("last_training", _("Last training")),
        ("status", _("Status")),
    ]:
        current = sort.lstrip("-") == key
        descending = sort.startswith("-")
        columns.append(
            {
                "key": key,
                "label": label,
                "sorted": ("desc" if descending else "asc") if current else "",
                "next": f"-{key}" if current and not descending else key,
                "numeric": key in ("officers", "trained"),
            }
        )
    return render(
        request,
        "training/coverage.html",
        {
            "rows": rows,
            "counts": count_statuses(rows),
            "as_of": as_of,
            "is_today": as_of == timezone.localdate(),
            "sort": sort,
            "columns": columns,
            "stale_years": STALE_AFTER_YEARS,
        },
    )


@login_required
def coverage_export(request):
    _require_view(request.user)
    as_of, sort = _as_of(request), _sort(request)
    rows = coverage_for(request.user, as_of, sort=sort)
    wb = spreadsheets.new_workbook()
    spreadsheets.write_table(
        wb,
        _("Training coverage"),
        [
            _("District code"),
            _("District"),
            _("Officers in post"),
            _("Trained officers in post"),
            _("Last training"),
            _("Status"),
            _("As of"),
        ],
        (
            [
                row.code,
                row.name,
                row.officers_in_post,
                row.trained_in_post,
                row.last_training,
                row.status_label,
                as_of,
            ]
            for row in rows
        ),
        widths=[10, 24, 14, 16, 14, 16, 12],
    )
    stream = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    spreadsheets.save(wb, stream)
    stream.seek(0)
    filename = f"do-phu-dao-tao-{as_of:%Y%m%d}.xlsx"
    return FileResponse(stream, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
