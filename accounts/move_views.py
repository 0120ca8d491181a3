"""Moving the accounts of the former district offices to the communes (DOIT).

On 1/7/2025 the district economic offices ended; their officers now work for the economic office
of a commune or ward. Until DOIT moves an account, it reads its former district's enterprises
only (``accounts.scope``: FORMER). This page lists those accounts with the communes formed from
their district (the crosswalk), the one that carries on the district (``home_commune``) first."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from enterprises.crosswalk import home_commune
from enterprises.models import Commune

from .models import Role, User


def accounts_to_move():
    return (
        User.objects.filter(role=Role.OFFICER, commune__isnull=True)
        .select_related("district")
        .order_by("district__code", "username")
    )


def candidates_for(user: User) -> list[Commune]:
    """Communes in force formed (wholly or partly) from the account's former district; those
    that kept one of its wards' codes first."""
    communes = Commune.objects.in_force(timezone.localdate()).filter(origins__district_id=user.district_id).distinct()
    home = home_commune(user.district) if user.district else None
    return sorted(communes, key=lambda c: (c != home, c.principal_district_id != user.district_id, c.code))


@transaction.atomic
def officer_move(*, by: User, user: User, commune: Commune) -> User:
    """Move a district account to a commune office (the former district stays as history)."""
    if not by.scope.is_city:
        raise PermissionDenied
    user.commune = commune
    user.full_clean()
    user.save(update_fields=["commune"])
    return user


@login_required
@require_http_methods(["GET", "POST"])
def officer_move_page(request):
    if not request.user.scope.is_city:
        raise PermissionDenied
    if request.method == "POST":
        user_id, commune_id = request.POST.get("user", ""), request.POST.get("commune", "")
        if not (user_id.isdigit() and commune_id.isdigit()):
            messages.warning(request, _("Choose an account and its commune or ward."))
            return redirect("accounts:officer_move")
        user = get_object_or_404(accounts_to_move(), pk=int(user_id))
        commune = next((c for c in candidates_for(user) if c.pk == int(commune_id)), None)
        if commune is None:
            messages.error(request, _("Choose one of the communes formed from the account's former district."))
            return redirect("accounts:officer_move")
        officer_move(by=request.user, user=user, commune=commune)
        messages.success(
            request, _("%(name)s now works for %(commune)s.") % {"name": user.get_full_name(), "commune": commune}
        )
        return redirect("accounts:officer_move")
    rows = [(user, candidates_for(user)) for user in accounts_to_move()]
    return render(request, "accounts/officer_move.html", {"rows": rows})
