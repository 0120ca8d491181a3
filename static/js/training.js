// Attendance sheet: ticking "passed" ticks "attended"; unticking "attended" unticks "passed".
// The server checks the same rules; this only saves clicks.
(function () {
  "use strict";
  document.querySelectorAll("[data-attendance-sheet] [data-attendance-row]").forEach(function (row) {
    var attended = row.querySelector("[data-attendance=attended]");
    var passed = row.querySelector("[data-attendance=passed]");
    if (!attended || !passed) { return; }
    passed.addEventListener("change", function () { if (passed.checked) { attended.checked = true; } });
    attended.addEventListener("change", function () { if (!attended.checked) { passed.checked = false; } });
  });
})();
