"""Writes on assessments: create and update (header, baseline lines and options together, with
the optimistic version check), the review actions, and DOIT's factor entry."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from assessments import quality
from assessments.models import Assessment, CPOption, OptionExpectedSaving, ResourceFactor

from .workflow import WorkflowError, check_version, ensure_year_open, transition

if TYPE_CHECKING:
    from django.forms import BaseInlineFormSet

    from accounts.models import User
    from enterprises.models import Enterprise


def _save_children(*, assessment: Assessment, baseline_formset: BaseInlineFormSet, option_formset) -> None:
    """Save the (already validated) inline formsets of the assessment page and sync each
    option's expected savings per resource."""
    baseline_formset.instance = assessment
    baseline_formset.save()
    option_formset.instance = assessment
    option_formset.save()
    for form in option_formset.forms:
        option = form.instance
        if option.pk is None or not form.has_changed() or form in option_formset.deleted_forms:
            continue
        option_expected_savings_set(option=option, savings=form.expected_savings())


def option_expected_savings_set(*, option: CPOption, savings: dict[int, Decimal]) -> None:
    """Make the option's expected savings exactly ``savings`` (resource id → quantity per year).
    Refused (``YearLocked``) when the option's assessment is of a locked year."""
    ensure_year_open(option.assessment.year)
    existing = {row.resource_id: row for row in option.expected_savings.all()}
    stale = [row.pk for rid, row in existing.items() if rid not in savings]
    if stale:
        OptionExpectedSaving.objects.filter(pk__in=stale).delete()
    changed, new = [], []
    for rid, quantity in savings.items():
        row = existing.get(rid)
        if row is None:
            new.append(OptionExpectedSaving(option=option, resource_id=rid, quantity=quantity))
        elif row.quantity != quantity:
            row.quantity = quantity
            changed.append(row)
    for row in [*changed, *new]:
        row.full_clean(exclude=["option"], validate_unique=False)
    # The history-keeping bulk writes: each row's change is recorded with the signed-in user.
    if changed:
        bulk_update_with_history(changed, OptionExpectedSaving, ["quantity"])
    if new:
        bulk_create_with_history(new, OptionExpectedSaving)


@transaction.atomic
def assessment_create(
    *,
    by: User,
    enterprise: Enterprise,
    assessment: Assessment,
    baseline_formset: BaseInlineFormSet,
    option_formset: BaseInlineFormSet,
) -> Assessment:
    """Save a new assessment (``assessment`` is the validated form's instance) with its lines."""
    if not by.has_perm("assessments.add_assessment", enterprise):
        raise PermissionDenied
    ensure_year_open(assessment.year)
    assessment.enterprise = enterprise
    assessment.status = Assessment.Status.DRAFT
    assessment.created_by = by
    assessment.version = 1
    if assessment.assessor_id is None and assessment.assessor_name == by.get_full_name():
        assessment.assessor = by
    assessment.full_clean()
    assessment.save()
    _save_children(assessment=assessment, baseline_formset=baseline_formset, option_formset=option_formset)
    return assessment


@transaction.atomic
def assessment_update(
    *,
    by: User,
    assessment: Assessment,
    version: int | None,
    baseline_formset: BaseInlineFormSet,
    option_formset: BaseInlineFormSet,
) -> Assessment:
    """Save the edited assessment (the validated form's instance) and its lines, only if nobody
    changed it since the user loaded ``version``: raises ``StaleVersion`` otherwise, before any
    write. Raises ``PermissionDenied`` if the user may not edit it (wrong role or district, or no
    longer draft/returned), ``YearLocked`` if its year (or the year it is moved to) is locked."""
    locked = Assessment.objects.select_for_update().select_related("enterprise").get(pk=assessment.pk)
    check_version(current=locked.version, expected=version if version is not None else -1)
    if not by.has_perm("assessments.change_assessment", locked):
        raise PermissionDenied
    ensure_year_open(locked.year, assessment.year)
    assessment.status = locked.status
    assessment.version = locked.version + 1
    assessment.full_clean()
    assessment.save()
    _save_children(assessment=assessment, baseline_formset=baseline_formset, option_formset=option_formset)
    return assessment


class ApprovalBlocked(WorkflowError):
    """A rule of ``assessments.quality`` found an error: the assessment cannot be approved."""


def step_findings(assessment: Assessment, severity: str) -> list[quality.Finding]:
    implemented = assessment.options.filter(status=CPOption.Status.IMPLEMENTED).count()
    return quality.assessment_step_findings(step=assessment.step, implemented_options=implemented, severity=severity)


def assessment_submit(*, assessment: Assessment, by: User, version: int | None = None) -> Assessment:
    """Submit for approval; the step rule's warnings are for the caller to show."""
    return transition(obj=assessment, to=Assessment.Status.SUBMITTED, by=by, version=version)


@transaction.atomic
def assessment_approve(
    *, assessment: Assessment, by: User, comment: str = "", version: int | None = None
) -> Assessment:
    """Approve, unless the assessment holds implemented options before the implementation step."""
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not by.has_perm("assessments.review_assessment", locked):
        raise PermissionDenied
    found = step_findings(locked, quality.Severity.ERROR) if locked.status == Assessment.Status.SUBMITTED else []
    if found:
        raise ApprovalBlocked(found[0].message)
    return transition(obj=assessment, to=Assessment.Status.APPROVED, by=by, comment=comment, version=version)


def assessment_return(*, assessment: Assessment, by: User, comment: str, version: int | None = None) -> Assessment:
    return transition(obj=assessment, to=Assessment.Status.RETURNED, by=by, comment=comment, version=version)


@transaction.atomic
def factor_create(*, by: User, factor: ResourceFactor) -> ResourceFactor:
    """Record a new factor (e.g. next year's grid factor) entered by DOIT staff with its source.
    A factor valid from a locked year is refused (``YearLocked``): it would change that year's
    figures."""
    if not by.has_perm("assessments.add_resourcefactor"):
        raise PermissionDenied
    ensure_year_open(factor.valid_from_year)
    factor.created_by = by
    factor.full_clean()
    factor.save()
    return factor
