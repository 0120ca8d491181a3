"""Data calls: DOIT opens and follows them; commune officers follow their commune's part."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.scope import Scope
from assessments.calls import call_rows, calls_for, get_call_for
from assessments.forms.calls import DataCallForm
from assessments.services.calls import data_call_open

from .indicators.calls import call_figures

# The call's page lists at most this many enterprises (the missing first); the figures count all.
ROWS_SHOWN = 300


def _require_view(user) -> None:
    if not user.has_perm("assessments.view_datacall"):
        raise PermissionDenied


@login_required
@require_GET
def call_list(request):
    user = request.user
    _require_view(user)
    scope = Scope.of(user)
    commune_id = None if scope.is_city else scope.commune_id
    calls = list(calls_for(user).prefetch_related("sectors", "communes")[:50])
    return render(
        request,
        "reporting/call_list.html",
        {
            "rows": [(call, call_figures(call, commune_id=commune_id).total) for call in calls[:12]],
            "more": len(calls) > 12,
            "can_open": user.has_perm("assessments.add_datacall"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def call_create(request):
    user = request.user
    if not user.has_perm("assessments.add_datacall"):
        raise PermissionDenied
    form = DataCallForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            call = data_call_open(
                by=user,
                year=data["year"],
                period=data["period"],
                due_date=data["due_date"],
                scope=data["scope"],
                message=data.get("message") or "",
                sectors=data.get("sectors") or (),
                communes=data.get("communes") or (),
            )
        except ValidationError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, _("The data call is open: the enterprises it names see it on their home page."))
            return redirect(call)
    return render(request, "reporting/call_form.html", {"form": form})


@login_required
@require_GET
def call_detail(request, pk: int):
    user = request.user
    _require_view(user)
    call = get_call_for(user, pk)
    scope = Scope.of(user)
    figures = call_figures(call, commune_id=None if scope.is_city else scope.commune_id)
    rows = call_rows(call, user, limit=ROWS_SHOWN)
    return render(
        request,
        "reporting/call_detail.html",
        {"call": call, "figures": figures, "rows": rows, "truncated": figures.total.expected > len(rows)},
    )
