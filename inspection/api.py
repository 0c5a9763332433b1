"""API: a survey's annotations (list, create), one annotation (read, update, delete), the current schemas.
Visibility follows the survey (`surveys.selectors.visible_surveys`): anything else is a 404."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import HasRole
from surveys.selectors import visible_surveys

from . import selectors, services
from .core.errors import InspectionError
from .models import Annotation, AnnotationKind
from .permissions import can_annotate
from .serializers import AnnotationSerializer, InspectionSchemaSerializer

CREATE_FIELDS = ("category", "severity", "extent", "risk_impact", "risk_probability", "note", "asset",
                 "pixel_geometry", "geometry")


def error_response(exc: InspectionError) -> Response:
    return Response({exc.field: [exc.message], "detail": f"{exc.field}: {exc.message}"},
                    status=status.HTTP_400_BAD_REQUEST)


def _body(request: Request) -> dict | InspectionError:
    if not isinstance(request.data, dict):
        return InspectionError("body", "must be a JSON object")
    return dict(request.data)


#: PUT: fields of the representation that are not written (DRF's read-only fields: sent back as GET gave them).
READ_ONLY = ("id", "survey", "kind", "schema", "author", "created_at", "updated_at", "location")
#: PUT: what an editable field left out becomes (the values a new annotation gets).
EMPTY = {"severity": None, "extent": None, "risk_impact": None, "risk_probability": None, "note": ""}


def _replacement(annotation: Annotation, body: dict) -> dict | InspectionError:
    """The changes that make `annotation` what a PUT body describes, or the error naming the field at fault."""
    photo = annotation.kind == AnnotationKind.PHOTO
    position, other = ("pixel_geometry", "geometry") if photo else ("geometry", "pixel_geometry")
    fields = {k: v for k, v in body.items() if k not in READ_ONLY}
    unknown = sorted(set(fields) - set(services.EDITABLE) - {"asset"})
    if unknown:
        return InspectionError(unknown[0], f"is not an annotation field ({', '.join(CREATE_FIELDS)})")
    missing = [name for name in ("category", position) if fields.get(name) is None]
    if missing:
        return InspectionError(missing[0], "is required: PUT replaces the whole annotation (PATCH changes some "
                                           "fields)")
    if fields.pop(other, None) is not None:
        return InspectionError(other, "a photo annotation's position comes from its pixel_geometry" if photo
                               else "a map annotation has no photo")
    if "asset" in fields and fields.pop("asset") != annotation.asset_id:
        return InspectionError("asset", "an annotation stays on its photo (or on the map): mark the other photo "
                                        "with a new annotation")
    return {**EMPTY, **fields}


def _serialize(annotations: list[Annotation], many: bool = True) -> list | dict:
    footprints = {a.survey_id: selectors.photo_footprints(survey=a.survey) for a in annotations[:1]}
    data = AnnotationSerializer(annotations, many=True, context={"footprints": footprints}).data
    return list(data) if many else dict(data[0])


class SurveyAnnotationsView(APIView):
    """GET the survey's annotations; POST one (a photo mark: `asset` + `pixel_geometry`; a map mark:
    `geometry` in WGS84), with `category`, `severity` (or `risk_impact` and `risk_probability`), `extent`,
    `note`."""

    permission_classes = [HasRole]

    def _survey(self, request: Request, survey_id: int):
        return get_object_or_404(visible_surveys(request.user), pk=survey_id)

    @extend_schema(responses=AnnotationSerializer(many=True))
    def get(self, request: Request, survey_id: int) -> Response:
        survey = self._survey(request, survey_id)
        rows = list(selectors.survey_annotations(survey=survey))
        for row in rows:
            row.survey = survey
        return Response(_serialize(rows) if rows else [])

    @extend_schema(request=dict, responses={201: AnnotationSerializer})
    def post(self, request: Request, survey_id: int) -> Response:
        survey = self._survey(request, survey_id)
        if not can_annotate(request.user, survey):
            raise PermissionDenied("you may read this survey's annotations, not add to them")
        body = _body(request)
        if isinstance(body, InspectionError):
            return error_response(body)
        unknown = sorted(set(body) - set(CREATE_FIELDS))
        if unknown:
            return error_response(InspectionError(unknown[0], f"is not an annotation field ({', '.join(CREATE_FIELDS)})"))
        if "category" not in body:
            return error_response(InspectionError("category", "is required"))
        try:
            annotation = services.annotation_create(survey=survey, by=request.user, now=timezone.now(), **body)
        except InspectionError as exc:
            return error_response(exc)
        return Response(_serialize([annotation], many=False), status=status.HTTP_201_CREATED)


class _AnyFile(BaseParser):
    """The request body as bytes, whatever its type: the import reads GeoJSON, COCO JSON or a GeoPackage."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:  # type: ignore[override]
        return stream.read() if stream is not None else b""


#: the largest annotations file the API takes (a GeoPackage of thousands of defects is a few MB)
MAX_IMPORT_BYTES = 32 * 1024 * 1024


class SurveyAnnotationsImportView(APIView):
    """POST a GeoJSON FeatureCollection, a COCO JSON document or a GeoPackage (the file itself as the body,
    detected from the content): its annotations are created on the survey. A file with any problem is refused
    whole (400, `problems` lists every one) and nothing is created."""

    permission_classes = [HasRole]
    parser_classes = [_AnyFile]

    @extend_schema(request={"application/geo+json": OpenApiTypes.OBJECT, "application/json": OpenApiTypes.OBJECT,
                            "application/geopackage+sqlite3": OpenApiTypes.BINARY},
                   responses={201: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT})
    def post(self, request: Request, survey_id: int) -> Response:
        from .core.formats import FormatError, gpkg_document

        survey = get_object_or_404(visible_surveys(request.user), pk=survey_id)
        if not can_annotate(request.user, survey):
            raise PermissionDenied("you may read this survey's annotations, not add to them")
        raw = request.data if isinstance(request.data, bytes) else b""
        if not raw:
            return error_response(InspectionError("file", "send the GeoJSON, COCO or GeoPackage file as the body"))
        if len(raw) > MAX_IMPORT_BYTES:
            return error_response(InspectionError("file", f"is over {MAX_IMPORT_BYTES // 1024**2} MB"))
        try:
            document = gpkg_document(raw) if raw.startswith(b"SQLite format 3\0") else json.loads(raw.decode())
            made = services.annotations_import(survey=survey, by=request.user, now=timezone.now(),
                                               document=document)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return error_response(InspectionError("file", f"is not JSON or a GeoPackage ({exc})"))
        except FormatError as exc:
            return Response({"file": exc.problems, "problems": exc.problems,
                             "detail": f"nothing imported: {len(exc.problems)} problem(s)"},
                            status=status.HTTP_400_BAD_REQUEST)
        except InspectionError as exc:
            return error_response(exc)
        return Response({"created": len(made), "annotations": [a.pk for a in made]}, status=status.HTTP_201_CREATED)


class AnnotationView(APIView):
    """GET, PATCH (the fields to change), PUT (the whole annotation) and DELETE one annotation."""

    permission_classes = [HasRole]

    def _annotation(self, request: Request, pk: int) -> Annotation:
        return get_object_or_404(selectors.visible_annotations(request.user), pk=pk)

    @extend_schema(responses=AnnotationSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(_serialize([self._annotation(request, pk)], many=False))

    @extend_schema(request=dict, responses=AnnotationSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        annotation = self._annotation(request, pk)
        if not can_annotate(request.user, annotation.survey):
            raise PermissionDenied("you may read this annotation, not change it")
        body = _body(request)
        if isinstance(body, InspectionError):
            return error_response(body)
        if not body:
            return error_response(InspectionError("body", f"name the fields to change ({', '.join(services.EDITABLE)})"))
        try:
            annotation = services.annotation_update(annotation=annotation, by=request.user, now=timezone.now(),
                                                    changes=body)
        except InspectionError as exc:
            return error_response(exc)
        return Response(_serialize([annotation], many=False))

    @extend_schema(request=dict, responses=AnnotationSerializer)
    def put(self, request: Request, pk: int) -> Response:
        """Replace the annotation with the representation sent (as GET gives it): `category` and its position
        (`pixel_geometry` on a photo, `geometry` on the map) are required; an editable field left out takes its
        empty value; read-only fields are ignored, and the annotation stays where it is (same photo, or map)."""
        annotation = self._annotation(request, pk)
        if not can_annotate(request.user, annotation.survey):
            raise PermissionDenied("you may read this annotation, not change it")
        body = _body(request)
        if isinstance(body, InspectionError):
            return error_response(body)
        changes = _replacement(annotation, body)
        if isinstance(changes, InspectionError):
            return error_response(changes)
        try:
            annotation = services.annotation_update(annotation=annotation, by=request.user, now=timezone.now(),
                                                    changes=changes)
        except InspectionError as exc:
            return error_response(exc)
        return Response(_serialize([annotation], many=False))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        annotation = self._annotation(request, pk)
        if not can_annotate(request.user, annotation.survey):
            raise PermissionDenied("you may read this annotation, not delete it")
        services.annotation_delete(annotation=annotation, by=request.user, now=timezone.now())
        return Response(status=status.HTTP_204_NO_CONTENT)


class SchemaListView(APIView):
    """GET the current schema of every family (categories, severity scale with meanings, sources)."""

    permission_classes = [HasRole]

    @extend_schema(responses=InspectionSchemaSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(InspectionSchemaSerializer(selectors.current_schemas(), many=True).data)


EXPORT_TYPES = {"geojson": "application/geo+json", "gpkg": "application/geopackage+sqlite3",
                "csv": "text/csv; charset=utf-8", "coco": "application/json"}


class SurveyAnnotationsExportView(APIView):
    """GET the survey's annotations as a file: `?type=geojson|gpkg|csv|coco` (docs/inspection.md; not `format`, which
    DRF keeps for choosing its renderer)."""

    permission_classes = [HasRole]

    @extend_schema(parameters=[OpenApiParameter("type", str, enum=list(EXPORT_TYPES), required=True)],
                   responses={(200, "application/geo+json"): OpenApiTypes.OBJECT,
                              (200, "application/json"): OpenApiTypes.OBJECT, (200, "text/csv"): OpenApiTypes.STR})
    def get(self, request: Request, survey_id: int) -> Response | HttpResponse:
        from .core.formats import to_coco, to_csv, to_geojson, to_gpkg
        from .core.schema import parse_schema

        survey = get_object_or_404(visible_surveys(request.user), pk=survey_id)
        kind = request.query_params.get("type", "")
        if kind not in EXPORT_TYPES:
            return error_response(InspectionError("type", f"must be one of {', '.join(EXPORT_TYPES)}"))
        records = selectors.annotation_records(survey=survey)
        if kind == "gpkg":
            body: str | bytes = to_gpkg(records)
        elif kind == "geojson":
            body = json.dumps(to_geojson(records))
        elif kind == "csv":
            body = to_csv(records)
        else:
            schema = selectors.schema_for_survey(survey=survey)
            categories = [c.code for c in parse_schema(schema.document).categories] if schema else []
            photos = [{"file_name": a.original_name, "width": a.metadata.get("width"),
                       "height": a.metadata.get("height")} for a in selectors.survey_photos(survey=survey)]
            body = json.dumps(to_coco(records, photos, categories))
        response = HttpResponse(body, content_type=EXPORT_TYPES[kind])
        extension = "json" if kind == "coco" else kind
        response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-annotations.{extension}"'
        return response


# --- inspection reports -------------------------------------------------------------------------------------

def _reports_payload(reports: list) -> list:
    from django.db.models import Max

    from .models import InspectionReport
    from .serializers import InspectionReportSerializer

    latest = dict(InspectionReport.objects.filter(survey_id__in={r.survey_id for r in reports})
                  .values("survey_id").annotate(top=Max("number")).values_list("survey_id", "top"))
    return list(InspectionReportSerializer(reports, many=True, context={"latest": latest}).data)


class SurveyReportsView(APIView):
    """GET the survey's report versions (newest first); POST to make a new version: 202 with the job that
    makes it, or 200 with the latest version when the annotations have not changed since it."""

    permission_classes = [HasRole]

    @extend_schema(responses={200: OpenApiTypes.ANY})
    def get(self, request: Request, survey_id: int) -> Response:
        survey = get_object_or_404(visible_surveys(request.user), pk=survey_id)
        return Response(_reports_payload(list(selectors.visible_reports(request.user).filter(survey=survey)
                                              .order_by("-number"))))

    @extend_schema(request=None, responses={202: dict, 200: dict})
    def post(self, request: Request, survey_id: int) -> Response:
        from django.urls import reverse

        survey = get_object_or_404(visible_surveys(request.user), pk=survey_id)
        if not can_annotate(request.user, survey):
            raise PermissionDenied("you may read this survey's reports, not make them")
        try:
            job, unchanged = services.report_request(survey=survey, by=request.user, now=timezone.now())
        except InspectionError as exc:
            return error_response(exc)
        if job is None:
            return Response({"detail": "the annotations have not changed since this version",
                             "report": _reports_payload([unchanged])[0]})
        return Response({"job": job.pk, "state": job.state, "job_url": reverse("job-detail", kwargs={"pk": job.pk})},
                        status=status.HTTP_202_ACCEPTED)


class ReportView(APIView):
    """GET one report version."""

    permission_classes = [HasRole]

    @extend_schema(responses=dict)
    def get(self, request: Request, pk: int) -> Response:
        report = get_object_or_404(selectors.visible_reports(request.user), pk=pk)
        return Response(_reports_payload([report])[0])


REPORT_TYPES = {"pdf": "application/pdf", "html": "text/html; charset=utf-8", "json": "application/json"}


class ReportDownloadView(APIView):
    """GET a report version's file (.pdf, .html or .json); the HTML is sent as an attachment."""

    permission_classes = [HasRole]
    kind = "pdf"

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: Request, pk: int) -> HttpResponse:
        from django.http import FileResponse

        report = get_object_or_404(selectors.visible_reports(request.user), pk=pk)
        field = getattr(report, f"{self.kind}_file")
        response = FileResponse(field.open("rb"), content_type=REPORT_TYPES[self.kind], as_attachment=True,
                                filename=f"survey-{report.survey_id}-report-v{report.number}.{self.kind}")
        return response


class ReportSignOffView(APIView):
    """POST: the reviewing engineer signs this version off (once; it is then frozen)."""

    permission_classes = [HasRole]

    @extend_schema(request=None, responses=dict)
    def post(self, request: Request, pk: int) -> Response:
        report = get_object_or_404(selectors.visible_reports(request.user), pk=pk)
        try:
            report = services.report_sign_off(report=report, by=request.user, now=timezone.now())
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except InspectionError as exc:
            return error_response(exc)
        return Response(_reports_payload([report])[0])
