"""What the report adds around the indicators: the denominators of all industrial establishments,
the programme's funding and cost per TOE saved, the comparison with the previous year, the model
enterprises, and the methodology annex (every factor used, with its source, and where a fallback
was used). Grouped queries only; tables are pivoted with pandas (``crosstabs``)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from assessments.models import CPOption, ResourceType, signed
from enterprises.models import District

from ..areas import Area
from ..models import EstablishmentCount, Funding, ModelEnterpriseRule
from .base import APPROVED, IMPLEMENTED, Factors, add_sums
from .queries import verified_lines
from .results import (
    EstablishmentRef,
    FactorRow,
    FundingRow,
    ModelEnterprise,
    ResourceRow,
    TrendPoint,
    YearOnYear,
    share,
)

GRID = "electricity"  # the grid factor changes every year; fuel factors are standing factors
MODEL_LIST_SIZE = 20


def establishments(year: int, district: District | Area | None) -> EstablishmentRef | None:
    """The city-wide count of industrial establishments for the year (the latest entered for a
    year ≤ ``year``); None for a district (the counts are the city's) or when none is entered."""
    if district is not None:
        return None
    row = (
        EstablishmentCount.objects.filter(year__lte=year, division__isnull=True)
        .order_by("-year")
        .values("year", "count", "source")
        .first()
    )
    return EstablishmentRef(**row) if row else None


def establishments_by_division(year: int) -> dict[str, int]:
    """Counts by VSIC division for the year (the latest year ≤ ``year`` per division)."""
    found: dict[str, int] = {}
    for code, count in (
        EstablishmentCount.objects.filter(year__lte=year, division__isnull=False)
        .order_by("division__code", "-year")
        .values_list("division__code", "count")
    ):
        found.setdefault(code, count)
    return found


def share_of_all(part: int | None, establishments_count: int | None) -> Decimal | None:
    return share(part, establishments_count)


def funding(
    year: int, district: District | Area | None, savings_toe: Decimal
) -> tuple[tuple[FundingRow, ...], int, Decimal | None]:
    """(rows by source and activity, total VND, VND per TOE saved) of the year; the city's only."""
    if district is not None:
        return (), 0, None
    labels = dict(Funding.Source.choices)
    rows = tuple(
        FundingRow(
            source=r["source"], source_label=str(labels[r["source"]]), activity=r["activity"], amount_vnd=r["amount"]
        )
        for r in Funding.objects.filter(year=year)
        .values("source", "activity")
        .annotate(amount=Sum("amount_vnd"))
        .order_by("source", "activity")
    )
    total = sum(r.amount_vnd for r in rows)
    per_toe = (Decimal(total) / savings_toe).quantize(Decimal(1)) if total and savings_toe else None
    return rows, total, per_toe


def year_on_year(trend: Iterable[TrendPoint], year: int) -> tuple[YearOnYear, ...]:
    """The year's verified savings against the previous year's (both from the trend)."""
    points = {p.year: p for p in trend}
    this, last = points.get(year), points.get(year - 1)
    if this is None or last is None:
        return ()

    def row(code: str, label: str, now: Decimal | int, before: Decimal | int, places: int) -> YearOnYear:
        change = share(Decimal(now) - Decimal(before), before) if before else None
        return YearOnYear(code=code, label=label, value=now, previous=before, change_pct=change, places=places)

    from django.utils.translation import gettext as _

    return (
        row("savings_toe", _("Verified energy savings (TOE)"), this.savings_toe, last.savings_toe, 2),
        row("savings_tco2e", _("Verified avoided CO2 emissions (tCO2e)"), this.savings_tco2e, last.savings_tco2e, 2),
        row("savings_vnd", _("Verified savings (VND)"), this.savings_vnd, last.savings_vnd, 0),
        row("reports_verified", _("Savings reports verified"), this.reports_verified, last.reports_verified, 0),
    )


def model_enterprises(year: int, district: District | Area | None, factors: Factors) -> tuple[ModelEnterprise, ...]:
    """Enterprises whose verified savings of the year (net of consumption increases) reach the
    thresholds the Department set for the year (``ModelEnterpriseRule``), with the options they
    implemented; none without a rule."""
    rule = ModelEnterpriseRule.objects.filter(year=year).first()
    if rule is None:
        return ()
    rows = (
        verified_lines(year, district)
        .values("report__enterprise_id", "resource_id")
        .annotate(qty=Sum(signed("quantity")), vnd=Sum(signed("vnd_saved")))
        .order_by()
    )
    ranked = _ranked(_savings_by_enterprise(year, rows, factors), rule)
    if not ranked:
        return ()
    return _model_rows(ranked, *_model_details(year, [pk for pk, _t in ranked]))


def model_enterprises_by_unit(year: int, unit: str, factors: Factors) -> dict[Any, tuple[ModelEnterprise, ...]]:
    """``model_enterprises`` of every unit at once (``unit``: the enterprise's unit field), by
    unit id; a unit without any is left out (4 queries)."""
    rule = ModelEnterpriseRule.objects.filter(year=year).first()
    if rule is None:
        return {}
    rows = list(
        verified_lines(year, None)
        .values("report__enterprise_id", f"report__enterprise__{unit}", "resource_id")
        .annotate(qty=Sum(signed("quantity")), vnd=Sum(signed("vnd_saved")))
        .order_by()
    )
    unit_of = {row["report__enterprise_id"]: row[f"report__enterprise__{unit}"] for row in rows}
    by_unit: dict[Any, dict[int, dict]] = {}
    for pk, totals in _savings_by_enterprise(year, rows, factors).items():
        by_unit.setdefault(unit_of[pk], {})[pk] = totals
    ranked = {key: r for key, totals in by_unit.items() if (r := _ranked(totals, rule))}
    details = _model_details(year, [pk for r in ranked.values() for pk, _t in r])
    return {key: _model_rows(r, *details) for key, r in ranked.items()}


def _savings_by_enterprise(year: int, rows: Iterable[Any], factors: Factors) -> dict[int, dict]:
    """TOE and VND saved per enterprise from its lines grouped by resource."""
    totals: dict[int, dict] = {}
    for row in rows:
        toe, _tco2e = factors.convert(row["resource_id"], row["qty"], year)
        t = totals.setdefault(row["report__enterprise_id"], {"toe": None, "vnd": 0})
        t["toe"] = add_sums(t["toe"], toe)
        t["vnd"] += row["vnd"] or 0
    return totals


def _ranked(totals: dict[int, dict], rule: ModelEnterpriseRule) -> list[tuple[int, dict]]:
    """The enterprises that reach the rule's thresholds, the largest savings first."""
    chosen = {pk: t for pk, t in totals.items() if (t["toe"] or 0) >= rule.min_toe and t["vnd"] >= rule.min_vnd}
    ranked = sorted(chosen.items(), key=lambda item: (-(item[1]["toe"] or 0), -item[1]["vnd"], item[0]))
    return ranked[:MODEL_LIST_SIZE]


def _model_details(year: int, ids: list[int]) -> tuple[dict[int, Any], dict[int, list[str]]]:
    """The enterprises and the options they implemented by ``year`` (2 queries)."""
    from enterprises.models import Enterprise

    names = {e.pk: e for e in Enterprise.objects.filter(pk__in=ids).select_related("district", "commune")}
    labels = dict(CPOption.Category.choices)
    done: dict[int, list[str]] = {}
    for enterprise_id, category, description in (
        CPOption.objects.filter(
            assessment__enterprise_id__in=ids,
            assessment__status=APPROVED,
            status=IMPLEMENTED,
            implemented_on__year__lte=year,
        )
        .order_by("implemented_on", "pk")
        .values_list("assessment__enterprise_id", "category", "description")
    ):
        done.setdefault(enterprise_id, []).append(f"{labels.get(category, category)}: {description}"[:160])
    return names, done


def _model_rows(
    ranked: list[tuple[int, dict]], names: dict[int, Any], done: dict[int, list[str]]
) -> tuple[ModelEnterprise, ...]:
    return tuple(
        ModelEnterprise(
            name=names[pk].name,
            tax_code=names[pk].tax_code,
            district=_place(names[pk]),
            savings_toe=t["toe"] or Decimal(0),
            savings_vnd=t["vnd"],
            actions=tuple(done.get(pk, ())[:5]),
        )
        for pk, t in ranked
    )


def factor_resource_types(codes: list[str]) -> list[ResourceType]:
    """The resources of ``codes`` in the order of the tables (1 query)."""
    return list(ResourceType.objects.filter(code__in=codes).order_by("sort_order", "code"))


def factor_rows(
    year: int, resources: tuple[ResourceRow, ...], factors: Factors, types: list[ResourceType] | None = None
) -> tuple[FactorRow, ...]:
    """Every factor the year's figures used, with its source; a grid factor of an earlier year is
    a fallback (fuel factors are standing factors, valid until replaced). ``types``: resources in
    the order of the tables, at least those of ``resources`` (read when not given)."""
    codes = {r.code: r for r in resources if r.has_energy_factor and r.lines}
    rows = []
    for resource in factor_resource_types(list(codes)) if types is None else types:
        if resource.code not in codes:
            continue
        factor = factors.row(resource.pk, year)
        if factor is None:
            continue
        rows.append(
            FactorRow(
                resource=resource.name,
                unit=resource.unit,
                toe_per_unit=factor.toe_per_unit,
                tco2e_per_unit=factor.tco2e_per_unit,
                valid_from_year=factor.valid_from_year,
                source=factor.source_text,
                fallback=resource.code == GRID and factor.valid_from_year < year,
            )
        )
    return tuple(rows)


def _place(enterprise) -> str:
    """Where an enterprise is: its commune or ward since the 2025 reform, else its former district
    (an enterprise registered after the reform has no district; one not yet re-homed no commune)."""
    unit = enterprise.commune or enterprise.district
    return unit.name if unit is not None else ""
