from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render

from enterprises.models import District, Enterprise


@login_required
def dashboard(request):
    """The home page for the user's role, from scoped aggregate queries only."""
    user = request.user
    enterprises = Enterprise.objects.visible_to(user)
    totals = enterprises.aggregate(
        n_total=Count("pk"),
        n_active=Count("pk", filter=Q(active=True)),
        n_designated=Count("pk", filter=Q(active=True, is_designated_energy_user=True)),
    )
    context = {"totals": totals}
    if user.sees_city:
        context["districts"] = District.objects.annotate(
            active_enterprises=Count("enterprises", filter=Q(enterprises__active=True)),
            designated=Count(
                "enterprises", filter=Q(enterprises__active=True, enterprises__is_designated_energy_user=True)
            ),
        ).order_by("code")
    elif user.is_officer:
        context["recent"] = enterprises.with_related().order_by("-created_at")[:10]
    elif user.is_enterprise_staff:
        context["own"] = enterprises.with_related().first()
    return render(request, "reporting/dashboard.html", context)
