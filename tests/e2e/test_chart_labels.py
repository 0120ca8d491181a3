"""Dashboard charts in a real browser: long category names are wrapped (at most two short lines,
abbreviated beyond) rather than cut off, and the tooltip gives the full name."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LONG = "1104 Sản xuất đồ uống không cồn, nước khoáng và các loại nước đóng chai khác"


def test_dashboard_chart_labels_wrap_and_the_tooltip_names_them_in_full(sign_in, doit_user):
    page = sign_in(doit_user)
    page.wait_for_selector("canvas[data-chart=hbar]")
    wrapped = page.evaluate("(text) => window.portalWrapLabel(text, 22, 2)", LONG)
    assert isinstance(wrapped, list) and len(wrapped) == 2
    assert all(len(line) <= 22 for line in wrapped) and wrapped[-1].endswith("…")
    checked = page.evaluate(
        """() => {
          const chart = Chart.getChart(document.querySelector("canvas[data-chart=hbar]"));
          const ticks = chart.scales.y.ticks.map((t) => t.label);
          const title = chart.options.plugins.tooltip.callbacks.title;
          return chart.data.labels.map((label, i) => ({
            label: label,
            lines: [].concat(ticks[i]),
            tooltip: title.call(chart.tooltip, [{ dataIndex: i }]),
          }));
        }"""
    )
    assert checked, "the chart has categories"
    for row in checked:
        assert all(len(line) <= 22 for line in row["lines"]) and len(row["lines"]) <= 2, row
        assert row["tooltip"] == row["label"]
        if len(row["label"]) <= 22:
            assert row["lines"] == [row["label"]]
