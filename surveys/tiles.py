"""The map of a survey as tiles: /tiles/surveys/<survey_id>/<z>/<x>/<y>.<png|webp|jpg> (web) and its TileJSON
(/api/v1/surveys/<survey_id>/tilejson.json). Who may read them is the survey's visibility; the pixels come from
`processing.core.tiles` (the same `render_block` that `export_tiles` uses, so tiles are byte-identical)."""

from __future__ import annotations

import hashlib

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.site import absolute_url
from processing.core.errors import TileError
from processing.selectors import orthophoto_source
from processing.serializers import TileJSONSerializer

from .selectors import visible_surveys

RENDERER_VERSION = "1"
CACHE_CONTROL = "private, max-age=86400"


@require_GET
def survey_tile(request: HttpRequest, survey_id: int, z: int, x: int, y: int, ext: str) -> HttpResponse:
    # Imported here, not at URL-conf load: they pull in rasterio, cv2 and numpy, slow to import.
    from processing.core.tile_encode import FORMATS
    from processing.core.tiles import render_tile

    if ext not in FORMATS:
        raise Http404("unknown tile format")
    name = visible_surveys(request.user).filter(pk=survey_id).values_list("orthophoto", flat=True).first()
    if not name:
        raise Http404("no such survey, or it has no orthophoto yet")
    if z > 30 or x >= 2**z or y >= 2**z:
        raise Http404("no such tile")
    etag = '"' + hashlib.sha1(f"{RENDERER_VERSION}:{name}:{z}/{x}/{y}.{ext}".encode()).hexdigest()[:24] + '"'
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        try:
            data = render_tile(orthophoto_source(name), z, x, y, ext)
        except TileError as exc:
            raise Http404(str(exc)) from exc
        response = HttpResponse(data, content_type=FORMATS[ext])
    response["ETag"] = etag
    response["Cache-Control"] = CACHE_CONTROL
    response["Vary"] = "Cookie, Authorization"
    return response


class SurveyTileJSONView(APIView):
    """TileJSON 3.0 for a survey's orthophoto (bounds and zoom range from the COG)."""

    @extend_schema(responses=TileJSONSerializer)
    def get(self, request: Request, survey_id: int) -> Response:
        survey = get_object_or_404(visible_surveys(request.user), pk=survey_id)
        if not survey.orthophoto:
            raise NotFound("this survey has no orthophoto yet")
        try:
            source = orthophoto_source(survey.orthophoto.name)
        except TileError as exc:
            raise NotFound(str(exc)) from exc
        url = absolute_url(f"/tiles/surveys/{survey.pk}/") + "{z}/{x}/{y}.png"  # SITE_URL, not the Host header
        from processing.core.tiles import (
            tilejson,  # imported here: rasterio and cv2 are slow to import
        )

        return Response(tilejson(source, url, name=str(survey)))
