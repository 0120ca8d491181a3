"""Chart labels are never cut off: long names (sectors, communes) wrap onto at most two lines and
are abbreviated beyond, with the full name kept in the chart's title and in the figures' tables."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from reporting.charts import CHAR_WIDTH, horizontal_bars, wrap_label

SVG = "{http://www.w3.org/2000/svg}"
LONG = "1104 Sản xuất đồ uống không cồn, nước khoáng và các loại nước đóng chai khác"


def test_wrap_label_keeps_words_whole_and_abbreviates_beyond_two_lines():
    assert wrap_label("Phường Hoàn Kiếm", 22) == ["Phường Hoàn Kiếm"]
    assert wrap_label("Phường Hai Bà Trưng mở rộng", 22) == ["Phường Hai Bà Trưng mở", "rộng"]
    lines = wrap_label(LONG, 22)
    assert len(lines) == 2 and all(len(line) <= 22 for line in lines) and lines[-1].endswith("…")
    assert " ".join(lines).rstrip("…").split()[:3] == LONG.split()[:3]
    assert wrap_label("x" * 30, 10, 3) == ["x" * 10, "x" * 10, "x" * 10]


def test_pdf_bar_chart_labels_fit_their_column_with_the_full_name_as_title():
    labels = ["Phường Hoàn Kiếm", LONG]
    svg = str(horizontal_bars(labels, [Decimal(10), Decimal(20)], label_width=150))
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    groups = [g for g in root.iter(f"{SVG}g")]
    texts = [[t.text for t in g.iter(f"{SVG}tspan")] for g in groups]
    assert texts[0] == ["Phường Hoàn Kiếm"]
    assert len(texts[1]) == 2 and texts[1][-1].endswith("…")
    for g, lines in zip(groups, texts, strict=True):
        text = g.find(f"{SVG}text")
        x = float(text.get("x"))
        # Right-aligned at x: the longest line starts inside the picture, nothing is clipped.
        assert x - max(len(line) for line in lines) * CHAR_WIDTH >= 0, lines
    assert groups[1].find(f"{SVG}title").text == LONG
    assert groups[0].find(f"{SVG}title") is None  # shown whole: no title needed
    # Rows with two lines are taller: the bars do not overlap the next label.
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', svg)]
    assert len(heights) == 2
