"""Errors of the enterprise import: the file refused as a whole, or rows refused on applying."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .preview import ImportPreview


class ImportFileError(Exception):
    """The file as a whole is refused (not an xlsx, too big, too many rows, missing columns).
    ``str(exc)`` is a message for the user, already translated."""


class ImportRowsError(Exception):
    """Applying found row errors (raised inside the transaction, so nothing is written)."""

    def __init__(self, preview: ImportPreview) -> None:
        super().__init__(_("%(count)s rows have errors; nothing was imported.") % {"count": preview.error_count})
        self.preview = preview
