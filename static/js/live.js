/* Pages that stay current, and the phone menu (loaded on every page by base.html; no inline script needed).

   - The menu button (#menu-toggle) opens and closes the navigation on narrow screens.
   - An element with `data-live-url` is replaced by a fresh copy of itself fetched from that URL every
     `data-live-every` seconds (default 5) while the tab is visible. The URL answers the element's own HTML
     (a fragment endpoint); polling stops when the answer no longer carries `data-live-url` (e.g. a job that
     ended), or on a 403/404. The element is not replaced while focus is inside it (a half-typed form).
     After a swap, `live:updated` is dispatched on the new element. */
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

  function poll(el) {
    var every = Math.max(1, Number(el.dataset.liveEvery) || 5) * 1000;
    var url = el.dataset.liveUrl;
    var timer = setTimeout(tick, every);

    function again() { timer = setTimeout(tick, every); }

    function tick() {
      if (document.hidden || el.contains(document.activeElement) && document.activeElement !== document.body) {
        return again();
      }
      fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true", Accept: "text/html" } })
        .then(function (r) {
          if (r.status === 403 || r.status === 404) return null;
          if (!r.ok) { again(); return null; }
          return r.text();
        })
        .then(function (html) {
          if (html == null) return;
          var box = document.createElement("div");
          box.innerHTML = html.trim();
          var fresh = box.firstElementChild;
          if (!fresh) return again();
          if (fresh.outerHTML !== el.outerHTML) {
            el.replaceWith(fresh);
            fresh.dispatchEvent(new CustomEvent("live:updated", { bubbles: true }));
            el = fresh;
          }
          if (el.dataset.liveUrl) { url = el.dataset.liveUrl; again(); }
        })
        .catch(again); // a network blip: try again at the next tick
    }
    return function stop() { clearTimeout(timer); };
  }

  function init(root) {
    (root || document).querySelectorAll("[data-live-url]").forEach(function (el) {
      if (!el.liveStop) el.liveStop = poll(el);
    });
  }

  window.Live = { init: init };
  document.addEventListener("DOMContentLoaded", function () { menu(); init(document); });
})();
