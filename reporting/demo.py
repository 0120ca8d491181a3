"""Demo data, last step: every demo enterprise is on the registry by the time its own records show
it took part in the programme (its first assessment, savings report or course)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Min, OuterRef, Subquery

from assessments.models import Assessment, SavingsReport
from enterprises.models import Enterprise
from training.models import EnterpriseParticipation

if TYPE_CHECKING:
    from cleanprod.demo import DemoContext

BATCH = 2000


def _first(model, field: str) -> Subquery:
    rows = model.objects.filter(enterprise=OuterRef("pk")).values("enterprise").annotate(first=Min(field))
    return Subquery(rows.values("first")[:1])


def align_registration() -> int:
    """Move each registration date back to the enterprise's first activity where that is earlier;
    the number of enterprises changed."""
    changed: list[Enterprise] = []
    rows = Enterprise.objects.annotate(
        first_assessment=_first(Assessment, "year"),
        first_report=_first(SavingsReport, "year"),
        first_course=_first(EnterpriseParticipation, "course__start_date"),
    ).only("pk", "registered_on", "closed_on")
    for enterprise in rows.iterator(chunk_size=BATCH):
        dates = [
            *(dt.date(y, 1, 1) for y in (enterprise.first_assessment, enterprise.first_report) if y is not None),
            *([enterprise.first_course] if enterprise.first_course is not None else []),
        ]
        first = min(dates, default=None)
        if first is not None and first < enterprise.registered_on:
            enterprise.registered_on = first
            changed.append(enterprise)
    Enterprise.objects.bulk_update(changed, ["registered_on"], batch_size=BATCH)
    # The history's first record says the same (the dates were set before the data was written).
    current = Enterprise.objects.filter(pk=OuterRef("id")).values("registered_on")[:1]
    Enterprise.history.filter(id__in=[e.pk for e in changed]).update(registered_on=Subquery(current))
    return len(changed)


def seed(ctx: DemoContext) -> None:
    align_registration()
