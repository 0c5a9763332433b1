"""Writes: schema versions and annotations (create, update, delete), each change kept in the annotation's
event log and, for a survey of a request, the request's audit trail. Refusals raise `InspectionError` naming
the field (the API answers 400)."""

from __future__ import annotations

import json
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


# --- inspection reports -------------------------------------------------------------------------------------

REPORT_JOB_KIND = "inspection_report"


def report_request(*, survey: Survey, by: Any, now: datetime) -> tuple[Any, Any]:
    """Start the job that makes a new report version: (job, None). When the annotations have not changed since
    the latest version, no job: (None, that version). A survey without annotations is refused."""
    from processing.services import enqueue_job

    from .models import InspectionReport
    from .selectors import annotations_fingerprint

    _check_writer(by, survey)
    if not survey.annotations.exists():
        raise InspectionError("annotations", f"survey {survey.pk} has no annotations to report")
    latest = InspectionReport.objects.filter(survey=survey).order_by("-number").first()
    if latest is not None and latest.fingerprint == annotations_fingerprint(survey=survey):
        return None, latest
    with transaction.atomic():
        job = enqueue_job(kind=REPORT_JOB_KIND, survey=survey,
                          params={"requested_by": by.pk if getattr(by, "pk", None) else None})
        survey_audit_record(survey, "report_requested", by=by, now=now, data={"job": job.pk})
    return job, None


def report_publish(*, survey: Survey, rendered: Any, by: Any, now: datetime, job: Any = None) -> Any:
    """Store a rendered report (inspection.report_render.RenderedReport) as the survey's next version, unless
    the latest version was made from the same annotations (then that one is returned)."""
    from django.core.files.base import ContentFile

    from .models import InspectionReport

    with transaction.atomic():
        Survey.objects.select_for_update().filter(pk=survey.pk).first()  # one numbering at a time
        latest = InspectionReport.objects.filter(survey=survey).order_by("-number").first()
        if latest is not None and latest.fingerprint == rendered.fingerprint:
            return latest
        number = (latest.number + 1) if latest else 1
        document = dict(rendered.document, version=number)
        report = InspectionReport(survey=survey, number=number, created_at=now, fingerprint=rendered.fingerprint,
                                  created_by=by if getattr(by, "pk", None) else None, document=document,
                                  defect_count=len(document["defects"]), job=job)
        report.json_file.save("report.json", ContentFile(json.dumps(document, indent=1, default=str).encode()),
                              save=False)
        report.html_file.save("report.html", ContentFile(rendered.html.encode()), save=False)
        report.pdf_file.save("report.pdf", ContentFile(rendered.pdf), save=False)
        report.save()
        survey_audit_record(survey, "report_created", by=by, now=now,
                            data={"report": report.pk, "version": number, "defects": report.defect_count})
    return report


def report_sign_off(*, report: Any, by: Any, now: datetime) -> Any:
    """The reviewing engineer signs a version off: its HTML and PDF get the completed sign-off block, and the
    version is frozen (a second sign-off is refused). Not by who made the version; for the council's side: the requesters of the owning
    service, policy and procurement officers, administrators (not the contractor who flew it)."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from accounts.roles import Role, role_of

    from .models import InspectionReport
    from .report_render import signoff_context, with_signoff

    survey = report.survey
    if not can_annotate(by, survey) or role_of(by) == Role.CONTRACTOR:
        raise PermissionError("only the council's reviewing engineer may sign off a report")
    with transaction.atomic():
        locked = InspectionReport.objects.select_for_update().get(pk=report.pk)
        if locked.signed_off_at is not None:
            who = locked.signed_off_by.get_username() if locked.signed_off_by_id else "someone"
            raise InspectionError("report", f"version {locked.number} was already signed off by {who} on "
                                  f"{locked.signed_off_at:%Y-%m-%d %H:%M}; it is frozen")
        if locked.created_by_id is not None and locked.created_by_id == getattr(by, "pk", None):
            raise InspectionError("report", "a version is signed off by someone other than who made it")
        signoff = signoff_context(inspector=locked.created_by.get_username() if locked.created_by_id else None,
                                  reviewer=by.get_full_name() or by.get_username(), date=now.date().isoformat())
        with locked.html_file.open("rb") as fh:
            html, pdf = with_signoff(fh.read().decode("utf-8"), signoff)
        document = dict(locked.document, sign_off=signoff)
        for field, name, data in (("html_file", "report.html", html.encode()), ("pdf_file", "report.pdf", pdf),
                                  ("json_file", "report.json",
                                   json.dumps(document, indent=1, default=str).encode())):
            old = getattr(locked, field).name
            getattr(locked, field).save(name, ContentFile(data), save=False)
            if old and old != getattr(locked, field).name:  # the unsigned files go once the signed ones are kept
                transaction.on_commit(lambda old=old: default_storage.delete(old))
        locked.document = document
        locked.signed_off_by, locked.signed_off_at = by, now
        locked.save()
        survey_audit_record(survey, "report_signed_off", by=by, now=now,
                            data={"report": locked.pk, "version": locked.number})
    return locked


# --- annotated photos ----------------------------------------------------------------------------------------

#: the longer side of a gallery thumbnail of an annotated photo
THUMB_SIDE = 480


def annotated_photo_ensure(*, asset: Asset, thumb: bool = False) -> str:
    """The storage name of the photo with its annotations drawn on it (full size, or a thumbnail), made from the
    stored original when it is not there yet. The name carries a digest of the marks, so a changed, added or
    deleted mark gives a new picture and an old one is never shown for the new marks."""
    import hashlib
    from pathlib import PurePosixPath

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from .core.report_figures import PhotoMark, annotated_photo, decode_photo, severity_colour

    rows = list(asset.annotations.select_related("schema").order_by("id"))
    digest = hashlib.sha256(json.dumps(
        [[a.pk, a.pixel_geometry, a.severity, a.schema_id, a.updated_at.isoformat()] for a in rows],
        sort_keys=True, default=str).encode()).hexdigest()[:16]
    stored = PurePosixPath(asset.file.name)
    name = str(stored.with_name(f"{stored.stem}_marked_{digest}{'_thumb' if thumb else ''}.jpg"))
    if default_storage.exists(name):
        return name
    marks = []
    for a in rows:
        if not a.pixel_geometry:
            continue
        scale = parse_schema(a.schema.document).severity
        level = scale.get(a.severity)
        top = max(lv.rank for lv in scale.levels)
        marks.append(PhotoMark(pixel_geometry=a.pixel_geometry, label=a.severity,
                               colour=severity_colour(level.rank if level else top, top)))
    with default_storage.open(asset.file.name, "rb") as fh:
        image = decode_photo(fh.read(), asset.original_name)
    data = annotated_photo(image, marks, max_side=THUMB_SIDE if thumb else None)
    if not default_storage.exists(name):  # another request may have made it meanwhile: the same bytes
        default_storage.save(name, ContentFile(data))
    return name
