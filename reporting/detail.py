"""The detailed data of a year: its verified savings lines in a scope, a download of its own.

The yearly report holds the tables; the lines behind them (hundreds of thousands at national size)
are the "detailed data", downloaded as CSV (streamed while it is read: it starts at once and
holds one batch of rows in memory) or as an Excel file built by a worker on request (a report job
of format ``lines``, with its progress on the reports page). Both read the same rows
(``indicators.verified_line_rows``): a locked year's lines are those stored when its figures were
stored, as for the report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.utils import translation
from django.utils.translation import gettext as _

from assessments.models import CPOption, SavingsReport
from periods.models import YearLock

from .areas import area_for
from .indicators import verified_line_count, verified_line_rows


@dataclass
class LinesData:
    """What the detailed data's files show: the rows (a stream) and the labels of their codes."""

    year: int
    scope_label: str
    scope_slug: str  # the scope in the file's name: "ha-noi", a district's or a commune's code
    rows: Callable[[], Iterator[tuple]]  # the verified savings lines, streamed (verified_line_rows)
    count: Callable[[], int]  # how many there are (one query), for the progress of a build
    fixed_time: dt.datetime | None = None  # a locked year: the lock's time (a reproducible file)
    categories: dict[str, str] = field(default_factory=dict)  # CP option category code → label
    periods: dict[str, str] = field(default_factory=dict)  # savings period code → label

    def download_name(self, extension: str) -> str:
        return f"du-lieu-chi-tiet-sxsh-{self.year}-{self.scope_slug}.{extension}"


def gather_lines(year: int, unit) -> LinesData:
    """The detailed data of ``year`` for ``unit`` (a district, a commune, or the city when None),
    in the report's scope: a district asked for a year broken down by communes is the communes
    formed from it (``areas.area_for``)."""
    area = area_for(year, unit)
    with translation.override("vi"):
        label = area.name if area is not None else _("Hanoi (city-wide)")
        categories = {code: str(name) for code, name in CPOption.Category.choices}
        periods = {code: str(name) for code, name in SavingsReport.Period.choices}
    return LinesData(
        year=year,
        scope_label=str(label),
        scope_slug=unit.code if unit is not None else "ha-noi",
        rows=lambda: verified_line_rows(year, area),
        count=lambda: verified_line_count(year, area),
        fixed_time=YearLock.objects.filter(year=year).values_list("locked_at", flat=True).first(),
        categories=categories,
        periods=periods,
    )
