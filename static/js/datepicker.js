// A calendar beside every dd/mm/yyyy date input (input[data-datepicker]), the same in every
// browser language: it writes dd/mm/yyyy, its month and day names follow the page's language.
// Wired by data attributes; no inline scripts. Typing the date works without it.
(function () {
  "use strict";
  var vi = (document.documentElement.lang || "vi").indexOf("vi") === 0;
  var MONTHS = vi
    ? ["Tháng 1", "Tháng 2", "Tháng 3", "Tháng 4", "Tháng 5", "Tháng 6", "Tháng 7", "Tháng 8", "Tháng 9", "Tháng 10", "Tháng 11", "Tháng 12"]
    : ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
  var DAYS = vi ? ["T2", "T3", "T4", "T5", "T6", "T7", "CN"] : ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]; // Monday first
  var TEXT = vi
    ? { open: "Chọn ngày trên lịch", prev: "Tháng trước", next: "Tháng sau", close: "Đóng" }
    : { open: "Choose a date on the calendar", prev: "Previous month", next: "Next month", close: "Close" };

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function format(d) { return pad(d.getDate()) + "/" + pad(d.getMonth() + 1) + "/" + d.getFullYear(); }
  function parse(text) {
    var m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(text || "");
    if (!m) { return null; }
    var d = new Date(+m[3], +m[2] - 1, +m[1]);
    return d.getMonth() === +m[2] - 1 ? d : null;
  }

  function attach(input) {
    if (input.hasAttribute("data-datepicker-ready")) { return; }
    input.setAttribute("data-datepicker-ready", "");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-outline-secondary datepicker-toggle";
    button.setAttribute("aria-label", TEXT.open);
    button.setAttribute("title", TEXT.open);
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("data-testid", "datepicker-toggle");
    button.textContent = "📅";
    var panel = document.createElement("div");
    panel.className = "datepicker-panel card shadow-sm p-2";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", TEXT.open);
    panel.hidden = true;
    var wrapper = document.createElement("div");
    wrapper.className = "input-group datepicker";
    input.parentNode.insertBefore(wrapper, input);
    wrapper.appendChild(input);
    wrapper.appendChild(button);
    wrapper.appendChild(panel);
    // The field's error message stays visible: Bootstrap shows it as a later sibling of the input.
    var next = wrapper.nextElementSibling;
    while (next && next.classList.contains("invalid-feedback")) {
      var following = next.nextElementSibling;
      wrapper.classList.add("has-validation");
      wrapper.appendChild(next);
      next = following;
    }
    var shown = null;

    function render() {
      var year = shown.getFullYear(), month = shown.getMonth();
      var chosen = parse(input.value);
      var html = '<div class="d-flex justify-content-between align-items-center mb-1">' +
        '<button type="button" class="btn btn-sm btn-link" data-move="-1" aria-label="' + TEXT.prev + '">‹</button>' +
        '<strong class="small" data-testid="datepicker-month">' + MONTHS[month] + " " + year + "</strong>" +
        '<button type="button" class="btn btn-sm btn-link" data-move="1" aria-label="' + TEXT.next + '">›</button></div>' +
        '<table class="table table-sm mb-1 text-center"><thead><tr>' +
        DAYS.map(function (d) { return '<th scope="col" class="small">' + d + "</th>"; }).join("") + "</tr></thead><tbody><tr>";
      var first = (new Date(year, month, 1).getDay() + 6) % 7; // Monday = 0
      var days = new Date(year, month + 1, 0).getDate();
      var cell = 0;
      for (; cell < first; cell++) { html += "<td></td>"; }
      for (var day = 1; day <= days; day++, cell++) {
        if (cell && cell % 7 === 0) { html += "</tr><tr>"; }
        var date = new Date(year, month, day);
        var selected = chosen && chosen.getTime() === date.getTime();
        // Named with its month and year: a screen reader on "18" alone does not say which month.
        html += '<td><button type="button" class="btn btn-sm ' + (selected ? "btn-success" : "btn-light") +
          '" data-day="' + format(date) + '" aria-label="' + day + " " + MONTHS[month] + " " + year + '">' + day + "</button></td>";
      }
      for (; cell % 7; cell++) { html += "<td></td>"; }
      html += '</tr></tbody></table><button type="button" class="btn btn-sm btn-link" data-close>' + TEXT.close + "</button>";
      panel.innerHTML = html;
    }
    function open() {
      shown = parse(input.value) || new Date();
      shown = new Date(shown.getFullYear(), shown.getMonth(), 1);
      render();
      panel.hidden = false;
      button.setAttribute("aria-expanded", "true");
      var focus = panel.querySelector(".btn-success") || panel.querySelector("[data-day]");
      if (focus) { focus.focus(); }
    }
    function close(refocus) {
      panel.hidden = true;
      button.setAttribute("aria-expanded", "false");
      if (refocus) { input.focus(); }
    }
    button.addEventListener("click", function () { if (panel.hidden) { open(); } else { close(true); } });
    panel.addEventListener("click", function (event) {
      event.stopPropagation(); // a click inside the calendar (re-drawn below) does not close it
      var target = event.target.closest("button");
      if (!target) { return; }
      if (target.hasAttribute("data-move")) {
        shown = new Date(shown.getFullYear(), shown.getMonth() + parseInt(target.getAttribute("data-move"), 10), 1);
        render();
        panel.querySelector("[data-move='" + target.getAttribute("data-move") + "']").focus();
      } else if (target.hasAttribute("data-day")) {
        input.value = target.getAttribute("data-day");
        input.dispatchEvent(new Event("change", { bubbles: true }));
        close(true);
      } else if (target.hasAttribute("data-close")) {
        close(true);
      }
    });
    panel.addEventListener("keydown", function (event) { if (event.key === "Escape") { close(true); } });
    document.addEventListener("click", function (event) { if (!wrapper.contains(event.target)) { close(false); } });
  }

  function attachAll(root) { (root || document).querySelectorAll("input[data-datepicker]").forEach(attach); }
  attachAll();
  // Rows added by a formset or swapped in by htmx get their calendar too.
  new MutationObserver(function (records) {
    records.forEach(function (record) {
      record.addedNodes.forEach(function (node) { if (node.querySelectorAll) { attachAll(node); } });
    });
  }).observe(document.body, { childList: true, subtree: true });
})();
