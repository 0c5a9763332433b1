"""API: a survey's WMTS capabilities and tiles for signed-in users and API-token users (QGIS, GDAL), its defects
as GeoJSON/GeoPackage, and share links (list, make, revoke)."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.exceptions import (
    PermissionDenied,
    ValidationError,
)
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.site import absolute_url
from surveys.selectors import visible_sites, visible_surveys
from surveys.tiles import survey_tile

from . import gis, selectors, services
from .models import ShareLink


class SurveyWMTSView(APIView):
    """OGC WMTS 1.0.0 capabilities of the survey's map (GoogleMapsCompatible, RESTful). Send the API token as
    `Authorization: Token <key>`; the tiles it points at take the same header."""

    @extend_schema(responses={(200, "application/xml"): OpenApiResponse(description="WMTS capabilities")})
    def get(self, request: Request, survey_id: int) -> HttpResponse:
        survey = get_object_or_404(visible_surveys(request.user), pk=survey_id)
        return gis.wmts_response(
            survey, tiles_base=absolute_url(f"/api/v1/surveys/{survey.pk}/tiles/"))


class SurveyTileView(APIView):
    """The tile endpoint (surveys.tiles.survey_tile: same bytes, same visibility) for API clients: a session or an
    API token (`Authorization: Token <key>`) signs the caller in. Not throttled: a map view asks for dozens."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]  # no credentials: 401, not 403
    permission_classes = [IsAuthenticated]
    throttle_classes: list[Any] = []

    @extend_schema(responses={(200, "image/png"): OpenApiTypes.BINARY, (200, "image/webp"): OpenApiTypes.BINARY},
                   description="A 256 px map tile of the survey's orthomosaic")
    def get(self, request: Request, survey_id: int, z: int, x: int, y: int, ext: str) -> HttpResponse:
        return survey_tile(request._request, survey_id=survey_id, z=z, x=x, y=y, ext=ext)


api_survey_tile = SurveyTileView.as_view()


class SurveyDefectsView(APIView):
    """The survey's defects placed on the ground: `?type=geojson` (default) or `?type=gpkg` (GeoPackage)."""

    @extend_schema(responses={(200, "application/geo+json"): OpenApiResponse(description="defects")})
    def get(self, request: Request, survey_id: int) -> HttpResponse:
        survey = get_object_or_404(visible_surveys(request.user), pk=survey_id)
        collection = gis.defects_geojson(survey)
        kind = request.query_params.get("type", "geojson")
        if kind == "geojson":
            response = JsonResponse(collection, content_type="application/geo+json")
            response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-defects.geojson"'
            return response
        if kind == "gpkg":
            response = HttpResponse(gis.defects_gpkg(collection), content_type="application/geopackage+sqlite3")
            response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-defects.gpkg"'
            return response
        raise ValidationError({"type": "geojson or gpkg"})


class ShareLinkSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    state = serializers.SerializerMethodField()
    passcode = serializers.SerializerMethodField()

    class Meta:
        model = ShareLink
        fields = ["id", "url", "site", "survey", "purpose", "created_by", "created_at", "expires_at", "revoked_at",
                  "state", "passcode"]

    def get_url(self, link: ShareLink) -> str:
        from .views import share_url

        return share_url(link)

    def get_state(self, link: ShareLink) -> str:
        return selectors.link_state(link)

    def get_passcode(self, link: ShareLink) -> bool:
        return bool(link.passcode_hash)


class ShareLinkCreateSerializer(serializers.Serializer):
    site = serializers.IntegerField(required=False)
    survey = serializers.IntegerField(required=False)
    expires_in = serializers.CharField(help_text="e.g. 36h, 14d, 2w (at most SHARE_LINK_MAX_DAYS)")
    purpose = serializers.CharField()
    passcode = serializers.CharField(required=False, allow_blank=True)


def _create(user: Any, data: dict[str, Any]) -> ShareLink:
    names: dict[str, Any] = {}
    if data.get("site") is not None:
        names["site"] = get_object_or_404(visible_sites(user), pk=data["site"])
    if data.get("survey") is not None:
        names["survey"] = get_object_or_404(visible_surveys(user), pk=data["survey"])
    try:
        return services.share_link_create(by=user, now=timezone.now(),
                                          expires_in=services.parse_duration(data["expires_in"]),
                                          purpose=data["purpose"], passcode=data.get("passcode") or "", **names)
    except services.ShareLinkError as exc:
        if not services.can_share(user):
            raise PermissionDenied(exc.message) from exc
        raise ValidationError({"detail": exc.message}) from exc


class ShareLinkListView(APIView):
    """GET: the share links (officers and planners); POST: make one for a site or a survey."""

    @extend_schema(responses=ShareLinkSerializer(many=True))
    def get(self, request: Request) -> Response:
        if not services.can_share(request.user):
            raise PermissionDenied("Only officers and planners see share links.")
        links = selectors.visible_share_links(request.user)[:500]
        return Response(ShareLinkSerializer(links, many=True).data)

    @extend_schema(request=ShareLinkCreateSerializer, responses={201: ShareLinkSerializer})
    def post(self, request: Request) -> Response:
        incoming = ShareLinkCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        link = _create(request.user, incoming.validated_data)
        return Response(ShareLinkSerializer(link).data, status=status.HTTP_201_CREATED)


class ShareLinkRevokeView(APIView):
    @extend_schema(request=None, responses=ShareLinkSerializer)
    def post(self, request: Request, pk: int) -> Response:
        link = get_object_or_404(selectors.visible_share_links(request.user), pk=pk)
        try:
            link = services.share_link_revoke(link=link, by=request.user, now=timezone.now())
        except services.ShareLinkError as exc:
            if not services.can_revoke(request.user, link):
                raise PermissionDenied(exc.message) from exc
            raise ValidationError({"detail": exc.message}) from exc
        return Response(ShareLinkSerializer(link).data)


