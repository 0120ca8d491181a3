from __future__ import annotations

from .models import SINGLETON_PK, ProgrammeSettings


def current_settings() -> ProgrammeSettings:
    """The programme settings in force: the stored row, or the defaults while DOIT has never
    saved them (an unsaved instance; reading never writes)."""
    return ProgrammeSettings.objects.filter(pk=SINGLETON_PK).first() or ProgrammeSettings(pk=SINGLETON_PK)


def settings_history(*, limit: int = 50) -> list:
    """The latest changes of the settings, newest first, each change with ``changed_fields``
    (the labels of the fields it changed)."""
    records = list(
        ProgrammeSettings.history.filter(id=SINGLETON_PK)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[: limit + 1]
    )
    order = {f.name: i for i, f in enumerate(ProgrammeSettings._meta.fields)}
    for newer, older in zip(records, records[1:], strict=False):
        if newer.history_type != "~":
            continue
        changed = sorted(newer.diff_against(older).changed_fields, key=lambda name: order.get(name, len(order)))
        newer.changed_fields = [
            str(getattr(ProgrammeSettings._meta.get_field(name), "verbose_name", name)) for name in changed
        ]
    return records[:limit]
