"""The few EXIF facts the mosaic needs (GPS position, focal length, size), read without decoding pixels.

EXIF tags come from processing.core.exif (the shared reader); this module adds what placing a photo needs (the
focal length in pixels of this possibly resized image, times as seconds) and never decodes the image body (a
decompression bomb is refused from its header).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from ..errors import ImageryError
from ..exif import read_exif


@dataclass(frozen=True)
class PhotoExif:
    width: int
    height: int
    lat: float | None
    lon: float | None
    alt_m: float | None
    focal_mm: float | None
    focal_px: float | None  # focal length in pixels of this image, when EXIF says enough to know it
    time_s: float | None = None  # exposure, camera clock (DateTimeOriginal + SubSec), seconds, as if UTC
    gps_time_s: float | None = None  # time of the GPS fix (GPSDateStamp + GPSTimeStamp, UTC), seconds


def _has_jpeg_end(path: Path) -> bool:
    """libjpeg decodes a cut-off file into grey without failing, so look for the EOI marker near the end."""
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 4096))
        return b"\xff\xd9" in fh.read()


def _seconds(when: datetime | None) -> float | None:
    """A datetime as seconds since 1970; a naive one (the camera clock) is read as if it were UTC."""
    if when is None:
        return None
    return calendar.timegm(when.utctimetuple()) + when.microsecond / 1e6


def read_photo_exif(path: Path, *, max_pixels: int) -> PhotoExif:
    """Header-only read: image size (Pillow, lazy), GPS and focal length (exifread)."""
    try:
        with Image.open(path) as im:
            width, height = im.size
            im_format = im.format
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ImageryError(f"not a readable image ({exc.__class__.__name__})") from exc
    if im_format not in ("JPEG", "TIFF", "PNG", "MPO"):
        raise ImageryError(f"unsupported image format {im_format}")
    if im_format in ("JPEG", "MPO") and not _has_jpeg_end(path):
        raise ImageryError("truncated JPEG: the end-of-image marker is missing (incomplete upload?)")
    if width * height > max_pixels:
        raise ImageryError(f"image too large ({width}x{height} pixels, limit {max_pixels})")
    try:
        exif = read_exif(path)
    except Exception as exc:  # exifread raises many types on broken EXIF blocks
        raise ImageryError(f"unreadable EXIF ({exc.__class__.__name__})") from exc
    focal = exif.focal_mm or None
    focal_px = None
    # EXIF FocalPlaneResolutionUnit: 2 = inch, 3 = cm, 4 = mm (EXIF 2.32, tag 0xA210)
    unit_mm = {2: 25.4, 3: 10.0, 4: 1.0}.get(exif.focal_plane_unit or 2, 25.4)
    if focal and exif.focal_plane_x_res and exif.focal_plane_x_res > 0:
        focal_px = focal * exif.focal_plane_x_res / unit_mm
        # focal-plane resolution belongs to the EXIF pixel dimensions; the file may have been resized since
        if exif.width and exif.width != width:
            focal_px *= width / exif.width
    if focal_px is None and exif.focal_35mm:
        focal_px = exif.focal_35mm / 36.0 * max(width, height)  # 36 mm is the long side of a 35 mm frame
    lat, lon, alt = exif.lat, exif.lon, exif.alt_m
    exposure = _seconds(exif.datetime_original)
    return PhotoExif(width=width, height=height, lat=lat, lon=lon, alt_m=alt, focal_mm=focal,
                     focal_px=focal_px, time_s=exposure, gps_time_s=_seconds(exif.gps_time))
