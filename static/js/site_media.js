/* The site page's photos and video (templates/viewer/site.html, docs/viewer.md "Photos and video").
   Follows the survey the page shows (the `siteviewer:survey` event of static/js/site_viewer.js):
   - a camera marker and the ground outline (footprint) of each photo, in flight order (capture time, then name); a marker or the photo list opens the
     photo in a dialog with the deep-zoom viewer the annotation tool uses (OpenSeadragon on the photo's Deep Zoom
     pyramid), Previous/Next (or n/p, ←/→) along the flight line. Through a share link the photo is the stored
     copy with faces blurred (a single image, never the original's pyramid);
   - each video with its poster frame, played in the page; its flight track (the DJI SRT log delivered with it)
     drawn on the map with a marker that follows the playback time.
   No inline script or style: the page runs under a Content-Security-Policy. */
(function () {
  "use strict";
  const viewer = window.siteViewer;
  const dataNode = document.getElementById("viewer-data");
  if (!viewer || !dataNode) return;
  const data = JSON.parse(dataNode.textContent);
  const byId = new Map((data.surveys || []).map((s) => [String(s.id), s]));
  const map = viewer.map;
  const $ = (id) => document.getElementById(id);
  const photoLayer = L.layerGroup().addTo(map);
  const footprintLayer = L.layerGroup();  // off until asked for: 75 outlines hide the map under them
  const footprintBox = $("show-footprints");
  if (footprintBox) footprintBox.addEventListener("change", () => {
    if (footprintBox.checked) footprintLayer.addTo(map); else map.removeLayer(footprintLayer);
  });
  const trackLayer = L.layerGroup().addTo(map);
  const state = { survey: null, photos: [], markers: [], index: -1, osd: null, token: 0 };

  /* ---------------------------------------------------------------- photos on the map and in the list */

  async function loadSurvey(id) {
    const token = ++state.token;
    state.survey = id == null ? null : byId.get(String(id)) || null;
    photoLayer.clearLayers();
    footprintLayer.clearLayers();
    state.photos = [];
    state.markers = [];
    const list = $("photo-list");
    if (list) list.replaceChildren();
    drawVideos(state.survey);
    loadChanges(state.survey, token);
    if (!state.survey || !state.survey.map) { summary(); return; }
    let collection;
    try {
      const r = await fetch(state.survey.map, { credentials: "same-origin", headers: { Accept: "application/json" } });
      collection = r.ok ? await r.json() : null;
    } catch (e) { collection = null; }
    if (token !== state.token || !collection) { summary(); return; }
    // one position per photo: where the orthomosaic placed it when it did, else its GPS fix
    const placed = new Map(), gps = new Map();
    for (const f of collection.features || []) {
      const p = f.properties || {};
      if (p.asset == null || f.geometry.type !== "Point") continue;
      if (p.layer === "placed_position") placed.set(p.asset, f);
      else if (p.layer === "position" && (p.kind === "photo" || p.kind === "thermal_photo")) gps.set(p.asset, f);
    }
    const outlines = new Map();  // the ground each photo covers: as placed by the orthomosaic, else from its pose
    for (const f of collection.features || []) {
      const p = f.properties || {};
      if (p.asset == null || f.geometry.type !== "Polygon") continue;
      if (p.layer === "placed_footprint" || (p.layer === "footprint" && !outlines.has(p.asset))) outlines.set(p.asset, f);
    }
    const all = new Map([...gps, ...placed]);
    const times = new Map();
    for (const f of gps.values()) times.set(f.properties.asset, f.properties.captured_at || "");
    state.photos = [...all.values()].map((f) => ({
      id: f.properties.asset, name: f.properties.name || "", when: times.get(f.properties.asset) || "",
      latlng: L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]),
    })).sort((a, b) => (a.when < b.when ? -1 : a.when > b.when ? 1 : a.name.localeCompare(b.name) || a.id - b.id));
    state.photos.forEach((ph, n) => {
      const title = ph.name || "Photo " + (n + 1);
      const outline = outlines.get(ph.id);
      if (outline) L.geoJSON(outline, { style: { color: "#005a8c", weight: 1, fill: false,
        className: "photo-footprint" } }).on("click", () => openPhoto(n)).addTo(footprintLayer);
      state.markers.push(L.circleMarker(ph.latlng, { radius: 5, weight: 1, color: "#fff", fillColor: "#005a8c",
        fillOpacity: 0.9, className: "camera-marker" })
        .bindTooltip(title).on("click", () => openPhoto(n)).addTo(photoLayer));
      if (list) {
        const li = document.createElement("li"), b = document.createElement("button");
        b.type = "button"; b.className = "photo-go"; b.textContent = (n + 1) + ". " + title;
        b.addEventListener("click", () => openPhoto(n));
        li.append(b); list.append(li);
      }
    });
    summary();
  }

  function summary() {
    const n = state.photos.length;
    const line = $("photo-count");
    if (line) line.textContent = n ? n + " photo" + (n === 1 ? "" : "s") + " on the map (blue dots): choose one to open it."
      : "No photos with a position in this survey.";
    map.getContainer().dataset.photos = String(n);
  }

  /* ---------------------------------------------------------------- the photo dialog (deep zoom) */

  const dialog = $("photo-dialog");
  function source(ph) {
    const s = state.survey;
    if (s.dzi) return s.dzi.replace("{asset}", encodeURIComponent(ph.id));
    return { type: "image", url: s.photo.replace("{asset}", encodeURIComponent(ph.id)), buildPyramid: false };
  }
  function openPhoto(n) {
    if (!state.photos.length || !dialog) return;
    state.index = (n + state.photos.length) % state.photos.length;
    const ph = state.photos[state.index];
    $("photo-title").textContent = (ph.name || "Photo") + " (" + (state.index + 1) + " of " + state.photos.length + ")";
    const el = $("photo-viewer");
    el.dataset.asset = String(ph.id);
    el.dataset.ready = "";
    if (!dialog.open) dialog.showModal();
    if (!state.osd) {
      state.osd = window.OpenSeadragon({ element: el, showNavigationControl: false, crossOriginPolicy: false,
        maxZoomPixelRatio: 4, gestureSettingsMouse: { clickToZoom: false } });
      state.osd.addHandler("open", () => {
        const item = state.osd.world.getItemAt(0);
        const done = () => { el.dataset.ready = "1"; };
        if (item.getFullyLoaded()) done(); else item.addOnceHandler("fully-loaded-change", done);
      });
    }
    state.osd.open(source(ph));
    state.markers.forEach((m) => m.setStyle({ fillColor: "#005a8c", radius: 5 }));
    const marker = state.markers[state.index];
    if (marker) marker.setStyle({ fillColor: "#f39c12", radius: 8 }).bringToFront();
  }
  if (dialog) {
    $("photo-prev").addEventListener("click", () => openPhoto(state.index - 1));
    $("photo-next").addEventListener("click", () => openPhoto(state.index + 1));
    $("photo-close").addEventListener("click", () => dialog.close());
    dialog.addEventListener("keydown", (ev) => {
      if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if (ev.key === "n" || ev.key === "ArrowRight" || ev.key === "PageDown") { openPhoto(state.index + 1); ev.preventDefault(); }
      else if (ev.key === "p" || ev.key === "ArrowLeft" || ev.key === "PageUp") { openPhoto(state.index - 1); ev.preventDefault(); }
    });
  }

  /* ---------------------------------------------------------------- changes since the previous survey */

  const changeLayer = L.layerGroup().addTo(map);
  async function loadChanges(survey, token) {
    changeLayer.clearLayers();
    const section = $("changes-section"), list = $("change-list");
    if (!section) return;
    let rows = [];
    if (survey && survey.changes) {
      try {
        const r = await fetch(survey.changes, { credentials: "same-origin", headers: { Accept: "application/json" } });
        rows = r.ok ? await r.json() : [];
      } catch (e) { rows = []; }
    }
    if (token !== state.token) return;
    rows = rows.filter((c) => c.kind === "change" && c.geometry);
    section.hidden = !rows.length;
    list.replaceChildren();
    const nf = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0 });
    rows.forEach((c, n) => {
      const area = c.facts && c.facts.area_m2 != null ? nf.format(c.facts.area_m2) + " m²" : "";
      const layer = L.geoJSON(c.geometry, { style: { color: "#7b1fa2", weight: 2, dashArray: "5 4", fillOpacity: 0.12,
        className: "change-area" } }).bindPopup("Change " + (n + 1) + (area ? ": " + area : "") + " (" + c.source + ")")
        .addTo(changeLayer);
      const li = document.createElement("li"), b = document.createElement("button");
      b.type = "button"; b.className = "defect-go";
      b.textContent = "Change " + (n + 1) + (area ? ", " + area : "");
      b.addEventListener("click", () => { map.fitBounds(layer.getBounds().pad(0.5)); layer.openPopup(); });
      li.append(b); list.append(li);
    });
    $("change-count").textContent = rows.length ? rows.length + " area" + (rows.length === 1 ? "" : "s") +
      " changed, proposed for review." : "";
    map.getContainer().dataset.changes = String(rows.length);
  }

  /* ---------------------------------------------------------------- video with its flight track */

  function nearest(times, t) {  // index of the last fix at or before t (binary search over ascending times)
    let lo = 0, hi = times.length - 1;
    if (!times.length || t <= times[0]) return 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (times[mid] <= t) lo = mid; else hi = mid - 1;
    }
    return lo;
  }
  function drawVideos(survey) {
    trackLayer.clearLayers();
    const box = $("video-list");
    if (!box) return;
    box.replaceChildren();
    const videos = (survey && survey.videos) || [];
    $("video-section").hidden = !videos.length;
    videos.forEach((v) => {
      const fig = document.createElement("figure");
      fig.className = "video-item";
      fig.dataset.video = String(v.id);
      const media = document.createElement(v.src ? "video" : "img");
      if (v.src) {
        media.controls = true; media.preload = "metadata"; media.playsInline = true;
        if (v.poster) media.poster = v.poster;
        media.src = v.src;
      } else {
        media.src = v.poster || ""; media.alt = "Poster frame of " + (v.name || "the video");
      }
      const cap = document.createElement("figcaption");
      cap.textContent = (v.name || "Video") + (v.duration_s ? " · " + Math.round(v.duration_s) + " s" : "") +
        (v.preparing ? " · the video with faces blurred is being prepared: its poster frame meanwhile" : "") +
        (v.track ? " · its flight track is on the map (dashed); the orange dot follows the playback" :
          " · no flight log (SRT) delivered with it");
      fig.append(media, cap);
      box.append(fig);
      if (!v.track || !v.track.length) return;
      const latlngs = v.track.map((p) => [p.lat, p.lon]);
      L.polyline(latlngs, { color: "#d35400", weight: 3, dashArray: "6 5", className: "video-track" }).addTo(trackLayer);
      const dot = L.circleMarker(latlngs[0], { radius: 7, weight: 2, color: "#fff", fillColor: "#f39c12",
        fillOpacity: 1, className: "video-position" }).addTo(trackLayer);
      const times = v.track.map((p) => p.t_s);
      if (v.src) media.addEventListener("timeupdate", () => {
        const i = nearest(times, media.currentTime);
        dot.setLatLng(latlngs[i]);
        fig.dataset.fix = String(i);
      });
    });
  }

  document.addEventListener("siteviewer:survey", (ev) => loadSurvey(ev.detail.id));
  const st = viewer.state || {};
  loadSurvey(st.mode === "single" || !st.mode ? st.current : st.after);
  window.siteMedia = { state, openPhoto };
})();
