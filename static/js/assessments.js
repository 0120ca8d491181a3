// Enterprise page: draw the enterprise's verified savings chart.
// Wired by data attributes; no inline scripts.
(function () {
  "use strict";

  // <canvas data-savings-chart="JSON_SCRIPT_ID">: bars of TOE and tCO2e saved per year.
  document.querySelectorAll("canvas[data-savings-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-savings-chart"));
    if (!source || typeof window.Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: [
          { label: canvas.getAttribute("data-label-toe") || "TOE", data: data.toe, backgroundColor: "#1f6f43", yAxisID: "y" },
          { label: canvas.getAttribute("data-label-tco2e") || "tCO2e", data: data.tco2e, backgroundColor: "#6c9bd2", yAxisID: "y1" }
        ]
      },
      options: {
        responsive: true,
        scales: {
          y: { beginAtZero: true, position: "left", title: { display: true, text: canvas.getAttribute("data-label-toe") || "TOE" } },
          y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: canvas.getAttribute("data-label-tco2e") || "tCO2e" } }
        }
      }
    });
  });
})();
