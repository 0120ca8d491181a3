"""Reads of enterprises, always through the user's scope."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from .models import Enterprise, EnterpriseQuerySet

if TYPE_CHECKING:
    from accounts.models import User


def enterprises_for(user: User) -> EnterpriseQuerySet:
    return Enterprise.objects.visible_to(user).with_related()


def get_enterprise_for(user: User, pk: int, *, write: bool = False) -> Enterprise:
    """The enterprise if it is in the user's scope (404 otherwise, the same as a missing one);
    PermissionDenied when the user may see it but not change it and ``write`` is asked."""
    enterprise = get_object_or_404(enterprises_for(user), pk=pk)
    if write and not user.has_perm("enterprises.change_enterprise", enterprise):
        raise PermissionDenied
    return enterprise
