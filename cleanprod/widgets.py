"""Form widgets shared by the apps."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

DATE_PLACEHOLDER = _("dd/mm/yyyy")
# Day and month of one or two digits, a four-digit year: what DATE_INPUT_FORMATS read first.
DATE_PATTERN = r"\d{1,2}/\d{1,2}/\d{4}"


class DayInput(forms.DateInput):
    """A day typed (or picked) as dd/mm/yyyy whatever the browser's language: a text input, not the
    browser's own date picker (which follows the browser's locale, mm/dd/yyyy in an English one).
    The server reads it with the portal's DATE_INPUT_FORMATS (dd/mm/yyyy first); the calendar
    beside it (static/js/datepicker.js) writes dd/mm/yyyy too, and typing works without it."""

    input_type = "text"

    def __init__(self, attrs: dict | None = None) -> None:
        defaults = {
            "placeholder": DATE_PLACEHOLDER,
            "pattern": DATE_PATTERN,
            "inputmode": "numeric",
            "autocomplete": "off",
            "data-datepicker": "",
            "title": DATE_PLACEHOLDER,
        }
        super().__init__(attrs={**defaults, **(attrs or {})}, format="%d/%m/%Y")
