/* Pages that stay current, and the phone menu (loaded on every page by base.html; no inline script needed).

   - The menu button (#menu-toggle) opens and closes the navigation on narrow screens.
   - An element with `data-live-url` is replaced by a fresh copy of itself fetched from that URL every
     `data-live-every` seconds (default 5) while the tab is visible. The URL answers the element's own HTML
     (a fragment endpoint, surveys/live.py); polling stops when the answer no longer carries `data-live-url`,
     or on a 403/404. It is not replaced while focus is inside it (a half-typed form). After a swap,
     `live:updated` is dispatched on the new element; `Live.refresh(el)` fetches at once.
   - The request page's marker (#request-live) reloads the page once the request changed under it. */
(function () {
  "use strict";

  function menu() {
    var button = document.getElementById("menu-toggle");
    var nav = document.getElementById("main-nav");
    if (!button || !nav) return;
    button.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Forms the user has typed in: a page with one is not reloaded under their hands.
  var dirty = false;
  document.addEventListener("input", function (e) { if (e.target.closest && e.target.closest("form")) dirty = true; });

  function poll(el) {
    var every = Math.max(1, Number(el.dataset.liveEvery) || 5) * 1000;
    var url = el.dataset.liveUrl;
    var timer = null;
    var busy = false;
    var wanted = false; // a refresh asked for while one was in flight: fetch again as soon as it ends

    function again() {
      clearTimeout(timer);
      if (wanted && url) { wanted = false; timer = setTimeout(function () { tick(true); }, 0); return; }
      timer = url ? setTimeout(tick, every) : null;
    }

    function busyInside() {
      var active = document.activeElement;
      return active && active !== document.body && el.contains(active);
    }

    function tick(force) {
      if (busy) { if (force === true) wanted = true; return; }
      if (!force && (document.hidden || busyInside())) return again();
      busy = true;
      fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true", Accept: "text/html" } })
        .then(function (r) {
          if (r.status === 403 || r.status === 404) { url = null; return null; }
          return r.ok ? r.text() : null;
        })
        .then(function (html) {
          if (html == null) return;
          var box = document.createElement("div");
          box.innerHTML = html.trim();
          var fresh = box.firstElementChild;
          if (!fresh) return;
          if (fresh.outerHTML !== el.outerHTML) {
            el.replaceWith(fresh);
            fresh.liveRefresh = el.liveRefresh;
            el = fresh;
            el.dispatchEvent(new CustomEvent("live:updated", { bubbles: true }));
          }
          url = el.dataset.liveUrl || null; // no URL in the answer: nothing more will change, stop
        })
        .catch(function () { /* a network blip: try again at the next tick */ })
        .then(function () { busy = false; again(); });
    }
    el.liveRefresh = function () { tick(true); };
    again();
  }

  // The request page's marker: once the request changed under the page, reload it (unless a form was typed in,
  // then the marker stays visible with its link).
  document.addEventListener("live:updated", function (e) {
    var el = e.target;
    if (el.id === "request-live" && el.dataset.changed === "1" && !dirty) location.reload();
  });

  function init(root) {
    (root || document).querySelectorAll("[data-live-url]").forEach(function (el) {
      if (!el.liveRefresh) poll(el);
    });
  }

  /** Fetch the element's fragment now (e.g. the delivery state right after a file is stored). */
  function refresh(el) { if (el && el.liveRefresh) el.liveRefresh(); }

  window.Live = { init: init, refresh: refresh };
  document.addEventListener("DOMContentLoaded", function () { menu(); init(document); });
})();
