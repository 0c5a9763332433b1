/*
 * Reusable Leaflet map widgets for the server-rendered pages.
 *
 * Editor: one polygon, drawn or edited with leaflet-draw, or loaded from a GeoJSON or KML file; the
 * polygon is written as a GeoJSON Polygon (WGS84) into a hidden form field. With `data-takeoff-input`
 * the marker tool places take-off/landing points, written as JSON [[lon, lat], ...] into that field.
 *
 *   <input type="hidden" name="area" id="id_area" value="{...}">
 *   <input type="file" id="id_area_file" accept=".geojson,.json,.kml">
 *   <div class="map" data-map-editor data-input="id_area" data-file-input="id_area_file"></div>
 *
 * Viewer: read-only map of one geometry plus optional extra GeoJSON layers, each given as the id of a
 * json_script element. Extra layers may carry per-feature `properties.name` (popup) and
 * `properties.style` (Leaflet path options); `data-overlay-tiles` adds an XYZ tile overlay.
 *
 *   {{ area|json_script:"site-area" }}
 *   <div class="map" data-map-view data-geojson="site-area" data-extra="zones-json,footprints-json"></div>
 *
 * Both are created on DOMContentLoaded; the Leaflet map is kept on the element as `el.leafletMap` and
 * the API is `window.MapWidget` so that other pages can add their own layers.
 */
(function () {
  "use strict";

  var DEFAULT_CENTRE = [56.415, -5.472]; // Oban, Argyll and Bute
  var AREA_STYLE = { color: "#005a8c", weight: 2, fillOpacity: 0.15 };
  var EXTRA_STYLE = { color: "#b3261e", weight: 1.5, fillOpacity: 0.12 };

  /** The map background from settings.BASEMAP_URL (base.html's "basemap-config"); null for "none". */
  function basemapConfig() {
    var node = document.getElementById("basemap-config");
    if (!node) return null;
    try {
      var cfg = JSON.parse(node.textContent);
      return cfg && cfg.url ? cfg : null;
    } catch (e) {
      return null;
    }
  }

  function baseLayer(options) {
    var cfg = basemapConfig();
    if (!cfg) return null;
    var opts = { maxNativeZoom: cfg.maxZoom || 19, maxZoom: Math.max(cfg.maxZoom || 19, 22),
                 attribution: cfg.attribution || "" };
    for (var k in options || {}) opts[k] = options[k];
    return L.tileLayer(cfg.url, opts);
  }

  function newMap(el) {
    var map = L.map(el, { scrollWheelZoom: false }).setView(DEFAULT_CENTRE, 10);
    var base = baseLayer();
    if (base) base.addTo(map);
    else el.classList.add("no-basemap");
    el.leafletMap = map;
    return map;
  }

  /* ---- geometry helpers ---------------------------------------------------------------------- */

  /** The first Polygon (or the first part of a MultiPolygon) in any GeoJSON object, or null. */
  function firstPolygon(obj) {
    if (!obj || typeof obj !== "object") return null;
    switch (obj.type) {
      case "Polygon":
        return { type: "Polygon", coordinates: obj.coordinates };
      case "MultiPolygon":
        return obj.coordinates && obj.coordinates.length
          ? { type: "Polygon", coordinates: obj.coordinates[0] }
          : null;
      case "Feature":
        return firstPolygon(obj.geometry);
      case "FeatureCollection":
        for (var i = 0; i < (obj.features || []).length; i++) {
          var p = firstPolygon(obj.features[i]);
          if (p) return p;
        }
        return null;
      case "GeometryCollection":
        for (var j = 0; j < (obj.geometries || []).length; j++) {
          var q = firstPolygon(obj.geometries[j]);
          if (q) return q;
        }
        return null;
      default:
        return null;
    }
  }

  /** Parse KML text into a GeoJSON Polygon (outer ring, plus inner rings) of its first Polygon. */
  function kmlToPolygon(text) {
    var doc = new DOMParser().parseFromString(text, "application/xml");
    if (doc.getElementsByTagName("parsererror").length) {
      throw new Error("the KML file is not well-formed XML");
    }
    var polys = doc.getElementsByTagNameNS("*", "Polygon");
    if (!polys.length) throw new Error("the KML file has no Polygon");
    var poly = polys[0];
    function ring(container) {
      var coords = container.getElementsByTagNameNS("*", "coordinates")[0];
      if (!coords) return null;
      return coords.textContent
        .trim()
        .split(/\s+/)
        .filter(function (s) { return s.length; })
        .map(function (tuple) {
          var parts = tuple.split(",").map(Number);
          return [parts[0], parts[1]];
        });
    }
    var outer = poly.getElementsByTagNameNS("*", "outerBoundaryIs")[0];
    var rings = [];
    var outerRing = outer && ring(outer);
    if (!outerRing) throw new Error("the KML Polygon has no outer boundary");
    rings.push(outerRing);
    var inners = poly.getElementsByTagNameNS("*", "innerBoundaryIs");
    for (var i = 0; i < inners.length; i++) {
      var r = ring(inners[i]);
      if (r) rings.push(r);
    }
    return { type: "Polygon", coordinates: rings };
  }

  /** Parse the text of a .geojson/.json/.kml file into a GeoJSON Polygon, or throw with a reason. */
  function parseAreaFile(name, text) {
    var lower = (name || "").toLowerCase();
    var trimmed = text.replace(/^\uFEFF/, "").trim();
    if (lower.endsWith(".kml") || trimmed.charAt(0) === "<") {
      return kmlToPolygon(trimmed);
    }
    var obj;
    try {
      obj = JSON.parse(trimmed);
    } catch (e) {
      throw new Error("the file is neither GeoJSON nor KML");
    }
    var poly = firstPolygon(obj);
    if (!poly) throw new Error("the GeoJSON file has no Polygon");
    return poly;
  }

  function parseJSONScript(id) {
    var node = id && document.getElementById(id);
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  /* ---- editor -------------------------------------------------------------------------------- */

  function editor(el) {
    var input = document.getElementById(el.dataset.input);
    var fileInput = el.dataset.fileInput ? document.getElementById(el.dataset.fileInput) : null;
    var status = el.dataset.status ? document.getElementById(el.dataset.status) : null;
    var map = newMap(el);
    var drawn = new L.FeatureGroup().addTo(map);

    function say(text, isError) {
      if (!status) return;
      status.textContent = text;
      status.classList.toggle("errorlist", !!isError);
    }

    var takeoffInput = el.dataset.takeoffInput ? document.getElementById(el.dataset.takeoffInput) : null;

    function isMarker(layer) { return layer instanceof L.Marker; }
    function areas() { return drawn.getLayers().filter(function (l) { return !isMarker(l); }); }
    function markers() { return drawn.getLayers().filter(isMarker); }

    function write() {
      var polys = areas();
      if (!polys.length) {
        input.value = "";
        say("No area drawn yet.");
      } else {
        var geom = polys[0].toGeoJSON().geometry;
        input.value = JSON.stringify(geom);
        var points = markers().length;
        say("Area set (" + (geom.coordinates[0].length - 1) + " corners)" +
            (takeoffInput ? "; " + points + " take-off point" + (points === 1 ? "" : "s") : "") + ".");
      }
      if (takeoffInput) {
        takeoffInput.value = JSON.stringify(markers().map(function (m) {
          var ll = m.getLatLng();
          return [Math.round(ll.lng * 1e6) / 1e6, Math.round(ll.lat * 1e6) / 1e6];
        }));
        takeoffInput.dispatchEvent(new Event("change", { bubbles: true }));
      }
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    function show(polygon, fit) {
      areas().forEach(function (l) { drawn.removeLayer(l); });
      var layer = L.geoJSON(polygon, { style: AREA_STYLE });
      layer.eachLayer(function (l) { drawn.addLayer(l); });
      if (fit && drawn.getLayers().length) map.fitBounds(drawn.getBounds(), { maxZoom: 17 });
    }

    if (typeof L.Control.Draw === "function") {
      var control = new L.Control.Draw({
        position: "topleft",
        draw: {
          // showArea is off: leaflet-draw 1.0.4's area readout breaks under Leaflet 1.9's strict mode.
          polygon: { allowIntersection: false, showArea: false, shapeOptions: AREA_STYLE },
          rectangle: { showArea: false, shapeOptions: AREA_STYLE },
          polyline: false, circle: false, circlemarker: false,
          marker: takeoffInput ? {} : false,  // take-off and landing points, when the form has them
        },
        edit: { featureGroup: drawn },
      });
      map.addControl(control);
      map.on(L.Draw.Event.CREATED, function (e) {
        if (!isMarker(e.layer)) areas().forEach(function (l) { drawn.removeLayer(l); });
        drawn.addLayer(e.layer);
        write();
      });
      map.on(L.Draw.Event.EDITED, write);
      map.on(L.Draw.Event.DELETED, write);
    }

    // The field may already hold a polygon (editing, or the form came back with errors).
    if (input && input.value) {
      try {
        var existing = firstPolygon(JSON.parse(input.value));
        if (existing) show(existing, true);
      } catch (e) {
        /* leave the map empty; the server reports the field's error */
      }
    }

    if (takeoffInput && takeoffInput.value) {
      try {
        JSON.parse(takeoffInput.value).forEach(function (p) { drawn.addLayer(L.marker([p[1], p[0]])); });
      } catch (e) {
        /* ignore: the server reports the field's error */
      }
    }

    if (drawn.getLayers().length) write();  // report what the saved form already holds

    if (fileInput) {
      fileInput.addEventListener("change", function () {
        var file = fileInput.files && fileInput.files[0];
        if (!file) return;
        var reader = new FileReader();
        reader.onload = function () {
          try {
            show(parseAreaFile(file.name, String(reader.result)), true);
            write();
            say("Area loaded from " + file.name + ".");
          } catch (err) {
            say("Could not read " + file.name + ": " + err.message, true);
          }
        };
        reader.readAsText(file);
      });
    }

    el.mapDrawnLayer = drawn;
    return map;
  }

  /* ---- viewer -------------------------------------------------------------------------------- */

  function onEachExtra(feature, layer) {
    var p = feature && feature.properties;
    if (p && (p.name || p.label)) layer.bindPopup(String(p.name || p.label));
  }

  function viewer(el) {
    var map = newMap(el);
    var bounds = null;
    var area = parseJSONScript(el.dataset.geojson);
    if (area) {
      var areaLayer = L.geoJSON(area, { style: AREA_STYLE }).addTo(map);
      if (areaLayer.getLayers().length) bounds = areaLayer.getBounds();
    }
    if (el.dataset.overlayTiles) {
      L.tileLayer(el.dataset.overlayTiles, { maxZoom: 24, maxNativeZoom: 22 }).addTo(map);
    }
    (el.dataset.extra || "")
      .split(",")
      .map(function (s) { return s.trim(); })
      .filter(Boolean)
      .forEach(function (id) {
        var data = parseJSONScript(id);
        if (!data) return;
        var layer = L.geoJSON(data, {
          style: function (f) {
            return (f && f.properties && f.properties.style) || EXTRA_STYLE;
          },
          onEachFeature: onEachExtra,
        }).addTo(map);
        if (!bounds && layer.getLayers().length) bounds = layer.getBounds();
      });
    if (bounds && bounds.isValid()) map.fitBounds(bounds, { maxZoom: 17 });
    return map;
  }

  /* ---- policy check map (templates/policy/_check.html): the area and the zones it conflicts with ---- */

  function policyMap(el) {
    var holder = el.nextElementSibling;
    var data = null;
    try { data = holder ? JSON.parse(holder.textContent) : null; } catch (e) { data = null; }
    var map = newMap(el);
    if (!data) return map;
    var layer = L.geoJSON(data, {
      style: function (f) {
        return f.properties.role === "area" ? { color: "#005a8c", weight: 3, fillOpacity: 0.25 }
                                            : { color: "#b3261e", weight: 2, dashArray: "4 4", fillOpacity: 0.08 };
      },
      pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 6 }); },
      onEachFeature: function (f, l) {
        l.bindTooltip((f.properties.rule ? f.properties.rule + ": " : "") + (f.properties.name || ""));
      },
    }).addTo(map);
    if (layer.getLayers().length) map.fitBounds(layer.getBounds(), { maxZoom: 14 });
    return map;
  }

  function init(root) {
    (root || document).querySelectorAll("[data-policy-map]").forEach(function (el) {
      if (!el.leafletMap) policyMap(el);
    });
    (root || document).querySelectorAll("[data-map-editor]").forEach(function (el) {
      if (!el.leafletMap) editor(el);
    });
    (root || document).querySelectorAll("[data-map-view]").forEach(function (el) {
      if (!el.leafletMap) viewer(el);
    });
  }

  window.MapWidget = {
    editor: editor,
    viewer: viewer,
    init: init,
    parseAreaFile: parseAreaFile,
    firstPolygon: firstPolygon,
    baseLayer: baseLayer,  // the configured background (or null): other map scripts use it too
  };
  document.addEventListener("DOMContentLoaded", function () { init(document); });
})();
