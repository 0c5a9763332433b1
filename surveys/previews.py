"""A still of a delivered photo or video for the pages: a photo scaled to at most 1280 px, a video's poster frame
(processing.core.video.write_poster_frame, a tenth of the way in). Made from the stored original on first request
and kept in storage beside it (`…/<sha>_preview.jpg`); served to exactly those who may see the survey
(`selectors.visible_assets`; anything else is a 404). Share links never come here: they get the blurred copy."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path, PurePosixPath

from django.contrib.auth.decorators import login_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from . import selectors
from .files import stored_file_response
from .models import Asset

STILL_KINDS = ("photo", "thermal_photo", "video")
MAX_SIDE = 1280


def preview_name(asset: Asset) -> str:
    stored = PurePosixPath(asset.file.name)
    return str(stored.with_name(stored.stem + "_preview.jpg"))


def still_bytes(asset: Asset) -> bytes:
    """The JPEG still of the asset (a photo scaled down, or a video's poster frame), made from the original."""
    import cv2  # here, not at import: the URL conf loads this module (tests/test_startup.py)
    import numpy as np

    from processing.core.errors import ImageryError
    from processing.core.video import write_poster_frame

    work = Path(tempfile.mkdtemp(prefix="preview-"))
    try:
        original = work / ("original" + PurePosixPath(asset.file.name).suffix)
        with default_storage.open(asset.file.name, "rb") as src, open(original, "wb") as dst:
            shutil.copyfileobj(src, dst)
        if asset.kind == "video":
            try:
                return write_poster_frame(original, work / "poster.jpg", max_width=MAX_SIDE).read_bytes()
            except ImageryError as exc:
                raise Http404(str(exc)) from exc
        image = cv2.imread(str(original), cv2.IMREAD_COLOR)
        if image is None:
            raise Http404("This photo cannot be read.")
        scale = min(1.0, MAX_SIDE / max(image.shape[:2]))
        if scale < 1.0:
            image = cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)),
                               interpolation=cv2.INTER_AREA)
        ok, encoded = cv2.imencode(".jpg", np.ascontiguousarray(image), [cv2.IMWRITE_JPEG_QUALITY, 85])
        if not ok:
            raise Http404("The preview could not be made.")
        return bytes(encoded.tobytes())
    finally:
        shutil.rmtree(work, ignore_errors=True)


def ensure_preview(asset: Asset) -> str:
    name = preview_name(asset)
    if not default_storage.exists(name):
        data = still_bytes(asset)
        if not default_storage.exists(name):  # another request may have made it meanwhile: the same bytes
            default_storage.save(name, ContentFile(data))
    return name


@login_required
@require_safe
def asset_preview(request: HttpRequest, asset_id: int) -> HttpResponseBase:
    """The still of a photo or video (the site viewer's poster frames)."""
    asset = get_object_or_404(selectors.visible_assets(request.user), pk=asset_id, kind__in=STILL_KINDS)
    stem = asset.original_name.rsplit(".", 1)[0]
    return stored_file_response(name=ensure_preview(asset), content_type="image/jpeg", filename=f"{stem}-still.jpg")
