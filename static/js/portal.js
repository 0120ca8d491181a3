// Portal-wide behaviour. No inline scripts anywhere: everything is wired from here by data attributes.
(function () {
  "use strict";
  // Buttons marked data-confirm ask before submitting.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (event) {
      if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  // A table too wide for the window scrolls inside its frame: the frame then takes keyboard focus
  // (so it can be scrolled with the arrow keys) and is named after the table's caption.
  function frameScrollingTables(root) {
    (root || document).querySelectorAll(".table-responsive").forEach(function (frame) {
      var scrolls = frame.scrollWidth > frame.clientWidth || frame.scrollHeight > frame.clientHeight;
      if (scrolls) {
        frame.setAttribute("tabindex", "0");
        frame.setAttribute("role", "region");
        var caption = frame.querySelector("caption");
        if (caption && !frame.hasAttribute("aria-label")) {
          frame.setAttribute("aria-label", caption.textContent.trim());
        }
      } else if (frame.getAttribute("role") === "region") {
        frame.removeAttribute("tabindex");
        frame.removeAttribute("role");
      }
    });
  }
  frameScrollingTables();
  // Again once the layout is final: web fonts and images can widen a table after this script ran.
  window.addEventListener("load", function () { frameScrollingTables(); });
  if (document.fonts && document.fonts.ready) {
    document.fonts.ready.then(function () { frameScrollingTables(); });
  }
  window.addEventListener("resize", function () { frameScrollingTables(); });
  document.body.addEventListener("htmx:afterSwap", function (event) { frameScrollingTables(event.target); });
})();
