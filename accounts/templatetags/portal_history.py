"""Template filters for change history."""

from __future__ import annotations

from django import template

from accounts.history import reason_label

register = template.Library()


@register.filter
def change_reason(record) -> str:
    """``{{ record|change_reason }}``: the record's change reason in words (accounts.history)."""
    return reason_label(record.history_change_reason, getattr(record, "instance_type", None))
