// Assessment pages: add rows to inline formsets, draw the enterprise's savings chart.
// Wired by data attributes; no inline scripts.
(function () {
  "use strict";

  // <button data-formset-add="PREFIX" data-formset-target="CONTAINER_ID"> clones
  // <template id="PREFIX-empty"> (the formset's empty_form) into the container.
  document.querySelectorAll("[data-formset-add]").forEach(function (button) {
    button.addEventListener("click", function () {
      var prefix = button.getAttribute("data-formset-add");
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
      var template = document.getElementById(prefix + "-empty");
      var target = document.getElementById(button.getAttribute("data-formset-target"));
      if (!total || !template || !target) { return; }
      var index = parseInt(total.value, 10);
      if (max && index >= parseInt(max.value, 10)) { return; }
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      if (target.tagName === "TBODY") {
        var body = document.createElement("tbody");
        body.innerHTML = html;
        while (body.firstElementChild) { target.appendChild(body.firstElementChild); }
      } else {
        target.insertAdjacentHTML("beforeend", html);
      }
      total.value = String(index + 1);
    });
  });

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
