"""Reads: the current schemas, a survey's schema, the annotations a user may see and where they are."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from surveys.models import Survey
from surveys.selectors import visible_surveys

from .core.errors import InspectionError
from .core.schema import Schema, parse_schema, select_schema
from .models import Annotation, AnnotationKind, InspectionSchema


def current_schemas() -> list[InspectionSchema]:
    """The current version of every family (its active version with the highest number), by family."""
    seen: dict[str, InspectionSchema] = {}
    for row in InspectionSchema.objects.filter(is_active=True).order_by("family", "-number"):
        seen.setdefault(row.family, row)
    return list(seen.values())


def schema_for_survey(*, survey: Survey) -> InspectionSchema | None:
    """The current schema that applies to the survey (inspection.core.schema.select_schema): by the requesting
    service (the request's organisation, else the site's) and the request's purpose."""
    rows = current_schemas()
    parsed: dict[str, tuple[InspectionSchema, Schema]] = {r.family: (r, parse_schema(r.document)) for r in rows}
    fr = survey.flight_request
    org = fr.organisation if fr is not None else survey.site.organisation
    chosen = select_schema([s for _, s in parsed.values()], service=org.name if org else None,
                           purpose=fr.purpose if fr is not None else None)
    return parsed[chosen.family][0] if chosen is not None else None


def visible_annotations(user: Any) -> QuerySet[Annotation]:
    """The annotations of the surveys `user` may see; anything else answers 404."""
    return (Annotation.objects.select_related("survey", "asset", "schema", "author")
            .filter(survey__in=visible_surveys(user).values("id")))


@dataclass(frozen=True)
class PhotoFootprint:
    """Where a photo's corners are on the ground: `corners` in `crs` (None: WGS84 lon, lat)."""

    corners: list[list[float]]
    crs: str | None
    width: int
    height: int
    basis: str  # "mosaic": placed by the orthomosaic; "pose": from the camera's GPS and angles


def photo_footprints(*, survey: Survey) -> dict[int, PhotoFootprint]:
    """Each photo's footprint, by asset id: the orthomosaic's placement when the report has one, else the pose
    footprint stored with the photo."""
    report = survey.ortho_report if isinstance(survey.ortho_report, dict) else {}
    placed = {p["name"]: p for p in report.get("photos_used") or [] if isinstance(p, dict) and p.get("name")}
    crs = report.get("crs") if isinstance(report.get("crs"), str) else None
    out: dict[int, PhotoFootprint] = {}
    for asset in survey.assets.filter(kind__in=("photo", "thermal_photo")).only(
            "id", "original_name", "metadata", "footprint"):
        meta = asset.metadata or {}
        width, height = meta.get("width"), meta.get("height")
        if not (isinstance(width, int) and isinstance(height, int)):
            continue
        photo = placed.get(asset.original_name)
        if photo and crs and photo.get("footprint"):
            out[asset.pk] = PhotoFootprint(photo["footprint"], crs, width, height, "mosaic")
        elif photo and photo.get("footprint_lonlat"):
            out[asset.pk] = PhotoFootprint(photo["footprint_lonlat"], None, width, height, "mosaic")
        elif isinstance(asset.footprint, dict) and asset.footprint.get("type") == "Polygon":
            ring = asset.footprint["coordinates"][0]
            if len(ring) >= 4:
                out[asset.pk] = PhotoFootprint([list(p) for p in ring[:4]], None, width, height, "pose")
    return out


def ground_geometry(annotation: Annotation, footprints: dict[int, PhotoFootprint]) -> tuple[dict | None, str | None]:
    """The annotation's WGS84 geometry and how it was found ("map", "mosaic", "pose"; None: not placed)."""
    # numpy and pyproj: loaded where a position is computed, not at start-up
    from .core import geo
    from .core.geometry import map_vertices

    if annotation.kind == AnnotationKind.MAP:
        return annotation.geometry, "map"
    fp = footprints.get(annotation.asset_id) if annotation.asset_id else None
    if fp is None or not annotation.pixel_geometry:
        return None, None

    def project(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
        if fp.crs is None:
            return geo.pixel_to_lonlat(fp.corners, fp.width, fp.height, points)
        return geo.crs_to_lonlat(fp.crs, geo.pixel_to_ground(fp.corners, fp.width, fp.height, points))

    try:
        return map_vertices(annotation.pixel_geometry, project), fp.basis
    except InspectionError:  # a degenerate stored footprint places nothing
        return None, None


def location(annotation: Annotation, footprints: dict[int, PhotoFootprint]) -> dict | None:
    """Where the defect is: lat/lon of its anchor, British National Grid easting/northing and reference (None
    outside Great Britain), the ground geometry and its basis; None when it cannot be placed."""
    # numpy, pyproj, shapely: loaded where a position is computed, not at start-up
    from .core import geo
    from .core.geometry import anchor

    geometry, basis = ground_geometry(annotation, footprints)
    if geometry is None:
        return None
    lon, lat = anchor(geometry)
    out: dict[str, Any] = {"lat": round(lat, 8), "lon": round(lon, 8), "easting": None, "northing": None,
                           "bng": None, "basis": basis, "geometry": geometry}
    try:
        easting, northing, ref = geo.to_bng(lat, lon)
    except InspectionError:
        return out
    out.update(easting=round(easting, 2), northing=round(northing, 2), bng=ref)
    return out


def survey_annotations(*, survey: Survey) -> QuerySet[Annotation]:
    return survey.annotations.select_related("asset", "schema", "author").order_by("created_at", "id")


def annotation_records(*, survey: Survey) -> list[dict[str, Any]]:
    """The survey's annotations as export records (inspection.core.formats)."""
    footprints = photo_footprints(survey=survey)
    records = []
    for a in survey_annotations(survey=survey):
        loc = location(a, footprints) or {}
        records.append({"id": a.pk, "kind": a.kind, "photo": a.asset.original_name if a.asset_id else None,
                        "pixel_geometry": a.pixel_geometry, "geometry": loc.get("geometry"),
                        "category": a.category, "severity": a.severity, "extent": a.extent, "note": a.note,
                        **{k: loc.get(k) for k in ("lat", "lon", "easting", "northing", "bng")}})
    return records


def survey_photos(*, survey: Survey) -> QuerySet[Any]:
    return survey.assets.filter(kind__in=("photo", "thermal_photo")).order_by("original_name", "id")
