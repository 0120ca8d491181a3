from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetConfirmView, PasswordResetView
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import enrolment, services, throttle
from .forms import UserForm
from .models import User


def _require_manager(request) -> None:
    if not request.user.has_perm("accounts.manage_users"):
        raise PermissionDenied


@login_required
def user_list(request):
    _require_manager(request)
    users = User.objects.visible_to(request.user).select_related("district", "enterprise").order_by("username")
    q = request.GET.get("q", "").strip()
    if q:
        users = users.filter(Q(username__icontains=q) | Q(full_name__icontains=q) | Q(email__icontains=q))
    page = Paginator(users, 25).get_page(request.GET.get("page"))
    return render(
        request, "accounts/user_list.html", {"page": page, "q": q, "querystring": urlencode({"q": q}) if q else ""}
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_create(request):
    _require_manager(request)
    form = UserForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.user_create(
            by=request.user,
            username=data["username"],
            email=data["email"],
            full_name=data["full_name"],
            role=data["role"],
            district=data.get("district"),
            enterprise=data.get("enterprise"),
            phone=data.get("phone", ""),
        )
        messages.success(
            request,
            _("Account %(name)s created; a set-password link was e-mailed to %(email)s.")
            % {"name": user.username, "email": user.email},
        )
        return redirect("accounts:users")
    return render(request, "accounts/user_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def user_edit(request, pk: int):
    _require_manager(request)
    target = get_object_or_404(User.objects.visible_to(request.user), pk=pk)
    form = UserForm(request.POST or None, instance=target, actor=request.user)
    if request.method == "POST" and form.is_valid():
        services.user_update(by=request.user, user=target, **form.cleaned_data)
        messages.success(request, _("Account %(name)s saved.") % {"name": target.username})
        return redirect("accounts:users")
    return render(request, "accounts/user_form.html", {"form": form, "target": target})


@login_required
@require_http_methods(["POST"])
def user_send_link(request, pk: int):
    _require_manager(request)
    target = get_object_or_404(User.objects.visible_to(request.user), pk=pk)
    services.send_set_password_email(target)
    messages.success(request, _("A new set-password link was e-mailed to %(email)s.") % {"email": target.email})
    return redirect("accounts:user_edit", pk=target.pk)


class PortalPasswordResetView(PasswordResetView):
    """Django's reset form, limited per client address (429 past the limit) and per e-mail
    address (past it, the same answer as always and no more mail: nobody learns whether the
    address has an account, and nobody's mailbox is flooded)."""

    def post(self, request, *args, **kwargs):
        if not throttle.reset_address_allowed(request):
            minutes = settings.PASSWORD_RESET_ADDRESS_LIMIT[1] // 60
            return render(request, "accounts/throttled.html", {"minutes": minutes, "kind": "reset"}, status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        if not throttle.reset_email_allowed(form.cleaned_data["email"]):
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PortalPasswordResetConfirmView(PasswordResetConfirmView):
    """Setting the password through the link sent by e-mail proves the mailbox too: for a role
    that requires the second factor, this session may then set up the authenticator
    (``accounts.enrolment``) after signing in."""

    def form_valid(self, form):
        response = super().form_valid(form)
        if enrolment.needs_grant(form.user):
            enrolment.grant(self.request.session, form.user)
        return response
