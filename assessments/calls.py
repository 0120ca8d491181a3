"""Reads of data calls (issue 16): which enterprises a call expects, and where each one stands.

A call expects, at the time it is read:

- ``implemented``: the active enterprises with a CP option implemented (of an approved
  assessment) by the end of the call's period;
- ``sectors``: the active enterprises of the chosen VSIC sectors (a division includes its groups);
- ``communes``: the active enterprises located in the chosen communes or wards.

An enterprise's answer is its savings report of the call's year and period. It is *received*
once submitted or verified, and *on time* when it was first submitted by the end of the due date
(Hanoi time). Its status on the enterprise's task: not started, draft (a draft or a returned
report), submitted, verified, or overdue (nothing received after the due date).

Figures built from these (completeness, timeliness) are computed in ``reporting.indicators``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scope import Scope
from enterprises.models import Enterprise

from .models import Assessment, CPOption, DataCall, ReviewEvent, SavingsReport

if TYPE_CHECKING:
    from accounts.models import User


class TaskStatus:
    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    OVERDUE = "overdue"

    LABELS = {
        NOT_STARTED: _("Not started"),
        DRAFT: _("Draft"),
        SUBMITTED: _("Submitted"),
        VERIFIED: _("Verified"),
        OVERDUE: _("Overdue"),
    }


RECEIVED = (SavingsReport.Status.SUBMITTED, SavingsReport.Status.VERIFIED)


def due_end(call: DataCall) -> dt.datetime:
    """The end of the due date, in the portal's time zone (the first instant that is late)."""
    return timezone.make_aware(dt.datetime.combine(call.due_date + dt.timedelta(days=1), dt.time.min))


def expected_condition(call: DataCall, path: str = "") -> Q:
    """The condition on enterprises (at lookup ``path``) that ``call`` expects an answer from."""
    p = f"{path}__" if path else ""
    active = Q(**{f"{p}active": True})
    if call.scope == DataCall.Audience.SECTORS:
        ids = [s.pk for s in call.sectors.all()]
        return active & (Q(**{f"{p}sector_id__in": ids}) | Q(**{f"{p}sector__parent_id__in": ids}))
    if call.scope == DataCall.Audience.COMMUNES:
        return active & Q(**{f"{p}commune_id__in": [c.pk for c in call.communes.all()]})
    implemented = CPOption.objects.filter(
        assessment__enterprise=OuterRef("pk" if not path else f"{path}_id"),
        assessment__status=Assessment.Status.APPROVED,
        status=CPOption.Status.IMPLEMENTED,
        implemented_on__lte=call.period_end,
    )
    return active & Q(Exists(implemented))


def expected_enterprises(call: DataCall) -> QuerySet[Enterprise]:
    """Every enterprise ``call`` expects an answer from, city-wide."""
    return Enterprise.objects.filter(expected_condition(call))


def with_answers(qs: QuerySet[Enterprise], call: DataCall) -> QuerySet[Enterprise]:
    """``qs`` annotated with the enterprise's answer to ``call``: ``report_id``, ``report_status``,
    ``submitted_at`` (first submission), ``received`` and ``on_time``."""
    reports = SavingsReport.objects.filter(enterprise=OuterRef("pk"), year=call.year, period=call.period)
    first_submission = ReviewEvent.objects.filter(
        savings_report__enterprise=OuterRef("pk"),
        savings_report__year=call.year,
        savings_report__period=call.period,
        to_status=SavingsReport.Status.SUBMITTED,
    ).order_by("at")
    received = Q(report_status__in=RECEIVED)
    return qs.annotate(
        report_id=Subquery(reports.values("pk")[:1]),
        report_status=Subquery(reports.values("status")[:1]),
        submitted_at=Subquery(first_submission.values("at")[:1]),
    ).annotate(
        received=Case(When(received, then=Value(True)), default=Value(False), output_field=BooleanField()),
        on_time=Case(
            When(received & Q(submitted_at__lt=due_end(call)), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
    )


def task_status(call: DataCall, report_status: str | None, today: dt.date | None = None) -> str:
    """The status of an enterprise's task for ``call``, from its report's status."""
    today = today or timezone.localdate()
    if report_status == SavingsReport.Status.VERIFIED:
        return TaskStatus.VERIFIED
    if report_status == SavingsReport.Status.SUBMITTED:
        return TaskStatus.SUBMITTED
    if today > call.due_date:
        return TaskStatus.OVERDUE
    if report_status:
        return TaskStatus.DRAFT
    return TaskStatus.NOT_STARTED


# --------------------------------------------------------------------------- pages


def calls_for(user: User) -> QuerySet[DataCall]:
    return DataCall.objects.visible_to(user).select_related("created_by")


def get_call_for(user: User, pk: int) -> DataCall:
    """The call, or 404 for anyone who may not see calls."""
    return get_object_or_404(calls_for(user).prefetch_related("sectors", "communes"), pk=pk)


@dataclass(frozen=True)
class CallRow:
    """One expected enterprise of a call, as the call's page lists it."""

    enterprise_id: int
    name: str
    tax_code: str
    commune: str
    status: str
    report_id: int | None
    submitted_at: dt.datetime | None
    on_time: bool

    @property
    def status_label(self) -> str:
        return str(TaskStatus.LABELS[self.status])


def call_rows(call: DataCall, user: User, *, limit: int | None = None) -> list[CallRow]:
    """The expected enterprises of ``call`` in the user's scope (an officer: their commune), each
    with its status; those still missing first."""
    qs = Scope.of(user).enterprises(expected_enterprises(call))
    answered: Any = with_answers(qs, call)  # annotated: the stubs know only the model's fields
    values = answered.order_by("received", "commune__name", "name", "pk").values(
        "pk", "name", "tax_code", "commune__name", "report_id", "report_status", "submitted_at", "on_time"
    )
    today = timezone.localdate()
    return [
        CallRow(
            enterprise_id=e["pk"],
            name=e["name"],
            tax_code=e["tax_code"],
            commune=e["commune__name"] or "",
            status=task_status(call, e["report_status"], today),
            report_id=e["report_id"],
            submitted_at=e["submitted_at"],
            on_time=e["on_time"],
        )
        for e in (values[:limit] if limit else values)
    ]


# --------------------------------------------------------------------------- the enterprise's tasks


@dataclass(frozen=True)
class CallTask:
    call: DataCall
    status: str
    report_id: int | None

    @property
    def status_label(self) -> str:
        return str(TaskStatus.LABELS[self.status])

    @property
    def is_open(self) -> bool:
        return self.status in (TaskStatus.NOT_STARTED, TaskStatus.DRAFT, TaskStatus.OVERDUE)


def enterprise_tasks(enterprise: Enterprise, *, limit: int = 10) -> list[CallTask]:
    """The calls that expect ``enterprise`` to answer (latest due first), each with the status of
    its answer. Three queries, whatever the number of calls."""
    if not enterprise.active:
        return []
    implemented = CPOption.objects.filter(
        assessment__enterprise=enterprise,
        assessment__status=Assessment.Status.APPROVED,
        status=CPOption.Status.IMPLEMENTED,
    )
    sector_ids = [enterprise.sector_id]
    parent_id = Enterprise.objects.filter(pk=enterprise.pk).values_list("sector__parent_id", flat=True).first()
    if parent_id:
        sector_ids.append(parent_id)
    first_implemented = implemented.order_by("implemented_on").values_list("implemented_on", flat=True).first()
    condition = Q(scope=DataCall.Audience.SECTORS, sectors__in=sector_ids)
    if enterprise.commune_id:
        condition |= Q(scope=DataCall.Audience.COMMUNES, communes=enterprise.commune_id)
    calls = list(DataCall.objects.filter(condition).distinct()[: limit * 2])
    if first_implemented is not None:
        seen = {c.pk for c in calls}
        calls += [
            c for c in DataCall.objects.filter(scope=DataCall.Audience.IMPLEMENTED)[: limit * 2] if c.pk not in seen
        ]
        calls = [c for c in calls if c.scope != DataCall.Audience.IMPLEMENTED or first_implemented <= c.period_end]
    calls.sort(key=lambda c: (c.due_date, c.pk), reverse=True)
    calls = calls[:limit]
    if not calls:
        return []
    reports = {
        (r.year, r.period): r
        for r in SavingsReport.objects.filter(
            enterprise=enterprise, year__in={c.year for c in calls}, period__in={c.period for c in calls}
        ).only("pk", "year", "period", "status")
    }
    today = timezone.localdate()
    tasks = []
    for call in calls:
        report = reports.get((call.year, call.period))
        tasks.append(
            CallTask(
                call=call,
                status=task_status(call, report.status if report else None, today),
                report_id=report.pk if report else None,
            )
        )
    return tasks
