"""Enrolling an authenticator when the role requires one (DOIT staff, administrators).

A password alone never enrols the authenticator of such an account: whoever knows the password
before its owner first signs in (a leaked demo password, a reused one) would otherwise bind their
own phone to it. Enrolment needs proof that the person also holds the account's mailbox, in the
same browser session as the password:

- the set-password link sent by e-mail (new accounts, and reset links): setting the password
  through it grants enrolment to the session for ``GRANT_SECONDS``; or
- an enrolment link that the setup page sends to the account's e-mail address on request.

The enrolment link works once: its token covers the password, the last sign-in and whether an
authenticator is confirmed, so it stops working as soon as one is.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from .otp import has_confirmed_device

GRANT_KEY = "otp_enrolment_grant"
GRANT_SECONDS = 3600
LINK_HOURS = 24


class EnrolmentTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "accounts.enrolment.EnrolmentTokenGenerator"

    def __init__(self) -> None:
        super().__init__()
        self.timeout = LINK_HOURS * 3600  # type: ignore[assignment]

    def _make_hash_value(self, user, timestamp: int) -> str:
        return f"{super()._make_hash_value(user, timestamp)}{int(has_confirmed_device(user))}"


enrolment_tokens = EnrolmentTokenGenerator()


def needs_grant(user) -> bool:
    """Whether setting up an authenticator needs the e-mail proof (roles that require one)."""
    return bool(user.requires_second_factor) and not has_confirmed_device(user)


def grant(session, user) -> None:
    session[GRANT_KEY] = {"user": user.pk, "at": int(time.time())}


def granted(session, user) -> bool:
    value = session.get(GRANT_KEY)
    return (
        isinstance(value, dict) and value.get("user") == user.pk and time.time() - value.get("at", 0) <= GRANT_SECONDS
    )


def revoke(session) -> None:
    session.pop(GRANT_KEY, None)


def enrolment_url(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    path = reverse("otp_enrol", kwargs={"uidb64": uid, "token": enrolment_tokens.make_token(user)})
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def send_enrolment_email(user) -> None:
    context = {"user": user, "url": enrolment_url(user), "hours": LINK_HOURS}
    send_mail(
        subject=_("Set up two-step sign-in on the Hanoi Cleaner Production Portal"),
        message=render_to_string("accounts/email/enrolment.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
