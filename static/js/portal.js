// Portal-wide behaviour. No inline scripts anywhere: everything is wired from here by data attributes.
(function () {
  "use strict";
  // Forms marked data-autosubmit submit when one of their selects changes (language switch).
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Buttons marked data-confirm ask before submitting.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (event) {
      if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
})();
