"""The report's cross-tables, pivoted with pandas from grouped SQL results (a few hundred rows at
most, whatever the number of savings lines): verified savings by unit × year and by VSIC division ×
CP category. Never per-line Python: the database groups, pandas only lays the groups out."""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.db.models import Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from assessments.models import CPOption, SavingsLine, signed
from enterprises.models import District, Sector

from ..areas import Area
from .base import VERIFIED, enterprise_scope
from .queries import verified_lines
from .results import CrossTable

NONE = "–"


def _table(frame: pd.DataFrame, index: str, columns: str, rows: list, cols: list, labels: dict) -> CrossTable:
    """The sum of ``vnd`` pivoted to ``rows`` × ``cols`` (missing cells 0), with row totals."""
    if frame.empty:
        grid = pd.DataFrame(0, index=rows, columns=cols)
    else:
        grid = frame.pivot_table(index=index, columns=columns, values="vnd", aggfunc="sum", fill_value=0)
        grid = grid.reindex(index=rows, columns=cols, fill_value=0)
    return CrossTable(
        row_labels=tuple(labels.get(r, r) for r in rows),
        col_labels=tuple(str(c) for c in cols),
        cells=tuple(tuple(int(v) for v in row) for row in grid.to_numpy().tolist()),
        row_totals=tuple(int(v) for v in grid.sum(axis=1).tolist()),
        col_totals=tuple(int(v) for v in grid.sum(axis=0).tolist()),
    )


def savings_by_unit_and_year(years: range, district: District | Area | None) -> CrossTable:
    """Verified savings (VND, net of consumption increases) by district (the city) or by VSIC
    division (a district) and year."""
    lines = SavingsLine.objects.filter(
        report__status=VERIFIED, report__year__gte=years.start, report__year__lt=years.stop
    ).filter(enterprise_scope(district, "report__enterprise__"))
    if district is None:
        # By former district, so that the series stays comparable across the 2025 reform: an
        # enterprise's own district, else the principal former district of its commune; those with
        # neither are a row of their own, so the rows add up to the city.
        key = "unit"
        lines = lines.annotate(
            unit=Coalesce(
                "report__enterprise__district__code",
                "report__enterprise__commune__principal_district__code",
                Value(NONE),
            )
        )
        labels = {**dict(District.objects.values_list("code", "name")), NONE: str(_("Not yet located"))}
    else:
        key = "division"
        lines = lines.annotate(
            division=Coalesce("report__enterprise__sector__parent__code", "report__enterprise__sector__code")
        )
        labels = division_labels()
    grouped = list(lines.values(key, "report__year").annotate(vnd=Sum(signed("vnd_saved"))).order_by())
    return year_table(grouped, key, years, labels)


def division_labels() -> dict[str, str]:
    """The names of the VSIC divisions by code (1 query)."""
    return dict(Sector.objects.filter(parent__isnull=True).values_list("code", "name"))


def savings_by_division_and_year_by_unit(years: range, unit: str) -> dict[Any, CrossTable]:
    """``savings_by_unit_and_year`` of every unit (by VSIC division and year) at once
    (``unit``: the enterprise's unit field), by unit id; a unit without verified savings in those
    years is left out (2 queries)."""
    field = f"report__enterprise__{unit}"
    grouped: dict[Any, list[dict]] = {}
    for row in (
        SavingsLine.objects.filter(report__status=VERIFIED, report__year__gte=years.start, report__year__lt=years.stop)
        .annotate(division=Coalesce("report__enterprise__sector__parent__code", "report__enterprise__sector__code"))
        .values(field, "division", "report__year")
        .annotate(vnd=Sum(signed("vnd_saved")))
        .order_by()
    ):
        grouped.setdefault(row.pop(field), []).append(row)
    labels = division_labels()
    return {key: year_table(rows, "division", years, labels) for key, rows in grouped.items()}


def year_table(grouped: list[dict], key: str, years: range, labels: dict) -> CrossTable:
    frame = pd.DataFrame.from_records(grouped, columns=[key, "report__year", "vnd"])
    rows = sorted({r[key] for r in grouped if r[key] and r[key] != NONE})
    if any(r[key] == NONE for r in grouped):
        rows.append(NONE)
    return _table(frame, key, "report__year", rows, list(years), labels)


def savings_by_sector_and_category(year: int, district: District | Area | None) -> CrossTable:
    """Verified savings (VND, net of consumption increases) of the year by VSIC division × CP
    category of the option."""
    grouped = list(
        verified_lines(year, district)
        .annotate(division=Coalesce("report__enterprise__sector__parent__code", "report__enterprise__sector__code"))
        .values("division", "option__category")
        .annotate(vnd=Sum(signed("vnd_saved")))
        .order_by()
    )
    codes = {r["division"] for r in grouped if r["division"]}
    return sector_category_table(grouped, dict(Sector.objects.filter(code__in=codes).values_list("code", "name")))


def savings_by_sector_and_category_by_unit(year: int, unit: str) -> dict[Any, CrossTable]:
    """``savings_by_sector_and_category`` of every unit at once (``unit``: the enterprise's unit
    field), by unit id; a unit without verified savings in the year is left out (2 queries)."""
    field = f"report__enterprise__{unit}"
    grouped: dict[Any, list[dict]] = {}
    for row in (
        verified_lines(year, None)
        .annotate(division=Coalesce("report__enterprise__sector__parent__code", "report__enterprise__sector__code"))
        .values(field, "division", "option__category")
        .annotate(vnd=Sum(signed("vnd_saved")))
        .order_by()
    ):
        grouped.setdefault(row.pop(field), []).append(row)
    codes = {r["division"] for rows in grouped.values() for r in rows if r["division"]}
    names = dict(Sector.objects.filter(code__in=codes).values_list("code", "name"))
    return {key: sector_category_table(rows, names) for key, rows in grouped.items()}


def sector_category_table(grouped: list[Any], names: dict[str, str]) -> CrossTable:
    """The table of ``grouped`` rows (division, option category, vnd); ``names``: the names of
    at least their divisions."""
    for row in grouped:
        row["option__category"] = row["option__category"] or NONE
    frame = pd.DataFrame.from_records(grouped, columns=["division", "option__category", "vnd"])
    rows = sorted({r["division"] for r in grouped if r["division"]})
    categories = [code for code, _label in CPOption.Category.choices]
    if any(r["option__category"] == NONE for r in grouped):
        categories.append(NONE)
    table = _table(
        frame, "division", "option__category", rows, categories, {r: f"{r} {names.get(r, '')}" for r in rows}
    )
    labels = dict(CPOption.Category.choices)
    return CrossTable(
        row_labels=table.row_labels,
        col_labels=tuple(str(labels.get(c, c)) for c in categories),
        cells=table.cells,
        row_totals=table.row_totals,
        col_totals=table.col_totals,
    )
