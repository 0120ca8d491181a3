"""Data first, then layout: everything a report file shows, gathered before any builder writes.

``gather`` computes the figures of a year and scope (``reporting.indicators``) and collects what
else the file needs (the lock's time of a locked year, the edition, the data calls); the builders
(PDF, Word, XLSX) only lay a ``ReportData`` out and never query the database themselves. The
verified savings lines are not part of the report: they are the detailed data (``detail``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from periods.models import YearLock

from .areas import AreaLike, area_for, area_from_code
from .document import EditionData, edition_data
from .indicators import YearIndicators, compute
from .indicators.calls import CallFigures, calls_shown
from .issued import edition_for
from .narrative import drafts

ProgressCallback = Callable[[int], None]


@dataclass
class ReportData:
    """The figures of one report and what its layout needs besides them."""

    ind: YearIndicators
    fixed_time: dt.datetime | None = None  # a locked year: the lock's time (reproducible files)
    edition: EditionData | None = None  # the administrative form (number, addressees, narrative…)
    calls: tuple[CallFigures, ...] = ()  # the data calls of the year: completeness and timeliness

    @property
    def issued_on(self) -> dt.date | None:
        """The date the file is dated: the edition's issue date, else the lock's day for a locked
        year, else None (today)."""
        if self.edition is not None and self.edition.issue_date is not None:
            return self.edition.issue_date
        return timezone.localdate(self.fixed_time) if self.fixed_time is not None else None

    @property
    def form(self) -> EditionData:
        return self.edition if self.edition is not None else edition_data(None, drafts(self.ind))

    @classmethod
    def for_indicators(cls, ind: YearIndicators, *, fixed_time: dt.datetime | None = None) -> ReportData:
        district = area_from_code(ind.year, ind.district_code)
        # The edition (number, addressees, narrative) of the city or of a district's report.
        edition = edition_for(ind.year, district)
        return cls(
            ind=ind,
            fixed_time=fixed_time,
            edition=edition_data(edition, drafts(ind)),
            calls=_calls(ind, district),
        )


def _calls(ind: YearIndicators, area) -> tuple[CallFigures, ...]:
    """The year's data calls for the city, or for one commune (a locked year's as stored with its
    figures); none for a district's or a former district's report (calls are answered since the
    communes)."""
    if area is None:
        return calls_shown(ind)
    if getattr(area, "kind", "") == "commune":
        return calls_shown(ind, commune_id=area.unit.pk)
    return ()


def gather(
    year: int, district: AreaLike, *, progress: ProgressCallback | None = None, batch_id: int | None = None
) -> ReportData:
    """All the data of the report of ``year`` for ``district`` (the city when None); for a job of
    a year-end batch (``batch_id``) the figures the batch computed for every scope at once, when
    stored (``reporting.batches``)."""
    from .batches import batch_figures

    fixed_time = YearLock.objects.filter(year=year).values_list("locked_at", flat=True).first()
    stored = batch_figures(batch_id, area_for(year, district)) if fixed_time is None else None
    if stored is not None:
        if progress is not None:
            progress(90)
        return ReportData.for_indicators(stored)
    return ReportData.for_indicators(compute(year, district, progress=progress), fixed_time=fixed_time)
