"""The administrative units page: each commune with its origins and each former district with
the communes that took its territory. Public knowledge: every signed-in user may read it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from . import crosswalk
from .models import UnitChange

VIEWS = ("communes", "districts")


@login_required
@require_GET
def units(request):
    view = request.GET.get("view", "communes")
    view = view if view in VIEWS else "communes"
    query = request.GET.get("q", "")[:100]
    communes = crosswalk.communes_with_origins(query)
    context = {"view": view, "q": query, "communes": communes, "changes": UnitChange.objects.all()[:20]}
    if view == "districts":
        context["districts"] = crosswalk.former_districts(communes)
    context["ward_count"] = sum(1 for c in communes if c.kind == "phuong")
    return render(request, "enterprises/units.html", context)
