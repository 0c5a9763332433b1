// The "Inspection reports" card of the survey page (templates/inspection/_reports.html): make a new version
// (POST, then follow the job until it ends) and sign a version off. No inline script: CSP script-src 'self'.
(function () {
  "use strict";
  const card = document.getElementById("reports");
  if (!card) return;
  const status = document.getElementById("report-status");
  const csrf = (card.querySelector("input[name=csrfmiddlewaretoken]") || {}).value ||
    (document.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";

  function say(text) { status.textContent = text; }

  async function post(url) {
    const res = await fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Accept": "application/json" } });
    let body = {};
    try { body = await res.json(); } catch (e) { /* not JSON */ }
    return { res, body };
  }

  async function follow(jobUrl) {
    for (;;) {
      await new Promise((r) => setTimeout(r, 2000));
      const res = await fetch(jobUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } });
      const job = await res.json();
      if (job.state === "succeeded") { window.location.reload(); return; }
      if (job.state === "failed" || job.state === "cancelled") { say("The report failed: " + (job.error || job.state)); return; }
      say("Making the report: " + (job.stage || job.state) + " " + (job.progress || 0) + "%");
    }
  }

  const make = document.getElementById("make-report");
  if (make) {
    make.addEventListener("click", async () => {
      make.disabled = true;
      say("Starting…");
      const { res, body } = await post(card.dataset.makeUrl);
      if (res.status === 202) { follow(body.job_url); return; }
      make.disabled = false;
      say(res.ok ? (body.detail || "No change") + ": version " + body.report.number : (body.detail || "Refused"));
    });
  }
  card.querySelectorAll(".report-sign-off").forEach((button) => {
    button.addEventListener("click", async () => {
      button.disabled = true;
      const { res, body } = await post(button.dataset.url);
      if (res.ok) { window.location.reload(); return; }
      button.disabled = false;
      say(body.detail || "Refused");
    });
  });
})();
