"""Reads of enterprises, always through the user's scope."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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


def enterprise_history(enterprise: Enterprise, *, limit: int = 50) -> list[Any]:
    """The latest change records, newest first, each with ``changed_fields``: the names of the
    fields it changed (computed against the record before it, in memory: one query in all)."""
    records = list(
        enterprise.history.select_related("history_user").order_by("-history_date", "-history_id")[: limit + 1]
    )
    order = {field.name: i for i, field in enumerate(Enterprise._meta.fields)}
    for newer, older in zip(records, records[1:], strict=False):
        if newer.history_type != "~":
            continue
        changed = sorted(newer.diff_against(older).changed_fields, key=lambda name: order.get(name, len(order)))
        newer.changed_fields = [
            str(getattr(Enterprise._meta.get_field(name), "verbose_name", name)) for name in changed
        ]
    return records[:limit]
