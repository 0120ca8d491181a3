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


# DejaVu Sans at 9 px: about 5.5 px per character on average; a line of a label fits its column.
CHAR_WIDTH = 5.5
LINE_HEIGHT = 10
LABEL_LINES = 2


def wrap_label(text: str, width: int, max_lines: int = LABEL_LINES) -> list[str]:
    """A label on lines of at most ``width`` characters, words kept whole where they fit; beyond
    ``max_lines`` the last line ends with "…" (the full label stays in the chart's <title> and in
    the report's tables). The dashboard's charts wrap the same way (static/js/dashboard.js)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while len(word) > width:  # a single word longer than a line is cut
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:width])
            word = word[width:]
        if not line:
            line = word
        elif len(line) + 1 + len(word) <= width:
            line = f"{line} {word}"
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        lines[-1] = (last[: width - 1] if len(last) >= width else last) + "…"
    return lines or [""]


def _label_text(label: str, lines: list[str], *, x: float, y: float, anchor: str) -> str:
    """The label's lines as <tspan>s, with its full text as the <title> (a tooltip in viewers and
    the accessible name) when the lines are not the whole of it."""
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else LINE_HEIGHT}">{escape(line)}</tspan>' for i, line in enumerate(lines)
    )
    title = f"<title>{escape(label)}</title>" if " ".join(lines) != label else ""
    return f'<g>{title}<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{AXIS}">{spans}</text></g>'


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
    """One horizontal bar per label, the value printed after the bar. A long label is wrapped
    (at most two lines, then abbreviated) so that it is never cut off at the chart's edge."""
    chars = int((label_width - 8) / CHAR_WIDTH)
    wrapped = [wrap_label(str(label), chars) for label in labels]
    heights = [max(row_height, len(lines) * LINE_HEIGHT + 6) for lines in wrapped] or [row_height]
    height = sum(heights) + 24
    biggest = max((Decimal(v) for v in values), default=Decimal(0)) or Decimal(1)
    room = width - label_width - 110
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="9">'
    ]
    y = 8
    for label, lines, value, h in zip(labels, wrapped, values, heights, strict=False):
        length = float(Decimal(value) / biggest) * room if value else 0
        first = y + (h - len(lines) * LINE_HEIGHT) / 2 + 8
        middle = y + h / 2
        parts.append(
            _label_text(str(label), lines, x=label_width - 6, y=first, anchor="end")
            + f'<rect x="{label_width}" y="{middle - (row_height - 5) / 2:.1f}" width="{length:.1f}" '
            f'height="{row_height - 5}" fill="{BAR}"/>'
            f'<text x="{label_width + length + 4:.1f}" y="{middle + 3:.1f}">{escape(fmt(value, places))}'
            f"{(' ' + escape(unit)) if unit else ''}</text>"
        )
        y += h
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
