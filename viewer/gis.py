"""GIS hand-off shared by the signed-in API and share links: a survey's WMTS capabilities and TileJSON, its tiles
(rendered as surveys.tiles renders them), and its defects as GeoJSON."""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import Http404, HttpResponse

from processing.core.errors import TileError
from processing.selectors import orthophoto_source
from surveys.models import Survey
from surveys.tiles import CACHE_CONTROL, RENDERER_VERSION

from .core.wmts import capabilities


def _source(survey: Survey) -> Any:
    if not survey.orthophoto:
        raise Http404("this survey has no orthophoto yet")
    try:
        return orthophoto_source(survey.orthophoto.name)
    except TileError as exc:
        raise Http404(str(exc)) from exc


def wmts_response(survey: Survey, *, tiles_base: str) -> HttpResponse:
    """`tiles_base` ends with '/': the layer's tiles are tiles_base + '{z}/{x}/{y}.png'."""
    source = _source(survey)
    w, s, e, n = source.bounds_wgs84
    xml = capabilities(title=f"Survey {survey.pk}: {survey.site.name}", layer=f"survey-{survey.pk}",
                       bounds_wgs84=(w, s, e, n), minzoom=source.minzoom, maxzoom=source.maxzoom,
                       tile_template=tiles_base + "{TileMatrix}/{TileCol}/{TileRow}.png")
    response = HttpResponse(xml, content_type="application/xml; charset=utf-8")
    response["Cache-Control"] = "private, no-cache"
    return response


def tilejson_document(survey: Survey, *, tiles_base: str) -> dict[str, Any]:
    from processing.core.tiles import tilejson  # rasterio and cv2 are slow to import

    return tilejson(_source(survey), tiles_base + "{z}/{x}/{y}.png", name=str(survey))


def tile_response(request: Any, survey: Survey | None, z: int, x: int, y: int, ext: str) -> HttpResponse:
    """One tile of the survey's map: the same bytes and ETag as surveys.tiles.survey_tile."""
    from processing.core.tile_encode import FORMATS
    from processing.core.tiles import render_tile

    if ext not in FORMATS or survey is None or not survey.orthophoto:
        raise Http404("no such tile")
    if z > 30 or x >= 2**z or y >= 2**z:
        raise Http404("no such tile")
    name = survey.orthophoto.name
    etag = '"' + hashlib.sha1(f"{RENDERER_VERSION}:{name}:{z}/{x}/{y}.{ext}".encode()).hexdigest()[:24] + '"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        try:
            data = render_tile(orthophoto_source(name), z, x, y, ext)
        except TileError as exc:
            raise Http404(str(exc)) from exc
        response = HttpResponse(data, content_type=FORMATS[ext])
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    response["Vary"] = "Cookie, Authorization"
    return response


def defects_geojson(survey: Survey, *, public: bool = False) -> dict[str, Any]:
    """The survey's defects (inspection annotations) placed on the ground. `public`: for a share link, without
    the inspector's free-text note and the photo's file name."""
    from inspection.core.formats import to_geojson
    from inspection.selectors import annotation_records

    collection = to_geojson(annotation_records(survey=survey))
    features = []
    for f in collection["features"]:
        if f.get("geometry") is None:
            continue
        props = dict(f["properties"], survey=survey.pk)
        if public:
            for key in ("note", "photo", "pixel_geometry"):
                props.pop(key, None)
        features.append({**f, "properties": props})
    return {"type": "FeatureCollection", "features": features}


GPKG_FIELDS = ("id", "kind", "category", "severity", "extent", "note", "photo", "lat", "lon", "easting", "northing",
               "bng")


def defects_gpkg(collection: dict[str, Any]) -> bytes:
    """The defects as a GeoPackage (one layer "defects", WGS84), written by GDAL through pyogrio."""
    import tempfile
    from pathlib import Path

    import numpy as np
    import pyogrio.raw
    import shapely

    features = collection["features"]
    geometry = np.array([shapely.to_wkb(shapely.geometry.shape(f["geometry"])) for f in features], dtype=object)
    columns = []
    for name in GPKG_FIELDS:
        values = [f["properties"].get(name) for f in features]
        if name in {"lat", "lon", "easting", "northing"}:
            columns.append(np.array([np.nan if v is None else float(v) for v in values], dtype=np.float64))
        elif name == "id":
            columns.append(np.array([int(v) for v in values], dtype=np.int64))
        else:
            columns.append(np.array(["" if v is None else str(v) for v in values], dtype=object))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "defects.gpkg"
        pyogrio.raw.write(str(path), geometry, columns, list(GPKG_FIELDS), layer="defects", driver="GPKG",
                          geometry_type="Unknown", crs="EPSG:4326")
        return path.read_bytes()
