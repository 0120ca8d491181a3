"""The figures of a year-end batch, computed once for all its scopes.

A year-end batch builds the city's report and the report of each unit of the year (the 126
communes and wards from 2025), PDF and Excel. Computed per job, the figures would cost ~50
queries per scope, twice per scope (once per format). Instead the batch's first task
(``tasks.compute_batch_figures``) computes the figures of every scope in one pass
(``indicators.compute_all``: the number of queries does not grow with the number of scopes),
with the year's data-call figures counted once, and stores them per scope (``BatchFigures``,
encoded as a locked year's snapshot is); each report job of the batch then reads its scope's
figures (one query) and only lays them out. A job that finds nothing stored (the task failed, or
the job was sent again alone) computes its figures itself, as a single report does. A locked
year needs none of this: its figures are stored when it is locked.
"""

from __future__ import annotations

import logging
from typing import Any

from periods.models import YearLock

from . import indicators
from .areas import area_for, batch_units
from .models import BatchFigures, ReportBatch
from .snapshots import encoded_scopes, indicators_from_json, relabel, scope_key

log = logging.getLogger(__name__)


def store_batch_figures(batch_id: int) -> int:
    """Compute the figures of every scope of the batch in one pass and store them; returns the
    number of scopes stored (0 for a locked year, or when they are stored already)."""
    batch = ReportBatch.objects.filter(pk=batch_id).first()
    if batch is None or YearLock.objects.filter(year=batch.year).exists():
        return 0
    if BatchFigures.objects.filter(batch=batch).exists():
        return 0
    year = batch.year
    areas = [None, *(area_for(year, unit) for unit in batch_units(year))]
    rows = [BatchFigures(batch=batch, scope=scope, data=data) for scope, data in encoded_scopes(year, areas).items()]
    BatchFigures.objects.bulk_create(rows, ignore_conflicts=True)
    log.info("year-end batch %s: figures of %s scopes stored", batch_id, len(rows))
    return len(rows)


def batch_figures(batch_id: int | None, area: Any) -> indicators.YearIndicators | None:
    """The figures of ``area`` stored for the batch (with its data calls), or None. One query."""
    if batch_id is None:
        return None
    data = BatchFigures.objects.filter(batch_id=batch_id, scope=scope_key(area)).values_list("data", flat=True).first()
    return relabel(indicators_from_json(data)) if data is not None else None
