"""Sector guidance from the programme's own verified results: for each VSIC division and CP
category, how often the option was proposed, the share implemented, and the medians of the
investment, of the verified yearly saving (TOE and VND) and of the payback.

Like the recommendation statistics of the US Industrial Assessment Centers database, but from
Hanoi's programme and from verified data only:

- *options*: the options of **approved** assessments (any status: proposed, feasible,
  implemented or rejected, all count as proposed); an enterprise's division is its sector's
  division (the sector itself for a division, its parent for a group). A row with no division
  (``division`` None) covers all of manufacturing, enterprises without a sector included;
- *assessed enterprises*: enterprises with an approved assessment (of the division);
  *proposal rate*: the share of them that had at least one option of the category;
- *implemented*: options with status implemented; *share implemented*: implemented options ÷
  options proposed; *median investment*: of the implemented options (VND);
- *verified saving per year of an option*: the lines of **verified** savings reports attributed
  to the option, net of consumption increases, summed per report year (quarters add up to their
  year; TOE of the energy resources with the factor of that year, ``Factors``), averaged over
  the years it has verified lines. Medians are over the implemented options that have one; the
  TOE median only over the options that saved energy, every energy line with a factor;
- *payback*: investment ÷ verified VND saved per year, for implemented options that saved a
  positive amount of VND;
- *privacy*: a figure is given only when at least ``MIN_ENTERPRISES`` distinct enterprises stand
  behind it; otherwise it is None (never stored), and its enterprise count tells the reader why.

Two grouped queries fetch the rows; pandas computes the medians. The result is stored by
``guidance.services.sector_statistics_refresh`` (a Celery task after verified data change).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd
from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce

from assessments.models import CPOption, SavingsLine

from .base import APPROVED, IMPLEMENTED, VERIFIED, Factors, analytic_queries

MIN_ENTERPRISES = 5

_DIVISION = Coalesce("assessment__enterprise__sector__parent__code", "assessment__enterprise__sector__code")
ALL = "__all__"  # the pandas key of the all-manufacturing rows (None is not a groupby key)


@dataclass(frozen=True)
class SectorStatistic:
    """One division × category. Each median is None when fewer than ``MIN_ENTERPRISES``
    enterprises stand behind it (its ``*_enterprises`` count) or when there is nothing to count."""

    division: str | None
    category: str
    assessed_enterprises: int
    proposed_options: int
    proposed_enterprises: int
    implemented_options: int
    implemented_enterprises: int
    share_implemented: Decimal | None  # 0–100, of the options proposed
    proposal_rate: Decimal | None  # 0–100, of the assessed enterprises
    median_investment_vnd: int | None
    saving_enterprises: int
    median_saving_toe: Decimal | None
    median_saving_vnd: int | None
    payback_enterprises: int
    median_payback_years: Decimal | None


def shown(n_enterprises: int) -> bool:
    """Whether a figure with ``n_enterprises`` behind it may be shown."""
    return n_enterprises >= MIN_ENTERPRISES


def _option_frame() -> pd.DataFrame:
    rows = (
        CPOption.objects.filter(assessment__status=APPROVED)
        .annotate(division=_DIVISION, enterprise_id=F("assessment__enterprise_id"))
        .values_list("pk", "enterprise_id", "division", "category", "status", "investment_vnd")
        .order_by()
    )
    frame = pd.DataFrame.from_records(
        list(rows.iterator(chunk_size=20_000)),
        columns=["option", "enterprise", "division", "category", "status", "investment"],
    )
    frame["implemented"] = frame["status"] == IMPLEMENTED
    return frame


def _savings_frame(factors: Factors) -> pd.DataFrame:
    """Verified yearly savings per option (net), averaged over its years: option, toe, vnd. TOE
    counts the energy resources only (a water or material line adds none); an option that saved
    no energy, or an energy resource without a factor for the year, has no TOE figure."""
    rows = (
        SavingsLine.objects.filter(report__status=VERIFIED, option__isnull=False, option__assessment__status=APPROVED)
        .values("option_id", "report__year", "resource_id", "resource__has_energy_factor", "change")
        .annotate(qty=Sum("quantity"), vnd=Sum("vnd_saved"), n=Count("pk"))
        .order_by()
    )
    records = []
    for row in rows.iterator(chunk_size=20_000):
        sign = -1 if row["change"] == SavingsLine.Change.ADDED else 1
        qty = row["qty"] * sign if row["qty"] is not None else None
        energy = bool(row["resource__has_energy_factor"])
        toe = factors.convert(row["resource_id"], qty, row["report__year"])[0] if energy else None
        records.append(
            (
                row["option_id"],
                row["report__year"],
                float(toe) if toe is not None else 0.0,
                energy,
                energy and toe is None,
                sign * (row["vnd"] or 0),
            )
        )
    frame = pd.DataFrame.from_records(records, columns=["option", "year", "toe", "energy", "missing", "vnd"])
    if frame.empty:
        return pd.DataFrame({"option": [], "toe": [], "vnd": []})
    yearly = frame.groupby(["option", "year"]).agg(
        toe=("toe", "sum"), vnd=("vnd", "sum"), energy=("energy", "any"), missing=("missing", "any")
    )
    per_option = yearly.groupby("option").agg(vnd=("vnd", "mean"), missing=("missing", "any"))
    per_option["toe"] = yearly[yearly["energy"]].groupby("option")["toe"].mean()
    per_option.loc[per_option["missing"], "toe"] = float("nan")
    return per_option.drop(columns="missing").reset_index()


def _median(values: pd.Series, enterprises: pd.Series) -> tuple[float | None, int]:
    n = int(enterprises.nunique())
    if not shown(n) or values.empty:
        return None, n
    return float(values.median()), n


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _decimal(value: float | None, places: str) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def _whole(value: float | None) -> int | None:
    return None if value is None else int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _group_rows(division: str | None, category: str, group: pd.DataFrame, assessed: int) -> SectorStatistic:
    proposed_enterprises = int(group["enterprise"].nunique())
    implemented = group[group["implemented"]]
    implemented_enterprises = int(implemented["enterprise"].nunique())
    investment, _ = _median(implemented["investment"].astype(float), implemented["enterprise"])
    with_saving = implemented[implemented["vnd"].notna()]
    saving_vnd, saving_n = _median(with_saving["vnd"], with_saving["enterprise"])
    with_toe = with_saving[with_saving["toe"].notna()]
    saving_toe, _ = _median(with_toe["toe"], with_toe["enterprise"])
    paying = with_saving[with_saving["vnd"] > 0]
    payback, payback_n = _median(paying["investment"].astype(float) / paying["vnd"], paying["enterprise"])
    visible = shown(proposed_enterprises)
    return SectorStatistic(
        division=division,
        category=category,
        assessed_enterprises=assessed,
        proposed_options=len(group),
        proposed_enterprises=proposed_enterprises,
        implemented_options=len(implemented),
        implemented_enterprises=implemented_enterprises,
        share_implemented=_percent(len(implemented), len(group)) if visible else None,
        proposal_rate=_percent(proposed_enterprises, assessed) if visible else None,
        median_investment_vnd=_whole(investment),
        saving_enterprises=saving_n,
        median_saving_toe=_decimal(saving_toe, "0.001"),
        median_saving_vnd=_whole(saving_vnd),
        payback_enterprises=payback_n,
        median_payback_years=_decimal(payback, "0.1"),
    )


def sector_statistics() -> list[SectorStatistic]:
    """Every division × category with at least one option of an approved assessment, and the
    all-manufacturing row of each category. Two queries, whatever the amount of data."""
    with analytic_queries():
        options = _option_frame()
        savings = _savings_frame(Factors())
    if options.empty:
        return []
    options = options.merge(savings, on="option", how="left")
    options["division"] = options["division"].fillna("")
    everything = options.assign(division=ALL)
    assessed = options.groupby("division")["enterprise"].nunique().to_dict()
    assessed[ALL] = int(options["enterprise"].nunique())
    results: list[SectorStatistic] = []
    for frame in (everything, options[options["division"] != ""]):
        for (division, category), group in frame.groupby(["division", "category"], sort=True):
            key: Any = None if division == ALL else division
            results.append(_group_rows(key, str(category), group, int(assessed[division])))
    return results
