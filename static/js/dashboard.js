// Dashboard charts (Chart.js, vendored). Wired by data attributes; no inline scripts.
// <canvas data-chart="bar|hbar" data-chart-data='{"labels": [...], "values": [...], "label": "..."}'>
// Long category labels (district, commune and sector names) are wrapped onto short lines, at most
// LABEL_LINES of them, the last abbreviated with "…" when the name is longer still; the tooltip
// title always gives the full name, and so does the table of the chart's figures beside it.
(function () {
  "use strict";
  var LABEL_WIDTH = 22; // characters per line of a category label
  var LABEL_LINES = 2;

  // "Phường Hai Bà Trưng" → ["Phường Hai Bà", "Trưng"]: words kept whole where they fit.
  function wrapLabel(text, width, maxLines) {
    var words = String(text).split(/\s+/).filter(Boolean);
    var lines = [];
    var line = "";
    words.forEach(function (word) {
      while (word.length > width) { // a single word longer than a line is cut
        if (line) { lines.push(line); line = ""; }
        lines.push(word.slice(0, width));
        word = word.slice(width);
      }
      if (!line) { line = word; } else if ((line + " " + word).length <= width) { line += " " + word; } else { lines.push(line); line = word; }
    });
    if (line) { lines.push(line); }
    if (lines.length > maxLines) {
      lines = lines.slice(0, maxLines);
      var last = lines[maxLines - 1];
      lines[maxLines - 1] = (last.length >= width ? last.slice(0, width - 1) : last) + "…";
    }
    return lines.length > 1 ? lines : lines[0] || "";
  }
  window.portalWrapLabel = wrapLabel; // for the browser tests

  if (typeof window.Chart === "undefined") { return; }
  var lang = document.documentElement.lang || "vi";
  var number = new Intl.NumberFormat(lang === "vi" ? "vi-VN" : lang, { maximumFractionDigits: 0 });
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var data;
    try { data = JSON.parse(canvas.getAttribute("data-chart-data")); } catch (e) { return; }
    var horizontal = canvas.getAttribute("data-chart") === "hbar";
    var labels = data.labels.map(function (label) { return wrapLabel(label, LABEL_WIDTH, LABEL_LINES); });
    var categoryTicks = {
      autoSkip: false,
      maxRotation: 0,
      callback: function (value, index) { return labels[index]; }
    };
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [{ label: data.label, data: data.values, backgroundColor: "#1f6f43" }]
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        aspectRatio: parseFloat(canvas.getAttribute("data-aspect")) || 2,
        animation: false,
        plugins: {
          legend: { display: false },
          tooltip: {
            callbacks: {
              title: function (items) { return items.length ? data.labels[items[0].dataIndex] : ""; },
              label: function (ctx) { return number.format(horizontal ? ctx.parsed.x : ctx.parsed.y); }
            }
          }
        },
        scales: horizontal
          ? { x: { beginAtZero: true, ticks: { precision: 0, callback: function (v) { return number.format(v); } } }, y: { ticks: categoryTicks } }
          : { x: { ticks: categoryTicks }, y: { beginAtZero: true, ticks: { precision: 0, callback: function (v) { return number.format(v); } } } }
      }
    });
  });
})();
