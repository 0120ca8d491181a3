// Inline formsets: "add a row" buttons, for every page that edits lines on one page.
// <button data-formset-add="PREFIX" data-formset-target="CONTAINER_ID"> clones
// <template id="PREFIX-empty"> (the formset's empty_form) into the container, bumps
// PREFIX-TOTAL_FORMS (never past MAX_NUM_FORMS) and focuses the new row's first field.
(function () {
  "use strict";
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
      // __number__: the row's number as people count (1, 2, …), in its group's name.
      var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
      if (target.tagName === "TBODY") {
        // A <tr> parsed outside a table is dropped: parse it inside a tbody.
        var body = document.createElement("tbody");
        body.innerHTML = html;
        while (body.firstElementChild) { target.appendChild(body.firstElementChild); }
      } else {
        target.insertAdjacentHTML("beforeend", html);
      }
      total.value = String(index + 1);
      var added = target.lastElementChild && target.lastElementChild.querySelector("select, input:not([type=hidden])");
      if (added) { added.focus(); }
    });
  });
})();
