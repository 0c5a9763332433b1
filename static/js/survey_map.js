/* Survey page map: approved area, photo footprints and positions (GeoJSON from the API) and the orthophoto
   tile layer once processed (TileJSON). Exposes window.surveyMap.refresh(). */
(function () {
  "use strict";
  const el = document.getElementById("survey-map");
  if (!el || typeof L === "undefined") return;

  const map = L.map(el, { preferCanvas: false }).setView([56.41, -5.47], 13);
  // The background is settings.BASEMAP_URL (none by default: no request leaves the app's host).
  const base = window.MapWidget && window.MapWidget.baseLayer({ maxZoom: 22 });
  if (base) base.addTo(map); else el.classList.add("no-basemap");
  const approved = L.featureGroup().addTo(map);
  const footprints = L.featureGroup().addTo(map);
  const positions = L.featureGroup().addTo(map);
  // where the orthomosaic put each photo (solved from the images); shown instead of the GPS guesses once known
  const placedFootprints = L.featureGroup();
  const placedPositions = L.featureGroup();
  const overlays = { "Approved area": approved, "Photo footprints (camera GPS)": footprints,
    "Camera positions (GPS)": positions, "Photo footprints (as placed in the map)": placedFootprints,
    "Camera positions (as placed)": placedPositions };
  const control = L.control.layers(base ? { "Background map": base } : {}, overlays).addTo(map);
  let fitted = false;
  let orthoLayer = null;

  function escape(text) {
    const span = document.createElement("span");
    span.textContent = text == null ? "" : String(text);
    return span.innerHTML;
  }

  function describe(p) {
    const when = p.captured_at ? "<br>" + escape(p.captured_at) : "";
    const placed = p.offset_m != null
      ? "<br>placed " + escape(Number(p.offset_m).toFixed(1)) + " m from its GPS fix; tilt " +
        escape(Number(p.tilt_deg).toFixed(1)) + "°, " + escape(Number(p.height_m).toFixed(0)) + " m up" : "";
    return "<strong>" + escape(p.name) + "</strong>" + when + placed;
  }

  function draw(collection) {
    approved.clearLayers(); footprints.clearLayers(); positions.clearLayers();
    placedFootprints.clearLayers(); placedPositions.clearLayers();
    for (const f of collection.features || []) {
      const layer = f.properties && f.properties.layer;
      if (layer === "approved_area") {
        L.geoJSON(f, { style: { className: "approved-area", color: "#005a8c", weight: 2, dashArray: "6 4", fill: false } })
          .addTo(approved);
      } else if (layer === "footprint") {
        L.geoJSON(f, { style: { className: "footprint", color: "#a86400", weight: 1, fillOpacity: 0.08 } })
          .bindPopup(describe(f.properties)).addTo(footprints);
      } else if (layer === "position") {
        const [lon, lat] = f.geometry.coordinates;
        L.circleMarker([lat, lon], { className: "position", radius: 3, color: "#1d2a33", weight: 1, fillOpacity: 0.9 })
          .bindPopup(describe(f.properties)).addTo(positions);
      } else if (layer === "placed_footprint") {
        L.geoJSON(f, { style: { className: "placed-footprint", color: "#2e7d32", weight: 1, fillOpacity: 0.04 } })
          .bindPopup(describe(f.properties)).addTo(placedFootprints);
      } else if (layer === "placed_position") {
        const [lon, lat] = f.geometry.coordinates;
        L.circleMarker([lat, lon], { className: "placed-position", radius: 3, color: "#2e7d32", weight: 1, fillOpacity: 0.9 })
          .bindPopup(describe(f.properties)).addTo(placedPositions);
      }
    }
    // Once the map is built, its own placement is the truth about where each photo looks: show it and put
    // the upload-time GPS guesses in the layer list (still one click away, e.g. to see how far off the GPS was).
    if (placedFootprints.getLayers().length) {
      map.removeLayer(footprints); map.removeLayer(positions);
      placedFootprints.addTo(map); placedPositions.addTo(map);
    }
    const counter = document.getElementById("footprint-count");
    if (counter) {
      counter.textContent = footprints.getLayers().length + " footprints, " + positions.getLayers().length + " positions" +
        (placedFootprints.getLayers().length ? "; " + placedFootprints.getLayers().length +
          " photos as placed in the map (green; the GPS ones are in the layer list)." : ".");
    }
    el.dataset.footprints = String(footprints.getLayers().length);
    el.dataset.placed = String(placedFootprints.getLayers().length);
    // Frame what was delivered when there is any (a delivery from the wrong place would otherwise
    // zoom the map out to show both); the approved area stays on the map and in the layer list.
    const delivered = L.featureGroup([footprints, positions, placedFootprints]).getBounds();
    const bounds = delivered.isValid() ? delivered : approved.getBounds();
    if (bounds.isValid() && (!fitted || footprints.getLayers().length)) {
      map.fitBounds(bounds.pad(0.1));
      fitted = true;
    }
  }

  async function refresh() {
    const response = await fetch(el.dataset.mapUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.ok) draw(await response.json());
  }

  async function loadOrthophoto() {
    if (orthoLayer) return;
    const response = await fetch(el.dataset.tilejsonUrl, { credentials: "same-origin" });
    if (!response.ok) return;
    const tj = await response.json();
    if (!tj.tiles || !tj.tiles.length) return;
    const options = { maxZoom: 24, maxNativeZoom: tj.maxzoom || 22, minZoom: 0 };
    if (tj.bounds) options.bounds = [[tj.bounds[1], tj.bounds[0]], [tj.bounds[3], tj.bounds[2]]];
    orthoLayer = L.tileLayer(tj.tiles[0], options).addTo(map);
    if (options.bounds && !positions.getLayers().length) map.fitBounds(options.bounds);
    control.addOverlay(orthoLayer, "Orthophoto");
    approved.bringToFront(); footprints.bringToFront(); placedFootprints.bringToFront();
  }

  // Job progress is polled by templates/processing/_job.html, which reloads the page when a job ends;
  // the orthophoto layer then loads from data-ortho.
  if (el.dataset.ortho) loadOrthophoto();
  refresh();
  window.surveyMap = { map, refresh, loadOrthophoto };
})();
