"""Small server-side SVG charts for the PDF report (WeasyPrint draws inline SVG as vectors).

Only layout happens here: the figures come from ``reporting.indicators``. Labels are escaped;
numbers are formatted in the active language (the PDF builder activates Vietnamese).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import formats
from django.utils.safestring import SafeString, mark_safe

BAR = "#1f6f43"
BAR_ALT = "#8fbc9f"
AXIS = "#555555"
FONT = "DejaVu Sans"


def fmt(value: Decimal | float | int, places: int = 0) -> str:
    return formats.number_format(round(Decimal(value), places), places, use_l10n=True, force_grouping=True)


def horizontal_bars(
    labels: Sequence[str],
    values: Sequence[Decimal | int],
    *,
    unit: str = "",
    places: int = 0,
    width: int = 640,
    row_height: int = 16,
    label_width: int = 150,
) -> SafeString:
    """One horizontal bar per label, the value printed after the bar."""
    count = max(len(labels), 1)
    height = count * row_height + 24
    biggest = max((Decimal(v) for v in values), default=Decimal(0)) or Decimal(1)
    room = width - label_width - 110
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="9">'
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 8 + i * row_height
        length = float(Decimal(value) / biggest) * room if value else 0
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 10}" text-anchor="end" fill="{AXIS}">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 2}" width="{length:.1f}" height="{row_height - 5}" fill="{BAR}"/>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + 10}">{escape(fmt(value, places))}'
            f"{(' ' + escape(unit)) if unit else ''}</text>"
        )
    parts.append(
        f'<line x1="{label_width}" y1="6" x2="{label_width}" y2="{height - 14}" stroke="{AXIS}" stroke-width="0.6"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def columns(
    labels: Sequence[str],
    values: Sequence[Decimal | int],
    *,
    unit: str = "",
    places: int = 0,
    width: int = 640,
    height: int = 220,
) -> SafeString:
    """Vertical columns (a trend over years), the value above each column."""
    count = max(len(labels), 1)
    biggest = max((Decimal(v) for v in values), default=Decimal(0)) or Decimal(1)
    left, bottom, top = 40, 28, 22
    plot_h = height - bottom - top
    slot = (width - left - 10) / count
    bar_w = min(48.0, slot * 0.6)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="9">',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 5}" y2="{height - bottom}" '
        f'stroke="{AXIS}" stroke-width="0.6"/>',
    ]
    if unit:
        parts.append(f'<text x="4" y="12" fill="{AXIS}">{escape(unit)}</text>')
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        x = left + i * slot + (slot - bar_w) / 2
        h = float(Decimal(value) / biggest) * plot_h if value else 0
        y = height - bottom - h
        cx = x + bar_w / 2
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{BAR}"/>'
            f'<text x="{cx:.1f}" y="{y - 3:.1f}" text-anchor="middle">{escape(fmt(value, places))}</text>'
            f'<text x="{cx:.1f}" y="{height - bottom + 12}" text-anchor="middle" fill="{AXIS}">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
