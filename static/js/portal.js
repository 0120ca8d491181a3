// Portal-wide behaviour. No inline scripts anywhere: everything is wired from here by data attributes.
(function () {
  "use strict";
  // Buttons marked data-confirm ask before submitting.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (event) {
      if (!window.confirm(el.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  // A form sent back with errors: the focus goes to its error summary (data-error-summary) or,
  // without one, to the first field marked invalid, which announces its message. A keyboard or
  // screen-reader user then starts where something must be corrected, not at the top of the page.
  function focusFirstError() {
    var target = document.querySelector("main [data-error-summary]") ||
      document.querySelector("main form [aria-invalid='true'], main form .is-invalid");
    if (!target) { return; }
    if (target.hasAttribute("data-error-summary") && !target.hasAttribute("tabindex")) {
      target.setAttribute("tabindex", "-1");
    }
    target.focus();
  }
  document.addEventListener("DOMContentLoaded", focusFirstError);
  // When the form was sent from an address ending in #main (the skip link was used), the browser
  // moves the focus to <main> as the page loads: it goes back to the error.
  window.addEventListener("load", function () {
    var active = document.activeElement;
    if (!active || active === document.body || active.id === "main") { focusFirstError(); }
  });

  // Chromium announces a required select or file field that is still empty as "invalid" before
  // anything was sent. A field that failed validation carries aria-invalid="true" from the server;
  // every other required select and file field is marked not invalid, so that only real errors
  // are announced.
  function markUnsentRequiredFields(root) {
    (root || document).querySelectorAll(
      "select[required]:not([aria-invalid]), input[type=file][required]:not([aria-invalid])"
    ).forEach(function (field) { field.setAttribute("aria-invalid", "false"); });
  }
  markUnsentRequiredFields();
  document.body.addEventListener("htmx:afterSwap", function (event) { markUnsentRequiredFields(event.target); });

  // A part of the page that updates itself (an import's progress, the report list while a report
  // is built) is replaced every few seconds. htmx gives the focus back to the element with the same
  // id; when the focused element is gone (the job finished), the focus goes to the part's heading,
  // or to the part itself, instead of falling back to the top of the page.
  var focusedPart = null;
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var part = event.detail.target, active = document.activeElement;
    focusedPart = part && part.id && active && active !== document.body && part.contains(active) ? part.id : null;
  });
  document.body.addEventListener("htmx:afterSettle", function () {
    var id = focusedPart;
    focusedPart = null;
    if (!id || (document.activeElement && document.activeElement !== document.body)) { return; }
    var part = document.getElementById(id);
    if (!part) { return; }
    var target = part.querySelector("h1, h2, h3") || part;
    if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
    target.focus();
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
