"""Sign-in in two steps and the second-factor pages.

With a confirmed authenticator, the password alone does not sign in: the login view keeps the
user as *pending* in the session and the code page completes the sign-in. Wrong codes count as
failed sign-ins for django-axes (same lockout as wrong passwords) and are throttled per device
by django-otp.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY, logout
from django.contrib.auth import login as auth_login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from . import enrolment, otp, throttle
from .forms import PortalAuthenticationForm
from .models import User
from .otp_forms import CodeForm


def safe_next(request: HttpRequest, default: str = "") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class PortalLoginView(LoginView):
    """Django's login, stopping after the password for users with a confirmed authenticator."""

    redirect_authenticated_user = True
    authentication_form = PortalAuthenticationForm

    def post(self, request, *args, **kwargs):
        if throttle.login_address_blocked(request):
            return address_blocked_response(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        if not otp.has_confirmed_device(user):
            return super().form_valid(form)
        self.request.session[otp.PENDING_KEY] = {"user": user.pk, "backend": user.backend, "at": int(time.time())}
        return redirect(_with_next(reverse("otp_verify"), self.get_redirect_url()))


def address_blocked_response(request: HttpRequest) -> HttpResponse:
    """429 for an address that failed against too many accounts (whatever account it names now)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/throttled.html", {"minutes": minutes, "kind": "login"}, status=429)


def _pending_user(request: HttpRequest) -> tuple[User | None, str]:
    """The user who gave the right password in this session and owes a code, with the backend
    that accepted the password; (None, "") when there is none or it is too old."""
    pending = request.session.get(otp.PENDING_KEY)
    if not isinstance(pending, dict):
        return None, ""
    if time.time() - pending.get("at", 0) > settings.OTP_PENDING_SECONDS:
        del request.session[otp.PENDING_KEY]
        return None, ""
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    return user, pending.get("backend", "")


def _locked_out(request: HttpRequest, credentials: dict) -> HttpResponse:
    request.session.pop(otp.PENDING_KEY, None)
    if request.user.is_authenticated:
        logout(request)
    return get_lockout_response(request, None, credentials)


@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Second step of the sign-in: a code from the user's authenticator."""
    if request.user.is_authenticated:
        user: User | None = request.user  # type: ignore[assignment]
        backend = request.session.get(BACKEND_SESSION_KEY, "")
        if request.user.is_verified():  # type: ignore[attr-defined]  # set by OTPMiddleware
            return redirect(safe_next(request, reverse(settings.LOGIN_REDIRECT_URL)))
    else:
        user, backend = _pending_user(request)
    if user is None:
        messages.info(request, _("Please sign in again."))
        return redirect(_with_next(reverse("login"), safe_next(request)))
    device = otp.confirmed_device(user)
    if device is None:  # removed by an administrator in the meantime: the password suffices
        if not request.user.is_authenticated:
            request.session.pop(otp.PENDING_KEY, None)
            auth_login(request, user, backend=backend)
        return redirect(safe_next(request, reverse(settings.LOGIN_REDIRECT_URL)))

    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        return _locked_out(request, credentials)
    if request.method == "POST" and throttle.login_address_blocked(request):
        return address_blocked_response(request)
    form = CodeForm(request.POST or None, device=device)
    if request.method == "POST":
        if form.is_valid():
            if request.user.is_authenticated:
                request.session.cycle_key()
            else:
                request.session.pop(otp.PENDING_KEY, None)
                auth_login(request, user, backend=backend)
            otp_login(request, device)
            return redirect(safe_next(request, reverse(settings.LOGIN_REDIRECT_URL)))
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            return _locked_out(request, credentials)
    return render(request, "accounts/otp_verify.html", {"form": form, "next": safe_next(request), "pending_user": user})


def _masked(email: str) -> str:
    name, _at, domain = email.partition("@")
    return f"{name[:1]}***@{domain}" if domain else "***"


def _enrolment_link_page(request: HttpRequest, user: User) -> HttpResponse:
    """For a role that requires the second factor and has none: the password is not enough to
    enrol; the setup page offers to send a link to the account's e-mail address instead."""
    sent = False
    if request.method == "POST" and request.POST.get("send_link"):
        if throttle.enrolment_link_allowed(user):
            enrolment.send_enrolment_email(user)
        sent = True
    return render(
        request,
        "accounts/otp_enrol_required.html",
        {"sent": sent, "email": _masked(user.email), "next": safe_next(request)},
    )


@require_http_methods(["GET"])
def otp_enrol(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The link sent by e-mail: it grants this session the setup of an authenticator, once."""
    if not request.user.is_authenticated:
        return redirect(_with_next(reverse("login"), request.path))
    user: User = request.user  # type: ignore[assignment]
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, UnicodeDecodeError):
        pk = None
    if pk != user.pk or not enrolment.enrolment_tokens.check_token(user, token):
        messages.error(request, _("This link is not valid any more (or is for another account). Ask for a new one."))
        return redirect("otp_setup")
    enrolment.grant(request.session, user)
    return redirect("otp_setup")


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Turn the second factor on: scan the QR code (or type the secret), then enter a code."""
    user: User = request.user  # type: ignore[assignment]
    if otp.has_confirmed_device(user):
        messages.info(request, _("Two-step sign-in is already on for your account."))
        return redirect("otp_status")
    if enrolment.needs_grant(user) and not enrolment.granted(request.session, user):
        return _enrolment_link_page(request, user)
    device = otp.unconfirmed_device(user)
    form = CodeForm(request.POST or None, device=device, confirming=True)
    if request.method == "POST" and form.is_valid():
        request.session.cycle_key()
        enrolment.revoke(request.session)
        otp_login(request, device)
        messages.success(
            request, _("Two-step sign-in is on. From now on, sign in with your password and a code from the app.")
        )
        return redirect(safe_next(request, reverse("otp_status")))
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "next": safe_next(request),
            "qr_code": otp.qr_data_uri(device),
            "secret": otp.base32_secret(device),
            "required": user.requires_second_factor,
        },
    )


@login_required
@require_http_methods(["GET"])
def otp_status(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    device = otp.confirmed_device(user)
    form = CodeForm(device=device) if device and not user.requires_second_factor else None
    return render(
        request,
        "accounts/otp_status.html",
        {"device": device, "required": user.requires_second_factor, "form": form},
    )


@login_required
@require_POST
def otp_disable(request: HttpRequest) -> HttpResponse:
    """Turn the second factor off, with a current code. Not for those who must use it."""
    user: User = request.user  # type: ignore[assignment]
    device = otp.confirmed_device(user)
    if device is None:
        return redirect("otp_status")
    if user.requires_second_factor:
        messages.error(request, _("Your role requires two-step sign-in: it cannot be turned off."))
        return redirect("otp_status")
    form = CodeForm(request.POST, device=device)
    if not form.is_valid():
        return render(
            request, "accounts/otp_status.html", {"device": device, "required": False, "form": form}, status=200
        )
    otp.devices_remove(user=user)
    messages.success(request, _("Two-step sign-in is off. Your password alone now signs you in."))
    return redirect("otp_status")


@login_required
@require_POST
def user_otp_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove the authenticator of an account one manages (a lost phone). The owner signs in
    with the password again and, if their role requires it, sets up a new one."""
    if not request.user.has_perm("accounts.manage_users"):
        raise PermissionDenied
    target = get_object_or_404(User.objects.visible_to(request.user), pk=pk)  # type: ignore[arg-type]
    otp.devices_remove(user=target)
    messages.success(
        request, _("The authenticator of %(name)s was removed: two-step sign-in is off.") % {"name": target.username}
    )
    return redirect("accounts:user_edit", pk=target.pk)
