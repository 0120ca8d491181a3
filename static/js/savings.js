// Savings report form: "Add a line" appends a blank row of the lines formset from its <template>.
// Wired by data attributes (no inline scripts): a button data-formset-add="PREFIX" uses
// <template id="PREFIX-template">, appends to #PREFIX-body and bumps PREFIX-TOTAL_FORMS.
(function () {
  "use strict";
  document.querySelectorAll("[data-formset-add]").forEach(function (button) {
    button.addEventListener("click", function () {
      var prefix = button.getAttribute("data-formset-add");
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
      var template = document.getElementById(prefix + "-template");
      var body = document.getElementById(prefix + "-body");
      if (!total || !template || !body) { return; }
      var index = parseInt(total.value, 10);
      if (max && index >= parseInt(max.value, 10)) { return; }
      body.insertAdjacentHTML("beforeend", template.innerHTML.replace(/__prefix__/g, String(index)));
      total.value = String(index + 1);
      var added = body.lastElementChild && body.lastElementChild.querySelector("select, input:not([type=hidden])");
      if (added) { added.focus(); }
    });
  });
})();
