"""API: measurements on the elevation GeoTIFF a contractor delivered with a survey (DSM/DTM): what it is, a
height profile along a drawn line, the volume above/below a base inside a drawn polygon. Visibility follows the
survey (`surveys.selectors.visible_surveys`); on a survey without an elevation asset a measurement is a 400."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import HasRole
from surveys.models import Asset, AssetKind
from surveys.selectors import visible_surveys


def _elevation_asset(request: Request, survey_id: int) -> Asset | None:
    survey = get_object_or_404(visible_surveys(request.user), pk=survey_id)
    return survey.assets.filter(kind=AssetKind.ELEVATION).order_by("-size", "-id").first()


@contextlib.contextmanager
def _local(asset: Asset) -> Iterator[Path]:
    """The stored file as a local path (a temporary copy when storage has none, e.g. S3)."""
    try:
        local = Path(asset.file.path)
    except NotImplementedError:  # storage without local paths (S3): a temporary copy below
        local = None
    if local is not None:
        yield local
        return
    with tempfile.TemporaryDirectory(prefix="elevation-") as tmp:
        target = Path(tmp) / "dsm.tif"
        with asset.file.open("rb") as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst, length=4 * 1024 * 1024)
        yield target


def _missing() -> Response:
    # 400, not 404: the survey exists and is visible; it has nothing to measure (404 means "not yours to see")
    return _bad("this survey has no elevation model (DSM/DTM GeoTIFF) delivered")


def _bad(message: str) -> Response:
    return Response({"detail": message}, status=status.HTTP_400_BAD_REQUEST)


class SurveyElevationView(APIView):
    """Which elevation model the survey has: asset, name, CRS, cell size, height range (asset null: none)."""

    permission_classes = [HasRole]

    @extend_schema(responses=dict)
    def get(self, request: Request, survey_id: int) -> Response:
        import rasterio

        asset = _elevation_asset(request, survey_id)
        if asset is None:
            return Response({"asset": None, "detail": "no elevation model (DSM/DTM GeoTIFF) was delivered"})
        with _local(asset) as path, rasterio.open(path) as ds:
            stats = ds.statistics(1, approx=ds.width * ds.height > 4_000_000)
            return Response({"asset": asset.pk, "name": asset.original_name, "crs": ds.crs.to_string(),
                             "cell_m": abs(ds.transform.a), "width": ds.width, "height": ds.height,
                             "min_m": stats.min, "max_m": stats.max})


class SurveyElevationProfileView(APIView):
    """POST {"line": [[lon, lat], ...], "samples": 200}: heights along the line (distance in metres)."""

    permission_classes = [HasRole]

    @extend_schema(request=dict, responses=dict)
    def post(self, request: Request, survey_id: int) -> Response:
        from processing.core.elevation import ElevationError, profile

        asset = _elevation_asset(request, survey_id)
        if asset is None:
            return _missing()
        body: Any = request.data if isinstance(request.data, dict) else {}
        try:
            samples = int(body.get("samples", 200))
        except (TypeError, ValueError):
            return _bad("samples must be a whole number")
        try:
            with _local(asset) as path:
                points = profile(path, body.get("line") or [], samples=samples)
        except ElevationError as exc:
            return _bad(str(exc))
        return Response({"asset": asset.pk, "points": [
            {"distance_m": p.distance_m, "lon": p.lon, "lat": p.lat, "height_m": p.height_m} for p in points]})


class SurveyElevationVolumeView(APIView):
    """POST {"polygon": [[lon, lat], ...] or a GeoJSON Polygon, "base": "edge-mean" | "lowest" | metres}."""

    permission_classes = [HasRole]

    @extend_schema(request=dict, responses=dict)
    def post(self, request: Request, survey_id: int) -> Response:
        from processing.core.elevation import ElevationError, volume

        asset = _elevation_asset(request, survey_id)
        if asset is None:
            return _missing()
        body: Any = request.data if isinstance(request.data, dict) else {}
        ring = body.get("polygon") or []
        if isinstance(ring, dict):
            ring = (ring.get("coordinates") or [[]])[0] if ring.get("type") == "Polygon" else []
        base = body.get("base", "edge-mean")
        if isinstance(base, str) and base not in ("edge-mean", "lowest"):
            try:
                base = float(base)
            except ValueError:
                return _bad("the base is a height in metres, 'edge-mean' or 'lowest'")
        try:
            with _local(asset) as path:
                v = volume(path, ring, base=base)
        except ElevationError as exc:
            return _bad(str(exc))
        return Response({"asset": asset.pk, "base_m": v.base_m, "above_m3": round(v.above_m3, 2),
                         "below_m3": round(v.below_m3, 2), "net_m3": round(v.net_m3, 2),
                         "area_m2": round(v.area_m2, 2), "area_ha": round(v.area_m2 / 10_000, 4), "cells": v.cells,
                         "nodata_cells": v.nodata_cells, "cell_m": v.cell_m})
