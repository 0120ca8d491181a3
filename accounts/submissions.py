"""One effect per form, however often it is submitted.

Every page's POST form carries a fresh token (``form_token``), written by the portal's
``{% csrf_token %}`` tag, which replaces Django's: every form that has the CSRF field (crispy
forms and the admin's too) gets one, with no template to change. ``FormTokenMiddleware`` records
each token a signed-in user submits (``accounts.FormSubmission``, unique per user and token, in
PostgreSQL so that every web process sees it). A second submission of the same page (a double
click, a resent request) does not run the view again: it waits for the first to finish and answers
as the first did (the same redirect and the same messages). A submission that was not accepted
(the form was shown again with its errors) frees its token, so the corrected form can be sent.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import timedelta

from django import template
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.template.defaulttags import CsrfTokenNode
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

FIELD = "form_token"
TOKEN = re.compile(r"[0-9a-f]{32}")
WAIT_SECONDS = 60  # how long a repeat waits for the first submission (an import takes seconds)
POLL_SECONDS = 0.2
KEPT = timedelta(days=1)

register = template.Library()


class CsrfAndFormTokenNode(CsrfTokenNode):
    def render(self, context) -> str:
        html = super().render(context)
        if not html:
            return html
        return html + format_html('<input type="hidden" name="{}" value="{}">', FIELD, uuid.uuid4().hex)


@register.tag
def csrf_token(parser, token) -> CsrfAndFormTokenNode:
    """Django's CSRF field, followed by this page's form token."""
    return CsrfAndFormTokenNode()


class FormTokenMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        token = request.POST.get(FIELD, "") if request.method == "POST" else ""
        if not TOKEN.fullmatch(token) or not request.user.is_authenticated:
            return self.get_response(request)
        from .models import FormSubmission

        submission = FormSubmission(user=request.user, token=token)
        try:
            with transaction.atomic():
                submission.save()
        except IntegrityError:
            return self._answer_as_the_first(request, token)
        response = None
        try:
            response = self.get_response(request)
        finally:
            self._record(request, submission, response)
        return response

    @staticmethod
    def _record(request, submission, response) -> None:
        from .models import FormSubmission

        row = FormSubmission.objects.filter(pk=submission.pk)
        if response is None or response.status_code not in (301, 302, 303):
            row.delete()  # not accepted (errors shown, or a failure): the same page may be sent again
            return
        queued = getattr(getattr(request, "_messages", None), "_queued_messages", [])
        said = [[m.level, str(m.message), m.extra_tags or ""] for m in queued]
        row.update(finished=True, location=response["Location"], messages=said)

    def _answer_as_the_first(self, request, token: str):
        from .models import FormSubmission

        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            first = FormSubmission.objects.filter(user=request.user, token=token).first()
            if first is None:  # the first was not accepted: this one is a new attempt
                return self(request)
            if first.finished:
                for level, text, tags in first.messages:
                    messages.add_message(request, level, text, extra_tags=tags)
                return HttpResponseRedirect(first.location)
            time.sleep(POLL_SECONDS)
        messages.info(request, _("Your first click is still being processed. Reload the page in a moment to see it."))
        back = request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = "/"
        return HttpResponseRedirect(back)


def purge_form_submissions(*, now=None) -> int:
    """Forget the tokens of forms submitted more than a day ago (their pages are long gone)."""
    from .models import FormSubmission

    cutoff = (now or timezone.now()) - KEPT
    deleted, _by_model = FormSubmission.objects.filter(created_at__lt=cutoff).delete()
    return deleted
