"""Template tags that show guidance on other apps' pages (the assessment's form and page)
without those apps importing this one: the templates load these tags."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from assessments.models import CPOption
from reporting.indicators.guidance import MIN_ENTERPRISES, shown

from .. import selectors
from ..models import SectorStatistic

register = template.Library()

# The enterprise count behind each figure.
BEHIND = {
    "share_implemented": "proposed_enterprises",
    "proposal_rate": "proposed_enterprises",
    "proposed_enterprises": "proposed_enterprises",
    "implemented_enterprises": "implemented_enterprises",
    "median_investment_vnd": "implemented_enterprises",
    "median_saving_toe": "saving_enterprises",
    "median_saving_vnd": "saving_enterprises",
    "median_payback_years": "payback_enterprises",
}
PLACES = {"share_implemented": 1, "proposal_rate": 1, "median_saving_toe": 3, "median_payback_years": 1}


def _number(value: Any, places: int = 0) -> str:
    if isinstance(value, Decimal) or places:
        return number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)
    return number_format(value, use_l10n=True, force_grouping=True)


@register.simple_tag
def figure(row: SectorStatistic, name: str) -> str:
    """A figure of a stored row, or why it is not given."""
    behind = getattr(row, BEHIND[name])
    value = getattr(row, name)
    if behind == 0 or (value is None and shown(behind)):
        return format_html('<span aria-hidden="true">—</span><span class="visually-hidden">{}</span>', _("no data"))
    if not shown(behind):
        return format_html(
            '<span class="text-body-secondary small" data-hidden-figure>{}</span>',
            _("hidden: fewer than %(n)s enterprises") % {"n": MIN_ENTERPRISES},
        )
    return _number(value, PLACES.get(name, 0))


def sector_label(sector: Any) -> str:
    """A VSIC division's name in the language of the page (English when there is one)."""
    if (get_language() or "vi").startswith("en") and sector.name_en:
        return sector.name_en
    return sector.name


register.filter("sector_name", sector_label)


@register.simple_tag
def sector_guidance(enterprise: Any) -> dict[str, dict[str, SectorStatistic | None]]:
    """Per category, the statistics of ``enterprise``'s division and of all manufacturing."""
    return selectors.statistics_for_sector(getattr(enterprise, "sector", None))


def _sentence(row: SectorStatistic, where: str) -> str:
    parts = [
        _("%(where)s, %(n)s enterprises implemented this") % {"where": where, "n": row.implemented_enterprises}
        if shown(row.implemented_enterprises)
        else _("%(where)s, fewer than %(min)s enterprises implemented this") % {"where": where, "min": MIN_ENTERPRISES}
    ]
    if row.median_payback_years is not None and shown(row.payback_enterprises):
        parts.append(_("median verified payback %(years)s years") % {"years": _number(row.median_payback_years, 1)})
    if row.median_saving_vnd is not None and shown(row.saving_enterprises):
        parts.append(_("median verified saving %(vnd)s VND a year") % {"vnd": _number(row.median_saving_vnd)})
    if row.median_investment_vnd is not None and shown(row.implemented_enterprises):
        parts.append(_("median investment %(vnd)s VND") % {"vnd": _number(row.median_investment_vnd)})
    return "; ".join(parts) + "."


@register.inclusion_tag("guidance/_option_guidance.html")
def option_guidance(guidance: dict, current: str | None) -> dict[str, Any]:
    """One sentence per CP category (the current one shown; the form's script shows the one
    chosen): the enterprise's division when its figures may be shown, else all manufacturing."""
    sentences = []
    for code, _label in CPOption.Category.choices:
        slot = guidance.get(code) or {}
        sector, overall = slot.get("sector"), slot.get("all")
        if sector is not None and shown(sector.implemented_enterprises):
            text = _sentence(sector, _("In your sector"))
        elif overall is not None and shown(overall.implemented_enterprises):
            text = _sentence(overall, _("In manufacturing as a whole"))
        elif sector is not None or overall is not None:
            text = _(
                "Fewer than %(min)s enterprises have implemented this so far: their figures are hidden to protect "
                "their data."
            ) % {"min": MIN_ENTERPRISES}
        else:
            text = _("No verified results for this category yet.")
        sentences.append({"category": code, "text": text, "current": code == current})
    return {"sentences": sentences}


@register.inclusion_tag("guidance/_assessment_documents.html")
def assessment_documents(assessment: Any) -> dict[str, Any]:
    """The library's documents of the assessment's sector and current step."""
    sector = assessment.enterprise.sector
    return {
        "documents": selectors.documents_for(sector=sector, step=assessment.step),
        # A VSIC group's code starts with its division's (101 is in 10).
        "division_code": sector.code[:2] if sector is not None else "",
        "step": assessment.step,
    }
