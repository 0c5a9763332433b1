"""REST API: sites, surveys (+ deliver, assets, map) and the tus resumable upload endpoints.

Visibility is the queryset (`selectors.visible_*`): an object you may not see is a 404. Delivering (uploads,
deliver) needs `permissions.can_deliver`."""

from __future__ import annotations

import base64
import binascii

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.http import http_date
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from booking.filters import ListPagination
from processing.serializers import JobSerializer

from . import files, selectors, services, uploads
from .filters import SiteFilter, SurveyFilter
from .models import Upload
from .permissions import can_create_survey, can_deliver, can_rebuild_map
from .serializers import (
    AssetSerializer,
    FlyingHeightSerializer,
    SiteSerializer,
    SurveyCreateSerializer,
    SurveySerializer,
    UploadCreateSerializer,
    UploadSerializer,
)

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,checksum,termination,expiration"


def _error(field: str, message: str, code: int = 400) -> Response:
    return Response({field: [message], "detail": message}, status=code)


def _tus_headers(response: Response, upload: Upload | None = None) -> Response:
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    if upload is not None:
        response["Upload-Offset"] = str(upload.offset)
        response["Upload-Length"] = str(upload.size)
        response["Upload-State"] = str(upload.state)
        if upload.state == "receiving":
            response["Upload-Expires"] = http_date(uploads.expires_at(upload).timestamp())
        if upload.asset_id:
            response["Upload-Asset-Id"] = str(upload.asset_id)
    response["Access-Control-Expose-Headers"] = (
        "Upload-Offset, Upload-Length, Upload-Expires, Upload-State, Upload-Asset-Id, Location, Tus-Resumable"
    )
    return response


def _upload_error(exc: uploads.UploadError, upload: Upload | None = None) -> Response:
    response = _error(exc.field, exc.message, exc.status)
    if exc.status == 460:
        response.reason_phrase = "Checksum Mismatch"
    return _tus_headers(response, upload)


class AnyAccept(BaseContentNegotiation):
    """Downloads answer whatever the client says it accepts (a file is not rendered; errors come as JSON)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


_FILE_RESPONSES = {
    (200, "application/octet-stream"): OpenApiResponse(
        OpenApiTypes.BINARY, description="The file, as an attachment typed by its detected format (or an empty "
                                         "body with X-Accel-Redirect / X-Sendfile, per FILE_SERVING)."),
    302: OpenApiResponse(description="FILE_SERVING=s3-presigned: a short-lived presigned URL of the bucket."),
    404: OpenApiResponse(description="No such file, or one you may not see."),
}


def _downloaded(request: Request, survey, file: str, asset=None) -> None:
    if request.method == "GET":  # a HEAD sends no file
        services.survey_file_downloaded(survey=survey, by=request.user, now=timezone.now(), file=file, asset=asset)


class AssetDownloadView(APIView):
    """Download one delivered file (the assets list gives each one's `download_url`): 404 unless you may see
    its survey; every download is recorded in the request's audit trail."""

    content_negotiation_class = AnyAccept

    @extend_schema(responses=_FILE_RESPONSES)
    def get(self, request: Request, pk: int):
        asset = get_object_or_404(selectors.visible_assets(request.user), pk=pk)
        response = files.asset_response(asset)
        _downloaded(request, asset.survey, "asset", asset)
        return response


class SiteViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SiteSerializer
    filterset_class = SiteFilter
    pagination_class = ListPagination

    def get_queryset(self):
        return selectors.visible_sites(self.request.user).order_by("name", "id")


class SurveyViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = SurveySerializer
    filterset_class = SurveyFilter
    pagination_class = ListPagination

    def get_queryset(self):
        return selectors.survey_list_rows(self.request.user)

    @extend_schema(request=SurveyCreateSerializer, responses={201: SurveySerializer})
    def create(self, request: Request, *args, **kwargs) -> Response:
        """Open a survey (a delivery) for the request's flown flight, or the given `flight`, which must be flown;
        400 naming `flight` when it is cancelled or still scheduled, or when the request has no flown flight."""
        if not can_create_survey(request.user):
            raise PermissionDenied("Only a contractor user (or an administrator) opens a delivery.")
        form = SurveyCreateSerializer(data=request.data, context={"request": request})
        form.is_valid(raise_exception=True)
        try:
            survey = services.survey_create(by=request.user, **form.validated_data)
        except services.SurveyError as exc:
            return _error(exc.field, exc.message)
        return Response(SurveySerializer(survey, context={"request": request}).data, status=201)

    @extend_schema(request=FlyingHeightSerializer, responses={200: SurveySerializer})
    @action(detail=True, methods=["post"])
    def deliver(self, request: Request, pk: str | None = None) -> Response:
        """Declare the delivery complete: computes and stores the conformance report. An optional
        `flying_height_m` states the flight's height above ground first (see `flying-height`)."""
        survey = self.get_object()
        if not can_deliver(request.user, survey):
            raise PermissionDenied("Only the contractor of this survey's supplier may deliver it.")
        form = FlyingHeightSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            survey = services.survey_deliver(survey=survey, by=request.user, now=timezone.now(),
                                             flying_height_m=form.validated_data.get("flying_height_m"))
        except services.SurveyError as exc:
            return _error(exc.field, exc.message)
        return Response(SurveySerializer(survey, context={"request": request}).data)

    @extend_schema(request=FlyingHeightSerializer, responses={200: SurveySerializer})
    @action(detail=True, methods=["post"], url_path="flying-height")
    def flying_height(self, request: Request, pk: str | None = None) -> Response:
        """State the flight's height above ground (m), for photos that record no relative altitude: their
        footprints are recomputed from it. The conformance report shows it as stated, never as measured."""
        survey = self.get_object()
        if not can_deliver(request.user, survey):
            raise PermissionDenied("Only the contractor of this survey's supplier may state its flying height.")
        form = FlyingHeightSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        if "flying_height_m" not in form.validated_data:
            return _error("flying_height_m", "State flying_height_m (metres above ground), or null to withdraw it.")
        try:
            survey = services.survey_set_flying_height(survey=survey,
                                                       height_m=form.validated_data["flying_height_m"])
        except services.SurveyError as exc:
            return _error(exc.field, exc.message)
        return Response(SurveySerializer(survey, context={"request": request}).data)

    @extend_schema(request=None, responses={202: JobSerializer})
    @action(detail=True, methods=["post"], url_path="rebuild-map")
    def rebuild_map(self, request: Request, pk: str | None = None) -> Response:
        """Build the map again from the survey's current files (e.g. after adding a gcp_list.txt): queues an
        orthomosaic (photos) or COG (GeoTIFF) job and returns it; 400 before delivery, while a build is under
        way or with nothing to build from. The survey's contractor and the council's officers may."""
        survey = self.get_object()
        if not can_rebuild_map(request.user, survey):
            raise PermissionDenied("Only the survey's contractor and the council's officers may rebuild its map.")
        try:
            job = services.survey_rebuild_map(survey=survey, by=request.user)
        except services.SurveyError as exc:
            return _error(exc.field, exc.message)
        return Response(JobSerializer(job, context={"request": request}).data, status=202)

    @extend_schema(responses={200: AssetSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def assets(self, request: Request, pk: str | None = None) -> Response:
        survey = self.get_object()
        page = self.paginate_queryset(selectors.survey_assets(survey=survey))
        return self.get_paginated_response(AssetSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(responses=_FILE_RESPONSES)
    @action(detail=True, methods=["get"], content_negotiation_class=AnyAccept)
    def orthophoto(self, request: Request, pk: str | None = None):
        """The survey's map as a Cloud-Optimised GeoTIFF (404 while it has none)."""
        survey = self.get_object()
        response = files.orthophoto_response(survey)
        _downloaded(request, survey, "orthophoto")
        return response

    @extend_schema(responses={200: OpenApiResponse(description="GeoJSON FeatureCollection")})
    @action(detail=True, methods=["get"], url_path="map")
    def map(self, request: Request, pk: str | None = None) -> Response:
        """Approved area, photo footprints and positions as GeoJSON (`properties.layer` tells them apart)."""
        return Response(selectors.survey_map(survey=self.get_object()))


class UploadCreateView(APIView):
    """tus creation: POST with `Upload-Length` and `Upload-Metadata: filename <b64>,sha256 <b64>` (or a JSON
    body with filename, size, sha256). OPTIONS tells what this server supports."""

    @extend_schema(request=UploadCreateSerializer, responses={201: UploadSerializer})
    def post(self, request: Request, survey_id: int) -> Response:
        survey = get_object_or_404(selectors.visible_surveys(request.user), pk=survey_id)
        if not can_deliver(request.user, survey):
            raise PermissionDenied("Only the contractor of this survey's supplier may upload files to it.")
        if request.headers.get("Upload-Length") is not None:
            try:
                data = _tus_creation_data(request)
            except uploads.UploadError as exc:
                uploads.upload_refusal_record(survey=survey, owner=request.user, filename="",
                                              size=request.headers.get("Upload-Length"), field=exc.field,
                                              message=exc.message)
                return _upload_error(exc)
        else:
            form = UploadCreateSerializer(data=request.data)
            if not form.is_valid():
                field, errors = next(iter(form.errors.items()))
                body = request.data if hasattr(request.data, "get") else {}
                uploads.upload_refusal_record(survey=survey, owner=request.user, filename=body.get("filename", ""),
                                              size=body.get("size"), field=field, message=str(errors[0]))
                raise ValidationError(form.errors)
            data = form.validated_data
        try:
            upload = uploads.upload_create(survey=survey, owner=request.user, filename=data["filename"],
                                           size=data["size"], sha256=data["sha256"])
        except uploads.UploadError as exc:
            return _upload_error(exc)
        response = Response(UploadSerializer(upload, context={"request": request}).data, status=201)
        response["Location"] = request.build_absolute_uri(f"/api/v1/uploads/{upload.pk}/")
        return _tus_headers(response, upload)

    def options(self, request: Request, *args, **kwargs) -> Response:
        from django.conf import settings

        response = Response(status=204)
        response["Tus-Version"] = TUS_VERSION
        response["Tus-Extension"] = TUS_EXTENSIONS
        response["Tus-Checksum-Algorithm"] = "sha256"
        response["Tus-Max-Size"] = str(settings.UPLOAD_MAX_FILE_BYTES)
        return _tus_headers(response)


def _tus_creation_data(request: Request) -> dict:
    try:
        size = int(request.headers["Upload-Length"])
    except ValueError:
        raise uploads.UploadError("Upload-Length", "Upload-Length must be a whole number of bytes.") from None
    meta: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in request.headers.get("Upload-Metadata", "").split(","))):
        key, _, value = pair.partition(" ")
        try:
            meta[key] = base64.b64decode(value.strip(), validate=True).decode("utf-8") if value else ""
        except (binascii.Error, UnicodeDecodeError):
            raise uploads.UploadError("Upload-Metadata", f"The value of {key!r} is not base64 UTF-8.") from None
    return {"filename": meta.get("filename", ""), "size": size, "sha256": meta.get("sha256", "")}


class UploadView(APIView):
    """One upload: HEAD (offset, to resume), PATCH (append a chunk), DELETE (cancel), GET (JSON status)."""

    serializer_class = UploadSerializer  # documents the JSON status in the OpenAPI schema

    def _upload(self, request: Request, upload_id) -> Upload:
        upload = get_object_or_404(selectors.visible_uploads(request.user), pk=upload_id)
        if not can_deliver(request.user, upload.survey):  # e.g. the owner has since moved to another supplier
            raise Http404
        return upload

    def _queue_finish(self, upload: Upload) -> bool:
        """All bytes arrived but the upload was never finished (the server died or the request was cut while
        verifying it): the job runner verifies and stores it (never this request: the file may be many GB).
        True when it is (still) waiting for that."""
        return uploads.upload_queue_finish(upload=upload) is not None

    @extend_schema(responses={200: UploadSerializer})
    def get(self, request: Request, upload_id) -> Response:
        upload = self._upload(request, upload_id)
        response = _tus_headers(Response(UploadSerializer(upload, context={"request": request}).data), upload)
        if self._queue_finish(upload):
            response["Retry-After"] = "5"  # being verified by the job runner: the state is still receiving
        return response

    def head(self, request: Request, upload_id) -> Response:
        upload = self._upload(request, upload_id)
        if self._queue_finish(upload):
            response = _tus_headers(Response(status=200), upload)
            response["Retry-After"] = "5"
            return response
        if upload.state in {"cancelled", "expired"}:
            return _tus_headers(Response(status=410))
        if upload.state == "refused":  # GET says why (`error`); the file must be sent again
            return _tus_headers(Response(status=400), upload)
        if upload.state == "receiving" and timezone.now() > uploads.expires_at(upload):
            uploads.upload_expire(upload=upload)
            return _tus_headers(Response(status=410))
        return _tus_headers(Response(status=200), upload)

    @extend_schema(request={"application/offset+octet-stream": bytes}, responses={204: None})
    def patch(self, request: Request, upload_id) -> Response:
        upload = self._upload(request, upload_id)
        if request.content_type.split(";")[0].strip() != "application/offset+octet-stream":
            return _tus_headers(_error("Content-Type", "Chunks are sent as application/offset+octet-stream.", 415))
        try:
            offset = int(request.headers.get("Upload-Offset", ""))
        except ValueError:
            return _upload_error(uploads.UploadError("Upload-Offset", "Upload-Offset is required (bytes)."))
        length_header = request.headers.get("Content-Length")
        length = int(length_header) if length_header and length_header.isdigit() else None
        try:
            checksum = (uploads.parse_checksum_header(request.headers["Upload-Checksum"])
                        if "Upload-Checksum" in request.headers else None)
            uploads.upload_append(upload=upload, offset=offset, stream=request._request, length=length,
                                  checksum=checksum)
        except uploads.UploadError as exc:
            upload.refresh_from_db()
            return _upload_error(exc, upload)
        return _tus_headers(Response(status=204), upload)

    def delete(self, request: Request, upload_id) -> Response:
        upload = self._upload(request, upload_id)
        try:
            uploads.upload_terminate(upload=upload)
        except uploads.UploadError as exc:
            return _upload_error(exc, upload)
        return _tus_headers(Response(status=204))

    def options(self, request: Request, *args, **kwargs) -> Response:
        return UploadCreateView().options(request)
