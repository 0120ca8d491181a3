"""The indicators as DOIT defines them (``reporting.Indicator`` rows) and the plans in force.

``compute`` computes every built-in measure once, unfiltered, for the scope (``base``). An
indicator without filters reads its measure there; one with filters (VSIC sectors, size,
district, resource) is computed here with the same definitions narrowed by its filters (a few
grouped queries per filtered indicator, never a query per row). Figures entered by the
Department (``IndicatorValue``) are read for the city.

``plan_results`` sets every plan in force in the year side by side, each target with its result and
"achieved / not achieved / no data". For a year a plan sets no target for, the plan's next
milestone (e.g. the 2025 target of a 2021–2025 plan) is shown, with its year."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, Sum

from assessments.models import SavingsReport, signed
from enterprises.models import District, open_on

from ..areas import Area
from ..measures import Measure
from ..models import ActionPlan, Indicator, IndicatorValue, Target
from .base import VERIFIED, Factors, add_sums
from .queries import approved_assessments, enterprise_flags, implemented_options, verified_lines
from .results import Figure, Number, PlanResult, TargetRef, TargetResult, share, status_of

# A share of the enterprises in the portal, and the same share of all industrial establishments.
ALL_ESTABLISHMENTS: dict[str, str] = {
    Measure.AWARE_SHARE: Measure.AWARE_SHARE_ALL,
    Measure.APPLYING_SHARE: Measure.APPLYING_SHARE_ALL,
}


def indicators_for(plans: list[ActionPlan]) -> list[Indicator]:
    """The active indicators and those a plan in force sets a target for (2 queries)."""
    return list(
        Indicator.objects.filter(Q(active=True) | Q(targets__plan__in=plans))
        .distinct()
        .select_related("district", "resource")
        .prefetch_related("sectors")
        .order_by("sort_order", "code")
    )


def enterprise_filter(indicator: Indicator, prefix: str = "") -> Q:
    """The indicator's filters on enterprises (sector: the enterprise's sector or its parent)."""
    q = Q()
    codes = [s.code for s in indicator.sectors.all()]
    if codes:
        q &= Q(**{f"{prefix}sector__code__in": codes}) | Q(**{f"{prefix}sector__parent__code__in": codes})
    if indicator.size:
        q &= Q(**{f"{prefix}size": indicator.size})
    if indicator.district_id:
        q &= Q(**{f"{prefix}district_id": indicator.district_id})
    return q


def has_filters(indicator: Indicator) -> bool:
    return bool(indicator.size or indicator.district_id or indicator.resource_id or indicator.sectors.all())


def filtered_value(
    indicator: Indicator, year: int, district: District | Area | None, end: dt.date, factors: Factors
) -> Number | None:
    """The indicator's measure for the year and scope, narrowed by its filters."""
    m = indicator.measure
    if (
        indicator.district_id
        and district is not None
        and (getattr(district, "kind", "district") != "district" or indicator.district_id != district.pk)
    ):
        return None  # an indicator of another district has no value in this one
    if m in (Measure.AWARE_SHARE_ALL, Measure.APPLYING_SHARE_ALL):
        # Of all industrial establishments of the indicator's divisions (the city's counts).
        from .annex import establishments_by_division

        codes = [s.code for s in indicator.sectors.all()]
        counts = establishments_by_division(year)
        if district is not None or not codes or any(c not in counts for c in codes):
            return None
        flags = (
            enterprise_flags(year, None, end)
            .filter(enterprise_filter(indicator), open_on(end))
            .aggregate(aware=Count("pk", filter=Q(is_aware=True)), applying=Count("pk", filter=Q(is_applying=True)))
        )
        part = flags["aware"] if m == Measure.AWARE_SHARE_ALL else flags["applying"]
        return share(part, sum(counts[c] for c in codes))
    values, default = filtered_values_by(indicator, year, district, end, factors, None)
    return values.get(None, default)


def filtered_values_by(
    indicator: Indicator,
    year: int,
    district: District | Area | None,
    end: dt.date,
    factors: Factors,
    unit: str | None,
) -> tuple[dict[Any, Number | None], Number | None]:
    """The indicator's measure narrowed by its filters in the scope, per value of the
    enterprise's field ``unit`` (all under None when not given), from one grouped query; and the
    value of a unit with no data. Measures of all establishments and those without filters have
    no per-unit value here (None)."""
    m = indicator.measure

    def grouped(qs: Any, prefix: str, **aggregates: Any) -> dict[Any, dict]:
        if unit is None:
            return {None: qs.aggregate(**aggregates)}
        field = f"{prefix}{unit}"
        return {row[field]: row for row in qs.values(field).annotate(**aggregates).order_by()}

    if m in (
        Measure.ENTERPRISES_ACTIVE,
        Measure.AWARE_COUNT,
        Measure.AWARE_SHARE,
        Measure.APPLYING_COUNT,
        Measure.APPLYING_SHARE,
    ):
        rows = grouped(
            enterprise_flags(year, district, end).filter(enterprise_filter(indicator), open_on(end)),
            "",
            n=Count("pk"),
            aware=Count("pk", filter=Q(is_aware=True)),
            applying=Count("pk", filter=Q(is_applying=True)),
        )

        def flags_value(counts: dict) -> Number | None:
            n, aware, applying = counts.get("n", 0), counts.get("aware", 0), counts.get("applying", 0)
            table: dict[str, Number | None] = {
                Measure.ENTERPRISES_ACTIVE: n,
                Measure.AWARE_COUNT: aware,
                Measure.AWARE_SHARE: share(aware, n),
                Measure.APPLYING_COUNT: applying,
                Measure.APPLYING_SHARE: share(applying, n),
            }
            return table[m]

        return {k: flags_value(v) for k, v in rows.items()}, flags_value({})
    if m == Measure.ASSESSMENTS_COMPLETED:
        done = approved_assessments(year, district).filter(enterprise_filter(indicator, "enterprise__"))
        return {k: v["n"] for k, v in grouped(done, "enterprise__", n=Count("pk")).items()}, 0
    if m in (Measure.OPTIONS_IMPLEMENTED, Measure.INVESTMENT_VND):
        options = implemented_options(year, district).filter(enterprise_filter(indicator, "assessment__enterprise__"))
        rows = grouped(options, "assessment__enterprise__", n=Count("pk"), investment=Sum("investment_vnd"))
        if m == Measure.OPTIONS_IMPLEMENTED:
            return {k: v["n"] for k, v in rows.items()}, 0
        return {k: int(v["investment"] or 0) for k, v in rows.items()}, 0
    if m in (Measure.SAVINGS_TOE, Measure.SAVINGS_TCO2E, Measure.SAVINGS_VND):
        lines = verified_lines(year, district).filter(enterprise_filter(indicator, "report__enterprise__"))
        if indicator.resource_id:
            lines = lines.filter(resource_id=indicator.resource_id)
        field = f"report__enterprise__{unit}" if unit else None
        sums: dict[Any, list] = {} if field else {None: [None, None, 0]}
        for group in (
            lines.values(*([field] if field else []), "resource_id")
            .annotate(qty=Sum(signed("quantity")), v=Sum(signed("vnd_saved")))
            .order_by()
        ):
            t, c = factors.convert(group["resource_id"], group["qty"], year)
            acc = sums.setdefault(group[field] if field else None, [None, None, 0])
            acc[0], acc[1], acc[2] = add_sums(acc[0], t), add_sums(acc[1], c), acc[2] + (group["v"] or 0)
        position = [str(Measure.SAVINGS_TOE), str(Measure.SAVINGS_TCO2E), str(Measure.SAVINGS_VND)].index(m)
        default: Number = 0 if m == Measure.SAVINGS_VND else Decimal(0)
        return {k: acc[position] or default for k, acc in sums.items()}, default
    if m == Measure.MODELS:
        counts: dict[Any, Number | None] = {**model_counts_by(year, district, end, unit, enterprise_filter(indicator))}
        return counts, 0
    return {}, None  # measures without filters are read from the base values (``Indicator.clean``)


def model_count(year: int, district: District | Area | None, end: dt.date, extra: Q | None = None) -> int:
    """Enterprises applying cleaner production with savings verified in the year."""
    return _models_applying(year, district, end, extra).count()


def model_counts_by(
    year: int, district: District | Area | None, end: dt.date, unit: str | None, extra: Q | None = None
) -> dict[Any, int]:
    """``model_count`` per value of the enterprise's field ``unit`` (all under None when not
    given; one query)."""
    qs = _models_applying(year, district, end, extra)
    if unit is None:
        return {None: qs.count()}
    return dict(qs.values(unit).annotate(n=Count("pk")).values_list(unit, "n").order_by())


def _models_applying(year: int, district: District | Area | None, end: dt.date, extra: Q | None) -> Any:
    verified = SavingsReport.objects.filter(enterprise=OuterRef("pk"), status=VERIFIED, year=year)
    qs = enterprise_flags(year, district, end).filter(open_on(end), Q(is_applying=True), Exists(verified))
    if extra is not None:
        qs = qs.filter(extra)
    return qs


def entered_values(year: int) -> dict[int, Decimal]:
    """Figures entered by the Department for the year, by indicator id."""
    return dict(IndicatorValue.objects.filter(year=year).values_list("indicator_id", "value"))


def indicator_figures(
    indicators: list[Indicator],
    base: dict[str, Number | None],
    *,
    year: int,
    district: District | Area | None,
    end: dt.date,
    factors: Factors,
    value_of: Callable[[Indicator], Number | None] | None = None,
    entered: dict[int, Decimal] | None = None,
) -> dict[str, Number | None]:
    """The value of every indicator, by code (``value_of``: an indicator with filters' value,
    ``entered``: the figures DOIT entered, when already gathered)."""
    if entered is None:
        entered = entered_values(year) if district is None else {}
    if value_of is None:
        value_of = lambda indicator: filtered_value(indicator, year, district, end, factors)  # noqa: E731
    values: dict[str, Number | None] = {str(m): base.get(m) for m in ALL_ESTABLISHMENTS.values()}
    for indicator in indicators:
        if indicator.info.entered:
            values[indicator.code] = entered.get(indicator.pk)
        elif has_filters(indicator):
            values[indicator.code] = value_of(indicator)
        else:
            values[indicator.code] = base.get(indicator.measure)
    return values


def plans_in_force(year: int) -> list[ActionPlan]:
    """The plans whose years include ``year``: national ones first, then the city's, each by
    issue date."""
    plans = ActionPlan.objects.filter(first_year__lte=year, last_year__gte=year).order_by("issued_on", "pk")
    return sorted(plans, key=lambda p: p.level != ActionPlan.Level.NATIONAL)


def plan_results(
    year: int,
    plans: list[ActionPlan],
    indicators: dict[int, Indicator],
    values: dict[str, Number | None],
    *,
    city: bool,
    targets: list[Target] | None = None,
) -> tuple[PlanResult, ...]:
    """Every plan in force with its targets for ``year`` (or the plan's next milestone), each
    against the year's result. In a district's report only shares are compared (counts and
    amounts are the city's). ``targets``: ``targets_of(year, plans)`` when already read."""
    by_plan: dict[int, dict[int, Target]] = {}
    for target in targets_of(year, plans) if targets is None else targets:
        # The earliest year ≥ ``year`` per indicator: the year itself, or the next milestone.
        by_plan.setdefault(target.plan_id, {}).setdefault(target.indicator_id, target)
    results = []
    for plan in plans:
        rows = []
        for indicator_id, target in by_plan.get(plan.pk, {}).items():
            indicator = indicators[indicator_id]
            if not city and indicator.info.city_only:
                continue
            result = values.get(indicator.code)
            rows.append(
                TargetResult(
                    code=indicator.code,
                    label=indicator.name,
                    unit=indicator.unit_label,
                    places=indicator.info.places,
                    kind=indicator.info.kind,
                    target_year=target.year,
                    value=target.value,
                    value_max=target.value_max,
                    result=result,
                    status=status_of(result, target.value),
                    source=target.source_text,
                    note=target.note_text,
                    result_all=values.get(ALL_ESTABLISHMENTS.get(indicator.measure, ""))
                    if not has_filters(indicator)
                    else None,
                )
            )
        order = {i.code: i.sort_order for i in indicators.values()}
        rows.sort(key=lambda r: (order[r.code], r.code))
        results.append(
            PlanResult(
                decision_number=plan.decision_number,
                title=plan.title_text,
                level=plan.level,
                level_label=str(plan.get_level_display()),
                first_year=plan.first_year,
                last_year=plan.last_year,
                issued_on=plan.issued_on,
                targets=tuple(rows),
            )
        )
    return tuple(results)


def targets_of(year: int, plans: list[ActionPlan]) -> list[Target]:
    """The targets of the plans for ``year`` and later years (1 query)."""
    return list(Target.objects.filter(plan__in=plans, year__gte=year).order_by("plan_id", "year", "pk"))


def figures_of(
    indicators: list[Indicator], values: dict[str, Number | None], plans: tuple[PlanResult, ...]
) -> tuple[Figure, ...]:
    """One figure per active indicator, with the target of the latest city plan that sets one
    (else the national one)."""
    refs: dict[str, TargetRef] = {}
    for plan in sorted(plans, key=lambda p: (p.level == "city", p.issued_on)):
        for t in plan.targets:
            refs[t.code] = TargetRef(
                value=t.value, plan=plan.decision_number, note=t.note, value_max=t.value_max, year=t.target_year
            )
    return tuple(
        Figure(
            code=i.code,
            label=i.name,
            value=values.get(i.code),
            unit=i.unit_label,
            places=i.info.places,
            kind=i.info.kind,
            target=refs.get(i.code),
        )
        for i in indicators
    )
