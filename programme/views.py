from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import services
from .forms import ProgrammeSettingsForm
from .selectors import current_settings, settings_history


@login_required
@require_http_methods(["GET", "POST"])
def settings_edit(request):
    """DOIT's settings page: the awareness definition and the evidence rule, with their history."""
    if not request.user.has_perm("programme.manage_settings"):
        raise PermissionDenied
    current = current_settings()
    form = ProgrammeSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        services.settings_update(by=request.user, data=form.cleaned_data)
        messages.success(request, _("Programme settings saved."))
        return redirect("programme:settings")
    return render(
        request,
        "programme/settings.html",
        {"form": form, "current": current, "history": settings_history()},
    )
