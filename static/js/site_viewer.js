/* The site viewer (templates/viewer/site.html): every survey of a site on a timeline, the map moving between
   their orthomosaics; a before/after swipe (the "after" tiles clipped with CSS clip-path) and a side-by-side
   mode with the two maps' views kept together; the coordinates under the cursor as latitude/longitude and as
   a British National Grid reference; a scale bar; measuring lengths and areas; the defects layer filtered by
   category and severity; and, where the contractor delivered an elevation model, a height profile along a
   drawn line and the volume above/below a base inside a drawn polygon (the elevation API).

   Everything the page knows comes from the JSON in #viewer-data (viewer/views.py); there is no inline script
   or style (the page runs under a Content-Security-Policy). Exposes window.siteViewer for the browser tests. */
(function () {
  "use strict";
  const dataNode = document.getElementById("viewer-data");
  const mapEl = document.getElementById("site-map");
  if (!dataNode || !mapEl || typeof L === "undefined") return;
  const data = JSON.parse(dataNode.textContent);
  const surveys = data.surveys || [];
  const byId = new Map(surveys.map((s) => [String(s.id), s]));
  const $ = (id) => document.getElementById(id);

  /* ---------------------------------------------------------------- coordinates: WGS84 → British National Grid */

  // EPSG:27700 (OSGB36 / British National Grid) as EPSG defines it: Transverse Mercator on the Airy 1830
  // ellipsoid, true origin 49°N 2°W, scale 0.9996012717, false origin 400 km W / 100 km N of it. The datum shift
  // from WGS84 is EPSG's transformation 1314 ("OSGB36 to WGS 84 (6)", the 7-parameter Helmert, about 2 m across
  // Great Britain; OSTN15 is exact but is a grid file the browser does not have). https://epsg.io/27700
  const EPSG_27700 = "+proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 +ellps=airy " +
    "+towgs84=446.448,-125.157,542.06,0.15,0.247,0.842,-20.489 +units=m +no_defs";
  const hasProj = typeof window.proj4 === "function";
  if (hasProj) window.proj4.defs("EPSG:27700", EPSG_27700);

  /** [easting, northing] in metres, or null without proj4. */
  function toBng(lat, lon) {
    if (!hasProj) return null;
    const [e, n] = window.proj4("EPSG:4326", "EPSG:27700", [lon, lat]);
    return Number.isFinite(e) && Number.isFinite(n) ? [e, n] : null;
  }

  // The 25 letters of the grid squares (no I), row by row from the north-west corner.
  const LETTERS = "ABCDEFGHJKLMNOPQRSTUVWXYZ";

  /** The 10-figure (1 m) grid reference, e.g. "NM 85940 29612"; null outside the grid's 700 × 1300 km. */
  function gridReference(e, n) {
    if (!(e >= 0 && n >= 0 && e < 700000 && n < 1300000)) return null;
    // The 500 km square: the false origin is the south-west corner of S (column 2, row 3 of the 5 × 5 letters).
    const first = LETTERS[(3 - Math.floor(n / 500000)) * 5 + 2 + Math.floor(e / 500000)];
    // The 100 km square inside it, lettered the same way from its own north-west corner.
    const second = LETTERS[(4 - (Math.floor(n / 100000) % 5)) * 5 + (Math.floor(e / 100000) % 5)];
    const pad = (v) => String(Math.floor(v) % 100000).padStart(5, "0");
    return first + second + " " + pad(e) + " " + pad(n);
  }

  const coordsEl = $("cursor-coords");
  function showCoords(latlng, what) {
    const lat = latlng.lat, lon = latlng.lng;
    let text = what + ": " + Math.abs(lat).toFixed(6) + "° " + (lat >= 0 ? "N" : "S") + ", " +
      Math.abs(lon).toFixed(6) + "° " + (lon >= 0 ? "E" : "W");
    const en = toBng(lat, lon);
    const grid = en ? gridReference(en[0], en[1]) : null;
    coordsEl.dataset.lat = String(lat);
    coordsEl.dataset.lon = String(lon);
    if (grid) {
      text += " · grid reference " + grid + " (E " + Math.floor(en[0]) + ", N " + Math.floor(en[1]) + ")";
      coordsEl.dataset.grid = grid;
      coordsEl.dataset.easting = en[0].toFixed(2);
      coordsEl.dataset.northing = en[1].toFixed(2);
    } else {
      text += " · outside the British National Grid";
      delete coordsEl.dataset.grid; delete coordsEl.dataset.easting; delete coordsEl.dataset.northing;
    }
    coordsEl.textContent = text;
  }

  /* ---------------------------------------------------------------- geodesic lengths and areas (WGS84) */

  const rad = (d) => d * Math.PI / 180;

  /** Metres between two points on the WGS84 ellipsoid (Vincenty's inverse formula, 1975). */
  function geodesic(a, b) {
    const A = 6378137, F = 1 / 298.257223563, B = A * (1 - F);
    const Ld = rad(b.lng - a.lng);
    const U1 = Math.atan((1 - F) * Math.tan(rad(a.lat))), U2 = Math.atan((1 - F) * Math.tan(rad(b.lat)));
    const sinU1 = Math.sin(U1), cosU1 = Math.cos(U1), sinU2 = Math.sin(U2), cosU2 = Math.cos(U2);
    let lambda = Ld, sinSigma = 0, cosSigma = 0, sigma = 0, cos2Alpha = 0, cos2SigmaM = 0;
    for (let i = 0; i < 200; i++) {
      const sinL = Math.sin(lambda), cosL = Math.cos(lambda);
      sinSigma = Math.hypot(cosU2 * sinL, cosU1 * sinU2 - sinU1 * cosU2 * cosL);
      if (sinSigma === 0) return 0;
      cosSigma = sinU1 * sinU2 + cosU1 * cosU2 * cosL;
      sigma = Math.atan2(sinSigma, cosSigma);
      const sinAlpha = cosU1 * cosU2 * sinL / sinSigma;
      cos2Alpha = 1 - sinAlpha * sinAlpha;
      cos2SigmaM = cos2Alpha ? cosSigma - 2 * sinU1 * sinU2 / cos2Alpha : 0;
      const C = F / 16 * cos2Alpha * (4 + F * (4 - 3 * cos2Alpha));
      const previous = lambda;
      lambda = Ld + (1 - C) * F * sinAlpha *
        (sigma + C * sinSigma * (cos2SigmaM + C * cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM)));
      if (Math.abs(lambda - previous) < 1e-12) {
        const uSq = cos2Alpha * (A * A - B * B) / (B * B);
        const k1 = 1 + uSq / 16384 * (4096 + uSq * (-768 + uSq * (320 - 175 * uSq)));
        const k2 = uSq / 1024 * (256 + uSq * (-128 + uSq * (74 - 47 * uSq)));
        const dSigma = k2 * sinSigma * (cos2SigmaM + k2 / 4 * (cosSigma * (-1 + 2 * cos2SigmaM * cos2SigmaM) -
          k2 / 6 * cos2SigmaM * (-3 + 4 * sinSigma * sinSigma) * (-3 + 4 * cos2SigmaM * cos2SigmaM)));
        return B * k1 * (sigma - dSigma);
      }
    }
    return L.CRS.Earth.distance(a, b); // nearly antipodal points (not a site survey): the sphere will do
  }

  function pathLength(points, closed) {
    let total = 0;
    for (let i = 1; i < points.length; i++) total += geodesic(points[i - 1], points[i]);
    if (closed && points.length > 2) total += geodesic(points[points.length - 1], points[0]);
    return total;
  }

  /** Square metres inside a ring: projected onto a Lambert azimuthal equal-area plane (WGS84) centred on it,
      which keeps areas exact, then the shoelace formula. Without proj4: Leaflet's sphere. */
  function ringArea(points) {
    if (points.length < 3) return 0;
    const lat0 = points.reduce((s, p) => s + p.lat, 0) / points.length;
    const lon0 = points.reduce((s, p) => s + p.lng, 0) / points.length;
    let xy;
    if (hasProj) {
      const laea = "+proj=laea +lat_0=" + lat0 + " +lon_0=" + lon0 + " +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs";
      const forward = window.proj4("EPSG:4326", laea);
      xy = points.map((p) => forward.forward([p.lng, p.lat]));
    } else {
      const R = 6371008.8, k = Math.cos(rad(lat0));
      xy = points.map((p) => [rad(p.lng - lon0) * R * k, rad(p.lat - lat0) * R]);
    }
    let twice = 0;
    for (let i = 0; i < xy.length; i++) {
      const [x1, y1] = xy[i], [x2, y2] = xy[(i + 1) % xy.length];
      twice += x1 * y2 - x2 * y1;
    }
    return Math.abs(twice) / 2;
  }

  const nf = (digits) => new Intl.NumberFormat("en-GB", { maximumFractionDigits: digits, minimumFractionDigits: digits });
  function formatLength(m) { return m < 1000 ? nf(m < 100 ? 2 : 1).format(m) + " m" : nf(3).format(m / 1000) + " km"; }
  function formatArea(m2) {
    return nf(m2 < 100 ? 1 : 0).format(m2) + " m² (" + nf(m2 < 10000 ? 4 : 2).format(m2 / 10000) + " ha)";
  }

  /* ---------------------------------------------------------------- the maps */

  function makeMap(el) {
    const map = L.map(el, { keyboard: true, zoomSnap: 0.25, maxZoom: 24 });
    const base = window.MapWidget && window.MapWidget.baseLayer({ maxZoom: 24 });
    if (base) base.addTo(map); else el.classList.add("no-basemap");
    L.control.scale({ metric: true, imperial: false, maxWidth: 160 }).addTo(map);
    map.createPane("before").style.zIndex = "250";
    map.createPane("after").style.zIndex = "260";
    if (data.geometry) {
      L.geoJSON(data.geometry, { interactive: false,
        style: { className: "site-outline", color: "#005a8c", weight: 2, dashArray: "6 4", fill: false } }).addTo(map);
    }
    map.on("mousemove", (ev) => showCoords(ev.latlng, "Cursor"));
    map.on("mouseout", () => showCoords(map.getCenter(), "Map centre"));
    map.on("moveend", () => { if (document.activeElement === el) showCoords(map.getCenter(), "Map centre"); });
    el.addEventListener("focus", () => showCoords(map.getCenter(), "Map centre"));
    return map;
  }

  const map = makeMap(mapEl);
  const siteBounds = data.geometry ? L.geoJSON(data.geometry).getBounds() : null;
  if (siteBounds && siteBounds.isValid()) map.fitBounds(siteBounds.pad(0.1)); else map.setView([56.415, -5.472], 12);
  let map2 = null;

  const state = { mode: "single", current: null, before: null, after: null };
  const tilejsons = new Map(); // survey id → Promise of { url, bounds, maxzoom } (or null: no map)

  // TileJSON's addresses are absolute (SITE_URL); the page asks its own origin for the same path and query, so
  // that a page opened under another name of the host (or through a proxy) still gets its tiles.
  const sameOrigin = (url) => String(url).replace(/^https?:\/\/[^/]+/, "");

  function tilejson(id) {
    const entry = byId.get(String(id));
    if (!entry || !entry.has_map) return Promise.resolve(null);
    if (!tilejsons.has(entry.id)) {
      tilejsons.set(entry.id, fetch(entry.tilejson, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((r) => (r.ok ? r.json() : null))
        .then((tj) => ({ url: tj && tj.tiles && tj.tiles.length ? sameOrigin(tj.tiles[0]) : entry.tiles,
          bounds: tj && tj.bounds ? L.latLngBounds([tj.bounds[1], tj.bounds[0]], [tj.bounds[3], tj.bounds[2]]) : null,
          maxzoom: (tj && tj.maxzoom) || 22, minzoom: (tj && tj.minzoom) || 0 }))
        .catch(() => ({ url: entry.tiles, bounds: null, maxzoom: 22, minzoom: 0 })));
    }
    return tilejsons.get(entry.id);
  }

  const layers = new Map(); // "map:pane:id" → L.TileLayer
  function tileLayer(which, pane, id, tj) {
    const key = which + ":" + pane + ":" + id;
    if (!layers.has(key)) {
      const options = { pane, maxZoom: 24, maxNativeZoom: tj.maxzoom, className: "survey-tiles survey-" + id,
        attribution: "Survey #" + id };
      if (tj.bounds) options.bounds = tj.bounds;
      layers.set(key, L.tileLayer(tj.url, options));
    }
    return layers.get(key);
  }

  const dateFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  function label(id) {
    const s = byId.get(String(id));
    if (!s) return "no survey";
    const when = s.date ? new Date(s.date + "T00:00:00Z") : null;
    return "survey #" + s.id + (when && !Number.isNaN(when.getTime()) ? " of " + dateFormat.format(when) : "");
  }

  function ensureMap2() {
    if (map2) return map2;
    map2 = makeMap($("site-map-2"));
    map2.setView(map.getCenter(), map.getZoom());
    let syncing = false;
    const follow = (from, to) => from.on("move", () => {
      if (syncing || state.mode !== "side") return;
      syncing = true;
      to.setView(from.getCenter(), from.getZoom(), { animate: false });
      syncing = false;
    });
    follow(map, map2);
    follow(map2, map);
    return map2;
  }

  let renderToken = 0;
  /** Put the right survey layers on the maps for the mode; `fit`: frame what is shown. */
  async function render(fit) {
    const token = ++renderToken;
    const wanted = []; // [which map, pane, survey id]
    if (state.mode === "single") { if (state.current != null) wanted.push([1, "before", state.current]); }
    else if (state.mode === "swipe") { wanted.push([1, "before", state.before], [1, "after", state.after]); }
    else { wanted.push([1, "before", state.before], [2, "before", state.after]); }
    const docs = await Promise.all(wanted.map(([, , id]) => tilejson(id)));
    if (token !== renderToken) return;
    const keep = new Set();
    let bounds = null;
    wanted.forEach(([which, pane, id], i) => {
      if (!docs[i]) return;
      const layer = tileLayer(which, pane, id, docs[i]);
      keep.add(layer);
      const target = which === 1 ? map : ensureMap2();
      if (!target.hasLayer(layer)) layer.addTo(target);
      if (docs[i].bounds) bounds = bounds ? bounds.extend(docs[i].bounds) : L.latLngBounds(docs[i].bounds.getSouthWest(), docs[i].bounds.getNorthEast());
    });
    for (const [key, layer] of layers) {
      if (keep.has(layer)) continue;
      const target = key.startsWith("1:") ? map : map2;
      if (target && target.hasLayer(layer)) target.removeLayer(layer);
    }
    const wrap2 = $("map-wrap-2");
    wrap2.hidden = state.mode !== "side";
    $("viewer-maps").classList.toggle("side-by-side", state.mode === "side");
    map.invalidateSize();
    if (state.mode === "side") {
      ensureMap2().invalidateSize();
      map2.setView(map.getCenter(), map.getZoom(), { animate: false });
    }
    if (fit) {
      const frame = bounds && bounds.isValid() ? bounds : siteBounds;
      if (frame && frame.isValid()) map.fitBounds(frame, { animate: false });
    }
    clipAfter();
    mapEl.dataset.mode = state.mode;
    mapEl.dataset.survey = state.mode === "single" ? String(state.current ?? "") : String(state.after ?? "");
    mapEl.dataset.before = state.mode === "single" ? "" : String(state.before ?? "");
    const caption = $("map-caption");
    if (state.mode === "single") {
      const s = byId.get(String(state.current));
      caption.textContent = s ? "Showing " + label(s.id) + (s.has_map ? "." : ": it has no map yet (the site's outline is shown).")
        : "";
    } else if (state.mode === "swipe") {
      caption.textContent = "Before: " + label(state.before) + " (left of the line); after: " + label(state.after) +
        " (right). Move the swipe slider to compare.";
    } else {
      caption.textContent = "Left: " + label(state.before) + "; right: " + label(state.after) + ". The two maps move together.";
    }
    loadDefects(defectSurvey());
    showElevation(defectSurvey());
    // the photos and video of the survey shown (static/js/site_media.js)
    document.dispatchEvent(new CustomEvent("siteviewer:survey", { detail: { id: defectSurvey() } }));
  }

  /* ---------------------------------------------------------------- timeline and compare controls */

  const timeline = Array.from(document.querySelectorAll("#timeline .timeline-item"));
  const beforeSel = $("before-survey"), afterSel = $("after-survey"), swipe = $("swipe");

  function choose(id, fit) {
    state.current = Number(id);
    timeline.forEach((b) => b.setAttribute("aria-pressed", b.dataset.survey === String(id) ? "true" : "false"));
    if (state.mode !== "single" && afterSel) { afterSel.value = String(id); state.after = Number(id); }
    render(fit);
  }
  timeline.forEach((b) => b.addEventListener("click", () => choose(b.dataset.survey, true)));

  document.querySelectorAll("#viewer-controls input[name=mode]").forEach((radio) => radio.addEventListener("change", () => {
    if (!radio.checked) return;
    state.mode = radio.value;
    $("swipe-control").hidden = state.mode !== "swipe";
    render(false);
  }));
  if (beforeSel) beforeSel.addEventListener("change", () => { state.before = Number(beforeSel.value); render(false); });
  if (afterSel) afterSel.addEventListener("change", () => { state.after = Number(afterSel.value); render(false); });
  $("viewer-controls").addEventListener("submit", (ev) => ev.preventDefault());

  /* ---- the swipe: the "after" pane is clipped to the right of the line (in the pane's own layer pixels) */
  const swipeLine = $("swipe-line");
  function clipAfter() {
    const pane = map.getPane("after");
    if (state.mode !== "swipe") {
      pane.style.clipPath = "";
      swipeLine.hidden = true;
      return;
    }
    const size = map.getSize();
    const x = size.x * Number(swipe.value) / 100;
    const nw = map.containerPointToLayerPoint([0, 0]);
    const se = map.containerPointToLayerPoint([size.x, size.y]);
    const cut = map.containerPointToLayerPoint([x, 0]).x;
    pane.style.clipPath = "polygon(" + cut + "px " + nw.y + "px, " + se.x + "px " + nw.y + "px, " +
      se.x + "px " + se.y + "px, " + cut + "px " + se.y + "px)";
    swipeLine.hidden = false;
    swipeLine.style.left = (mapEl.offsetLeft + x) + "px";
    swipe.setAttribute("aria-valuetext", Math.round(Number(swipe.value)) + "% before, " +
      (100 - Math.round(Number(swipe.value))) + "% after");
  }
  map.on("move zoomend resize viewreset", clipAfter);
  if (swipe) swipe.addEventListener("input", clipAfter);

  /* ---------------------------------------------------------------- defects */

  const PALETTE = ["#1b7a3a", "#6f8f00", "#b38600", "#d05a00", "#b3261e"]; // low → high severity
  const defectLayer = L.featureGroup().addTo(map);
  let defects = { survey: null, features: [], scales: null, layers: [] };

  function defectSurvey() { return state.mode === "single" ? state.current : state.after; }

  function severityOf(scales, code) {
    const levels = (scales && scales.severity) || [];
    const i = levels.findIndex((lv) => lv.code === code);
    if (i < 0) return { label: code == null ? "No severity" : String(code), colour: "#5b6b75", rankClass: "r0" };
    const pos = levels.length > 1 ? Math.round(i * (PALETTE.length - 1) / (levels.length - 1)) : PALETTE.length - 1;
    return { label: levels[i].label, colour: PALETTE[pos], rankClass: "r" + (pos + 1) };
  }
  function categoryLabel(scales, code) {
    const c = ((scales && scales.categories) || []).find((x) => x.code === code);
    return c ? c.label : String(code);
  }

  async function loadDefects(id) {
    const entry = byId.get(String(id));
    if (defects.survey === id) return;
    defects = { survey: id, features: [], scales: entry ? entry.scales : null, layers: [] };
    defectLayer.clearLayers();
    if (!entry || !entry.defects) { buildFilters(); return; }
    const response = await fetch(entry.defects, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (defects.survey !== id) return;
    const collection = response.ok ? await response.json() : { features: [] };
    defects.features = (collection.features || []).filter((f) => f.geometry);
    buildFilters();
    drawDefects();
  }

  function escape(text) {
    const span = document.createElement("span");
    span.textContent = text == null ? "" : String(text);
    return span.innerHTML;
  }

  function checkbox(group, value, text, swatchClass) {
    const labelEl = document.createElement("label");
    const input = document.createElement("input");
    input.type = "checkbox"; input.checked = true; input.value = value; input.name = group;
    input.className = "defect-filter";
    input.addEventListener("change", drawDefects);
    labelEl.append(input);
    if (swatchClass) {
      const sw = document.createElement("span");
      sw.className = "sev-swatch " + swatchClass;
      labelEl.append(sw);
    }
    labelEl.append(" " + text);
    return labelEl;
  }

  function buildFilters() {
    const box = $("defect-filters");
    box.replaceChildren();
    const { features, scales } = defects;
    if (!features.length) {
      const p = document.createElement("p");
      p.className = "muted";
      p.textContent = "No defects recorded on this survey.";
      box.append(p);
      $("defect-count").textContent = "";
      $("defect-list").replaceChildren();
      return;
    }
    const cats = [...new Set(features.map((f) => f.properties.category))];
    const order = ((scales && scales.categories) || []).map((c) => c.code);
    cats.sort((a, b) => (order.indexOf(a) - order.indexOf(b)) || String(a).localeCompare(String(b)));
    const sevs = [...new Set(features.map((f) => f.properties.severity))];
    const ranks = ((scales && scales.severity) || []).map((lv) => lv.code);
    sevs.sort((a, b) => ranks.indexOf(a) - ranks.indexOf(b));
    const catSet = document.createElement("fieldset");
    catSet.id = "defect-categories";
    catSet.innerHTML = "<legend>Category</legend>";
    cats.forEach((c) => catSet.append(checkbox("category", c, categoryLabel(scales, c))));
    const sevSet = document.createElement("fieldset");
    sevSet.id = "defect-severities";
    const legend = document.createElement("legend");
    legend.textContent = (scales && scales.severity_name) || "Severity";
    sevSet.append(legend);
    sevs.forEach((s) => { const sv = severityOf(scales, s); sevSet.append(checkbox("severity", s == null ? "" : s, sv.label, sv.rankClass)); });
    box.append(catSet, sevSet);
  }

  function checked(group) {
    return new Set(Array.from(document.querySelectorAll("#defect-filters input[name=" + group + "]:checked")).map((i) => i.value));
  }

  function drawDefects() {
    defectLayer.clearLayers();
    const cats = checked("category"), sevs = checked("severity");
    const list = $("defect-list");
    list.replaceChildren();
    let shown = 0;
    for (const f of defects.features) {
      const p = f.properties;
      if (!cats.has(String(p.category)) || !sevs.has(p.severity == null ? "" : String(p.severity))) continue;
      shown++;
      const sv = severityOf(defects.scales, p.severity);
      const cls = "defect-marker sev-" + sv.rankClass + " cat-" + String(p.category).replace(/[^\w-]/g, "_");
      const text = categoryLabel(defects.scales, p.category) + " · " + sv.label + (p.bng ? " · " + p.bng : "");
      const layer = L.geoJSON(f, {
        pointToLayer: (_, latlng) => L.circleMarker(latlng, { radius: 8, weight: 2, color: "#fff", fillColor: sv.colour,
          fillOpacity: 0.95, className: cls }),
        style: () => ({ color: sv.colour, weight: 3, fillOpacity: 0.2, className: cls }),
      });
      layer.bindPopup("<strong>" + escape(categoryLabel(defects.scales, p.category)) + "</strong><br>" +
        escape((defects.scales && defects.scales.severity_name) || "Severity") + ": " + escape(sv.label) +
        (p.extent ? "<br>Extent: " + escape(p.extent) : "") + (p.bng ? "<br>" + escape(p.bng) : "") +
        (p.note ? "<br>" + escape(p.note) : ""));
      layer.addTo(defectLayer);
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button"; button.className = "defect-go";
      const sw = document.createElement("span");
      sw.className = "sev-swatch " + sv.rankClass;
      button.append(sw, " " + text);
      button.addEventListener("click", () => {
        const b = layer.getBounds();
        map.setView(b.getCenter(), Math.max(map.getZoom(), 18));
        layer.openPopup(b.getCenter());
      });
      li.append(button);
      list.append(li);
    }
    $("defect-count").textContent = defects.features.length
      ? "Showing " + shown + " of " + defects.features.length + " defects of " + label(defects.survey) + "."
      : "";
    mapEl.dataset.defects = String(shown);
  }

  /* ---------------------------------------------------------------- drawing: measuring, profile and volume */

  const measureResult = $("measure-result");
  const pointButton = $("measure-point"), finishButton = $("measure-finish");
  const crosshair = $("crosshair");
  const sketch = L.featureGroup().addTo(map);
  let drawing = null; // { shape: "line" | "area", purpose: "measure" | "profile" | "volume", points, button }

  function summary(points, shape) {
    if (shape === "line") return "Length " + formatLength(pathLength(points, false));
    return "Area " + formatArea(ringArea(points)) + ", perimeter " + formatLength(pathLength(points, true));
  }

  function redraw() {
    sketch.clearLayers();
    if (!drawing) return;
    const pts = drawing.points;
    const style = { color: "#b3261e", weight: 3, className: "measure-shape", interactive: false };
    if (drawing.shape === "area" && pts.length > 2) L.polygon(pts, { ...style, fillOpacity: 0.15 }).addTo(sketch);
    else if (pts.length > 1) L.polyline(pts, style).addTo(sketch);
    pts.forEach((p) => L.circleMarker(p, { radius: 4, color: "#b3261e", fillColor: "#fff", fillOpacity: 1,
      className: "measure-vertex", interactive: false }).addTo(sketch));
    const enough = drawing.shape === "line" ? pts.length >= 2 : pts.length >= 3;
    finishButton.disabled = !enough;
    if (drawing.purpose === "measure") {
      measureResult.textContent = enough ? summary(pts, drawing.shape) + " (click more points or Finish)."
        : (drawing.shape === "line" ? "Click the points of the line on the map." : "Click the corners of the area on the map.");
    } else {
      $("elevation-result").textContent = enough ? summary(pts, drawing.shape) + " drawn; Finish to measure it."
        : (drawing.shape === "line" ? "Click the points of the profile line on the map." : "Click the corners of the polygon on the map.");
    }
  }

  function start(shape, purpose, button) {
    cancel();
    drawing = { shape, purpose, points: [], button };
    button.setAttribute("aria-pressed", "true");
    pointButton.disabled = false;
    mapEl.classList.add("drawing");
    crosshair.hidden = false;
    map.doubleClickZoom.disable();
    redraw();
  }

  function stopDrawing() {
    if (drawing) drawing.button.setAttribute("aria-pressed", "false");
    pointButton.disabled = true; finishButton.disabled = true;
    mapEl.classList.remove("drawing");
    crosshair.hidden = true;
    map.doubleClickZoom.enable();
  }

  function cancel() {
    if (!drawing) return;
    stopDrawing();
    drawing = null;
    redraw();
  }

  function finish() {
    if (!drawing) return;
    const d = drawing, pts = d.points;
    const enough = d.shape === "line" ? pts.length >= 2 : pts.length >= 3;
    if (!enough) return;
    stopDrawing();
    drawing = null;
    sketch.clearLayers();
    const style = { color: d.purpose === "measure" ? "#b3261e" : "#005a8c", weight: 3, className: "measure-shape done" };
    const shape = d.shape === "area" ? L.polygon(pts, { ...style, fillOpacity: 0.15 }) : L.polyline(pts, style);
    shape.addTo(sketch).bindTooltip(summary(pts, d.shape), { permanent: true, className: "measure-tooltip" });
    if (d.purpose === "measure") {
      const text = summary(pts, d.shape) + ".";
      measureResult.textContent = text;
      if (d.shape === "line") measureResult.dataset.metres = pathLength(pts, false).toFixed(3);
      else measureResult.dataset.squareMetres = ringArea(pts).toFixed(3);
    } else if (d.purpose === "profile") {
      requestProfile(pts);
    } else {
      requestVolume(pts);
    }
    d.button.focus();
  }

  function addPoint(latlng) {
    if (!drawing) return;
    drawing.points.push(L.latLng(latlng.lat, latlng.lng));
    redraw();
  }

  map.on("click", (ev) => addPoint(ev.latlng));
  pointButton.addEventListener("click", () => addPoint(map.getCenter()));
  finishButton.addEventListener("click", finish);
  $("measure-length").addEventListener("click", (ev) => start("line", "measure", ev.currentTarget));
  $("measure-area").addEventListener("click", (ev) => start("area", "measure", ev.currentTarget));
  $("measure-clear").addEventListener("click", () => {
    cancel(); sketch.clearLayers(); measureResult.textContent = "";
    delete measureResult.dataset.metres; delete measureResult.dataset.squareMetres;
  });
  document.addEventListener("keydown", (ev) => {
    if (!drawing) return;
    const t = ev.target;
    const onControl = t instanceof HTMLElement && t.matches("button, a, input, select, textarea");
    if (ev.key === "Escape") { cancel(); measureResult.textContent = "Measurement cancelled."; }
    else if (ev.key === "Enter" && !onControl) { ev.preventDefault(); finish(); }
  });

  /* ---------------------------------------------------------------- elevation: profile and volume */

  const elevation = $("elevation");
  const baseSel = $("volume-base"), baseHeight = $("volume-height");
  let elevationUrl = null;

  function showElevation(id) {
    const entry = byId.get(String(id));
    elevationUrl = entry && entry.elevation ? entry.elevation : null;
    elevation.hidden = !elevationUrl;
    if (elevationUrl) $("elevation-about").textContent = "From the elevation model (DSM/DTM) delivered with " + label(id) + ".";
  }
  baseSel.addEventListener("change", () => { baseHeight.disabled = baseSel.value !== "fixed"; });
  $("elevation-profile").addEventListener("click", (ev) => start("line", "profile", ev.currentTarget));
  $("elevation-volume").addEventListener("click", (ev) => start("area", "volume", ev.currentTarget));

  async function post(url, body) {
    const csrf = document.querySelector("#elevation-form input[name=csrfmiddlewaretoken]");
    const response = await fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf ? csrf.value : "" },
      body: JSON.stringify(body) });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(json.detail || "the elevation service answered " + response.status);
    return json;
  }

  const m1 = nf(1), m2 = nf(2);
  async function requestProfile(points) {
    const out = $("elevation-result");
    out.textContent = "Reading the heights along the line…";
    try {
      const result = await post(elevationUrl + "profile", { line: points.map((p) => [p.lng, p.lat]), samples: 200 });
      const pts = (result.points || []).filter((p) => p.height_m != null);
      if (!pts.length) { out.textContent = "The line does not cross the elevation model."; $("profile-figure").hidden = true; return; }
      const hs = pts.map((p) => p.height_m);
      let up = 0, down = 0;
      for (let i = 1; i < hs.length; i++) { const d = hs[i] - hs[i - 1]; if (d > 0) up += d; else down -= d; }
      const length = result.points[result.points.length - 1].distance_m;
      out.textContent = "Profile " + formatLength(length) + " long: lowest " + m2.format(Math.min(...hs)) + " m, highest " +
        m2.format(Math.max(...hs)) + " m; climbs " + m1.format(up) + " m and descends " + m1.format(down) +
        " m along the line (heights above the model's datum).";
      out.dataset.min = String(Math.min(...hs)); out.dataset.max = String(Math.max(...hs));
      drawProfile(pts, length);
    } catch (err) {
      out.textContent = "No profile: " + err.message + ".";
    }
  }

  async function requestVolume(points) {
    const out = $("elevation-result");
    let base = baseSel.value;
    if (base === "fixed") {
      base = Number(baseHeight.value);
      if (baseHeight.value === "" || !Number.isFinite(base)) { out.textContent = "Give the base height in metres first."; baseHeight.focus(); return; }
    }
    out.textContent = "Working out the volume…";
    try {
      const v = await post(elevationUrl + "volume", { polygon: points.map((p) => [p.lng, p.lat]), base });
      out.textContent = "Above the base (" + m2.format(v.base_m) + " m): " + m1.format(v.above_m3) + " m³; below it: " +
        m1.format(v.below_m3) + " m³; net " + m1.format(v.net_m3) + " m³ over " + formatArea(v.area_m2) + " (" +
        v.cells + " cells of " + m2.format(v.cell_m) + " m" + (v.nodata_cells ? ", " + v.nodata_cells + " without data" : "") + ").";
      out.dataset.above = String(v.above_m3); out.dataset.below = String(v.below_m3);
    } catch (err) {
      out.textContent = "No volume: " + err.message + ".";
    }
  }

  const SVG = "http://www.w3.org/2000/svg";
  function svg(name, attrs, text) {
    const node = document.createElementNS(SVG, name);
    for (const k in attrs) node.setAttribute(k, attrs[k]);
    if (text != null) node.textContent = text;
    return node;
  }

  function drawProfile(pts, length) {
    const W = 640, H = 220, left = 52, right = 12, top = 12, bottom = 34;
    const hs = pts.map((p) => p.height_m);
    let lo = Math.min(...hs), hi = Math.max(...hs);
    if (hi - lo < 1) { lo -= 0.5; hi += 0.5; }
    const x = (d) => left + (W - left - right) * (length ? d / length : 0);
    const y = (h) => top + (H - top - bottom) * (1 - (h - lo) / (hi - lo));
    const chart = svg("svg", { viewBox: "0 0 " + W + " " + H, class: "profile-svg", role: "img",
      "aria-labelledby": "profile-caption" });
    chart.append(svg("line", { x1: left, y1: H - bottom, x2: W - right, y2: H - bottom, class: "axis" }));
    chart.append(svg("line", { x1: left, y1: top, x2: left, y2: H - bottom, class: "axis" }));
    [lo, (lo + hi) / 2, hi].forEach((h) => {
      chart.append(svg("text", { x: left - 6, y: y(h) + 4, "text-anchor": "end", class: "tick" }, m1.format(h) + " m"));
    });
    [0, length / 2, length].forEach((d) => {
      chart.append(svg("text", { x: x(d), y: H - bottom + 16, "text-anchor": "middle", class: "tick" }, formatLength(d)));
    });
    const line = pts.map((p) => x(p.distance_m).toFixed(1) + "," + y(p.height_m).toFixed(1)).join(" ");
    const area = x(pts[0].distance_m).toFixed(1) + "," + (H - bottom) + " " + line + " " +
      x(pts[pts.length - 1].distance_m).toFixed(1) + "," + (H - bottom);
    chart.append(svg("polygon", { points: area, class: "profile-fill" }));
    chart.append(svg("polyline", { points: line, class: "profile-line" }));
    $("profile-chart").replaceChildren(chart);
    $("profile-caption").textContent = "Height profile: " + formatLength(length) + " along the drawn line, from " +
      m1.format(Math.min(...hs)) + " m to " + m1.format(Math.max(...hs)) + " m.";
    $("profile-figure").hidden = false;
  }

  /* ---------------------------------------------------------------- start */

  const withMap = surveys.filter((s) => s.has_map);
  const first = withMap.length ? withMap[withMap.length - 1] : surveys[surveys.length - 1];
  state.before = beforeSel && beforeSel.value ? Number(beforeSel.value) : (surveys[0] && surveys[0].id);
  state.after = afterSel && afterSel.value ? Number(afterSel.value) : (first && first.id);
  if (first) choose(first.id, true);
  else { render(false); }

  window.siteViewer = { map, get map2() { return map2; }, state, gridReference, toBng, geodesic, ringArea, render };
})();
