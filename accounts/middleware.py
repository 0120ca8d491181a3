"""Sign-in rules enforced on every request.

- ``SessionAgeMiddleware``: a signed-in session ends SESSION_COOKIE_AGE seconds after sign-in,
  however active it was (the session store alone would keep extending a busy session).
- ``SecondFactorMiddleware``: a user with a confirmed authenticator who has not entered a code
  in this session is sent to the code page; a user who must use a second factor (DOIT staff,
  administrators) and has none is sent to set one up. Only those pages, sign-out and the
  language switch stay open until then. Static files are served before this runs.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from .otp import SESSION_STARTED_KEY, has_confirmed_device

OPEN_BEFORE_SECOND_FACTOR = {"logout", "otp_verify", "otp_setup", "otp_enrol", "set_language"}


def redirect_with_next(request, url_name: str) -> HttpResponse:
    url = reverse(url_name)
    if request.method == "GET" and request.get_full_path() not in ("/", url):
        url = f"{url}?{urlencode({'next': request.get_full_path()})}"
    if request.headers.get("HX-Request"):
        # htmx would swap the page into a fragment: ask it to load the page instead.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


class SessionAgeMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            started = session.get(SESSION_STARTED_KEY)
            if started is None:  # signed in before the stamp existed: count from now
                session[SESSION_STARTED_KEY] = int(time.time())
            elif time.time() - started > settings.SESSION_COOKIE_AGE:
                logout(request)
                messages.info(request, _("Your session has expired. Please sign in again."))
                return redirect_with_next(request, "login")
        return self.get_response(request)


class SecondFactorMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        # Read by the navigation: while the second factor is pending, the pages open are
        # OPEN_BEFORE_SECOND_FACTOR, so no other link (nor the notification bell) is offered.
        confirmed = has_confirmed_device(user)
        request.second_factor_pending = confirmed or bool(user.requires_second_factor)
        if match is not None and match.view_name in OPEN_BEFORE_SECOND_FACTOR:
            return None
        if confirmed:
            return redirect_with_next(request, "otp_verify")
        if user.requires_second_factor:
            return redirect_with_next(request, "otp_setup")
        return None
