/* The request page's daylight table (templates/booking/request_detail.html, #daylight): choosing a slot in the
   schedule or reschedule form marks that day's row and says its sunrise, sunset and night start, or that the day
   is outside the approved window. Loaded as a file: the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";

  function start() {
    var box = document.getElementById("daylight");
    var out = document.getElementById("daylight-chosen");
    if (!box || !out) return;

    function show(value) {
      var day = (value || "").slice(0, 10);
      box.querySelectorAll("tr.chosen").forEach(function (r) { r.classList.remove("chosen"); });
      if (!day) { out.textContent = ""; return; }
      var row = null;
      box.querySelectorAll("tr[data-day]").forEach(function (r) { if (r.dataset.day === day) row = r; });
      if (!row) { out.textContent = day + " is outside the approved window: the schedule will be refused."; return; }
      row.classList.add("chosen");
      var cells = row.querySelectorAll("td");
      out.textContent = cells.length > 2
        ? cells[0].textContent + ": sunrise " + cells[1].textContent + ", sunset " + cells[2].textContent +
          ", night starts " + cells[4].textContent + "."
        : cells[0].textContent + ": night all day.";
    }

    var inputs = '#action-schedule [name="scheduled_start"], #action-reschedule [name="scheduled_start"]';
    document.querySelectorAll(inputs).forEach(function (input) {
      input.addEventListener("input", function () { show(input.value); });
      input.addEventListener("change", function () { show(input.value); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
