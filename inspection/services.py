"""Writes: schema versions and annotations (create, update, delete), each change kept in the annotation's
event log and, for a survey of a request, the request's audit trail. Refusals raise `InspectionError` naming
the field (the API answers 400)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from surveys.audit import survey_audit_record
from surveys.models import Asset, Survey

from .core.defaults import DEFAULT_SCHEMAS
from .core.errors import InspectionError
from .core.schema import check_marking, parse_schema
from .models import Annotation, AnnotationEvent, AnnotationKind, InspectionSchema
from .permissions import can_annotate
from .selectors import schema_for_survey

MAX_NOTE_CHARS = 4000
PHOTO_KINDS = ("photo", "thermal_photo")
#: the fields an update may change
EDITABLE = ("category", "severity", "extent", "risk_impact", "risk_probability", "note", "pixel_geometry",
            "geometry")


def schema_publish(*, family: str, document: Any, change_note: str, by: Any = None) -> InspectionSchema:
    """A new version of `family`'s schema (it becomes the current one)."""
    parsed = parse_schema(document)
    if parsed.family != family:
        raise InspectionError("family", f"the document is for {parsed.family!r}, not {family!r}")
    if not change_note.strip():
        raise InspectionError("change_note", "say what changed and why")
    with transaction.atomic():
        last = InspectionSchema.objects.select_for_update().filter(family=family).order_by("-number").first()
        return InspectionSchema.objects.create(family=family, number=(last.number + 1) if last else 1,
                                               document=document, change_note=change_note.strip(),
                                               created_by=by if getattr(by, "pk", None) else None)


def ensure_default_schemas() -> list[InspectionSchema]:
    """Version 1 of each family in inspection.core.defaults that has no version yet (idempotent)."""
    made = []
    for document in DEFAULT_SCHEMAS:
        family = document["family"]
        if not InspectionSchema.objects.filter(family=family).exists():
            made.append(schema_publish(family=family, document=document,
                                       change_note="First version, from the published scale cited in the source."))
    return made


def snapshot(annotation: Annotation) -> dict[str, Any]:
    return {"kind": annotation.kind, "asset": annotation.asset_id, "pixel_geometry": annotation.pixel_geometry,
            "geometry": annotation.geometry, "schema": annotation.schema_id, "category": annotation.category,
            "severity": annotation.severity, "extent": annotation.extent, "risk_impact": annotation.risk_impact,
            "risk_probability": annotation.risk_probability, "note": annotation.note}


def _record(annotation: Annotation, action: str, *, by: Any, now: datetime, before: dict | None,
            after: dict | None) -> None:
    AnnotationEvent.objects.create(annotation_id=annotation.pk, survey_id=annotation.survey_id, action=action,
                                   actor=by if getattr(by, "pk", None) else None, created_at=now, before=before,
                                   after=after)
    survey_audit_record(annotation.survey, f"annotation_{action}", by=by, now=now,
                        data={"annotation": annotation.pk, "category": (after or before or {}).get("category"),
                              "severity": (after or before or {}).get("severity")})


def _check_writer(by: Any, survey: Survey) -> None:
    if not can_annotate(by, survey):
        raise PermissionError("you may not annotate this survey")


def _note(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InspectionError("note", "must be text")
    if len(value) > MAX_NOTE_CHARS:
        raise InspectionError("note", f"may be at most {MAX_NOTE_CHARS} characters")
    return value.strip()


def _photo(survey: Survey, asset: Asset | int | None) -> Asset:
    asset_id = asset.pk if isinstance(asset, Asset) else asset
    if isinstance(asset_id, bool) or not isinstance(asset_id, int):
        raise InspectionError("asset", "must be the id of a photo of this survey")
    found = survey.assets.filter(pk=asset_id, kind__in=PHOTO_KINDS).first()
    if found is None:
        raise InspectionError("asset", f"{asset_id} is not a photo of this survey")
    return found


def _dimensions(asset: Asset) -> tuple[int, int]:
    meta = asset.metadata or {}
    width, height = meta.get("width"), meta.get("height")
    if not (isinstance(width, int) and isinstance(height, int) and width > 0 and height > 0):
        raise InspectionError("asset", f"{asset.original_name}: its width and height are not known")
    return width, height


def _validated(survey: Survey, fields: dict[str, Any]) -> dict[str, Any]:
    """The model fields of an annotation from its input, checked against the survey's current schema."""
    # shapely: loaded where it is used, not at start-up
    from .core.geometry import check_map_geometry, check_pixel_geometry

    schema_row = schema_for_survey(survey=survey)
    if schema_row is None:
        raise InspectionError("survey", "no inspection schema applies to this survey")
    marking = check_marking(parse_schema(schema_row.document), category=fields.get("category"),
                            severity=fields.get("severity"), extent=fields.get("extent"),
                            risk_impact=fields.get("risk_impact"), risk_probability=fields.get("risk_probability"))
    out: dict[str, Any] = {"schema": schema_row, "category": marking.category, "severity": marking.severity,
                           "extent": marking.extent, "risk_impact": marking.risk_impact,
                           "risk_probability": marking.risk_probability, "note": _note(fields.get("note"))}
    has_pixels, has_map = fields.get("pixel_geometry") is not None, fields.get("geometry") is not None
    if has_pixels == has_map:
        raise InspectionError("geometry", "give either pixel_geometry (with asset) for a photo, or geometry "
                              "(WGS84) for the map")
    if has_pixels:
        asset = _photo(survey, fields.get("asset"))
        width, height = _dimensions(asset)
        out.update(kind=AnnotationKind.PHOTO, asset=asset, geometry=None,
                   pixel_geometry=check_pixel_geometry(fields["pixel_geometry"], width=width, height=height))
    else:
        if fields.get("asset") is not None:
            raise InspectionError("asset", "a map annotation names no photo")
        out.update(kind=AnnotationKind.MAP, asset=None, pixel_geometry=None,
                   geometry=check_map_geometry(fields["geometry"]))
    return out


def annotation_create(*, survey: Survey, by: Any, now: datetime, category: Any, severity: Any = None,
                      extent: Any = None, risk_impact: Any = None, risk_probability: Any = None, note: Any = "",
                      asset: Asset | int | None = None, pixel_geometry: Any = None,
                      geometry: Any = None) -> Annotation:
    """A defect marked on a photo (`asset` + `pixel_geometry`) or on the map (`geometry`)."""
    _check_writer(by, survey)
    values = _validated(survey, {"category": category, "severity": severity, "extent": extent,
                                 "risk_impact": risk_impact, "risk_probability": risk_probability, "note": note,
                                 "asset": asset, "pixel_geometry": pixel_geometry, "geometry": geometry})
    with transaction.atomic():
        annotation = Annotation.objects.create(survey=survey, author=by if getattr(by, "pk", None) else None,
                                               created_at=now, updated_at=now, **values)
        _record(annotation, "created", by=by, now=now, before=None, after=snapshot(annotation))
    return annotation


def annotation_update(*, annotation: Annotation, by: Any, now: datetime, changes: dict[str, Any]) -> Annotation:
    """Change some of an annotation's fields (`EDITABLE`); the result is checked whole against the survey's
    current schema. A photo annotation stays on its photo; a map annotation stays on the map."""
    survey = annotation.survey
    _check_writer(by, survey)
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InspectionError(unknown[0], f"cannot be changed (editable: {', '.join(EDITABLE)})")
    before = snapshot(annotation)
    merged = {**before, "asset": annotation.asset_id, **changes}
    if annotation.kind == AnnotationKind.PHOTO and "geometry" in changes:
        raise InspectionError("geometry", "a photo annotation's position comes from its pixel_geometry")
    if annotation.kind == AnnotationKind.MAP and "pixel_geometry" in changes:
        raise InspectionError("pixel_geometry", "a map annotation has no photo")
    if "risk_impact" in changes or "risk_probability" in changes:
        merged.setdefault("severity", None)
        if "severity" not in changes:
            merged["severity"] = None  # follows the new risk score
    elif "severity" in changes:
        merged["risk_impact"] = merged["risk_probability"] = None  # a category chosen directly
    values = _validated(survey, merged)
    with transaction.atomic():
        for name, value in values.items():
            setattr(annotation, name, value)
        annotation.updated_at = now
        annotation.save()
        after = snapshot(annotation)
        if after != before:
            _record(annotation, "updated", by=by, now=now, before=before, after=after)
    return annotation


def annotation_delete(*, annotation: Annotation, by: Any, now: datetime) -> None:
    _check_writer(by, annotation.survey)
    with transaction.atomic():
        _record(annotation, "deleted", by=by, now=now, before=snapshot(annotation), after=None)
        annotation.delete()


def annotations_import(*, survey: Survey, by: Any, now: datetime, document: Any) -> list[Annotation]:
    """Create the annotations of a GeoJSON or COCO document (detected from the content). A file with any
    problem (a photo not in the survey, an unknown category, a severity outside the scale, geometry outside the
    photo, ...) is refused whole with every problem listed (`FormatError.problems`), and nothing is created."""
    from .core.formats import FormatError, detect, parse_coco, parse_geojson

    _check_writer(by, survey)
    drafts = parse_geojson(document) if detect(document) == "geojson" else parse_coco(document)
    photos = {a.original_name: a.pk for a in survey.assets.filter(kind__in=PHOTO_KINDS)}
    problems, rows = [], []
    for d in drafts:
        fields: dict[str, Any] = {"category": d.category, "severity": d.severity, "extent": d.extent,
                                  "note": d.note}
        if d.photo is not None:
            if d.photo not in photos:
                problems.append(f"{d.where}.photo: {d.photo!r} is not a photo of this survey")
                continue
            fields.update(asset=photos[d.photo], pixel_geometry=d.pixel_geometry)
        else:
            fields.update(geometry=d.geometry)
        try:
            rows.append(_validated(survey, fields))
        except InspectionError as exc:
            problems.append(f"{d.where}.{exc.field}: {exc.message}")
    if problems:
        raise FormatError(problems)
    made = []
    with transaction.atomic():
        for values in rows:
            annotation = Annotation.objects.create(survey=survey, author=by if getattr(by, "pk", None) else None,
                                                   created_at=now, updated_at=now, **values)
            _record(annotation, "created", by=by, now=now, before=None, after=snapshot(annotation))
            made.append(annotation)
    return made
