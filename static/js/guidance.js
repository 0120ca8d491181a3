// Assessment form: beside each option, show the sector statistics of the category chosen.
// Wired by data attributes; no inline scripts. Works for options added after the page loaded.
(function () {
  "use strict";

  function sync(card) {
    var select = card.querySelector("select[name$='-category']");
    var box = card.querySelector("[data-option-guidance]");
    if (!select || !box) { return; }
    box.querySelectorAll("[data-category]").forEach(function (p) {
      p.hidden = p.getAttribute("data-category") !== select.value;
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("select[name$='-category']")) {
      var card = target.closest("[data-testid='option-form']");
      if (card) { sync(card); }
    }
  });
})();
