"""The review workflow shared by assessments and savings reports (DESIGN.md §10).

``transition(*, obj, to, by, comment="")`` is the only way a status changes: it checks that the
user may make this move, that the move is allowed from the current status, that the object was not
changed since the user loaded it (optimistic locking on ``version``), records a ``ReviewEvent`` and
bumps the version, all in one transaction with the row locked. Nothing moves in a locked year
(``ensure_year_open``, DESIGN.md §10).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment, ReviewEvent, SavingsReport
from assessments.notify import notify_transition
from periods.selectors import locked_years, year_guard

if TYPE_CHECKING:
    from accounts.models import User

Reviewable = Assessment | SavingsReport
R = TypeVar("R", Assessment, SavingsReport)


class WorkflowError(Exception):
    """Base of the workflow's refusals; ``message`` is fit to show the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class YearLocked(WorkflowError):
    """The final report of the record's year was issued: the year is locked (DESIGN.md §10)."""

    def __init__(self, year: int) -> None:
        super().__init__(
            str(
                _(
                    "Year %(year)s is locked: the final report was issued. Ask the Department of Industry "
                    "and Trade to reopen it."
                )
                % {"year": year}
            )
        )
        self.year = year


def ensure_year_open(*years: int | None) -> None:
    """Raise ``YearLocked`` if any of ``years`` is locked. Every write service on assessments,
    their lines and options, savings reports, their lines and evidence, every review transition
    and the factor entry call this before writing anything. Inside a transaction it also takes
    the year's shared guard, so that a year cannot be locked halfway through a write."""
    wanted = sorted({int(y) for y in years if y is not None})
    if not wanted:
        return
    year_guard(*wanted)
    locked = locked_years(wanted)
    if locked:
        raise YearLocked(min(locked))


class InvalidTransition(WorkflowError):
    """The move is not allowed from the object's current status."""


class StaleVersion(WorkflowError):
    """Someone else changed the object after this user loaded it."""


@dataclass(frozen=True)
class Rule:
    sources: tuple[str, ...]
    target: str
    perm: str
    comment_required: bool = False
    comment_message: str = ""


A, S = Assessment.Status, SavingsReport.Status

RULES: dict[type, tuple[Rule, ...]] = {
    Assessment: (
        Rule((A.DRAFT, A.RETURNED), A.SUBMITTED, "assessments.submit_assessment"),
        Rule((A.SUBMITTED,), A.APPROVED, "assessments.review_assessment"),
        Rule((A.SUBMITTED,), A.RETURNED, "assessments.review_assessment", comment_required=True),
    ),
    SavingsReport: (
        Rule((S.DRAFT, S.RETURNED), S.SUBMITTED, "assessments.submit_savingsreport"),
        Rule((S.SUBMITTED,), S.VERIFIED, "assessments.verify_savingsreport"),
        Rule((S.SUBMITTED,), S.RETURNED, "assessments.verify_savingsreport", comment_required=True),
        # Reopening a verified report (its figures leave the totals): DOIT, or the officer who
        # verified it within REOPEN_WINDOW_DAYS (assessments.rules), always with a reason.
        Rule(
            (S.VERIFIED,),
            S.RETURNED,
            "assessments.reopen_savingsreport",
            comment_required=True,
            comment_message="reopen",
        ),
    ),
}

COMMENT_MESSAGES = {
    "": _("Say why it is returned: the author will see this comment."),
    "reopen": _("Say why the verified report is reopened: the enterprise and the history will show it."),
}


def rule_for(model: type, to: str, status: str | None = None) -> Rule:
    """The rule that moves an object of ``model`` from ``status`` to ``to`` (the first rule to
    ``to`` when none starts from ``status``, so that the caller reports the status as wrong)."""
    candidates = [rule for rule in RULES[model] if rule.target == to]
    if not candidates:
        raise InvalidTransition(str(_("Unknown status.")))
    return next((rule for rule in candidates if status in rule.sources), candidates[0])


def can_transition(*, obj: Reviewable, to: str, by: User) -> bool:
    """Whether ``by`` may move ``obj`` to ``to`` now (for showing or hiding buttons)."""
    try:
        rule = rule_for(type(obj), to, obj.status)
    except InvalidTransition:
        return False
    return obj.status in rule.sources and by.has_perm(rule.perm, obj)


def available_transitions(*, obj: Reviewable, by: User) -> list[str]:
    targets = dict.fromkeys(rule.target for rule in RULES[type(obj)])
    return [to for to in targets if can_transition(obj=obj, to=to, by=by)]


def check_version(*, current: int, expected: int | None) -> None:
    if expected is not None and int(expected) != current:
        raise StaleVersion(
            str(
                _(
                    "Someone else changed this record after you opened it. Nothing was saved; "
                    "reload the page to see their changes, then apply yours again."
                )
            )
        )


@transaction.atomic
def transition(
    *, obj: R, to: str, by: User, comment: str = "", version: int | None = None, changes: dict | None = None
) -> R:
    """Move ``obj`` to status ``to`` on behalf of ``by``.

    ``version`` is the version the user saw (defaults to ``obj.version``). Raises
    ``PermissionDenied`` when the user may not make this move, ``YearLocked`` when the final report
    of the object's year was issued, ``InvalidTransition`` when the
    current status does not allow it, ``StaleVersion`` when the row changed meanwhile and
    ``ValidationError`` (on ``comment``) when a return comes without a reason. On success ``obj``
    is updated in place (status, version and ``changes``, other fields written in the same save)
    and returned.
    """
    model = type(obj)
    locked = model.objects.select_for_update().select_related("enterprise").get(pk=obj.pk)
    rule = rule_for(model, to, locked.status)
    if not by.has_perm(rule.perm, locked):
        raise PermissionDenied
    ensure_year_open(locked.year)
    check_version(current=locked.version, expected=obj.version if version is None else version)
    if locked.status not in rule.sources:
        raise InvalidTransition(
            str(_("This cannot be done while the record is “%(status)s”.") % {"status": locked.get_status_display()})
        )
    comment = (comment or "").strip()
    if rule.comment_required and not comment:
        raise ValidationError({"comment": COMMENT_MESSAGES[rule.comment_message]})

    from_status = locked.status
    locked.status = to
    locked.version += 1
    for name, value in (changes or {}).items():
        setattr(locked, name, value)
    locked._change_reason = f"{from_status} → {to}"  # type: ignore[attr-defined]  # read by simple_history
    locked.full_clean(exclude=["enterprise"])
    locked.save(update_fields=["status", "version", "updated_at", *(changes or {})])
    subject = {"assessment": locked} if model is Assessment else {"savings_report": locked}
    ReviewEvent.objects.create(from_status=from_status, to_status=to, by=by, comment=comment, **subject)
    notify_transition(obj=locked, to=to, by=by, comment=comment)

    obj.status, obj.version = locked.status, locked.version
    for name, value in (changes or {}).items():
        setattr(obj, name, value)
    return obj
