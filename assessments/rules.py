"""Object permissions for assessments, factors and savings reports (DESIGN.md §4, §10).

Scope (who can see an object at all) is ``visible_to``; these rules say who may act on an object
they can see. The workflow helper (``assessments.services.workflow``) checks the transition perms.
"""

from __future__ import annotations

import rules

from accounts.rules import in_scope, is_city_staff, is_enterprise_staff, is_officer

# An assessment or savings report (or an enterprise, for "may create one for this enterprise")
# in the user's scope: the officer's unit, or the staff's own enterprise.
subject_in_own_district = in_scope
subject_of_own_enterprise = in_scope


@rules.predicate
def is_editable_state(user, obj) -> bool:
    return obj is not None and bool(getattr(obj, "is_editable", False))


# Assessments: officers of the enterprise's district draft, edit (draft/returned) and submit;
# DOIT staff approve or return; enterprise staff read.
rules.add_perm("assessments.view_assessment", rules.is_authenticated)
rules.add_perm("assessments.add_assessment", is_officer & subject_in_own_district)
rules.add_perm("assessments.change_assessment", is_officer & subject_in_own_district & is_editable_state)
rules.add_perm("assessments.submit_assessment", is_officer & subject_in_own_district)
rules.add_perm("assessments.review_assessment", is_city_staff)

# Factors: DOIT staff add them, with their source.
rules.add_perm("assessments.view_resourcefactor", rules.is_authenticated)
rules.add_perm("assessments.add_resourcefactor", is_city_staff)

# Savings reports: enterprise staff draft, edit (draft/returned) and submit; the officer of the
# enterprise's district verifies or returns; DOIT staff read.
rules.add_perm("assessments.view_savingsreport", rules.is_authenticated)
rules.add_perm("assessments.add_savingsreport", is_enterprise_staff & subject_of_own_enterprise)
rules.add_perm("assessments.change_savingsreport", is_enterprise_staff & subject_of_own_enterprise & is_editable_state)
rules.add_perm("assessments.submit_savingsreport", is_enterprise_staff & subject_of_own_enterprise)
rules.add_perm("assessments.verify_savingsreport", is_officer & subject_in_own_district)

# Reopening a verified report: DOIT staff, or the officer who verified it within
# REOPEN_WINDOW_DAYS of the verification (a later correction goes through DOIT).
REOPEN_WINDOW_DAYS = 30


@rules.predicate
def verified_by_user_recently(user, obj) -> bool:
    if obj is None or not getattr(obj, "pk", None):
        return False
    from datetime import timedelta

    from django.utils import timezone

    from assessments.models import ReviewEvent, SavingsReport

    event = (
        ReviewEvent.objects.filter(savings_report_id=obj.pk, to_status=SavingsReport.Status.VERIFIED)
        .order_by("-at", "-pk")
        .only("by_id", "at")
        .first()
    )
    return (
        event is not None and event.by_id == user.pk and event.at >= timezone.now() - timedelta(days=REOPEN_WINDOW_DAYS)
    )


rules.add_perm(
    "assessments.reopen_savingsreport",
    is_city_staff | (is_officer & subject_in_own_district & verified_by_user_recently),
)

# Data calls: DOIT opens them; DOIT and commune officers follow them (officers their commune's part).
rules.add_perm("assessments.view_datacall", is_city_staff | is_officer)
rules.add_perm("assessments.add_datacall", is_city_staff)
