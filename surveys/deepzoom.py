"""A photo's Deep Zoom pyramid (processing.core.deepzoom), made from the stored original on first request and
kept in storage next to it (`blobs/ab/<sha>_deepzoom/deepzoom.dzi` and `…/deepzoom_files/<level>/<c>_<r>.jpg`),
served to exactly those who may see the photo's survey (`selectors.visible_assets`; anything else is a 404)."""

from __future__ import annotations

import re
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

PHOTO_KINDS = ("photo", "thermal_photo")
NAME = "deepzoom"


def pyramid_prefix(asset: Asset) -> str:
    """Where the asset's pyramid is stored: beside the original, named after it."""
    stored = PurePosixPath(asset.file.name)
    return str(stored.with_name(stored.stem + "_deepzoom"))


def ensure_pyramid(asset: Asset) -> str:
    """The storage name of the asset's .dzi, making the pyramid first when it is not there yet (the .dzi is
    saved last, so its presence means every tile is there)."""
    from processing.core.deepzoom import build_dzi

    prefix = pyramid_prefix(asset)
    dzi = f"{prefix}/{NAME}.dzi"
    if default_storage.exists(dzi):
        return dzi
    work = Path(tempfile.mkdtemp(prefix="deepzoom-"))
    try:
        original = work / "original"
        with default_storage.open(asset.file.name, "rb") as src, open(original, "wb") as dst:
            shutil.copyfileobj(src, dst)
        out = work / "out"
        build_dzi(original, out, NAME)
        for path in sorted((out / f"{NAME}_files").rglob("*.jpg")):
            name = f"{prefix}/{path.relative_to(out).as_posix()}"
            if not default_storage.exists(name):  # another request may be making it too: same bytes
                default_storage.save(name, ContentFile(path.read_bytes()))
        if not default_storage.exists(dzi):
            default_storage.save(dzi, ContentFile((out / f"{NAME}.dzi").read_bytes()))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dzi


def _photo(request: HttpRequest, asset_id: int) -> Asset:
    return get_object_or_404(selectors.visible_assets(request.user), pk=asset_id, kind__in=PHOTO_KINDS)


@login_required
@require_safe
def photo_dzi(request: HttpRequest, asset_id: int) -> HttpResponseBase:
    """The photo's Deep Zoom descriptor (XML)."""
    asset = _photo(request, asset_id)
    return stored_file_response(name=ensure_pyramid(asset), content_type="application/xml",
                                filename=f"photo-{asset.pk}.dzi")


_TILE = re.compile(r"^\d{1,2}/\d{1,4}_\d{1,4}$")


@login_required
@require_safe
def photo_tile(request: HttpRequest, asset_id: int, level: int, col: int, row: int) -> HttpResponseBase:
    """One JPEG tile of the photo's pyramid."""
    asset = _photo(request, asset_id)
    name = f"{pyramid_prefix(asset)}/{NAME}_files/{level}/{col}_{row}.jpg"
    if not _TILE.match(f"{level}/{col}_{row}"):
        raise Http404("No such tile.")
    if not default_storage.exists(name):  # one storage call for a tile already made; else make the pyramid
        ensure_pyramid(asset)
        if not default_storage.exists(name):
            raise Http404("No such tile.")
    return stored_file_response(name=name, content_type="image/jpeg", filename=f"{level}-{col}-{row}.jpg")
