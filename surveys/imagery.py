"""Thin adapter over the pure processing core (validation, metadata, conformance), imported lazily so that
this app never fails to import because of the core, and so that the core keeps no Django in it."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from django.utils import timezone as dj_timezone

from .models import AssetKind

HASH_BLOCK = 1024 * 1024


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in blocks (files may be several GB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def validate_and_read(path: Path, declared_name: str, *, stated_height_m: float | None = None) -> dict[str, Any]:
    """Refuse hostile or broken files (raises processing.core.errors.ImageryError with a clear message) and
    return the file's `imagery_info` JSON (kind, lat, lon, alt_m, captured_at, width, height, footprint...).

    `stated_height_m` (the survey's stated flying height) gives a footprint to photos that record no relative
    altitude; a photo that records one keeps its own."""
    from django.conf import settings

    from processing.core.validate import validate_upload

    info = validate_upload(
        path,
        declared_name=declared_name,
        max_pixels=settings.UPLOAD_MAX_IMAGE_PIXELS,
        max_image_bytes=settings.UPLOAD_MAX_IMAGE_BYTES,
        max_raster_pixels=settings.UPLOAD_MAX_RASTER_PIXELS,
    )
    if stated_height_m is not None and info.footprint is None and info.relative_alt_m is None:
        info.compute_footprint(above_ground_m=stated_height_m)
    data = info.to_json()
    data["file"] = declared_name
    return data


def footprint_with_stated_height(metadata: dict[str, Any], stated_height_m: float | None) -> dict[str, Any]:
    """The stored metadata of a photo with its footprint recomputed for a (new) stated flying height, or
    without one when the statement is withdrawn. Photos that record their own relative altitude, and files
    that are not photos, are returned unchanged. No file is read: the stored metadata has all it needs."""
    from processing.core.metadata import ImageryInfo

    if metadata.get("kind") not in ("photo", "thermal_photo") or metadata.get("relative_alt_m") is not None:
        return metadata
    info = ImageryInfo.from_json(metadata)
    info.footprint, info.footprint_info = None, None
    if stated_height_m is not None:
        info.compute_footprint(above_ground_m=stated_height_m)
    data = info.to_json()
    data["file"] = metadata.get("file", info.file)
    return data


# The metadata core's kinds, mapped onto Asset kinds (unknown kinds are stored as "other").
_KIND_MAP = {
    "photo": AssetKind.PHOTO,
    "image": AssetKind.PHOTO,
    "thermal": AssetKind.THERMAL_PHOTO,
    "thermal_photo": AssetKind.THERMAL_PHOTO,
    "video": AssetKind.VIDEO,
    "orthophoto": AssetKind.ORTHOPHOTO,
    "geotiff": AssetKind.ORTHOPHOTO,
    "raster": AssetKind.ORTHOPHOTO,
    "elevation": AssetKind.ELEVATION,
    "dem": AssetKind.ELEVATION,
    "point_cloud": AssetKind.POINT_CLOUD,
    "flight_log": AssetKind.FLIGHT_LOG,
    "srt": AssetKind.FLIGHT_LOG,
    "ground_control": AssetKind.GROUND_CONTROL,
}


def asset_kind(info: dict[str, Any]) -> str:
    return str(_KIND_MAP.get(str(info.get("kind") or "").lower(), AssetKind.OTHER))


def parse_captured_at(value: Any) -> datetime | None:
    """ISO time from the metadata core. It is aware when the file had GPS time or an offset tag; a camera
    clock without a zone (`time_source` "exif_local") is taken as local time in settings.TIME_ZONE."""
    if not value:
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = dj_timezone.make_aware(parsed)
    return parsed


def as_float(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None
