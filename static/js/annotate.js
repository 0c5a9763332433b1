// The annotation tool (templates/inspection/annotate.html, docs/inspection.md "Annotation tool"): one photo at a
// time on OpenSeadragon from its Deep Zoom pyramid, shapes drawn with Annotorious (mouse) or the keyboard, marked
// with the survey's schema and saved through /api/v1/surveys/<id>/annotations/ in pixels of the stored original.
// Contract with candidates.js: fires `annotate:photo` on document with {surveyId, assetId}; window.SkyAnnotate
// has showShape(geojson) and reload().
(function () {
  "use strict";
  const cfgEl = document.getElementById("annotate-config");
  const viewerEl = document.getElementById("photo-viewer");
  if (!cfgEl || !viewerEl) return;
  const cfg = JSON.parse(cfgEl.textContent);
  const schema = cfg.schema || { categories: [], severity: { levels: [] } };
  const levels = (schema.severity.levels || []).slice().sort(function (a, b) { return a.rank - b.rank; });
  const extents = schema.extent ? schema.extent.levels : [];
  const $ = function (id) { return document.getElementById(id); };
  const form = $("annotation-form"), cat = $("ann-category"), sev = $("ann-severity"), ext = $("ann-extent");
  const state = { index: 0, shape: null, mapShape: null, saved: [], all: [], anno: null, viewer: null };

  function csrf() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function option(select, value, text) {
    const o = document.createElement("option");
    o.value = value; o.textContent = text; select.appendChild(o);
  }
  schema.categories.forEach(function (c, n) { option(cat, c.code, (n < 9 ? (n + 1) + " · " : "") + c.label); });
  levels.forEach(function (lv) { option(sev, lv.code, lv.code + " · " + lv.label); });
  if (extents.length) { $("extent-row").hidden = false; }

  function allowedExtents() {
    const lv = levels[sev.selectedIndex];
    return extents.filter(function (e) { return !lv || !lv.extents || lv.extents.indexOf(e.code) >= 0; });
  }
  function fillExtents() {
    if (!extents.length) return;
    const keep = ext.value;
    ext.textContent = "";
    const allowed = allowedExtents();
    allowed.forEach(function (e) { option(ext, e.code, e.code + " · " + e.label); });
    if (keep) ext.value = keep;
    if (!ext.value && ext.options.length) ext.selectedIndex = 0;
    $("extent-row").hidden = !allowed.length;  // a level without extents (e.g. "no defect") takes none
  }
  function showMeaning() {
    const lv = levels[sev.selectedIndex];
    $("severity-meaning").textContent = lv ? lv.meaning : "";
    fillExtents();
  }
  sev.addEventListener("change", showMeaning);
  showMeaning();

  // A risk-matrix scale (roads, Well-managed Highway Infrastructure): impact × probability gives the category
  const risk = schema.risk || null, impact = $("ann-impact"), probability = $("ann-probability");
  function riskBand() {
    if (!risk || !impact.value || !probability.value) return null;
    const score = Number(impact.value) * Number(probability.value);
    return { score: score, band: (risk.bands || []).find(function (b) { return b.min <= score && score <= b.max; }) };
  }
  function showRisk() {
    const r = riskBand();
    sev.disabled = !!(r && r.band);
    if (r && r.band) { sev.value = r.band.severity; showMeaning(); }
    $("risk-result").textContent = r ? "Risk " + impact.value + " × " + probability.value + " = " + r.score +
      (r.band ? ": " + sev.options[sev.selectedIndex].textContent : "") : "Or choose the category directly.";
  }
  if (risk) {
    $("risk-row").hidden = false;
    (risk.impact || []).forEach(function (lv) { option(impact, lv.code, lv.code + " · " + lv.label); });
    (risk.probability || []).forEach(function (lv) { option(probability, lv.code, lv.code + " · " + lv.label); });
    impact.addEventListener("change", showRisk);
    probability.addEventListener("change", showRisk);
    showRisk();
  }

  // ---- shapes: Annotorious selectors <-> GeoJSON in photo pixels
  function photo() { return cfg.photos[state.index]; }
  function clampPt(p) {
    const ph = photo();
    return [Math.round(Math.min(Math.max(p[0], 0), ph.width)), Math.round(Math.min(Math.max(p[1], 0), ph.height))];
  }
  function toGeoJSON(selector) {
    const g = selector.geometry;
    if (selector.type === "RECTANGLE") {
      const a = clampPt([g.x, g.y]), b = clampPt([g.x + g.w, g.y + g.h]);
      return { type: "Polygon", coordinates: [[a, [b[0], a[1]], b, [a[0], b[1]], a]] };
    }
    if (selector.type === "POLYGON") {
      const ring = g.points.map(clampPt);
      ring.push(ring[0]);
      return { type: "Polygon", coordinates: [ring] };
    }
    return null;
  }
  function setShape(geom, how) {
    state.shape = geom;
    if (geom) clearMapShape();
    else if (drawnMarks.delete("draft")) redrawMarks();
    $("shape-state").textContent = geom ? geom.type + " drawn" + (how ? " (" + how + ")" : "") +
      ": choose category and severity, then Enter." : "Nothing drawn.";
    viewerEl.dataset.shape = geom ? geom.type : "";
  }
  function visibleRect() {
    const v = state.viewer, ph = photo();
    if (!v || !v.world.getItemAt(0)) return { x: 0, y: 0, w: ph.width, h: ph.height };
    const r = v.viewport.viewportToImageRectangle(v.viewport.getBounds(true));
    const x = Math.max(0, r.x), y = Math.max(0, r.y);
    return { x: x, y: y, w: Math.min(ph.width, r.x + r.width) - x, h: Math.min(ph.height, r.y + r.height) - y };
  }
  function keyboardShape(kind) {
    const r = visibleRect(), cx = r.x + r.w / 2, cy = r.y + r.h / 2, hw = r.w / 8, hh = r.h / 8;
    let geom;
    if (kind === "box") {
      const a = clampPt([cx - hw, cy - hh]), b = clampPt([cx + hw, cy + hh]);
      geom = { type: "Polygon", coordinates: [[a, [b[0], a[1]], b, [a[0], b[1]], a]] };
    } else if (kind === "polygon") {
      const ring = [clampPt([cx, cy - hh]), clampPt([cx + hw, cy + hh]), clampPt([cx - hw, cy + hh])];
      geom = { type: "Polygon", coordinates: [ring.concat([ring[0]])] };
    } else if (kind === "line") {
      geom = { type: "LineString", coordinates: [clampPt([cx - hw, cy]), clampPt([cx + hw, cy])] };
    } else {
      geom = { type: "Point", coordinates: clampPt([cx, cy]) };
    }
    showShape(geom, "draft");
    setShape(geom, "keyboard, centred in the view");
  }
  // ---- the marks on the photo: our own SVG layer over the viewer (photo pixels -> screen through the OSD
  // viewport), so saved marks show in their severity's colour, the draft dashed and a candidate dotted.
  // Annotorious is used for drawing with the mouse only.
  const SVG = "http://www.w3.org/2000/svg";
  const overlay = document.createElementNS(SVG, "svg");
  overlay.setAttribute("class", "marks-overlay");
  overlay.setAttribute("aria-hidden", "true");
  const marks = document.createElementNS(SVG, "g");
  overlay.appendChild(marks);
  const drawnMarks = new Map();  // id -> {geom, kind, colour}
  function placeOverlay() {
    const v = state.viewer;
    if (!v || !v.world.getItemAt(0)) return;
    const o = v.viewport.imageToViewerElementCoordinates(new window.OpenSeadragon.Point(0, 0));
    const e = v.viewport.imageToViewerElementCoordinates(new window.OpenSeadragon.Point(1000, 0));
    const k = (e.x - o.x) / 1000;
    marks.setAttribute("transform", "translate(" + o.x + "," + o.y + ") scale(" + k + ")");
  }
  function markElement(geom, kind, colour) {
    const pts = geom.type === "Polygon" ? geom.coordinates[0] : geom.type === "LineString" ? geom.coordinates : null;
    let el;
    if (pts) {
      el = document.createElementNS(SVG, geom.type === "Polygon" ? "polygon" : "polyline");
      el.setAttribute("points", pts.map(function (p) { return p[0] + "," + p[1]; }).join(" "));
    } else if (geom.type === "Point") {
      el = document.createElementNS(SVG, "circle");
      el.setAttribute("cx", geom.coordinates[0]); el.setAttribute("cy", geom.coordinates[1]);
      el.setAttribute("r", Math.max(8, photo().width / 150));
    } else return null;
    el.setAttribute("class", "mark mark-" + kind);
    el.setAttribute("fill", kind === "saved" ? colour : "none");
    el.setAttribute("fill-opacity", "0.15");
    el.setAttribute("stroke", kind === "saved" ? colour : kind === "candidate" ? "#7b1fa2" : "#00b4ff");
    el.setAttribute("stroke-width", "3");
    el.setAttribute("vector-effect", "non-scaling-stroke");
    if (kind !== "saved") el.setAttribute("stroke-dasharray", kind === "candidate" ? "2 4" : "8 5");
    return el;
  }
  function redrawMarks() {
    marks.textContent = "";
    drawnMarks.forEach(function (m) { const el = markElement(m.geom, m.kind, m.colour); if (el) marks.appendChild(el); });
    viewerEl.dataset.marks = String(drawnMarks.size);
  }
  function clearMarks() { drawnMarks.clear(); redrawMarks(); }
  function showShape(geom, id, colour) {
    if (!geom) return;
    const key = String(id || "draft");
    const kind = key.indexOf("saved-") === 0 ? "saved" : key === "candidate" ? "candidate" : "draft";
    if (kind !== "saved") { drawnMarks.delete("draft"); drawnMarks.delete("candidate"); }
    drawnMarks.set(key, { geom: geom, kind: kind, colour: colour || "#b3261e" });
    redrawMarks();
  }

  // ---- the viewer
  function openPhoto(i) {
    if (!cfg.photos.length) return;
    state.index = (i + cfg.photos.length) % cfg.photos.length;
    const ph = photo();
    $("photo-name").textContent = ph.name;
    $("photo-position").textContent = "photo " + (state.index + 1) + " of " + cfg.photos.length;
    viewerEl.dataset.asset = String(ph.id);
    viewerEl.dataset.ready = "";
    setShape(null);
    if (state.anno) state.anno.clearAnnotations();
    clearMarks();
    state.viewer.open(ph.dzi);
    history.replaceState(null, "", "?photo=" + ph.id);
    document.dispatchEvent(new CustomEvent("annotate:photo", { detail: { surveyId: cfg.survey, assetId: ph.id } }));
    reload();
  }
  state.viewer = window.OpenSeadragon({
    element: viewerEl, prefixUrl: viewerEl.dataset.icons || "", showNavigationControl: false,
    gestureSettingsMouse: { clickToZoom: false }, crossOriginPolicy: false, maxZoomPixelRatio: 4,
  });
  state.viewer.canvas.appendChild(overlay);
  ["update-viewport", "animation", "resize", "open"].forEach(function (ev) { state.viewer.addHandler(ev, placeOverlay); });
  state.viewer.addHandler("open", function () {
    const item = state.viewer.world.getItemAt(0);
    const done = function () { viewerEl.dataset.ready = "1"; };
    if (item.getFullyLoaded()) done(); else item.addOnceHandler("fully-loaded-change", done);
  });
  try {
    state.anno = window.AnnotoriousOSD.createOSDAnnotator(state.viewer, { drawingEnabled: true, drawingMode: "drag" });
    state.anno.setDrawingTool("rectangle");
    state.anno.on("createAnnotation", function (a) {
      const geom = toGeoJSON(a.target.selector);
      if (!geom) return;
      state.anno.clearAnnotations();  // shown from now on by our own layer, like every other mark
      showShape(geom, "draft");
      setShape(geom, "drawn");
    });
  } catch (e) {
    state.anno = null;  // drawing by keyboard still works; shapes are not shown
    $("shape-state").textContent = "Shapes cannot be shown in this browser; the keyboard still draws.";
  }

  // ---- saving and the photo's annotations
  function status(text) { $("save-status").textContent = text; }
  function save() {
    if (!state.shape && !state.mapShape) { status("Draw a shape first (b: box, or on the map)."); return; }
    if (!cfg.can_annotate) { status("You may read this survey's annotations, not add to them."); return; }
    const body = state.mapShape ? { geometry: state.mapShape, category: cat.value, severity: sev.value }
      : { asset: photo().id, pixel_geometry: state.shape, category: cat.value, severity: sev.value };
    if (!$("extent-row").hidden && ext.value) body.extent = ext.value;
    if (riskBand()) { body.risk_impact = Number(impact.value); body.risk_probability = Number(probability.value); }
    if ($("ann-note").value.trim()) body.note = $("ann-note").value.trim();
    fetch(cfg.annotations_url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(body),
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) { status("Not saved: " + (data.detail || r.status)); return; }
        status("Saved: " + data.category + ", severity " + data.severity +
               (data.location && data.location.bng ? " at " + data.location.bng : "") + ".");
        $("ann-note").value = "";
        if (risk) { impact.value = ""; probability.value = ""; showRisk(); }
        setShape(null);
        clearMapShape();
        reload();
      });
    }).catch(function () { status("Not saved: the server could not be reached."); });
  }
  form.addEventListener("submit", function (ev) { ev.preventDefault(); save(); });

  function rankOf(code) {
    const lv = levels.find(function (l) { return l.code === code; });
    return lv ? lv.rank : 0;
  }
  function reload() {
    return fetch(cfg.annotations_url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (rows) {
        state.all = rows;
        const ph = photo(), list = $("photo-annotations");
        list.textContent = "";
        if (state.anno) state.anno.clearAnnotations();
        clearMarks();
        rows.filter(function (a) { return a.asset === ph.id; }).forEach(function (a) {
          const li = document.createElement("li");
          li.setAttribute("data-annotation", String(a.id));
          li.textContent = a.category + " · severity " + a.severity + (a.extent ? a.extent : "") +
            (a.location && a.location.bng ? " · " + a.location.bng : "");
          list.appendChild(li);
          if (a.pixel_geometry) showShape(a.pixel_geometry, "saved-" + a.id, colour(rankOf(a.severity)));
        });
        if (state.shape) showShape(state.shape, "draft");
        const marked = $("marked-download"), mine = rows.filter(function (a) { return a.asset === ph.id; });
        marked.hidden = !mine.length;
        marked.href = ph.marked + "?v=" + mine.map(function (a) { return a.id + "." + a.updated_at; }).join(",");
        drawGallery(rows);
        drawMap(rows);
      });
  }

  // ---- the gallery of marked photos (thumbnails drawn by the server, inspection/services.py)
  function drawGallery(rows) {
    const list = $("marked-gallery");
    if (!list) return;
    list.textContent = "";
    cfg.photos.forEach(function (ph, n) {
      const mine = rows.filter(function (a) { return a.asset === ph.id; });
      if (!mine.length) return;
      const version = mine.map(function (a) { return a.id + "." + a.updated_at; }).join(",");
      const li = document.createElement("li"), a = document.createElement("a"), img = document.createElement("img");
      li.setAttribute("data-photo", String(ph.id));
      a.href = ph.marked + "?v=" + encodeURIComponent(version);
      img.src = ph.marked + "?size=thumb&v=" + encodeURIComponent(version);
      img.alt = ph.name + ": " + mine.length + " defect(s) marked";
      img.loading = "lazy";
      a.appendChild(img);
      const open = document.createElement("button");
      open.type = "button";
      open.textContent = ph.name + " (" + mine.length + ")";
      open.addEventListener("click", function () { openPhoto(n); });
      li.appendChild(a);
      li.appendChild(open);
      list.appendChild(li);
    });
    list.dataset.count = String(list.children.length);
  }

  // ---- the map of every defect, coloured by severity
  const mapEl = $("defect-map");
  const map = mapEl ? L.map(mapEl).setView([56.415, -5.472], 10) : null;
  const layer = map ? L.layerGroup().addTo(map) : null;
  const drawn = map ? L.featureGroup().addTo(map) : null;
  let fitted = false;
  if (map) {
    const base = window.MapWidget && window.MapWidget.baseLayer({ maxZoom: 24 });
    if (base) base.addTo(map); else mapEl.classList.add("no-basemap");
    if (cfg.tilejson_url) {
      fetch(cfg.tilejson_url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
        .then(function (tj) {
          if (!tj || !tj.tiles || !tj.tiles.length) return;
          const opts = { maxZoom: 24, maxNativeZoom: tj.maxzoom || 22, className: "ortho-layer" };
          if (tj.bounds) opts.bounds = [[tj.bounds[1], tj.bounds[0]], [tj.bounds[3], tj.bounds[2]]];
          L.tileLayer(tj.tiles[0], opts).addTo(map).bringToBack();
          if (opts.bounds && !fitted) { map.fitBounds(opts.bounds); fitted = true; }
          mapEl.dataset.ortho = "1";
        });
    }
    if (cfg.can_annotate && cfg.schema && L.Control.Draw) {
      map.addControl(new L.Control.Draw({
        position: "topright", edit: false,
        draw: { circle: false, circlemarker: false, rectangle: { showArea: false },
                polygon: { showArea: false }, polyline: true, marker: true },
      }));
      map.on(L.Draw.Event.CREATED, function (ev) { setMapShape(ev.layer.toGeoJSON().geometry, "drawn on the map"); });
    }
  }
  function clearMapShape() {
    state.mapShape = null;
    if (drawn) drawn.clearLayers();
    if (mapEl) mapEl.dataset.shape = "";
  }
  function setMapShape(geom, how) {
    setShape(null);
    state.mapShape = geom;
    drawn.clearLayers();
    L.geoJSON(geom, { style: { color: "#005a8c", weight: 3, dashArray: "6 4" } }).addTo(drawn);
    mapEl.dataset.shape = geom.type;
    $("shape-state").textContent = geom.type + " " + how + ": choose category and severity, then Enter.";
  }
  function mapPoint() {  // by keyboard: a point at the centre of the map as it is now (pan with the arrows first)
    const c = map.getCenter();
    setMapShape({ type: "Point", coordinates: [Number(c.lng.toFixed(7)), Number(c.lat.toFixed(7))] },
                "placed at the map's centre");
  }
  const top = levels.length ? levels[levels.length - 1].rank : 1;
  function colour(rank) {
    const t = top > 1 ? (rank - 1) / (top - 1) : 1;  // green (least) to dark red (worst)
    return "hsl(" + Math.round(120 * (1 - t)) + ", 80%, " + Math.round(45 - 15 * t) + "%)";
  }
  function drawMap(rows) {
    if (!map) return;
    layer.clearLayers();
    const placed = rows.filter(function (a) { return a.location; });
    placed.forEach(function (a) {
      const rank = rankOf(a.severity);
      L.circleMarker([a.location.lat, a.location.lon], {
        radius: 8, color: "#222", weight: 1, fillColor: colour(rank), fillOpacity: 0.9,
        className: "defect-marker severity-rank-" + rank + (a.asset === photo().id ? " on-this-photo" : ""),
      }).bindPopup(a.category + " · severity " + a.severity + (a.location.bng ? "<br>" + a.location.bng : ""))
        .addTo(layer);
    });
    mapEl.dataset.count = String(placed.length);
    $("defect-count").textContent = placed.length + " defect(s) on the map" +
      (rows.length > placed.length ? ", " + (rows.length - placed.length) + " not placed" : "") + ".";
    if (placed.length && !fitted) {
      map.fitBounds(L.latLngBounds(placed.map(function (a) { return [a.location.lat, a.location.lon]; })).pad(0.3),
                    { maxZoom: 19 });
      fitted = true;
    }
  }

  // ---- the report
  const reportBtn = $("make-report");
  if (reportBtn) reportBtn.addEventListener("click", function () {
    fetch(cfg.reports_url, { method: "POST", credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf() } })
      .then(function (r) { return r.json().then(function (d) { return [r, d]; }); })
      .then(function (rd) {
        const r = rd[0], d = rd[1];
        $("report-status").textContent = r.status === 202 ? "Report requested (job " + d.job + ")." :
          r.ok ? "No change since version " + d.report.number + "." : "Not requested: " + (d.detail || r.status);
        $("report-status").dataset.job = d.job ? String(d.job) : "";
      });
  });

  // ---- keys
  function move(select, delta) {
    if (!select.options.length) return;
    select.selectedIndex = Math.min(select.options.length - 1, Math.max(0, select.selectedIndex + delta));
    select.dispatchEvent(new Event("change"));
  }
  document.addEventListener("keydown", function (ev) {
    const t = ev.target;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    if (t && document.getElementById("candidate-panel").contains(t)) return;  // candidates.js owns its keys
    const k = ev.key;
    if (mapEl && t && mapEl.contains(t)) {  // the map has focus: arrows and +/- are Leaflet's
      if (k === "k" && cfg.can_annotate) { mapPoint(); ev.preventDefault(); }
      else if (k === "Enter") { save(); ev.preventDefault(); }
      return;
    }
    if (/^[1-9]$/.test(k) && Number(k) <= cat.options.length) { cat.selectedIndex = Number(k) - 1; }
    else if (k === "ArrowUp") { if (!sev.disabled) move(sev, 1); }
    else if (k === "ArrowDown") { if (!sev.disabled) move(sev, -1); }
    else if (k === "ArrowRight") { move(ext, 1); }
    else if (k === "ArrowLeft") { move(ext, -1); }
    else if (k === "Enter") { save(); }
    else if (k === "b") { keyboardShape("box"); }
    else if (k === "g") { keyboardShape("polygon"); }
    else if (k === "o") { keyboardShape("point"); }
    else if (k === "l") { keyboardShape("line"); }
    else if (k === "Escape") { setShape(null); clearMapShape(); if (state.anno) state.anno.cancelSelected(); reload(); }
    else if (k === "n" || k === "PageDown") { openPhoto(state.index + 1); }
    else if (k === "p" || k === "PageUp") { openPhoto(state.index - 1); }
    else return;
    ev.preventDefault();
  });

  window.SkyAnnotate = { showShape: function (geom) { showShape(geom, "candidate"); }, reload: reload,
    // the photo open now, for a script that loads after the first `annotate:photo` event (candidates.js)
    current: function () { return { surveyId: cfg.survey, assetId: photo() ? photo().id : null }; } };
  const wanted = Number(new URLSearchParams(location.search).get("photo"));
  const start = cfg.photos.findIndex(function (p) { return p.id === wanted; });
  openPhoto(start >= 0 ? start : 0);
})();
