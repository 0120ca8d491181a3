"""Writes on enterprises."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Contact, Enterprise, Handover

if TYPE_CHECKING:
    from accounts.models import User


class EnterpriseChanged(Exception):
    """Someone saved the enterprise after the user loaded the form (no lost update)."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Someone else changed this record after you opened it. Nothing was saved; "
                "reload the page to see their changes, then apply yours again."
            )
        )
        self.message = str(self.args[0])


@transaction.atomic
def enterprise_create(*, by: User, data: dict) -> Enterprise:
    if not by.has_perm("enterprises.add_enterprise"):
        raise PermissionDenied
    enterprise = Enterprise(**data)
    enterprise.active = enterprise.closed_on is None
    if not by.scope.covers(enterprise):
        raise PermissionDenied
    enterprise.full_clean()
    enterprise.save()
    return enterprise


@transaction.atomic
def enterprise_update(
    *, by: User, enterprise: Enterprise, data: dict, loaded_at: dt.datetime | None = None
) -> Enterprise:
    """Change the enterprise. ``loaded_at`` is the ``updated_at`` the user's form was loaded with:
    if anyone (a user, an import) saved the enterprise since, ``EnterpriseChanged`` is raised and
    nothing is written (the row is locked while checking, so two saves cannot both pass)."""
    if loaded_at is not None:
        current = Enterprise.objects.select_for_update().filter(pk=enterprise.pk).values_list("updated_at", flat=True)
        if current.first() != loaded_at:
            raise EnterpriseChanged
    full = by.has_perm("enterprises.change_enterprise_profile", enterprise)
    allowed = set(data) if full else set(Enterprise.CONTACT_FIELDS)
    if not by.has_perm("enterprises.change_enterprise", enterprise) or not set(data) <= allowed:
        raise PermissionDenied
    for name, value in data.items():
        setattr(enterprise, name, value)
    if "closed_on" in data:  # closing (or reopening) is done with the closure date
        enterprise.active = enterprise.closed_on is None
    if not by.scope.covers(enterprise):
        raise PermissionDenied
    enterprise.full_clean()
    enterprise.save()
    return enterprise


# --------------------------------------------------------------------------- CP contacts


@transaction.atomic
def contact_add(
    *,
    by: User,
    enterprise: Enterprise,
    role: str,
    full_name: str,
    held_from: dt.date,
    phone: str = "",
    email: str = "",
    user: User | None = None,
) -> Contact:
    """Record a person who carries the programme in ``enterprise``."""
    if not by.has_perm("enterprises.manage_contacts", enterprise):
        raise PermissionDenied
    if user is not None and user.enterprise_id != enterprise.pk:
        raise ValidationError({"user": _("The account must be one of this enterprise's staff.")})
    contact = Contact(
        enterprise=enterprise,
        role=role,
        full_name=full_name.strip(),
        phone=phone.strip(),
        email=email.strip(),
        held_from=held_from,
        user=user,
    )
    contact.full_clean()
    contact.save()
    return contact


def _close_account(account: User) -> None:
    """Deactivate an account and end its sessions: it can no longer sign in, and a browser
    still signed in as it is signed out at its next request."""
    from django.contrib.sessions.models import Session

    account.is_active = False
    account.set_unusable_password()  # also invalidates the session hash of every open session
    account.save(update_fields=["is_active", "password"])
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(account.pk):
            session.delete()


@transaction.atomic
def contact_handover(
    *,
    by: User,
    contact: Contact,
    on: dt.date,
    full_name: str,
    phone: str = "",
    email: str = "",
    successor_account: User | None = None,
    new_username: str = "",
) -> Handover:
    """``contact`` leaves on ``on``; the successor takes the same role from that day. The
    departed person's portal account (if any) is closed, unless it is the successor's too; the
    successor's account opens on a summary of the enterprise at its next visit.

    A successor without an account gets one when ``new_username`` is given: an enterprise staff
    account of this enterprise with no usable password, whose set-password link is e-mailed to
    ``email`` once the handover is saved (``accounts.services.user_create``)."""
    enterprise = contact.enterprise
    if not by.has_perm("enterprises.manage_contacts", enterprise):
        raise PermissionDenied
    if Handover.objects.filter(departed=contact).exists() or not contact.is_current:
        raise ValidationError({"on": _("This person has already handed over the role.")})
    if on < contact.held_from:
        raise ValidationError({"on": _("The handover cannot be before the day the person took the role.")})
    if successor_account is not None and successor_account.enterprise_id != enterprise.pk:
        raise ValidationError({"successor_account": _("The account must be one of this enterprise's staff.")})
    if new_username:
        if successor_account is not None:
            raise ValidationError(
                {"create_account": _("Choose the successor's existing account or create a new one, not both.")}
            )
        successor_account = _successor_account_create(
            by=by, enterprise=enterprise, username=new_username, full_name=full_name, email=email, phone=phone
        )
    contact.held_until = on
    contact.full_clean()
    contact.save(update_fields=["held_until"])
    successor = Contact(
        enterprise=enterprise,
        role=contact.role,
        full_name=full_name.strip(),
        phone=phone.strip(),
        email=email.strip(),
        held_from=on,
        user=successor_account,
    )
    successor.full_clean()
    successor.save()
    departed_account = contact.user
    closed = None
    if departed_account is not None and departed_account != successor_account and departed_account.is_active:
        _close_account(departed_account)
        closed = departed_account
    return Handover.objects.create(
        enterprise=enterprise,
        departed=contact,
        successor=successor,
        on=on,
        successor_account=successor_account,
        closed_account=closed,
        recorded_by=by,
    )


def _successor_account_create(
    *, by: User, enterprise: Enterprise, username: str, full_name: str, email: str, phone: str
) -> User:
    from accounts.models import Role
    from accounts.models import User as Account
    from accounts.services import user_create

    if not by.has_perm("accounts.manage_users"):
        raise PermissionDenied
    email = email.strip().lower()
    if not email:
        raise ValidationError({"email": _("An e-mail address is needed to send the new account its link.")})
    if Account.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("Another account already uses this e-mail address.")})
    return user_create(
        by=by,
        username=username.strip(),
        email=email,
        full_name=full_name.strip(),
        role=Role.ENTERPRISE,
        enterprise=enterprise,
        phone=phone.strip(),
    )


def handover_summary_read(*, handover: Handover, by: User) -> None:
    """The successor has read the summary: their account opens on the home page again."""
    if handover.successor_account_id == by.pk and handover.seen_at is None:
        Handover.objects.filter(pk=handover.pk, seen_at__isnull=True).update(seen_at=timezone.now())
