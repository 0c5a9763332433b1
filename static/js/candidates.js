// Detector candidates in the annotation tool (docs/detection.md). Plugs into the tool through its events:
// the tool fires `annotate:photo` on `document` with {surveyId, assetId} when a photo opens; this lists the
// photo's proposed candidates in #candidate-panel. Keys: "a" accepts the selected candidate with the category
// and severity chosen in the panel, "r" rejects it; arrows move the selection. window.SkyAnnotate.showShape
// outlines the selected candidate on the photo; SkyAnnotate.reload() shows the new annotation after accepting.
(function () {
  "use strict";
  const panel = document.getElementById("candidate-panel");
  if (!panel) return;
  const state = { surveyId: null, assetId: null, items: [], index: 0 };

  function csrf() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function tool() { return window.SkyAnnotate || {}; }

  function status(text) {
    let line = panel.querySelector("[data-candidate-status]");
    if (!line) {
      line = document.createElement("p");
      line.setAttribute("data-candidate-status", "");
      line.setAttribute("role", "status");
      panel.appendChild(line);
    }
    line.textContent = text;
  }

  function field(name) {
    const el = panel.querySelector("[name=" + name + "]") || document.querySelector("#annotation-form [name=" + name + "]");
    return el && el.value ? el.value : undefined;
  }

  function select(i) {
    if (!state.items.length) return;
    state.index = (i + state.items.length) % state.items.length;
    panel.querySelectorAll("li[data-candidate]").forEach(function (li, n) {
      li.setAttribute("aria-selected", n === state.index ? "true" : "false");
      li.classList.toggle("is-selected", n === state.index);
    });
    const shape = state.items[state.index].pixel_geometry;
    if (shape && typeof tool().showShape === "function") tool().showShape(shape);
  }

  function render() {
    let list = panel.querySelector("ul[data-candidate-list]");
    if (!list) {
      list = document.createElement("ul");
      list.setAttribute("data-candidate-list", "");
      list.setAttribute("role", "listbox");
      list.setAttribute("aria-label", "Detector candidates");
      panel.appendChild(list);
    }
    list.textContent = "";
    state.items.forEach(function (c, n) {
      const li = document.createElement("li");
      li.setAttribute("data-candidate", String(c.id));
      li.setAttribute("role", "option");
      li.tabIndex = 0;
      li.textContent = c.kind + " — " + c.source + " (score " + Math.round(c.score) + ")";
      li.addEventListener("click", function () { select(n); });
      list.appendChild(li);
    });
    status(state.items.length ? state.items.length + " candidate(s): a = accept, r = reject"
                              : "No candidates proposed for this photo.");
    state.index = 0;
    select(0);
  }

  function load() {
    if (!state.surveyId) return Promise.resolve();
    let url = "/api/v1/surveys/" + encodeURIComponent(state.surveyId) + "/candidates/?status=proposed";
    if (state.assetId) url += "&asset=" + encodeURIComponent(state.assetId);
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (rows) { state.items = rows; render(); })
      .catch(function () { status("Candidates could not be loaded."); });
  }

  function review(action) {
    const c = state.items[state.index];
    if (!c) return;
    const body = action === "accept" ? { category: field("category"), severity: field("severity") } : {};
    if (action === "accept" && field("extent")) body.extent = field("extent");
    if (action === "accept" && field("note")) body.note = field("note");
    fetch("/api/v1/candidates/" + c.id + "/" + action + "/", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body),
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) { status("Not done: " + (data.detail || r.status)); return; }
        status(action === "accept" ? "Accepted: annotation " + data.annotation + " made." : "Rejected.");
        if (action === "accept" && typeof tool().reload === "function") tool().reload();
        return load();
      });
    }).catch(function () { status("Not done: the server could not be reached."); });
  }

  document.addEventListener("annotate:photo", function (ev) {
    const d = ev.detail || {};
    state.surveyId = d.surveyId;
    state.assetId = d.assetId;
    load();
  });

  // the tool may have opened its first photo before this script ran
  if (window.SkyAnnotate && typeof window.SkyAnnotate.current === "function") {
    const now = window.SkyAnnotate.current();
    state.surveyId = now.surveyId;
    state.assetId = now.assetId;
    load();
  }

  document.addEventListener("keydown", function (ev) {
    const t = ev.target;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    if (!state.items.length) return;
    if (ev.key === "a") { ev.preventDefault(); review("accept"); }
    else if (ev.key === "r") { ev.preventDefault(); review("reject"); }
    else if (ev.key === "ArrowDown" && panel.contains(t)) { ev.preventDefault(); select(state.index + 1); }
    else if (ev.key === "ArrowUp" && panel.contains(t)) { ev.preventDefault(); select(state.index - 1); }
  });
})();
