"""Writes on enterprises."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Enterprise

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
    if not by.scope.covers(enterprise):
        raise PermissionDenied
    enterprise.full_clean()
    enterprise.save()
    return enterprise
