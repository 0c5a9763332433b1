"""Annotation exchange formats: GeoJSON (WGS84 positions with properties), CSV (one row a defect, with
eastings/northings) and COCO JSON (photo annotations). Pure: records in, documents out, and back to drafts.

A record (export) is a dict with `id`, `kind` ("photo" / "map"), `photo` (the photo's original name or None),
`pixel_geometry`, `geometry` (WGS84 ground geometry or None), `category`, `severity`, `extent`, `note`, `lat`,
`lon`, `easting`, `northing`, `bng`. A draft (import) is what `inspection.services.annotation_create` takes,
plus `photo` (a name) instead of an asset id. Parsing collects every problem it finds: `FormatError.problems`."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .errors import InspectionError

CSV_COLUMNS = ("id", "kind", "photo", "category", "severity", "extent", "note", "lat", "lon", "easting",
               "northing", "bng")


@dataclass
class Draft:
    category: Any
    severity: Any
    extent: Any
    note: Any
    photo: str | None = None
    pixel_geometry: Any = None
    geometry: Any = None
    where: str = ""  # where in the file, for error messages


class FormatError(InspectionError):
    """A refused file, with every problem found in it."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("file", "; ".join(problems))
        self.problems = problems


def to_geojson(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    features = []
    for r in records:
        props = {k: r.get(k) for k in ("id", "kind", "photo", "pixel_geometry", "category", "severity", "extent",
                                       "note", "lat", "lon", "easting", "northing", "bng")}
        features.append({"type": "Feature", "geometry": r.get("geometry"), "properties": props})
    return {"type": "FeatureCollection", "features": features}


def to_csv(records: Sequence[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in records:
        writer.writerow(["" if r.get(c) is None else r.get(c) for c in CSV_COLUMNS])
    return out.getvalue()


def _bbox(geometry: dict[str, Any]) -> list[float]:
    kind, coords = geometry["type"], geometry["coordinates"]
    points = [coords] if kind == "Point" else coords if kind == "LineString" else [p for ring in coords for p in ring]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]


def to_coco(records: Sequence[dict[str, Any]], photos: Sequence[dict[str, Any]],
            categories: Sequence[str]) -> dict[str, Any]:
    """COCO for the photo annotations: `photos` are {"file_name", "width", "height"}; `categories` the schema's
    category codes (by name). `attributes` hold severity, extent, note and the exact pixel geometry."""
    images = [{"id": n + 1, "file_name": p["file_name"], "width": p["width"], "height": p["height"]}
              for n, p in enumerate(photos)]
    image_ids = {p["file_name"]: n + 1 for n, p in enumerate(photos)}
    cats = [{"id": n + 1, "name": c} for n, c in enumerate(categories)]
    cat_ids = {c: n + 1 for n, c in enumerate(categories)}
    annotations: list[dict[str, Any]] = []
    for r in records:
        if r.get("kind") != "photo" or r.get("photo") not in image_ids:
            continue
        geom = r["pixel_geometry"]
        x, y, w, h = _bbox(geom)
        seg = [[v for p in geom["coordinates"][0][:-1] for v in p]] if geom["type"] == "Polygon" else []
        annotations.append({"id": len(annotations) + 1, "image_id": image_ids[r["photo"]],
                            "category_id": cat_ids.get(r["category"], 0), "bbox": [x, y, w, h],
                            "area": w * h, "segmentation": seg, "iscrowd": 0,
                            "attributes": {"severity": r.get("severity"), "extent": r.get("extent") or None,
                                           "note": r.get("note") or "", "geometry": geom}})
    return {"images": images, "categories": cats, "annotations": annotations}


def detect(document: Any) -> str:
    """"geojson" or "coco", from the content."""
    if isinstance(document, dict) and document.get("type") == "FeatureCollection":
        return "geojson"
    if isinstance(document, dict) and isinstance(document.get("annotations"), list) and "images" in document:
        return "coco"
    raise FormatError(["the file is neither a GeoJSON FeatureCollection nor COCO JSON (images, annotations)"])


def parse_geojson(document: Any) -> list[Draft]:
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list):
        raise FormatError(["features: must be a list"])
    drafts: list[Draft] = []
    problems: list[str] = []
    for n, f in enumerate(features):
        where = f"features[{n}]"
        props = f.get("properties") if isinstance(f, dict) else None
        if not isinstance(props, dict):
            problems.append(f"{where}: a Feature needs its properties")
            continue
        photo = props.get("photo")
        if photo is not None and not isinstance(photo, str):
            problems.append(f"{where}.properties.photo: must be the photo's file name")
            continue
        if photo:
            drafts.append(Draft(props.get("category"), props.get("severity"), props.get("extent"),
                                props.get("note"), photo=photo, pixel_geometry=props.get("pixel_geometry"),
                                where=where))
        else:
            drafts.append(Draft(props.get("category"), props.get("severity"), props.get("extent"),
                                props.get("note"), geometry=f.get("geometry"), where=where))
    if problems:
        raise FormatError(problems)
    return drafts


def _key(value: Any) -> bool:
    return isinstance(value, (int, float, str)) or value is None


def parse_coco(document: Any) -> list[Draft]:
    images = document.get("images") if isinstance(document, dict) else None
    cats = document.get("categories") if isinstance(document, dict) else None
    anns = document.get("annotations") if isinstance(document, dict) else None
    if not (isinstance(images, list) and isinstance(cats, list) and isinstance(anns, list)):
        raise FormatError(["images, categories and annotations must be lists"])
    # ids are looked up, so only hashable ones (a list or an object as an id names nothing)
    names = {i.get("id"): i.get("file_name") for i in images if isinstance(i, dict) and _key(i.get("id"))}
    cat_names = {c.get("id"): c.get("name") for c in cats if isinstance(c, dict) and _key(c.get("id"))}
    drafts: list[Draft] = []
    problems: list[str] = []
    for n, a in enumerate(anns):
        where = f"annotations[{n}]"
        if not isinstance(a, dict):
            problems.append(f"{where}: must be an object")
            continue
        photo = names.get(a.get("image_id")) if _key(a.get("image_id")) else None
        if not isinstance(photo, str):
            problems.append(f"{where}.image_id: names no image of the file")
            continue
        category = cat_names.get(a.get("category_id")) if _key(a.get("category_id")) else None
        if category is None:
            problems.append(f"{where}.category_id: names no category of the file")
            continue
        raw_attrs = a.get("attributes")
        attrs: dict[str, Any] = raw_attrs if isinstance(raw_attrs, dict) else {}
        geometry = attrs.get("geometry")
        if geometry is None:
            seg, bbox = a.get("segmentation"), a.get("bbox")
            if isinstance(seg, list) and seg and isinstance(seg[0], list) and len(seg[0]) >= 6:
                ring = [list(p) for p in zip(seg[0][::2], seg[0][1::2], strict=False)]
                geometry = {"type": "Polygon", "coordinates": [ring + ring[:1]]}
            elif isinstance(bbox, list) and len(bbox) == 4 and all(isinstance(v, (int, float)) for v in bbox):
                x, y, w, h = bbox
                geometry = {"type": "Polygon", "coordinates": [[[x, y], [x + w, y], [x + w, y + h], [x, y + h],
                                                                [x, y]]]}
            else:
                problems.append(f"{where}: needs a bbox or a segmentation")
                continue
        drafts.append(Draft(category, attrs.get("severity"), attrs.get("extent"), attrs.get("note"), photo=photo,
                            pixel_geometry=geometry, where=where))
    if problems:
        raise FormatError(problems)
    return drafts


# --- GeoPackage (for QGIS) ----------------------------------------------------------------------------------

GPKG_LAYER = "annotations"
_GPKG_TEXT = ("kind", "photo", "pixel_geometry", "category", "severity", "extent", "note", "bng")
_GPKG_FLOAT = ("lat", "lon", "easting", "northing")


def to_gpkg(records: Sequence[dict[str, Any]]) -> bytes:
    """A GeoPackage (one layer `annotations`, EPSG:4326) of the GeoJSON export's features: the WGS84 position
    as the geometry (empty when not placed), the same properties, `pixel_geometry` as JSON text."""
    import json
    import tempfile
    from pathlib import Path

    import numpy as np
    import pyogrio.raw
    import shapely.geometry

    geometry = np.array([shapely.geometry.shape(r["geometry"]).wkb if r.get("geometry") else None
                         for r in records] or [], dtype=object)
    fields = ["id", *_GPKG_TEXT, *_GPKG_FLOAT]
    data: list[Any] = [np.array([int(r["id"]) if r.get("id") is not None else -1 for r in records], dtype=np.int64)]
    for name in _GPKG_TEXT:
        values = [r.get(name) for r in records]
        if name == "pixel_geometry":
            values = [json.dumps(v) if v is not None else None for v in values]
        data.append(np.array(["" if v is None and name in ("extent", "note") else v for v in values], dtype=object))
    for name in _GPKG_FLOAT:
        data.append(np.array([np.nan if r.get(name) is None else float(r[name]) for r in records],
                             dtype=np.float64))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "annotations.gpkg"
        pyogrio.raw.write(str(path), geometry, data, fields, layer=GPKG_LAYER, driver="GPKG",
                          geometry_type="Unknown", crs="EPSG:4326", nan_as_null=True)
        return path.read_bytes()


def gpkg_document(data: bytes) -> dict[str, Any]:
    """A GeoPackage read back as a GeoJSON document (then checked like one: `parse_geojson`). Its first layer,
    or the layer `annotations`; positions must be in WGS84."""
    import json
    import tempfile
    from pathlib import Path

    import pyogrio
    import pyogrio.raw
    import shapely

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "in.gpkg"
        path.write_bytes(data)
        try:
            layers = [str(row[0]) for row in pyogrio.list_layers(str(path))]
            layer = GPKG_LAYER if GPKG_LAYER in layers else layers[0]
            meta, _, geometry, values = pyogrio.raw.read(str(path), layer=layer)
        except Exception as exc:  # GDAL's errors for a file that is no GeoPackage
            raise FormatError([f"the file is not a GeoPackage that can be read ({exc})"]) from exc
    crs = str(meta.get("crs") or "")
    if crs and crs.upper() not in ("EPSG:4326", "OGC:CRS84"):
        raise FormatError([f"layer {layer}: positions must be in WGS84 (EPSG:4326), not {crs}"])
    names = [str(n) for n in meta["fields"]]
    features: list[dict[str, Any]] = []
    problems: list[str] = []
    for n in range(len(values[0]) if values else 0):
        props: dict[str, Any] = {}
        for name, column in zip(names, values, strict=True):
            v = column[n]
            props[name] = None if v is None or (isinstance(v, float) and v != v) else v
        pixel = props.get("pixel_geometry")
        if isinstance(pixel, str) and pixel:
            try:
                props["pixel_geometry"] = json.loads(pixel)
            except json.JSONDecodeError:
                problems.append(f"features[{n}].properties.pixel_geometry: is not JSON")
        wkb = geometry[n] if geometry is not None else None
        geom = json.loads(shapely.to_geojson(shapely.from_wkb(wkb))) if wkb is not None else None
        features.append({"type": "Feature", "geometry": geom,
                         "properties": {k: (v.item() if hasattr(v, "item") else v) for k, v in props.items()}})
    if problems:
        raise FormatError(problems)
    return {"type": "FeatureCollection", "features": features}
