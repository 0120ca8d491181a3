"""The latest data call's completeness and timeliness, by commune, for the pages that show how
well the city's units are covered (the training coverage page)."""

from __future__ import annotations

from django import template

from accounts.scope import Scope
from assessments.models import DataCall

from ..indicators.calls import call_figures

register = template.Library()


@register.inclusion_tag("reporting/_call_coverage.html")
def data_call_coverage(user) -> dict:
    scope = Scope.of(user)
    if not scope.is_office:
        return {"figures": None}
    call = DataCall.objects.prefetch_related("sectors", "communes").order_by("-due_date", "-pk").first()
    if call is None:
        return {"figures": None}
    return {"figures": call_figures(call, commune_id=None if scope.is_city else scope.commune_id)}
