// Dashboard charts (Chart.js, vendored). Wired by data attributes; no inline scripts.
// <canvas data-chart="bar|hbar" data-chart-data='{"labels": [...], "values": [...], "label": "..."}'>
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") { return; }
  var lang = document.documentElement.lang || "vi";
  var number = new Intl.NumberFormat(lang === "vi" ? "vi-VN" : lang, { maximumFractionDigits: 0 });
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var data;
    try { data = JSON.parse(canvas.getAttribute("data-chart-data")); } catch (e) { return; }
    var horizontal = canvas.getAttribute("data-chart") === "hbar";
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
          tooltip: { callbacks: { label: function (ctx) { return number.format(horizontal ? ctx.parsed.x : ctx.parsed.y); } } }
        },
        scales: horizontal
          ? { x: { beginAtZero: true, ticks: { precision: 0, callback: function (v) { return number.format(v); } } }, y: { ticks: { autoSkip: false } } }
          : { y: { beginAtZero: true, ticks: { precision: 0, callback: function (v) { return number.format(v); } } } }
      }
    });
  });
})();
