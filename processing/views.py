"""The tile endpoint: /tiles/surveys/<survey_id>/<z>/<x>/<y>.<png|webp|jpg>."""

from __future__ import annotations

import hashlib

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from .core.errors import TileError
from .selectors import orthophoto_source

RENDERER_VERSION = "1"
CACHE_CONTROL = "private, max-age=86400"


@require_GET
def survey_tile(request: HttpRequest, survey_id: int, z: int, x: int, y: int, ext: str) -> HttpResponse:
    from surveys.selectors import visible_surveys

    # Imported here, not at URL-conf load: they pull in rasterio, cv2 and numpy, slow to import.
    from .core.tile_encode import FORMATS
    from .core.tiles import render_tile

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
