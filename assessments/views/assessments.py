"""Assessment pages: list, create, detail (with the review log and actions), edit (header,
baseline lines and options on one page), the workflow POSTs and DOIT's factors page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from assessments.forms.assessments import (
    AssessmentFilterForm,
    AssessmentForm,
    BaselineFormSet,
    CPOptionFormSet,
    ResourceFactorForm,
    ReviewForm,
)
from assessments.models import Assessment, CPOption, OptionExpectedSaving
from assessments.selectors import (
    assessment_detail,
    factors_by_resource,
    get_assessment_for,
)
from assessments.selectors import (
    assessment_list as select_assessments,
)
from assessments.services import assessments as services
from assessments.services.workflow import StaleVersion, WorkflowError, YearLocked, available_transitions, rule_for
from enterprises.selectors import enterprises_for, get_enterprise_for
from periods.selectors import is_year_locked

PAGE_SIZE = 25


def _formsets(request, assessment: Assessment):
    data = request.POST if request.method == "POST" else None
    if assessment.pk:
        options = assessment.options.prefetch_related(
            Prefetch("expected_savings", queryset=OptionExpectedSaving.objects.order_by("pk"))
        ).order_by("pk")
    else:
        options = CPOption.objects.none()
    return (
        BaselineFormSet(data, instance=assessment, prefix="baseline"),
        CPOptionFormSet(data, instance=assessment, prefix="options", queryset=options),
    )


@login_required
def assessment_list(request):
    form = AssessmentFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = select_assessments(
        request.user,
        year=filters.get("year"),
        status=filters.get("status"),
        district_id=getattr(filters.get("district"), "pk", None),
        query=filters.get("q") or "",
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "assessments/assessment_list.html",
        {"form": form, "page": page, "querystring": query.urlencode(), "can_add": request.user.scope.is_unit},
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_create(request):
    raw = request.GET.get("enterprise") or request.POST.get("enterprise")
    if not raw:
        return _choose_enterprise(request)
    if not str(raw).isdigit():
        return HttpResponseBadRequest(_("Choose an enterprise."))
    enterprise = get_enterprise_for(request.user, int(raw))
    if not request.user.has_perm("assessments.add_assessment", enterprise):
        raise PermissionDenied
    assessment = Assessment(enterprise=enterprise)
    initial = {"assessor_name": request.user.get_full_name()}
    form = AssessmentForm(request.POST or None, instance=assessment, initial=initial)
    baseline, options = _formsets(request, assessment)
    if request.method == "POST" and form.is_valid() and baseline.is_valid() and options.is_valid():
        try:
            services.assessment_create(
                by=request.user,
                enterprise=enterprise,
                assessment=form.instance,
                baseline_formset=baseline,
                option_formset=options,
            )
        except YearLocked as exc:
            form.add_error("year", exc.message)
        else:
            messages.success(request, _("Assessment saved as a draft."))
            return redirect(form.instance)
    return render(
        request,
        "assessments/assessment_form.html",
        {"form": form, "baseline": baseline, "options": options, "enterprise": enterprise, "assessment": None},
        status=400 if request.method == "POST" else 200,
    )


def _choose_enterprise(request):
    """Pick the enterprise of a new assessment: the officer's unit only."""
    if not request.user.scope.is_unit:
        raise PermissionDenied
    qs = enterprises_for(request.user).filter(active=True)
    q = request.GET.get("q", "")
    if q:
        qs = qs.search(q)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "assessments/choose_enterprise.html", {"page": page, "q": q, "querystring": f"q={q}" if q else ""}
    )


@login_required
def assessment_detail_view(request, pk: int):
    assessment = get_assessment_for(request.user, pk)
    return _render_detail(request, assessment)


def _render_detail(request, assessment: Assessment, *, review_form: ReviewForm | None = None, status: int = 200):
    context = assessment_detail(assessment)
    # A locked year (its final report was issued): nothing can be changed, no button is shown.
    year_locked = is_year_locked(assessment.year)
    actions = [] if year_locked else available_transitions(obj=assessment, by=request.user)
    context.update(
        {
            "assessment": assessment,
            "enterprise": assessment.enterprise,
            "steps": Assessment.Step.choices,
            "step_warnings": services.step_findings(assessment, "warning"),
            "year_locked": year_locked,
            "can_edit": not year_locked and request.user.has_perm("assessments.change_assessment", assessment),
            "can_submit": Assessment.Status.SUBMITTED in actions,
            "can_review": Assessment.Status.APPROVED in actions or Assessment.Status.RETURNED in actions,
            "review_form": review_form or ReviewForm(initial={"version": assessment.version}),
        }
    )
    return render(request, "assessments/assessment_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def assessment_edit(request, pk: int):
    assessment = get_assessment_for(request.user, pk, write=True)
    if is_year_locked(assessment.year):
        messages.error(request, YearLocked(assessment.year).message)
        return redirect(assessment)
    form = AssessmentForm(request.POST or None, instance=assessment)
    baseline, options = _formsets(request, assessment)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid() and baseline.is_valid() and options.is_valid():
            try:
                services.assessment_update(
                    by=request.user,
                    assessment=form.instance,
                    version=form.cleaned_data.get("version"),
                    baseline_formset=baseline,
                    option_formset=options,
                )
            except StaleVersion as exc:
                form.add_error(None, exc.message)
                status = 409
            except YearLocked as exc:
                form.add_error("year", exc.message)
            else:
                messages.success(request, _("Changes saved."))
                return redirect(assessment)
    return render(
        request,
        "assessments/assessment_form.html",
        {
            "form": form,
            "baseline": baseline,
            "options": options,
            "enterprise": assessment.enterprise,
            "assessment": assessment,
        },
        status=status,
    )


def _workflow_action(request, pk: int, action, *, to: str):
    assessment = get_assessment_for(request.user, pk)
    # The role check comes before the form: a role that may read the assessment but not make
    # this move gets 403 whatever it posts (the service checks again, with the row locked).
    if not request.user.has_perm(rule_for(Assessment, to).perm, assessment):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The form was incomplete; reload the page and try again."))
        return redirect(assessment)
    try:
        action(
            assessment=assessment,
            by=request.user,
            version=form.cleaned_data["version"],
            comment=form.cleaned_data["comment"],
        )
    except WorkflowError as exc:  # stale version, wrong status, locked year
        messages.error(request, exc.message)
        return redirect(assessment)
    except ValidationError as exc:
        for error in exc.message_dict.get("comment", []):
            form.add_error("comment", error)
        messages.error(request, _("The assessment was not returned: see the comment field."))
        return _render_detail(request, assessment, review_form=form, status=400)
    return None


def _submit_confirmation(request, pk: int):
    """The confirmation step before submitting (a page, so it works without JavaScript): what is
    sent, to whom, the step rule's warnings, and what the officer can no longer do."""
    assessment = get_assessment_for(request.user, pk)
    if not request.user.has_perm(rule_for(Assessment, Assessment.Status.SUBMITTED).perm, assessment):
        raise PermissionDenied
    year_locked = is_year_locked(assessment.year)
    actions = [] if year_locked else available_transitions(obj=assessment, by=request.user)
    return render(
        request,
        "assessments/submit_confirm.html",
        {
            "assessment": assessment,
            "enterprise": assessment.enterprise,
            "year_locked": year_locked,
            "can_submit": Assessment.Status.SUBMITTED in actions,
            "warnings": services.step_findings(assessment, "warning"),
            "baseline_count": assessment.baseline_lines.count(),
            "option_count": assessment.options.count(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_submit(request, pk: int):
    """GET: the confirmation step; POST (from it): submit."""
    if request.method == "GET":
        return _submit_confirmation(request, pk)

    def act(*, assessment, by, version, comment):
        services.assessment_submit(assessment=assessment, by=by, version=version)

    response = _workflow_action(request, pk, act, to=Assessment.Status.SUBMITTED)
    if response is None:
        messages.success(request, _("Assessment submitted to the Department of Industry and Trade."))
        for finding in services.step_findings(get_assessment_for(request.user, pk), "warning"):
            messages.warning(request, finding.message)
        response = redirect("assessments:detail", pk=pk)
    return response


@login_required
@require_POST
def assessment_approve(request, pk: int):
    response = _workflow_action(request, pk, services.assessment_approve, to=Assessment.Status.APPROVED)
    if response is None:
        messages.success(request, _("Assessment approved."))
        response = redirect("assessments:detail", pk=pk)
    return response


@login_required
@require_POST
def assessment_return(request, pk: int):
    response = _workflow_action(request, pk, services.assessment_return, to=Assessment.Status.RETURNED)
    if response is None:
        messages.success(request, _("Assessment returned to its officer with your comment."))
        response = redirect("assessments:detail", pk=pk)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def factor_list(request):
    if not request.user.has_perm("assessments.add_resourcefactor"):
        raise PermissionDenied
    form = ResourceFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            factor = services.factor_create(by=request.user, factor=form.instance)
        except YearLocked as exc:
            form.add_error("valid_from_year", exc.message)
        else:
            messages.success(
                request,
                _("Factor for %(resource)s from %(year)s recorded.")
                % {"resource": factor.resource.label, "year": factor.valid_from_year},
            )
            return redirect("assessments:factors")
    return render(
        request,
        "assessments/factor_list.html",
        {"form": form, "resources": factors_by_resource()},
        status=400 if request.method == "POST" else 200,
    )
