// CP-option form: the unit of the chosen resource beside its expected quantity per year.
// Wired by data attributes; no inline scripts. Without JavaScript the unit is shown after saving.
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.matches || !select.matches("select[data-unit-select]")) { return; }
    var row = select.closest("[data-unit-row]");
    var suffix = row && row.querySelector("[data-unit-suffix]");
    if (!suffix) { return; }
    var chosen = select.options[select.selectedIndex];
    var unit = chosen ? chosen.getAttribute("data-unit") || "" : "";
    var perYear = suffix.getAttribute("data-per-year") || "";
    suffix.textContent = unit ? unit + " " + perYear : perYear;
  });
})();
