"""Signals of the enterprises app."""

from __future__ import annotations

from django.dispatch import Signal

# Sent (sender=Enterprise) after bulk writes to enterprises that send no post_save per row, such
# as the spreadsheet import, inside their transaction: what depends on enterprises (the cached
# dashboard figures) knows to refresh.
bulk_changed = Signal()
