"""Savings reports: list, create, detail (the review page), edit, workflow moves and evidence.

Every view goes through ``SavingsReport.objects.visible_to(user)``: a report out of scope is a
404; a role that may see a report but not act on it gets 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from assessments.forms.savings import (
    EvidenceForm,
    ReopenForm,
    ReturnForm,
    SavingsReportForm,
    VerifyForm,
    line_formset,
)
from assessments.models import Evidence, SavingsReport, signed
from assessments.quality import Severity
from assessments.selectors import review_events_for
from assessments.services import savings as services
from assessments.services.workflow import StaleVersion, WorkflowError, YearLocked, available_transitions
from cleanprod.files import StorageFull
from enterprises.models import Commune, District
from enterprises.text import fold
from periods.selectors import is_year_locked

PAGE_SIZE = 25


def _reports_for(user):
    return SavingsReport.objects.visible_to(user).with_related()


def _get_report(user, pk: int) -> SavingsReport:
    return get_object_or_404(_reports_for(user), pk=pk)


def _version(request) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


# --------------------------------------------------------------------------- list


def _unit_choices(user) -> tuple[list[Commune], list[District]]:
    """The communes and former districts the review queue can be narrowed to: the city every
    commune in force and every former district, an officer their commune and the former
    districts it was formed from, others none (two queries, whatever the number of reports)."""
    scope = user.scope
    if not scope.is_office:
        return [], []
    communes = scope.communes(Commune.objects.filter(valid_until__isnull=True)).order_by("name").only("code", "name")
    formers = District.objects.all() if scope.is_city else District.objects.filter(pk__in=scope.former_district_ids())
    return list(communes), list(formers.order_by("name").only("code", "name"))


def _by_code(units, code: str):
    return next((u for u in units if u.code == code), None) if code else None


@login_required
def savings_list(request):
    user = request.user
    evidence_count = (
        Evidence.objects.filter(report=OuterRef("pk")).order_by().values("report").annotate(n=Count("pk")).values("n")
    )
    qs = (
        _reports_for(user)
        .select_related("enterprise__commune")
        .annotate(
            line_count=Count("lines"),
            vnd_total=Coalesce(Sum(signed("vnd_saved", "lines__")), 0),  # net of consumption increases
            evidence_count=Coalesce(Subquery(evidence_count, output_field=IntegerField()), 0),
        )
    )
    status = request.GET.get("status", "")
    if status in SavingsReport.Status.values:
        qs = qs.filter(status=status)
    year = request.GET.get("year", "")
    if year.isdigit():
        qs = qs.filter(year=int(year))
    warnings = request.GET.get("warnings", "")
    if warnings == "with":
        qs = qs.filter(warning_count__gt=0)
    elif warnings == "without":
        qs = qs.filter(warning_count=0)
    # Narrowed to a commune or ward and/or a former district (codes outside the scope are ignored).
    communes, formers = _unit_choices(user)
    commune = _by_code(communes, request.GET.get("commune", ""))
    former = _by_code(formers, request.GET.get("former", ""))
    unit_q = Q()
    if commune is not None:
        unit_q &= Q(enterprise__commune=commune)
    if former is not None:
        unit_q &= Q(enterprise__district=former)
    qs = qs.filter(unit_q)
    for word in fold(request.GET.get("q", "")).split():
        qs = qs.filter(enterprise__search_key__contains=word)
    qs = qs.order_by("-year", "enterprise__name", "period", "pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    to_review = None
    bulk_count, bulk_unit = 0, []
    if user.scope.is_unit:
        submitted = _reports_for(user).filter(status=SavingsReport.Status.SUBMITTED)
        to_review = submitted.count()
        # "Select all of this unit": every submitted report of the commune and/or former district
        # chosen in the filter (on every page), else of the officer's commune.
        if commune is None and former is None:
            bulk_count, bulk_unit = to_review, [c.name for c in communes]
        else:
            bulk_count = submitted.filter(unit_q).count()
            bulk_unit = [u.name for u in (commune, former) if u is not None]
    return render(
        request,
        "savings/report_list.html",
        {
            "page": page,
            "querystring": query.urlencode(),
            "statuses": SavingsReport.Status.choices,
            "status": status,
            "year": year,
            "warnings": warnings,
            "q": request.GET.get("q", ""),
            "communes": communes,
            "formers": formers,
            "commune": commune,
            "former": former,
            "can_create": services.can_create(user),
            "to_review": to_review,
            "can_bulk": bool(to_review),
            "bulk_count": bulk_count,
            "bulk_unit": " · ".join(bulk_unit),
        },
    )


# --------------------------------------------------------------------------- create / edit


def _attach_line_errors(formset, report: SavingsReport) -> list:
    """Put the data-quality errors of the saved lines next to their rows; return the
    report-level errors."""
    review = services.review_report(report)
    by_line = review.by_line(Severity.ERROR)
    for form in formset.forms:
        if form.instance.pk:
            form.quality_errors = by_line.get(form.instance.pk, [])
    return review.report_level(Severity.ERROR)


@login_required
@require_http_methods(["GET", "POST"])
def savings_create(request):
    user = request.user
    if not services.can_create(user):
        raise PermissionDenied
    enterprise = user.enterprise
    report = SavingsReport(enterprise=enterprise)
    form = SavingsReportForm(
        request.POST or None, enterprise=enterprise, instance=report, initial=_asked_period(request)
    )
    formset = line_formset(extra=2)(request.POST or None, instance=report, enterprise=enterprise, prefix="lines")
    report_errors: list = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        submit = "submit" in request.POST
        create = services.savings_report_create_to_submit if submit else services.savings_report_create
        try:
            report = create(
                by=user,
                enterprise=enterprise,
                year=form.cleaned_data["year"],
                period=form.cleaned_data["period"],
                notes=form.cleaned_data["notes"],
                output_quantity=form.cleaned_data.get("output_quantity"),
                lines=formset.line_inputs() + form.switch_lines(),
            )
        except services.SubmissionBlocked as blocked:
            report_errors = blocked.review.errors
            messages.error(request, blocked.message)
        except YearLocked as exc:
            form.add_error("year", exc.message)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Savings report saved as a draft."))
            if submit:
                return redirect("savings:submit", pk=report.pk)
            return redirect(report)
    return render(
        request,
        "savings/report_form.html",
        {
            "form": form,
            "formset": formset,
            "report": None,
            "report_errors": report_errors,
            "existing_report": _existing_report(form, enterprise),
        },
    )


def _existing_report(form, enterprise, exclude_pk: int | None = None) -> SavingsReport | None:
    """The enterprise's report for the period the form asked for, when the form was refused
    because that period is taken: the error links to it."""
    if "period" not in form.errors:
        return None
    try:
        year, period = int(form.data.get("year", "")), form.data.get("period", "")
    except ValueError:
        return None
    qs = SavingsReport.objects.filter(enterprise=enterprise, year=year, period=period)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.first()


def _asked_period(request) -> dict:
    """The year and period a data call's task asks for (``?year=&period=``), when they are valid."""
    initial: dict = {}
    year = request.GET.get("year", "")
    if year.isascii() and year.isdigit() and 1990 <= int(year) <= 2100:
        initial["year"] = int(year)
    if request.GET.get("period") in SavingsReport.Period.values:
        initial["period"] = request.GET["period"]
    return initial


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@login_required
@require_http_methods(["GET", "POST"])
def savings_edit(request, pk: int):
    user = request.user
    report = _get_report(user, pk)
    if not services.is_author_side(user, report):
        raise PermissionDenied
    if is_year_locked(report.year):
        messages.error(request, YearLocked(report.year).message)
        return redirect(report)
    if not report.is_editable:
        messages.error(
            request,
            _("This report is “%(status)s” and can no longer be changed.") % {"status": report.get_status_display()},
        )
        return redirect(report)
    enterprise = report.enterprise
    form = SavingsReportForm(request.POST or None, enterprise=enterprise, instance=report)
    formset = line_formset(extra=1)(request.POST or None, instance=report, enterprise=enterprise, prefix="lines")
    report_errors: list = []
    stale = False
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            services.savings_report_update(
                by=user,
                report=report,
                version=form.cleaned_data.get("version"),
                year=form.cleaned_data["year"],
                period=form.cleaned_data["period"],
                notes=form.cleaned_data["notes"],
                output_quantity=form.cleaned_data.get("output_quantity"),
                lines=formset.line_inputs() + form.switch_lines(),
            )
        except StaleVersion:
            stale = True
            current = SavingsReport.objects.get(pk=report.pk)
            # The user's input stays on the page; the form now carries the current version, so that
            # saving again (after comparing with the report in another tab) is a deliberate choice.
            data = request.POST.copy()
            data["version"] = str(current.version)
            form.data = data
            messages.error(
                request,
                _(
                    "Someone else saved this report while you were editing it. Your changes have NOT been "
                    "saved and are kept below. Open the report in another tab to see the current version; "
                    "saving again will replace it with what is below."
                ),
            )
        except YearLocked as exc:
            form.add_error("year", exc.message)
        except services.ReportLocked as exc:
            messages.error(request, exc.message)
            return redirect(report)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            if "submit" in request.POST:
                return redirect("savings:submit", pk=report.pk)
            return redirect(report)
    elif request.method == "GET":
        report_errors = _attach_line_errors(formset, report)
    return render(
        request,
        "savings/report_form.html",
        {
            "form": form,
            "formset": formset,
            "report": report,
            "report_errors": report_errors,
            "stale": stale,
            "existing_report": _existing_report(form, enterprise, exclude_pk=report.pk),
        },
    )


# --------------------------------------------------------------------------- detail (review page)


def _detail_context(request, report: SavingsReport, **extra) -> dict:
    user = request.user
    lines = list(report.lines.select_related("resource", "option", "option__assessment"))
    figures = services.report_figures(report, lines)
    review = services.review_report(report, lines=lines)
    author = services.is_author_side(user, report)
    # A locked year (its final report was issued): nothing can be changed, no button is shown.
    year_locked = is_year_locked(report.year)
    editable = author and report.is_editable and not year_locked
    show_warnings = user.scope.is_office
    errors_by_line = review.by_line(Severity.ERROR) if editable else {}
    warnings_by_line = review.by_line(Severity.WARNING) if show_warnings else {}
    rows = [
        {
            "figures": row,
            "errors": errors_by_line.get(row.line.pk, []),
            "warnings": warnings_by_line.get(row.line.pk, []),
        }
        for row in figures.rows
    ]
    events = list(review_events_for(report))
    returned = next(
        (e for e in reversed(events) if e.to_status == SavingsReport.Status.RETURNED),
        None,
    )
    transitions = [] if year_locked else available_transitions(obj=report, by=user)
    evidence = list(report.evidence.select_related("uploaded_by"))
    context = {
        "report": report,
        "year_locked": year_locked,
        "rows": rows,
        "figures": figures,
        "review": review,
        "warnings": review.warnings if show_warnings else [],
        "show_warnings": show_warnings,
        "evidence": evidence,
        # The programme's evidence rule applied to this report (shown before submitting and to the reviewer).
        "evidence_need": services.evidence_need(report, figures=figures, have=len(evidence)),
        "events": events,
        "last_return": returned if report.status == SavingsReport.Status.RETURNED else None,
        "can_edit": editable,
        "can_submit": SavingsReport.Status.SUBMITTED in transitions,
        "can_verify": SavingsReport.Status.VERIFIED in transitions,
        "can_return": SavingsReport.Status.RETURNED in transitions and report.status == SavingsReport.Status.SUBMITTED,
        "can_reopen": SavingsReport.Status.RETURNED in transitions and report.status == SavingsReport.Status.VERIFIED,
        "verify_form": VerifyForm(initial={"version": report.version}),
        "reopen_form": ReopenForm(initial={"version": report.version}),
        "verification": _verification_event(events, report),
        "evidence_form": EvidenceForm() if editable else None,
        "return_form": ReturnForm(initial={"version": report.version}),
        "history": report.history.select_related("history_user").order_by("-history_date")[:50],
    }
    context.update(extra)
    return context


def _verification_event(events: list, report: SavingsReport):
    """The event that verified the report as it stands (None unless it is verified)."""
    if report.status != SavingsReport.Status.VERIFIED:
        return None
    return next((e for e in reversed(events) if e.to_status == SavingsReport.Status.VERIFIED), None)


@login_required
def savings_detail(request, pk: int):
    report = _get_report(request.user, pk)
    return render(request, "savings/report_detail.html", _detail_context(request, report))


# --------------------------------------------------------------------------- workflow


def _submit_and_redirect(request, report: SavingsReport, *, version: int | None = None):
    try:
        services.savings_report_submit(report=report, by=request.user, version=version)
    except services.SubmissionBlocked as exc:
        messages.error(request, exc.message)
    except WorkflowError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Report submitted to your district's economic office for verification."))
    return redirect(report)


@login_required
@require_http_methods(["GET", "POST"])
def savings_submit(request, pk: int):
    """GET: the confirmation step (a page, so it works without JavaScript): what is sent, its
    totals, the errors that block it and the warnings the office will see; POST (from it): submit."""
    report = _get_report(request.user, pk)
    if not request.user.has_perm("assessments.submit_savingsreport", report):
        raise PermissionDenied
    if request.method == "POST":
        return _submit_and_redirect(request, report, version=_version(request))
    lines = list(report.lines.select_related("resource", "option", "option__assessment"))
    year_locked = is_year_locked(report.year)
    transitions = [] if year_locked else available_transitions(obj=report, by=request.user)
    review = services.review_report(report, lines=lines)
    figures = services.report_figures(report, lines)
    evidence_count = report.evidence.count()
    return render(
        request,
        "savings/submit_confirm.html",
        {
            "report": report,
            "figures": figures,
            "review": review,
            "year_locked": year_locked,
            "can_submit": SavingsReport.Status.SUBMITTED in transitions and not review.errors,
            "status_allows": SavingsReport.Status.SUBMITTED in transitions,
            "evidence_count": evidence_count,
            # The evidence the programme requires before verification: said before the click.
            "evidence_need": services.evidence_need(report, figures=figures, have=evidence_count),
        },
    )


@login_required
@require_POST
def savings_verify(request, pk: int):
    report = _get_report(request.user, pk)
    if not request.user.has_perm("assessments.verify_savingsreport", report):
        raise PermissionDenied
    form = VerifyForm(request.POST)
    if form.is_valid():
        try:
            services.savings_report_verify(
                report=report,
                by=request.user,
                version=form.cleaned_data["version"],
                justification=form.cleaned_data["justification"],
            )
        except services.JustificationRequired as exc:
            form.add_error("justification", exc.message)
        except WorkflowError as exc:
            messages.error(request, exc.message)
            return redirect(report)
        else:
            messages.success(request, _("Report verified: its savings now count in the programme's figures."))
            return redirect(report)
    return render(request, "savings/report_detail.html", _detail_context(request, report, verify_form=form), status=400)


@login_required
@require_POST
def savings_reopen(request, pk: int):
    report = _get_report(request.user, pk)
    if not request.user.has_perm("assessments.reopen_savingsreport", report):
        raise PermissionDenied
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.savings_report_reopen(
                report=report, by=request.user, reason=form.cleaned_data["reason"], version=form.cleaned_data["version"]
            )
        except WorkflowError as exc:
            messages.error(request, exc.message)
            return redirect(report)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request, _("Report reopened: its figures no longer count, and the enterprise sees your reason.")
            )
            return redirect(report)
    return render(request, "savings/report_detail.html", _detail_context(request, report, reopen_form=form), status=400)


@login_required
@require_POST
def savings_return(request, pk: int):
    report = _get_report(request.user, pk)
    if not request.user.has_perm("assessments.verify_savingsreport", report):
        raise PermissionDenied
    form = ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.savings_report_return(
                report=report,
                by=request.user,
                comment=form.cleaned_data["comment"],
                version=form.cleaned_data["version"],
            )
        except WorkflowError as exc:
            messages.error(request, exc.message)
            return redirect(report)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Report returned to the enterprise with your comment."))
            return redirect(report)
    return render(request, "savings/report_detail.html", _detail_context(request, report, return_form=form), status=400)


@login_required
@require_POST
def savings_bulk_review(request):
    """Verify or return the ticked reports, or every submitted report of one commune or former
    district in the user's scope ("all", on every page of the queue), each with the same checks
    as on its own page."""
    user = request.user
    if not user.scope.is_unit:
        raise PermissionDenied
    queue = _reports_for(user).filter(status=SavingsReport.Status.SUBMITTED).order_by("enterprise__name", "pk")
    if request.POST.get("all"):
        # Every submitted report of a commune and/or a former district, within the user's scope.
        commune = request.POST.get("commune", "")
        former = request.POST.get("former", "") or request.POST.get("district", "")
        if not commune and not former:
            messages.error(request, _("Choose the commune, ward or former district whose reports to review."))
            return redirect(f"{reverse('savings:list')}?status=submitted")
        if commune:
            queue = queue.filter(enterprise__commune__code=commune)
        if former:
            queue = queue.filter(enterprise__district__code=former)
    else:
        ids = [int(v) for v in request.POST.getlist("report") if v.isdigit()]
        if not ids:
            messages.error(request, _("Tick the reports to review first."))
            return redirect(f"{reverse('savings:list')}?status=submitted")
        queue = queue.filter(pk__in=ids)
    action = request.POST.get("action", "")
    if action not in ("verify", "return"):
        messages.error(request, _("Choose whether to verify or to return the reports."))
        return redirect(f"{reverse('savings:list')}?status=submitted")
    reports = list(queue)
    if not reports:
        messages.warning(request, _("No submitted report to review there."))
        return redirect(f"{reverse('savings:list')}?status=submitted")
    result = services.savings_reports_bulk_review(
        reports=reports,
        by=user,
        action=action,
        comment=request.POST.get("comment", ""),
        justification=request.POST.get("justification", ""),
    )
    if result.done:
        done = len(result.done)
        messages.success(
            request,
            (
                ngettext("%(n)s report verified.", "%(n)s reports verified.", done)
                if action == "verify"
                else ngettext("%(n)s report returned.", "%(n)s reports returned.", done)
            )
            % {"n": done},
        )
    for report, reason in result.skipped:
        messages.warning(
            request,
            _("Not done for %(enterprise)s (%(period)s): %(reason)s")
            % {"enterprise": report.enterprise.name, "period": report.get_period_display(), "reason": reason},
        )
    return redirect(f"{reverse('savings:list')}?status=submitted")


# --------------------------------------------------------------------------- evidence


@login_required
@require_POST
def evidence_upload(request, pk: int):
    report = _get_report(request.user, pk)
    if not services.is_author_side(request.user, report):
        raise PermissionDenied
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            item = services.evidence_add(report=report, by=request.user, upload=form.cleaned_data["file"])
        except (services.ReportLocked, YearLocked) as exc:
            messages.error(request, exc.message)
            return redirect(report)
        except ValidationError as exc:
            form.add_error("file", exc)
        except StorageFull as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, _("File %(name)s attached.") % {"name": item.original_name})
            return redirect(report)
    return render(
        request, "savings/report_detail.html", _detail_context(request, report, evidence_form=form), status=400
    )


def _get_evidence(request, pk: int, evidence_pk: int) -> Evidence:
    report = _get_report(request.user, pk)
    return get_object_or_404(Evidence.objects.filter(report=report).select_related("report"), pk=evidence_pk)


@login_required
def evidence_download(request, pk: int, evidence_pk: int):
    item = _get_evidence(request, pk, evidence_pk)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=item.original_name, content_type=item.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_POST
def evidence_delete(request, pk: int, evidence_pk: int):
    item = _get_evidence(request, pk, evidence_pk)
    try:
        services.evidence_delete(evidence=item, by=request.user)
    except (services.ReportLocked, YearLocked) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("File %(name)s removed.") % {"name": item.original_name})
    return redirect(item.report)
