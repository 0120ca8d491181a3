"""Writes of data calls: DOIT opens one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import DataCall

if TYPE_CHECKING:
    from accounts.models import User
    from enterprises.models import Commune, Sector


@transaction.atomic
def data_call_open(
    *,
    by: User,
    year: int,
    period: str,
    due_date: dt.date,
    scope: str,
    message: str = "",
    sectors: Iterable[Sector] = (),
    communes: Iterable[Commune] = (),
) -> DataCall:
    """Open a call; only DOIT staff may. The chosen sectors or communes are kept only for the
    scope that uses them."""
    if not by.has_perm("assessments.add_datacall"):
        raise PermissionDenied
    call = DataCall(year=year, period=period, due_date=due_date, scope=scope, message=message.strip(), created_by=by)
    call.full_clean(validate_unique=False)
    if DataCall.objects.filter(year=year, period=period, scope=scope, due_date=due_date).exists():
        raise ValidationError({"due_date": _("The same call (period, scope and due date) is already open.")})
    call.save()
    if scope == DataCall.Audience.SECTORS:
        call.sectors.set(list(sectors))
    elif scope == DataCall.Audience.COMMUNES:
        call.communes.set(list(communes))
    return call
