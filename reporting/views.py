from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assessments.calls import enterprise_tasks
from enterprises.models import Handover
from periods.models import YearLock, YearLockEvent
from training.selectors import CoverageCounts

from . import dashboard as dashboard_cache
from . import indicators, services
from .archive import archive_page, batch_files, pinned_reports
from .builders import CONTENT_TYPES
from .builders.lines import csv_chunks
from .detail import gather_lines
from .enterprise_dashboard import PendingEnterpriseFigures, enterprise_figures
from .forms import (
    TARGET_FIELDS,
    ActionPlanForm,
    ArchiveFilterForm,
    DetailDataForm,
    EditionForm,
    EditionStartForm,
    EstablishmentFormSet,
    FundingFormSet,
    IndicatorForm,
    IndicatorValueFormSet,
    ModelRuleForm,
    ReportRequestForm,
    TargetFormSet,
    YearLockForm,
    YearReopenForm,
)
from .models import (
    ActionPlan,
    EstablishmentCount,
    Funding,
    Indicator,
    ModelEnterpriseRule,
    ReportBatch,
    ReportEdition,
    ReportJob,
)
from .zipstream import stream_zip

LOCK_EVENT_LIST_SIZE = 20


# --------------------------------------------------------------------------- dashboard


def _dashboard_year(request) -> int:
    """The year asked for, else the latest year with verified savings (yearly reports arrive after
    the year ends, so in most months the current year has little verified yet), else this year."""
    this_year = timezone.localdate().year
    try:
        asked = int(request.GET["year"])
    except (KeyError, ValueError):
        asked = 0
    if asked in services.report_years():
        return asked
    return dashboard_cache.latest_verified_year() or this_year


def _chart(labels, values, label: str) -> dict:
    """A chart's data for Chart.js (``json``) and the same figures as rows for its text
    alternative, a table beside the chart (``rows``)."""
    labels, values = list(labels), list(values)
    return {
        "json": json.dumps({"labels": labels, "values": [float(v) for v in values], "label": label}),
        "rows": list(zip(labels, values, strict=True)),
        "label": label,
    }


@login_required
def dashboard(request):
    """The home page for the user's role, read from ``reporting.indicators`` only (cached until
    the data changes, see ``reporting.dashboard``)."""
    user = request.user
    year = _dashboard_year(request)
    context: dict = {"year": year, "years": list(reversed(services.report_years()))}
    if user.scope.is_enterprise:
        handover = Handover.objects.filter(successor_account=user, seen_at__isnull=True).order_by("pk").first()
        if handover is not None:  # a successor's account opens on the enterprise's summary
            return redirect("enterprises:handover_summary", pk=handover.pk)
        # The verified savings as a worker computed them; the reports and assessments are read live.
        figures = enterprise_figures(user.enterprise_id, year)
        pending = isinstance(figures, PendingEnterpriseFigures)
        overview = indicators.enterprise_overview(user.enterprise, year, trend=() if pending else figures.trend)
        context.update(
            role="enterprise",
            overview=overview,
            tasks=enterprise_tasks(user.enterprise),
            pending=figures if pending else None,
            savings_figures=None if pending else figures,
            chart_trend=_chart(
                [str(p.year) for p in overview.trend], [p.savings_vnd for p in overview.trend], _("VND saved")
            ),
        )
        return render(request, "reporting/dashboard.html", context)
    scope = user.scope
    if not scope.is_office:
        context["role"] = "none"
        return render(request, "reporting/dashboard.html", context)
    # The city for DOIT; the commune or ward office an officer acts for (``accounts.scope``).
    unit = None if scope.is_city else user.commune
    figures = dashboard_cache.dashboard_figures(year, unit, for_city_staff=scope.is_city)
    context.update(role="city" if scope.is_city else "officer", unit=unit, queue=figures.queue)
    if isinstance(figures, dashboard_cache.PendingFigures):  # never computed yet: a worker does it
        context["pending"] = figures
        return render(request, "reporting/dashboard.html", context)
    ind = figures.indicators
    if ind.is_city:
        breakdown = _chart([d.name for d in ind.districts], [d.savings_vnd for d in ind.districts], _("VND saved"))
    else:
        breakdown = _chart(
            [f"{s.code} {s.name}" for s in ind.sectors], [s.savings_vnd for s in ind.sectors], _("VND saved")
        )
    context.update(
        ind=ind,
        refreshing_since=figures.refreshing_since,
        kpis=[ind.fig[code] for code in DASHBOARD_KPIS if code in ind.fig],
        chart_breakdown=breakdown,
        chart_trend=_chart([str(p.year) for p in ind.trend], [p.savings_vnd for p in ind.trend], _("VND saved")),
        coverage_counts=CoverageCounts(
            covered=ind.training.districts_well_covered,
            at_risk=ind.training.districts_at_risk,
            not_covered=ind.training.districts_not_covered,
        )
        if ind.is_city
        else None,
        own_district=ind.districts[0] if not ind.is_city and ind.districts else None,
        calls=figures.calls,
    )
    return render(request, "reporting/dashboard.html", context)


DASHBOARD_KPIS = [
    "enterprises_active",
    "aware_share",
    "applying_share",
    "assessments_completed",
    "savings_vnd",
    "savings_toe",
    "savings_tco2e",
    "energy_saving_pct",
]


# --------------------------------------------------------------------------- report jobs


def _jobs_context(request) -> dict:
    """The archive part of the reports page: filters, the page of rows (a job, or a year-end
    batch with its files), the pinned final reports, and whether to poll for progress."""
    user = request.user
    filter_form = ArchiveFilterForm(request.GET or None, user=user)
    filters = filter_form.filters()
    archive = archive_page(user, filters, request.GET.get("page"))
    jobs = list(archive.jobs())
    for job in jobs:
        job.can_retry = services.report_can_retry(by=user, job=job)
        # The detailed data's CSV beside its Excel file, where the user may download it.
        if job.is_detail and (user.scope.is_city or job.commune_id is not None):
            job.detail_csv_query = job.detail_query
    query = request.GET.copy()
    query.pop("page", None)
    poll = query.copy()
    if archive.page.number > 1:
        poll["page"] = str(archive.page.number)
    return {
        "rows": archive.rows,
        "jobs": jobs,
        "page": archive.page,
        "filter_form": filter_form,
        "filters": filters,
        "querystring": query.urlencode(),
        "poll_url": reverse("reporting:jobs") + (f"?{poll.urlencode()}" if poll else ""),
        "polling": archive.polling,
    }


def _queue_unavailable_message(request, jobs) -> None:
    if any(job.status == ReportJob.Status.QUEUED and job.dispatched_at is None for job in jobs):
        messages.warning(
            request,
            _(
                "The task queue is unavailable at the moment. The report is kept in the queue and will be "
                "built as soon as the queue is back; nothing needs to be requested again."
            ),
        )


@login_required
@require_http_methods(["GET", "POST"])
def report_list(request):
    user = request.user
    can_request = user.has_perm("reporting.request_report")
    form = None
    if can_request:
        form = ReportRequestForm(request.POST or None, user=user)
    elif request.method == "POST":
        raise PermissionDenied
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            if form.cleaned_data.get("all_districts"):
                jobs = services.report_request_all(by=user, year=form.cleaned_data["year"], formats=form.formats)
            else:
                jobs = services.report_request(
                    by=user,
                    year=form.cleaned_data["year"],
                    district=form.unit,
                    formats=form.formats,
                )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _requested_message(jobs, batch=bool(form.cleaned_data.get("all_districts"))))
            _queue_unavailable_message(request, jobs)
            return redirect("reporting:list")
    return render(request, "reporting/report_list.html", _list_context(request, form=form, can_request=can_request))


def _requested_message(jobs, *, batch: bool) -> str:
    """What a request did, truthfully: a report already queued or being built (a double click,
    or a colleague's request) is said to be so, not requested a second time."""
    new = [job for job in jobs if not job.reused]
    if batch:
        if not new:
            return _("This year-end batch is already queued or being built: %(count)s reports.") % {"count": len(jobs)}
        if len(new) == len(jobs):
            return _("Year-end batch requested: %(count)s reports. Each appears below when it is ready.") % {
                "count": len(jobs)
            }
        return _(
            "Year-end batch requested: %(count)s reports (%(already)s of them were already queued or being "
            "built). Each appears below when it is ready."
        ) % {"count": len(jobs), "already": len(jobs) - len(new)}
    if not new:
        return _("Already requested, queued or being built: %(jobs)s. It appears below when it is ready.") % {
            "jobs": ", ".join(str(job) for job in jobs)
        }
    return _("Report requested: %(jobs)s. It appears below when it is ready.") % {
        "jobs": ", ".join(str(job) for job in jobs)
    }


@login_required
@require_POST
def report_retry(request, pk: int):
    """Request a failed report again (its requester, or DOIT staff): the same job is queued again."""
    job = get_object_or_404(ReportJob.objects.visible_to(request.user), pk=pk)
    try:
        job = services.report_retry(by=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if job.reused:
            messages.success(request, _("Already requested again, queued or being built: %(job)s.") % {"job": job})
        else:
            messages.success(request, _("Report requested again: %(job)s.") % {"job": job})
        _queue_unavailable_message(request, [job])
    return redirect("reporting:list")


@login_required
@require_POST
def report_retry_failed(request):
    """Request again every failed report the user may retry and nobody has requested since (after
    a year-end batch these can be more than the job list shows)."""
    if not request.user.has_perm("reporting.request_report"):
        raise PermissionDenied
    jobs = services.report_retry_failed(by=request.user)
    if jobs:
        messages.success(request, _("%(count)s failed reports requested again.") % {"count": len(jobs)})
        _queue_unavailable_message(request, jobs)
    else:
        messages.info(request, _("No failed report is waiting to be requested again."))
    return redirect("reporting:list")


def _detail_form(user, request_form) -> DetailDataForm:
    """The detailed data's form, its scope lists read once for both forms of the page."""
    detail = DetailDataForm(user=user)
    for name in ("district", "commune"):
        if request_form is not None and name in request_form.fields and name in detail.fields:
            choices = [choice for choice in request_form.fields[name].widget.choices]  # noqa: C416 - no COUNT
            request_form.fields[name].widget.choices = detail.fields[name].widget.choices = choices
    return detail


def _list_context(request, *, form=None, can_request: bool, lock_form=None, reopen_form=None) -> dict:
    """The reports page; DOIT staff also see the locked years, the lock log and the forms to
    issue a final report or reopen a year."""
    user = request.user
    context = {"form": form, "can_request": can_request, **_jobs_context(request)}
    if user.scope.is_office:
        context["detail_form"] = _detail_form(user, form)
    if context["page"].number == 1 and not context["filters"].active:
        context["pinned"] = pinned_reports(user)
        context["pinned_detail_csv"] = user.scope.is_city  # an officer's pinned reports are former districts'
    if can_request:
        context["failed_outstanding"] = len(services.report_failed_outstanding(by=user))
    if user.has_perm("reporting.lock_year"):
        locks = list(YearLock.objects.select_related("locked_by"))
        failed_year = reopen_form.data.get("year") if reopen_form is not None else None
        context.update(
            can_lock=True,
            lock_form=lock_form or YearLockForm(),
            locks=[
                (
                    lock,
                    reopen_form
                    if failed_year == str(lock.year)
                    else YearReopenForm(initial={"year": lock.year}, auto_id=f"id_reopen{lock.year}_%s"),
                )
                for lock in locks
            ],
            lock_events=YearLockEvent.objects.select_related("by")[:LOCK_EVENT_LIST_SIZE],
            edition_form=EditionStartForm(),
            editions=ReportEdition.objects.select_related("district")[:10],
        )
    return context


@login_required
@require_POST
def year_lock(request):
    """DOIT issues the final report of a year: the year is locked and the city report requested."""
    user = request.user
    if not user.has_perm("reporting.lock_year"):
        raise PermissionDenied
    form = YearLockForm(request.POST)
    if form.is_valid():
        try:
            lock = services.year_lock(year=form.cleaned_data["year"], by=user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                _(
                    "Final report of %(year)s issued: the year is locked and its city report (PDF and Excel) "
                    "is being built."
                )
                % {"year": lock.year},
            )
            return redirect("reporting:list")
    return _refused_lock_form(request, lock_form=form)


def _refused_lock_form(request, **lock_forms):
    """The reports page again, with the refused lock or reopen form and its errors."""
    user = request.user
    can_request = user.has_perm("reporting.request_report")
    context = _list_context(
        request, form=ReportRequestForm(user=user) if can_request else None, can_request=can_request, **lock_forms
    )
    return render(request, "reporting/report_list.html", context, status=400)


@login_required
@require_POST
def year_reopen(request):
    """DOIT reopens a locked year, with a reason that is recorded."""
    user = request.user
    if not user.has_perm("reporting.lock_year"):
        raise PermissionDenied
    raw = request.POST.get("year", "")
    form = YearReopenForm(request.POST, auto_id=f"id_reopen{raw if raw.isdigit() else ''}_%s")
    if form.is_valid():
        try:
            services.year_reopen(year=form.cleaned_data["year"], by=user, comment=form.cleaned_data["comment"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                _("Year %(year)s reopened: its assessments and savings reports can be changed again.")
                % {"year": form.cleaned_data["year"]},
            )
            return redirect("reporting:list")
    problems = " ".join(str(error) for errors in form.errors.values() for error in errors)
    messages.error(request, _("The year was not reopened: %(problems)s") % {"problems": problems})
    return _refused_lock_form(request, reopen_form=form)


@login_required
@require_GET
def report_jobs(request):
    """The job table alone, polled by htmx every 2 s while a job is queued or running."""
    return render(request, "reporting/_jobs.html", _jobs_context(request))


@login_required
@require_GET
def report_download(request, pk: int):
    """Stream a finished report from private storage, after checking the scope every time."""
    job = get_object_or_404(ReportJob.objects.visible_to(request.user).select_related("district"), pk=pk)
    if job.status != ReportJob.Status.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.storage.open(str(job.file.name), "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=True, filename=job.download_name, content_type=CONTENT_TYPES[job.format]
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def batch_download(request, pk: int):
    """The finished files of a year-end batch as one ZIP, written while it is sent; only the files
    the user may see go in (an officer gets their district's), and none at all answers 404."""
    batch = get_object_or_404(ReportBatch.objects.visible_to(request.user), pk=pk)
    jobs = batch_files(request.user, batch.pk)
    if not jobs:
        raise Http404

    def members():
        for job in jobs:
            try:
                handle = job.file.storage.open(str(job.file.name), "rb")
            except FileNotFoundError:
                continue  # a file lost from storage is left out, not a broken archive
            yield job.download_name, handle

    response = StreamingHttpResponse(stream_zip(members()), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{batch.download_name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def detail_csv(request):
    """The detailed data of a year and scope (its verified savings lines) as CSV, written while it
    is sent: the download starts at once and memory stays flat whatever the number of lines. The
    scope follows the report's rule; any other scope, or a user without one, is answered 404."""
    user = request.user
    form = DetailDataForm(request.GET, user=user) if user.scope.is_office else None
    if form is None or not form.is_valid():
        raise Http404
    data = gather_lines(form.cleaned_data["year"], form.unit)
    response = StreamingHttpResponse(csv_chunks(data), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{data.download_name("csv")}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --------------------------------------------------------------------------- plans and targets


@login_required
@require_GET
def plan_list(request):
    if not request.user.has_perm("reporting.view_plans"):
        raise PermissionDenied
    plans = ActionPlan.objects.annotate(n_targets=Count("targets")).prefetch_related("targets__indicator")
    return render(
        request,
        "reporting/plan_list.html",
        {"plans": plans, "can_manage": request.user.has_perm("reporting.manage_plans")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request):
    if not request.user.has_perm("reporting.manage_plans"):
        raise PermissionDenied
    form = ActionPlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        plan = services.action_plan_create(by=request.user, data=form.cleaned_data)
        messages.success(request, _("Plan %(number)s created: now add its targets.") % {"number": plan.decision_number})
        return redirect("reporting:plan_edit", pk=plan.pk)
    return render(request, "reporting/plan_form.html", {"form": form, "formset": None})


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, pk: int):
    if not request.user.has_perm("reporting.manage_plans"):
        raise PermissionDenied
    plan = get_object_or_404(ActionPlan, pk=pk)
    form = ActionPlanForm(request.POST or None, instance=plan, prefix="plan")
    formset = TargetFormSet(request.POST or None, instance=plan, prefix="targets")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            rows = [
                {
                    **{name: f.cleaned_data[name] for name in TARGET_FIELDS},
                    "instance": f.instance,
                }
                for f in formset.forms
                if f.has_changed() and f.cleaned_data and not f.cleaned_data.get("DELETE")
            ]
            delete = [f.instance for f in formset.deleted_forms if f.instance.pk]
            services.action_plan_update(by=request.user, plan=plan, data=form.cleaned_data, targets=rows, delete=delete)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Plan %(number)s saved.") % {"number": plan.decision_number})
            return redirect("reporting:plans")
    return render(request, "reporting/plan_form.html", {"form": form, "formset": formset, "plan": plan})


# --------------------------------------------------------------------------- indicators


@login_required
@require_GET
def indicator_list(request):
    if not request.user.has_perm("reporting.view_plans"):
        raise PermissionDenied
    indicators = Indicator.objects.select_related("district", "resource").prefetch_related("sectors")
    return render(
        request,
        "reporting/indicator_list.html",
        {"indicators": indicators, "can_manage": request.user.has_perm("reporting.manage_plans")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request, pk: int | None = None):
    if not request.user.has_perm("reporting.manage_plans"):
        raise PermissionDenied
    indicator = get_object_or_404(Indicator, pk=pk) if pk is not None else Indicator()
    form = IndicatorForm(request.POST or None, instance=indicator)
    formset = IndicatorValueFormSet(request.POST or None, instance=indicator, prefix="values")
    entered = indicator.pk is not None and indicator.info.entered
    if request.method == "POST" and form.is_valid() and (not entered or formset.is_valid()):
        values, delete = [], []
        if entered:
            values = [
                {**{n: f.cleaned_data[n] for n in ("year", "value", "source")}, "instance": f.instance}
                for f in formset.forms
                if f.has_changed() and f.cleaned_data and not f.cleaned_data.get("DELETE")
            ]
            delete = [f.instance for f in formset.deleted_forms if f.instance.pk]
        try:
            services.indicator_save(
                by=request.user, indicator=indicator, data=dict(form.cleaned_data), values=values, delete=delete
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Indicator %(code)s saved.") % {"code": indicator.code})
            return redirect("reporting:indicators")
    return render(
        request,
        "reporting/indicator_form.html",
        {"form": form, "formset": formset if entered else None, "indicator": indicator},
    )


# --------------------------------------------------------------------------- the edition DOIT issues


def _edition_for(request, pk: int) -> ReportEdition:
    if not request.user.has_perm("reporting.lock_year"):
        raise PermissionDenied
    return get_object_or_404(ReportEdition.objects.select_related("district", "issued_by"), pk=pk)


@login_required
@require_POST
def edition_start(request):
    if not request.user.has_perm("reporting.lock_year"):
        raise PermissionDenied
    form = EditionStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a year."))
        return redirect("reporting:list")
    edition = services.edition_create(by=request.user, year=form.cleaned_data["year"])
    return redirect("reporting:edition", pk=edition.pk)


@login_required
@require_http_methods(["GET", "POST"])
def edition_edit(request, pk: int):
    edition = _edition_for(request, pk)
    form = EditionForm(request.POST or None, instance=edition)
    if edition.is_issued:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            services.edition_update(by=request.user, edition=edition, data=form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The report's text is saved."))
            return redirect("reporting:edition", pk=edition.pk)
    return render(request, "reporting/edition_form.html", {"form": form, "edition": edition})


@login_required
@require_POST
def edition_issue(request, pk: int):
    edition = _edition_for(request, pk)
    try:
        services.edition_issue(by=request.user, edition=edition)
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.success(
            request,
            _("Report %(number)s issued: year %(year)s is locked and its files are being built.")
            % {"number": edition.number, "year": edition.year},
        )
    return redirect("reporting:edition", pk=edition.pk)


# --------------------------------------------------------------------------- figures DOIT enters


def _inputs_year(request) -> int:
    try:
        year = int(request.POST.get("year") or request.GET.get("year") or 0)
    except ValueError:
        year = 0
    return year if year in services.report_years() else timezone.localdate().year - 1


@login_required
@require_http_methods(["GET", "POST"])
def report_inputs(request):
    if not request.user.has_perm("reporting.manage_plans"):
        raise PermissionDenied
    year = _inputs_year(request)
    data = request.POST if request.method == "POST" else None
    establishments = EstablishmentFormSet(
        data, queryset=EstablishmentCount.objects.filter(year=year).select_related("division"), prefix="est"
    )
    funding = FundingFormSet(data, queryset=Funding.objects.filter(year=year), prefix="fund")
    rule = ModelEnterpriseRule.objects.filter(year=year).first()
    rule_form = ModelRuleForm(data, initial={"min_toe": rule.min_toe, "min_vnd": rule.min_vnd} if rule else None)
    if request.method == "POST" and establishments.is_valid() and funding.is_valid() and rule_form.is_valid():
        changed = [
            f.instance
            for fs in (establishments, funding)
            for f in fs.forms
            if f.has_changed() and f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        delete = [f.instance for fs in (establishments, funding) for f in fs.deleted_forms if f.instance.pk]
        try:
            services.report_inputs_save(
                by=request.user,
                year=year,
                establishments=[r for r in changed if isinstance(r, EstablishmentCount)],
                funding=[r for r in changed if isinstance(r, Funding)],
                delete=delete,
                min_toe=rule_form.cleaned_data["min_toe"],
                min_vnd=rule_form.cleaned_data["min_vnd"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The figures of %(year)s are saved.") % {"year": year})
            return redirect(f"{reverse('reporting:inputs')}?year={year}")
    formsets = [
        (
            _("Industrial establishments of Hanoi"),
            establishments,
            [_("VSIC division"), _("Establishments"), _("Source")],
        ),
        (_("Funding of the programme"), funding, [_("Source of funds"), _("Amount (VND)"), _("Activity"), _("Note")]),
    ]
    return render(
        request,
        "reporting/report_inputs.html",
        {
            "year": year,
            "years": list(reversed(services.report_years())),
            "formsets": formsets,
            "rule_form": rule_form,
        },
    )
