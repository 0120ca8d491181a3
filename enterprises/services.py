"""Writes on enterprises."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction

from .models import Enterprise

if TYPE_CHECKING:
    from accounts.models import User


@transaction.atomic
def enterprise_create(*, by: User, data: dict) -> Enterprise:
    if not by.has_perm("enterprises.add_enterprise"):
        raise PermissionDenied
    enterprise = Enterprise(**data)
    if by.is_officer and enterprise.district_id != by.district_id:
        raise PermissionDenied
    enterprise.full_clean()
    enterprise.save()
    return enterprise


@transaction.atomic
def enterprise_update(*, by: User, enterprise: Enterprise, data: dict) -> Enterprise:
    full = by.has_perm("enterprises.change_enterprise_profile", enterprise)
    allowed = set(data) if full else set(Enterprise.CONTACT_FIELDS)
    if not by.has_perm("enterprises.change_enterprise", enterprise) or not set(data) <= allowed:
        raise PermissionDenied
    for name, value in data.items():
        setattr(enterprise, name, value)
    if by.is_officer and enterprise.district_id != by.district_id:
        raise PermissionDenied
    enterprise.full_clean()
    enterprise.save()
    return enterprise
