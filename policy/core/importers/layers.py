"""GeoJSON and KML/KMZ layers (NATS UAS restriction KML, NatureScot sites, council layers) -> zone dicts."""

from __future__ import annotations

import io
import json
import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any
from xml.etree import (
    ElementTree as ET,  # Element and ParseError only: parsing goes through defusedxml
)

import defusedxml
import defusedxml.ElementTree as SafeET
import shapely.errors
from shapely.geometry import mapping, shape
from shapely.validation import make_valid

MAX_KML_BYTES = 64 * 1024**2  # the KML inside a KMZ, read into memory
NAME_KEYS = ("name", "NAME", "Name", "SITE_NAME", "site_name", "title", "designator")


class LayerError(ValueError):
    pass


def _clean_geometry(geom: dict[str, Any], where: str) -> dict[str, Any]:
    try:
        g = shape(geom)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, shapely.errors.ShapelyError) as exc:
        raise LayerError(f"{where}: bad geometry ({exc})") from None
    if g.is_empty:
        raise LayerError(f"{where}: empty geometry")
    if not g.is_valid:
        try:
            g = make_valid(g)
        except shapely.errors.ShapelyError as exc:  # NaN or infinite coordinates
            raise LayerError(f"{where}: bad geometry ({exc})") from None
    return mapping(g)  # type: ignore[no-any-return]


def _name(props: dict[str, Any], default: str) -> str:
    for key in NAME_KEYS:
        if props.get(key):
            return str(props[key]).strip()
    return default


def zones_from_geojson(text: str, *, kind: str) -> Iterator[dict[str, Any]]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LayerError(f"not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise LayerError("not GeoJSON: expected a FeatureCollection, Feature or geometry")
    if doc.get("type") == "FeatureCollection":
        features = doc.get("features") or []
    elif doc.get("type") == "Feature":
        features = [doc]
    elif "coordinates" in doc or doc.get("type") == "GeometryCollection":
        features = [{"type": "Feature", "geometry": doc, "properties": {}}]
    else:
        raise LayerError("not GeoJSON: expected a FeatureCollection, Feature or geometry")
    if not isinstance(features, list):
        raise LayerError("not GeoJSON: features must be a list")
    for i, feat in enumerate(features):
        if not isinstance(feat, dict):
            raise LayerError(f"feature {i + 1}: not a GeoJSON Feature object")
        raw_props = feat.get("properties")
        props: dict[str, Any] = raw_props if isinstance(raw_props, dict) else {}
        if not feat.get("geometry"):
            continue
        name = _name(props, f"{kind} {i + 1}")
        ext = str(feat.get("id") or props.get("id") or props.get("ID") or f"{i}:{name}")
        yield {"kind": kind, "name": name, "external_id": ext,
               "geometry": _clean_geometry(feat["geometry"], f"feature {i + 1} ({name})"),
               "lower_m": _num(props.get("lower_m")), "upper_m": _num(props.get("upper_m")),
               "attributes": {k: v for k, v in props.items() if isinstance(v, (str, int, float, bool))}}


def _num(v: Any) -> float | None:
    try:
        return float(v) if v not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _strip_ns(root: ET.Element) -> None:
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]


def _coords(text: str | None) -> list[list[float]]:
    pts = []
    for token in (text or "").split():
        parts = token.split(",")
        if len(parts) >= 2:
            try:
                pts.append([float(parts[0]), float(parts[1])])
            except ValueError:
                raise LayerError(f"KML coordinate {token[:40]!r} is not lon,lat[,alt]") from None
    return pts


def _kml_geometries(pm: ET.Element) -> list[dict[str, Any]]:
    geoms: list[dict[str, Any]] = []
    for poly in pm.iter("Polygon"):
        outer = poly.find("outerBoundaryIs/LinearRing/coordinates")
        if outer is None:
            continue
        rings = [_coords(outer.text)]
        rings += [_coords(c.text) for c in poly.findall("innerBoundaryIs/LinearRing/coordinates")]
        geoms.append({"type": "Polygon", "coordinates": rings})
    for line in pm.iter("LineString"):
        c = line.find("coordinates")
        if c is not None:
            geoms.append({"type": "LineString", "coordinates": _coords(c.text)})
    for pt in pm.iter("Point"):
        c = pt.find("coordinates")
        if c is not None and _coords(c.text):
            geoms.append({"type": "Point", "coordinates": _coords(c.text)[0]})
    return geoms


def zones_from_kml(data: bytes, *, kind: str) -> Iterator[dict[str, Any]]:
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = [n for n in zf.namelist() if n.lower().endswith(".kml")]
                if not names:
                    raise LayerError("the KMZ holds no .kml file")
                member = zf.getinfo("doc.kml" if "doc.kml" in names else names[0])
                if member.file_size > MAX_KML_BYTES:
                    raise LayerError(f"the KMZ's {member.filename} expands to {member.file_size:,} bytes")
                data = zf.read(member)
        except LayerError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, ValueError, OSError):
            raise LayerError("not a valid KMZ (zip) file") from None
    try:
        root = SafeET.fromstring(data, forbid_dtd=True)
    except defusedxml.DefusedXmlException:
        raise LayerError("KML with a DOCTYPE or entities is not accepted") from None
    except ET.ParseError as exc:
        raise LayerError(f"not valid KML: {exc}") from None
    except (LookupError, ValueError) as exc:  # the XML parser: an unknown or multi-byte encoding declared
        raise LayerError(f"not valid KML: {exc}") from None
    _strip_ns(root)
    for i, pm in enumerate(root.iter("Placemark")):
        name = (pm.findtext("name") or f"{kind} {i + 1}").strip()
        geoms = _kml_geometries(pm)
        if not geoms:
            continue
        geometry = geoms[0] if len(geoms) == 1 else {"type": "GeometryCollection", "geometries": geoms}
        attrs: dict[str, Any] = {}
        desc = pm.findtext("description")
        if desc:
            attrs["description"] = re.sub(r"<[^>]+>", " ", desc).strip()[:2000]
        for d in pm.iter("Data"):
            if d.get("name"):
                attrs[d.get("name", "")] = (d.findtext("value") or "").strip()
        for sd in pm.iter("SimpleData"):
            if sd.get("name"):
                attrs[sd.get("name", "")] = (sd.text or "").strip()
        ext = pm.get("id") or f"{i}:{name}"
        yield {"kind": kind, "name": name, "external_id": ext,
               "geometry": _clean_geometry(geometry, f"placemark {i + 1} ({name})"),
               "lower_m": _num(attrs.get("lower_m")), "upper_m": _num(attrs.get("upper_m")),
               "attributes": attrs}
