"""Writes on accounts: creation with a set-password e-mail, edits, deactivation."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from .models import User


def set_password_url(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def send_set_password_email(user: User) -> None:
    context = {"user": user, "url": set_password_url(user), "days": settings.PASSWORD_RESET_TIMEOUT // 86400}
    send_mail(
        subject=_("Your account on the Hanoi Cleaner Production Portal"),
        message=render_to_string("accounts/email/set_password.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )


@transaction.atomic
def user_create(
    *, by: User, username: str, email: str, full_name: str, role: str, commune=None, enterprise=None, phone: str = ""
) -> User:
    """Create an account with no usable password and e-mail its owner a set-password link:
    nobody types another person's password."""
    user = User(
        username=username,
        email=email,
        full_name=full_name,
        role=role,
        commune=commune,
        enterprise=enterprise,
        phone=phone,
        is_active=True,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    transaction.on_commit(lambda: send_set_password_email(user))
    return user


@transaction.atomic
def user_update(*, by: User, user: User, **fields) -> User:
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean()
    user.save()
    return user
