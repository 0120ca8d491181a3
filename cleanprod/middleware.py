"""Language selection: Vietnamese unless the user chose English with the switch.

Django's LocaleMiddleware would follow the browser's Accept-Language header, so a browser set to
English would get an English portal without anyone asking for it. Here only the language cookie
written by the switch (``/i18n/setlang/``) changes the language.
"""

from __future__ import annotations

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class PortalLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class ContentSecurityPolicyMiddleware:
    """Send ``settings.CONTENT_SECURITY_POLICY`` (directive → sources) as the
    Content-Security-Policy header of every response that has none of its own."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        policy: dict[str, list[str]] = getattr(settings, "CONTENT_SECURITY_POLICY", {})
        self.header = "; ".join(" ".join([directive, *sources]) for directive, sources in policy.items())

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Content-Security-Policy", self.header)
        return response


class RejectNulMiddleware:
    """A NUL character in a query parameter or a form field (never typed by a person; PostgreSQL
    cannot store or compare it) answers 400 with a message, for every page at once."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            from django.shortcuts import render

            return render(request, "bad_input.html", status=400)
        return self.get_response(request)


def _has_nul(request) -> bool:
    def any_nul(data) -> bool:
        return any("\x00" in key or any("\x00" in value for value in values) for key, values in data.lists())

    if any_nul(request.GET):
        return True
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        try:
            return any_nul(request.POST)
        except Exception:  # noqa: BLE001 - a malformed body is the view's (and Django's) to refuse
            return False
    return False
