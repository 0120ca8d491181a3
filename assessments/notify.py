"""Who is told of a review transition (issue: nothing told anyone that something needed them):

- a savings report submitted: the officers whose unit covers the enterprise (the scope policy);
- a savings report returned or verified: the enterprise's staff;
- an assessment submitted: DOIT staff;
- an assessment approved or returned: its officer (who submitted it, and its assessor account).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.models import User
from accounts.scope import Scope
from notifications.models import Event
from notifications.services import notify

from .models import Assessment, ReviewEvent, SavingsReport

if TYPE_CHECKING:
    from collections.abc import Iterable

EVENTS: dict[tuple[type, str], str] = {
    (SavingsReport, SavingsReport.Status.SUBMITTED): Event.SAVINGS_SUBMITTED,
    (SavingsReport, SavingsReport.Status.RETURNED): Event.SAVINGS_RETURNED,
    (SavingsReport, SavingsReport.Status.VERIFIED): Event.SAVINGS_VERIFIED,
    (Assessment, Assessment.Status.SUBMITTED): Event.ASSESSMENT_SUBMITTED,
    (Assessment, Assessment.Status.APPROVED): Event.ASSESSMENT_APPROVED,
    (Assessment, Assessment.Status.RETURNED): Event.ASSESSMENT_RETURNED,
}


def officers_covering(enterprise) -> list[User]:
    """The active officers whose scope covers ``enterprise`` (their unit's office)."""
    officers = User.objects.filter(role="officer", is_active=True, is_superuser=False)
    return [user for user in officers if Scope.of(user).covers(enterprise)]


def enterprise_staff(enterprise) -> Iterable[User]:
    return User.objects.filter(role="enterprise", enterprise=enterprise, is_active=True)


def doit_staff() -> Iterable[User]:
    return User.objects.filter(role="doit", is_active=True)


def assessment_officers(assessment: Assessment) -> list[User]:
    submitters = ReviewEvent.objects.filter(assessment=assessment, to_status=Assessment.Status.SUBMITTED).order_by(
        "-at", "-pk"
    )
    submitter = submitters.select_related("by").first()
    users = [submitter.by if submitter is not None else None, assessment.assessor]
    return [user for user in users if user is not None and user.role == "officer"]


def recipients_of(obj: Assessment | SavingsReport, to: str) -> Iterable[User]:
    if isinstance(obj, SavingsReport):
        return (
            officers_covering(obj.enterprise)
            if to == SavingsReport.Status.SUBMITTED
            else enterprise_staff(obj.enterprise)
        )
    if to == Assessment.Status.SUBMITTED:
        return doit_staff()
    return assessment_officers(obj)


def notify_transition(*, obj: Assessment | SavingsReport, to: str, by: User, comment: str = "") -> None:
    """Create the notifications of a transition, inside its transaction (their e-mails follow the
    commit). The author of the move is not told of their own action."""
    event = EVENTS.get((type(obj), to))
    if event is None:
        return
    recipients = [user for user in recipients_of(obj, to) if user.pk != by.pk]
    notify(
        event=event,
        recipients=recipients,
        url=obj.get_absolute_url(),
        params={"actor": by.get_full_name() or by.username, "object": str(obj), "comment": comment},
    )
