"""Drafts of the narrative sections of a report edition, written from the year's figures.

Each section of ``ReportEdition`` (assessment of results, difficulties and their causes,
recommendations, next year's tasks) starts from the draft written here; the Department edits it in
the portal before issuing. The drafts only restate figures of ``reporting.indicators``; they never
add one."""

from __future__ import annotations

from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .indicators import Status, YearIndicators
from .measures import Measure


def _num(value: Decimal | int | None, places: int = 0) -> str:
    if value is None:
        return "–"
    return formats.number_format(round(Decimal(value), places), places, use_l10n=True, force_grouping=True)


def draft_results(ind: YearIndicators) -> str:
    m = ind.measures
    paragraphs = [
        _(
            "In %(year)s, %(registered)s enterprises of %(scope)s were registered in the portal, %(active)s of "
            "them active. %(aware)s enterprises were aware of cleaner production (%(aware_share)s%% of the active "
            "enterprises in the portal) and %(applying)s applied it (%(applying_share)s%%)."
        )
        % {
            "year": ind.year,
            "scope": ind.scope_label,
            "registered": _num(ind.enterprises_registered),
            "active": _num(m.get(Measure.ENTERPRISES_ACTIVE)),
            "aware": _num(m.get(Measure.AWARE_COUNT)),
            "aware_share": _num(m.get(Measure.AWARE_SHARE), 2),
            "applying": _num(m.get(Measure.APPLYING_COUNT)),
            "applying_share": _num(m.get(Measure.APPLYING_SHARE), 2),
        },
        _(
            "During the year %(assessments)s cleaner-production assessments were completed and %(options)s "
            "options implemented, with an investment of %(investment)s VND. Verified savings reached "
            "%(toe)s TOE of energy, %(tco2e)s tCO2e of avoided CO2 emissions and %(vnd)s VND."
        )
        % {
            "assessments": _num(m.get(Measure.ASSESSMENTS_COMPLETED)),
            "options": _num(m.get(Measure.OPTIONS_IMPLEMENTED)),
            "investment": _num(m.get(Measure.INVESTMENT_VND)),
            "toe": _num(ind.savings_toe, 2),
            "tco2e": _num(ind.savings_tco2e, 2),
            "vnd": _num(ind.savings_vnd),
        },
        _(
            "%(officers)s officers were trained and %(courses)s courses held; %(covered)s of %(districts)s "
            "districts have a trained officer in post."
        )
        % {
            "officers": _num(ind.training.officers_trained),
            "courses": _num(ind.training.courses_held),
            "covered": _num(ind.training.districts_covered),
            "districts": _num(ind.training.districts_total),
        },
    ]
    paragraphs.extend(
        _("Against %(plan)s: %(achieved)s of %(total)s targets achieved.")
        % {"plan": plan.decision_number, "achieved": plan.achieved, "total": len(plan.targets)}
        for plan in ind.plans
        if plan.targets
    )
    return "\n\n".join(paragraphs)


def draft_difficulties(ind: YearIndicators) -> str:
    paragraphs = [
        _(
            "Shares are computed over the enterprises registered in the portal, which are not all the "
            "industrial establishments of the city."
        )
    ]
    missing = [t for p in ind.plans for t in p.targets if t.status == Status.NO_DATA]
    if missing:
        paragraphs.append(
            ngettext(
                "%(n)s target has no figure yet: %(labels)s.",
                "%(n)s targets have no figure yet: %(labels)s.",
                len(missing),
            )
            % {"n": len(missing), "labels": "; ".join(dict.fromkeys(t.label for t in missing))}
        )
    paragraphs.extend(w.message for w in ind.warnings)
    return "\n\n".join(paragraphs)


def draft_recommendations(ind: YearIndicators) -> str:
    paragraphs = []
    behind = [t for p in ind.plans for t in p.targets if t.status == Status.NOT_ACHIEVED]
    if behind:
        paragraphs.append(
            _("Concentrate support on the targets not achieved: %(labels)s.")
            % {"labels": "; ".join(dict.fromkeys(t.label for t in behind))}
        )
    if ind.training.districts_not_covered:
        paragraphs.append(
            _("Train officers for the %(n)s districts without a trained officer in post.")
            % {"n": ind.training.districts_not_covered}
        )
    paragraphs.append(
        _("Ask the enterprises applying cleaner production to report their savings and production output every year.")
    )
    return "\n\n".join(paragraphs)


def draft_next_tasks(ind: YearIndicators) -> str:
    plans = ", ".join(p.decision_number for p in ind.plans if p.last_year > ind.year)
    paragraphs = [
        _("Carry on the plans in force in %(year)s: %(plans)s.") % {"year": ind.year + 1, "plans": plans or "–"}
        if plans
        else _("Propose the city's plan for %(year)s.") % {"year": ind.year + 1},
        _("Verify the savings reports still awaiting verification and complete the figures the targets need."),
    ]
    return "\n\n".join(paragraphs)


def drafts(ind: YearIndicators) -> dict[str, str]:
    return {
        "results": draft_results(ind),
        "difficulties": draft_difficulties(ind),
        "recommendations": draft_recommendations(ind),
        "next_tasks": draft_next_tasks(ind),
    }
