/* A processing job's progress (templates/processing/_job.html): every element `.job[data-job-poll]` polls its
   `data-job-url` (/api/v1/jobs/<id>/) every 3 s, shows state, stage, progress, attempt and error, and reloads
   the page once the job ends so that its result or error shows. The partial loads this file once per job;
   each element is started once. Loaded as a file: the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";

  var LABELS = { pending: "Pending", running: "Running", succeeded: "Succeeded", failed: "Failed", cancelled: "Cancelled" };
  var ENDED = ["succeeded", "failed", "cancelled"];

  function follow(el) {
    if (el.dataset.jobPolling) return;
    el.dataset.jobPolling = "1";
    var timer = setInterval(function () {
      fetch(el.dataset.jobUrl, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (j) {
          if (!j) return;
          el.querySelector("progress").value = j.progress;
          el.querySelector(".job-progress").textContent = j.progress + "%";
          el.querySelector(".job-state").textContent = LABELS[j.state] || j.state;
          el.querySelector(".job-stage").textContent = j.stage ? "· " + j.stage : "";
          el.querySelector(".job-attempts").textContent =
            j.attempts > 1 ? "attempt " + j.attempts + " of " + j.max_attempts : "";
          var error = el.querySelector(".job-error");
          error.textContent = j.error || "";
          error.hidden = !j.error;
          if (ENDED.indexOf(j.state) >= 0) { clearInterval(timer); location.reload(); }
        })
        .catch(function () { /* a network blip: try again at the next tick */ });
    }, 3000);
  }

  function start() { document.querySelectorAll(".job[data-job-poll]").forEach(follow); }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
