"""Site-area parsing and validation, pure (no Django): GeoJSON or KML in, one valid WGS84 GeoJSON
Polygon out, or a GeometryError naming what is wrong. Reusable by any app."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET  # Element and ParseError only: parsing goes through defusedxml
from typing import TYPE_CHECKING, Any

import defusedxml
import defusedxml.ElementTree as SafeET

from policy.core.plan import MAX_AREA_VERTICES

# numpy, shapely and pyproj are imported in the functions that use them: the booking views import this module,
# and loading the URL conf (every command, every worker) should not pay for them.
if TYPE_CHECKING:
    import numpy as np
    from pyproj import CRS
    from shapely.geometry import Polygon

MAX_VERTICES = MAX_AREA_VERTICES  # one limit for the form and the policy engine (policy.core.plan)
MAX_AREA_HA = 100_000.0  # a flight area larger than 1,000 km² is a mistake, not a survey


class GeometryError(ValueError):
    """The area is not a usable polygon; the message says why."""


def parse_area(data: Any) -> dict:
    """Accept a GeoJSON Polygon, a Feature with a Polygon, or a FeatureCollection holding exactly
    one Polygon feature (as a dict or a JSON string); return a validated GeoJSON Polygon dict."""
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise GeometryError(f"not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise GeometryError("expected a GeoJSON object (Polygon, Feature or FeatureCollection)")
    kind = data.get("type")
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or len(features) != 1:
            count = len(features) if isinstance(features, list) else 0
            raise GeometryError(
                f"the FeatureCollection must hold exactly one polygon feature, not {count}"
            )
        data = features[0]
        kind = data.get("type") if isinstance(data, dict) else None
    if kind == "Feature":
        data = data.get("geometry")
        kind = data.get("type") if isinstance(data, dict) else None
    if (
        kind == "MultiPolygon"
        and isinstance(data.get("coordinates"), list)
        and len(data["coordinates"]) == 1
    ):
        data = {"type": "Polygon", "coordinates": data["coordinates"][0]}
        kind = "Polygon"
    if kind != "Polygon":
        raise GeometryError(f"expected a Polygon, got {kind or 'nothing'}")
    return validate_polygon(data.get("coordinates"))


def validate_polygon(coordinates: Any) -> dict:
    """Check rings, coordinate ranges, closure, self-intersection and emptiness."""
    from shapely.geometry import Polygon
    from shapely.validation import explain_validity

    if not isinstance(coordinates, list) or not coordinates:
        raise GeometryError("the polygon is empty: it has no coordinates")
    rings: list[list[tuple[float, float]]] = []
    for index, ring in enumerate(coordinates):
        if not isinstance(ring, list):
            raise GeometryError(f"ring {index} is not a list of positions")
        points: list[tuple[float, float]] = []
        for position in ring:
            if (
                not isinstance(position, (list, tuple))
                or len(position) < 2
                or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) for v in position[:2]
                )
            ):
                raise GeometryError(
                    f"ring {index} has a position that is not [longitude, latitude]"
                )
            lon, lat = float(position[0]), float(position[1])
            if not (math.isfinite(lon) and math.isfinite(lat)):
                raise GeometryError(f"ring {index} has a non-finite coordinate")
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise GeometryError(
                    f"ring {index} has a position ({lon}, {lat}) outside longitude -180..180 / latitude -90..90"
                )
            points.append((lon, lat))
        if points and points[0] != points[-1]:
            points.append(points[0])
        if len(set(points)) < 3 or len(points) < 4:
            raise GeometryError(f"ring {index} needs at least three distinct positions")
        rings.append(points)
    if sum(len(r) for r in rings) > MAX_VERTICES:
        raise GeometryError(f"the polygon has more than {MAX_VERTICES} positions")
    polygon = Polygon(rings[0], rings[1:])
    if polygon.is_empty or polygon.convex_hull.area == 0:
        raise GeometryError("the polygon is empty (it encloses no area)")
    if not polygon.is_valid:
        raise GeometryError(f"the polygon is not valid: {explain_validity(polygon)}")
    hectares = area_hectares(polygon)
    if hectares > MAX_AREA_HA:
        raise GeometryError(
            f"the polygon covers {hectares:,.0f} ha, more than {MAX_AREA_HA:,.0f} ha"
        )
    return {"type": "Polygon", "coordinates": [[list(p) for p in ring] for ring in rings]}


def _projected_crs(lon: float, lat: float) -> CRS:
    """The UTM zone of a point: metres, small distortion over a site-sized area."""
    from pyproj import CRS

    zone = int((lon + 180) // 6) + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + min(max(zone, 1), 60))


def area_hectares(polygon: Polygon | dict) -> float:
    """Area of a WGS84 polygon in hectares, measured in the local UTM projection."""
    import numpy as np
    import shapely
    from pyproj import Transformer
    from shapely.geometry import shape

    geom = shape(polygon) if isinstance(polygon, dict) else polygon
    centre = geom.centroid
    to_utm = Transformer.from_crs("EPSG:4326", _projected_crs(centre.x, centre.y), always_xy=True)

    def project(xy: np.ndarray) -> np.ndarray:
        x, y = to_utm.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return float(shapely.transform(geom, project).area) / 10_000.0


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _kml_ring(element: ET.Element) -> list[list[float]]:
    for child in element.iter():
        if _local(child.tag) == "coordinates":
            positions = []
            for token in (child.text or "").split():
                parts = token.split(",")
                try:
                    positions.append([float(parts[0]), float(parts[1])])
                except (ValueError, IndexError) as exc:
                    raise GeometryError(f"KML coordinate {token!r} is not lon,lat[,alt]") from exc
            return positions
    raise GeometryError("a KML ring has no <coordinates>")


def parse_kml(data: bytes | str) -> dict:
    """Read the single Polygon of a KML document (defusedxml: a DTD, entities or external references are refused
    in whatever encoding the document declares, UTF-16 included)."""
    raw = data.encode() if isinstance(data, str) else data
    try:
        root = SafeET.fromstring(raw, forbid_dtd=True)
    except defusedxml.DefusedXmlException as exc:
        raise GeometryError("KML with a DOCTYPE or entities is not accepted") from exc
    except ET.ParseError as exc:
        raise GeometryError(f"not a readable KML file: {exc}") from exc
    except (LookupError, ValueError) as exc:  # the XML parser: an unknown or multi-byte encoding declared
        raise GeometryError(f"not a readable KML file: {exc}") from exc
    polygons = [el for el in root.iter() if _local(el.tag) == "Polygon"]
    if len(polygons) != 1:
        raise GeometryError(f"the KML must hold exactly one Polygon, not {len(polygons)}")
    outer: list[list[float]] | None = None
    holes: list[list[list[float]]] = []
    for child in polygons[0]:
        name = _local(child.tag)
        if name == "outerBoundaryIs":
            outer = _kml_ring(child)
        elif name == "innerBoundaryIs":
            holes.append(_kml_ring(child))
    if outer is None:
        raise GeometryError("the KML Polygon has no outerBoundaryIs")
    return validate_polygon([outer, *holes])


def polygon_to_geojson(polygon: Polygon) -> dict:
    from shapely.geometry import mapping

    return dict(mapping(polygon))

