"""The re-homing worklist: active enterprises without a commune, with the commune suggested by
their address, placed one or many at once (officers of the communes concerned and DOIT)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import rehoming
from .models import Enterprise

PAGE_SIZE = 50


def _worklist(user):
    return user.scope.rehoming(Enterprise.objects.unlocated()).select_related("district").order_by("name", "pk")


@login_required
@require_http_methods(["GET", "POST"])
def rehome(request):
    scope = request.user.scope
    if not (scope.is_city or scope.is_unit):
        raise PermissionDenied
    if request.method == "POST":
        return _confirm(request)
    page = Paginator(_worklist(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = rehoming.suggestions(page.object_list)
    if scope.is_unit:  # an officer places enterprises in their own commune only
        for row in rows:
            row.candidates = [c for c in row.candidates if c.pk == scope.commune_id]
    return render(request, "enterprises/rehome.html", {"page": page, "rows": rows, "querystring": ""})


def _confirm(request):
    placements = {}
    for value in request.POST.getlist("enterprise"):
        commune = request.POST.get(f"commune_{value}", "")
        if value.isdigit() and commune.isdigit():
            placements[int(value)] = int(commune)
    if not placements:
        messages.warning(request, _("Tick the enterprises to place, each with its commune or ward."))
        return redirect("enterprises:rehome")
    try:
        placed = rehoming.enterprises_rehome(by=request.user, placements=placements)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("enterprises:rehome")
    messages.success(request, _("%(count)s enterprises placed in their commune or ward.") % {"count": len(placed)})
    return redirect("enterprises:rehome")
