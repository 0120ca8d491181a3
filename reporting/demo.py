"""Demo data, last step: every demo enterprise is on the registry by the time its own records show
it took part in the programme (its first assessment, savings report or course)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import Min, OuterRef, Subquery

from assessments.models import Assessment, SavingsReport
from enterprises.models import Enterprise
from training.models import EnterpriseParticipation

if TYPE_CHECKING:
    from cleanprod.demo import DemoContext

BATCH = 2000


def _firsts(model, field: str) -> dict[int, Any]:
    """The earliest ``field`` of each enterprise's ``model`` rows, in one grouped query (a
    correlated subquery per enterprise is slow on a data set that was just bulk-loaded and not
    analysed yet: minutes at national size)."""
    rows = model.objects.order_by().values("enterprise").annotate(first=Min(field)).values_list("enterprise", "first")
    return dict(rows.iterator(chunk_size=BATCH))


def align_registration() -> int:
    """Move each registration date back to the enterprise's first activity where that is earlier;
    the number of enterprises changed."""
    changed: list[Enterprise] = []
    first_assessment = _firsts(Assessment, "year")
    first_report = _firsts(SavingsReport, "year")
    first_course = _firsts(EnterpriseParticipation, "course__start_date")
    rows = Enterprise.objects.only("pk", "registered_on", "closed_on")
    for enterprise in rows.iterator(chunk_size=BATCH):
        years = (first_assessment.get(enterprise.pk), first_report.get(enterprise.pk))
        course = first_course.get(enterprise.pk)
        dates = [*(dt.date(y, 1, 1) for y in years if y is not None), *([course] if course is not None else [])]
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
