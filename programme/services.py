from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from .models import SINGLETON_PK, ProgrammeSettings

if TYPE_CHECKING:
    from accounts.models import User

FIELDS = (
    "aware_awareness_courses",
    "aware_workshops",
    "evidence_required",
    "evidence_min_files",
    "evidence_toe_threshold",
)


@transaction.atomic
def settings_update(*, by: User, data: dict[str, Any]) -> ProgrammeSettings:
    """Save the programme settings (DOIT only). The change is kept in the settings' history."""
    if not by.has_perm("programme.manage_settings"):
        raise PermissionDenied
    row = ProgrammeSettings.objects.select_for_update().filter(pk=SINGLETON_PK).first()
    if row is None:
        row = ProgrammeSettings(pk=SINGLETON_PK)
    for name in FIELDS:
        if name in data:
            setattr(row, name, data[name])
    row.updated_at = timezone.now()
    row.updated_by = by
    row._history_user = by  # type: ignore[attr-defined]
    row.full_clean()
    row.save()
    return row
