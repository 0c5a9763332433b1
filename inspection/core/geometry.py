"""Annotation geometry: GeoJSON-like Point, LineString and Polygon (a box is a 4-corner Polygon), in pixel
coordinates of a photo's stored original (x right, y down, origin at the top-left corner of the image) or in
WGS84 (lon, lat) on the map. Checked here; refusals raise `InspectionError` naming the field."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from shapely.geometry import shape

from .errors import InspectionError

TYPES = ("Point", "LineString", "Polygon")
MAX_VERTICES = 2000


def _position(value: Any, field: str) -> tuple[float, float]:
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
            or not all(math.isfinite(v) for v in value)):
        raise InspectionError(field, "each position must be a pair of finite numbers")
    return float(value[0]), float(value[1])


def _check(geometry: Any, field: str, inside: Callable[[float, float], bool], where: str,
           max_vertices: int) -> dict[str, Any]:
    if not isinstance(geometry, dict):
        raise InspectionError(field, "must be a GeoJSON geometry object")
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind not in TYPES:
        raise InspectionError(field, f"type must be one of {', '.join(TYPES)}")
    rings: list[Any] | None
    if kind == "Point":
        rings = [[coords]]
    elif kind == "LineString":
        rings = [coords] if isinstance(coords, list) else None
    else:
        rings = coords if isinstance(coords, list) and coords else None
    if rings is None or not all(isinstance(r, list) for r in rings):
        raise InspectionError(field, f"a {kind} needs its coordinates")
    total = sum(len(r) for r in rings)
    if total > max_vertices:
        raise InspectionError(field, f"has {total} vertices; at most {max_vertices} are allowed")
    clean = [[_position(p, field) for p in ring] for ring in rings]
    for ring in clean:
        for x, y in ring:
            if not inside(x, y):
                raise InspectionError(field, f"position ({x:g}, {y:g}) is outside {where}")
    if kind == "LineString" and len(clean[0]) < 2:
        raise InspectionError(field, "a LineString needs at least 2 positions")
    if kind == "Polygon":
        for ring in clean:
            if len(ring) < 4 or ring[0] != ring[-1]:
                raise InspectionError(field, "each Polygon ring needs at least 4 positions, the last equal to the "
                                      "first")
        if not shape({"type": "Polygon", "coordinates": clean}).is_valid:
            raise InspectionError(field, "the Polygon crosses itself")
    out: Any = clean[0][0] if kind == "Point" else clean[0] if kind == "LineString" else clean
    return {"type": kind, "coordinates": _lists(out)}


def _lists(value: Any) -> Any:
    return [_lists(v) for v in value] if isinstance(value, (list, tuple)) else value


def check_pixel_geometry(geometry: Any, *, width: int, height: int,
                         max_vertices: int = MAX_VERTICES) -> dict[str, Any]:
    """The normalised pixel geometry; every position must lie on the `width` x `height` photo."""
    if not (width > 0 and height > 0):
        raise InspectionError("asset", "the photo's width and height are not known")
    return _check(geometry, "pixel_geometry", lambda x, y: 0 <= x <= width and 0 <= y <= height,
                  f"the {width} x {height} photo", max_vertices)


def check_map_geometry(geometry: Any, *, max_vertices: int = MAX_VERTICES) -> dict[str, Any]:
    """The normalised WGS84 geometry of a mark on the map."""
    return _check(geometry, "geometry", lambda lon, lat: -180 <= lon <= 180 and -90 <= lat <= 90,
                  "WGS84 (longitude -180..180, latitude -90..90)", max_vertices)


def vertices(geometry: dict[str, Any]) -> list[tuple[float, float]]:
    kind, coords = geometry["type"], geometry["coordinates"]
    if kind == "Point":
        return [(coords[0], coords[1])]
    if kind == "LineString":
        return [(x, y) for x, y in coords]
    return [(x, y) for ring in coords for x, y in ring]


def map_vertices(geometry: dict[str, Any], fn: Callable[[list[tuple[float, float]]], list[tuple[float, float]]]
                 ) -> dict[str, Any]:
    """The geometry with every position replaced through `fn` (a batch function: positions in, positions out)."""
    kind, coords = geometry["type"], geometry["coordinates"]
    if kind == "Point":
        (p,) = fn([(coords[0], coords[1])])
        return {"type": kind, "coordinates": list(p)}
    if kind == "LineString":
        return {"type": kind, "coordinates": [list(p) for p in fn([(x, y) for x, y in coords])]}
    return {"type": kind, "coordinates": [[list(p) for p in fn([(x, y) for x, y in ring])] for ring in coords]}


def anchor(geometry: dict[str, Any]) -> tuple[float, float]:
    """The one position that stands for the mark: a point itself, the middle along a line, a polygon's
    representative point (inside it)."""
    geom = shape(geometry)
    if geometry["type"] == "LineString":
        p = geom.interpolate(0.5, normalized=True)
    elif geometry["type"] == "Polygon":
        p = geom.representative_point()
    else:
        p = geom
    return float(p.x), float(p.y)
