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


# --- inspection reports -------------------------------------------------------------------------------------

def annotations_fingerprint(*, survey: Survey) -> str:
    """sha256 over what the report shows of every annotation (a new report version is made when it changes)."""
    import hashlib
    import json

    rows = [[a.pk, a.kind, a.asset_id, a.pixel_geometry, a.geometry, a.schema_id, a.category, a.severity, a.extent,
             a.note, a.source, a.author_id, a.updated_at.isoformat()]
            for a in survey.annotations.order_by("id")]
    return hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()


def _survey_date(survey: Survey) -> str | None:
    when = (survey.flight.scheduled_start if survey.flight_id and survey.flight else None) or survey.delivered_at
    return when.date().isoformat() if when else None


def _facts(survey: Survey, schema_row: InspectionSchema | None) -> Any:
    from .core.report import SurveyFacts

    fr = survey.flight_request
    org = fr.organisation if fr is not None else survey.site.organisation
    check = fr.policy_checks.select_related("policy_version").order_by("-created_at", "-id").first() if fr else None
    pilot = survey.flight.pilot if survey.flight_id and survey.flight else None
    conformance = survey.conformance if isinstance(survey.conformance, dict) else {}
    findings = tuple(f"{c.get('name')}: {c.get('message')}" for c in conformance.get("checks") or []
                     if isinstance(c, dict) and c.get("status") == "fail")
    schema = parse_schema(schema_row.document) if schema_row else None
    return SurveyFacts(
        survey_id=survey.pk, site=survey.site.name, survey_date=_survey_date(survey),
        requesting_service=org.name if org else None, request_reference=fr.reference if fr else None,
        purpose=fr.get_purpose_display() if fr else None,
        contractor=survey.supplier.name if survey.supplier_id else None,
        pilot=f"{pilot.name} (Flyer ID {pilot.flyer_id})" if pilot else None,
        policy_reference=(f"{fr.reference} policy check {check.pk} ({check.get_stage_display().lower()}): "
                          f"{check.get_outcome_display().lower()}") if check else None,
        policy_version=check.policy_version.number if check else None,
        conformance=None if survey.conformance_passed is None else
        ("passed" if survey.conformance_passed else "failed"),
        conformance_findings=findings,
        schema_family=schema.family if schema else "", schema_title=schema.title if schema else "",
        schema_version=schema_row.number if schema_row else 0, schema_source=schema.source if schema else "",
        severity_scale=schema.severity.name if schema else "",
        severity_levels=tuple((lv.code, lv.label, lv.meaning, lv.rank) for lv in schema.severity.levels)
        if schema else ())


def _defect(a: Annotation, loc: dict | None, schemas: dict[int, Schema]) -> Any:
    from .core.report import Defect

    schema = schemas.setdefault(a.schema_id, parse_schema(a.schema.document))
    level = schema.severity.get(a.severity)
    category = schema.category(a.category)
    extent = schema.extent.get(a.extent) if schema.extent and a.extent else None
    loc = loc or {}
    return Defect(
        annotation_id=a.pk, kind=a.kind, category=a.category, category_label=category.label if category else a.category,
        severity=a.severity, severity_label=level.label if level else a.severity,
        severity_meaning=level.meaning if level else "", severity_rank=level.rank if level else 0,
        extent=a.extent, extent_meaning=f"{extent.label}: {extent.meaning}" if extent else "", note=a.note,
        photo=a.asset.original_name if a.asset_id else None, pixel_geometry=a.pixel_geometry,
        lat=loc.get("lat"), lon=loc.get("lon"), easting=loc.get("easting"), northing=loc.get("northing"),
        bng=loc.get("bng"), basis=loc.get("basis"), author=a.author.get_username() if a.author_id else None,
        source=a.source, recorded_at=a.created_at.isoformat())


def previous_survey(*, survey: Survey) -> Survey | None:
    """The latest earlier survey of the same site that has annotations."""
    earlier = (Survey.objects.filter(site_id=survey.site_id, created_at__lt=survey.created_at)
               .exclude(pk=survey.pk).filter(annotations__isnull=False).distinct().order_by("-created_at", "-id"))
    return earlier.first()


@dataclass
class ReportInputs:
    """What `inspection.core.report.build_report` and the figures need, read from the database."""

    facts: Any
    defects: list[Any]
    previous: Any
    ground: dict[int, dict | None]  # annotation id -> WGS84 ground geometry (for the insets)
    photos: dict[int, Any]  # annotation id -> its photo Asset


def report_inputs(*, survey: Survey) -> ReportInputs:
    from .core.report import EarlierDefect, PreviousSurvey

    schema_row = schema_for_survey(survey=survey)
    schemas: dict[int, Schema] = {}
    footprints = photo_footprints(survey=survey)
    defects, ground, photos = [], {}, {}
    for a in survey_annotations(survey=survey):
        loc = location(a, footprints)
        defects.append(_defect(a, loc, schemas))
        ground[a.pk] = loc.get("geometry") if loc else None
        if a.asset_id:
            photos[a.pk] = a.asset
    previous = None
    before = previous_survey(survey=survey)
    if before is not None:
        prints = photo_footprints(survey=before)
        earlier = []
        for a in survey_annotations(survey=before):
            d = _defect(a, location(a, prints), schemas)
            earlier.append(EarlierDefect(annotation_id=a.pk, category=a.category, severity=a.severity,
                                         severity_rank=d.severity_rank, lat=d.lat, lon=d.lon, bng=d.bng))
        previous = PreviousSurvey(survey_id=before.pk, survey_date=_survey_date(before), defects=tuple(earlier))
    return ReportInputs(_facts(survey, schema_row), defects, previous, ground, photos)


def visible_reports(user: Any) -> QuerySet[Any]:
    """The report versions of the surveys `user` may see (the same as their annotations)."""
    from .models import InspectionReport

    return (InspectionReport.objects.select_related("survey", "created_by", "signed_off_by")
            .filter(survey__in=visible_surveys(user).values("id")))
