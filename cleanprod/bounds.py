"""The range of dates and years the portal accepts from a user (forms, filters, query
parameters). Wider values cannot be meaningful for a programme that started in 2009, and near
the edges of Python's calendar (year 1 or 9999) date arithmetic itself fails."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MIN_YEAR = 1900
MAX_YEAR = 2100


def year_in_range(year: int) -> bool:
    return MIN_YEAR <= year <= MAX_YEAR


def date_in_range(day: dt.date) -> bool:
    return year_in_range(day.year)


def validate_date_in_range(day: dt.date | None) -> None:
    if day is not None and not date_in_range(day):
        raise ValidationError(
            _("Enter a date between %(first)s and %(last)s.")
            % {"first": f"01/01/{MIN_YEAR}", "last": f"31/12/{MAX_YEAR}"},
            code="out_of_range",
        )
