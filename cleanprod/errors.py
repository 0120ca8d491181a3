"""Error pages in the portal's layout and language, each with a way back.

Django's own handlers render ``400.html``, ``403.html`` and ``404.html`` with the request, so the
navigation and the language follow the user; these views add a link back to the page the user came
from (when it is on this site). The 500 page is rendered without the database when the database
is what failed. ``ErrorPageMiddleware`` gives the same page to the bare answers views return
without a template (a 405 for a GET on a POST-only address, a plain-text 400).
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

ERROR_STATUSES = {400, 403, 404, 405}

# status → (heading, explanation)
TEXTS = {
    400: (
        _("The request could not be processed"),
        _("The address or the data sent was not valid. Check what you entered and try again."),
    ),
    403: (
        _("You may not use this page"),
        _(
            "Your account does not have the right to see this page or to do this action. "
            "If you need it, ask the Department of Industry and Trade."
        ),
    ),
    404: (
        _("Page not found"),
        _("The page does not exist, has been removed, or is not within what your account may see."),
    ),
    405: (
        _("This action cannot be done this way"),
        _("Use the buttons on the page to do this action rather than opening its address directly."),
    ),
    500: (
        _("Something went wrong on the server"),
        _("This action did not finish. The error has been recorded; please try again in a few minutes."),
    ),
    "csrf": (
        _("The form has expired"),
        _(
            "For your security, a form can only be sent from a page that is still valid. "
            "Go back, reload the page and send the form again."
        ),
    ),
}


def _context(request: HttpRequest | None, status: int, key: int | str | None = None, **extra) -> dict:
    heading, explanation = TEXTS[key or status]
    back = _back_url(request, same_page=key == "csrf") if request is not None else ""
    return {"status": status, "heading": heading, "explanation": explanation, "back_url": back, **extra}


def _back_url(request: HttpRequest, same_page: bool = False) -> str:
    """The page the user came from, if it is one of ours; not the page that failed, except for
    an expired form, whose way back is the form itself, reloaded (``same_page``)."""
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except Exception:  # noqa: BLE001 - a bad Host header is itself the 400 being shown
        return ""
    if not referer or not url_has_allowed_host_and_scheme(referer, allowed_hosts={host}):
        return ""
    if same_page or not referer.endswith(request.path):
        return referer
    return ""


def _render(template_name: str, context: dict, request: HttpRequest, status: int) -> HttpResponse:
    """The page in the portal's layout; if the layout itself cannot be drawn (the database or the
    static files manifest is missing), the same words on a plain page: an error page always answers."""
    try:
        html = loader.get_template(template_name).render(context, request)
    except Exception:  # noqa: BLE001
        logger.exception("error page %s could not be rendered in the layout", template_name)
        html = loader.get_template("errors/plain.html").render(context)
    return HttpResponse(html, status=status)


def render_error(request: HttpRequest, status: int, detail: str = "") -> HttpResponse:
    return _render(f"{status}.html", _context(request, status, detail=detail), request, status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error(request, 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page in the layout, or on a plain page when the layout fails too."""
    try:
        context = _context(request, 500)
    except Exception:  # noqa: BLE001 - an error page must always answer
        context = _context(None, 500)
    return _render("500.html", context, request, 500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent with an expired or missing security token (a page left open too long, cookies
    blocked): say so in plain words and offer to go back to the form."""
    context = _context(request, 403, "csrf", no_cookie="cookie" in reason.lower())
    return _render("403_csrf.html", context, request, 403)


class ErrorPageMiddleware:
    """Replaces a bare error answer (no page of its own) for a browser with the portal's error page.
    htmx requests and non-HTML answers (JSON, files) are left alone."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code not in ERROR_STATUSES or request.headers.get("HX-Request"):
            return response
        if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
            return response
        body = response.content
        if b"<html" in body[:1000].lower():
            return response
        detail = body.decode(response.charset or "utf-8", errors="replace").strip()[:300]
        page = render_error(request, response.status_code, detail=detail)
        for header in ("Allow", "Vary"):
            if header in response:
                page[header] = response[header]
        return page
