"""The few EXIF facts the mosaic needs (GPS position, focal length, size), read without decoding pixels.

Kept small on purpose: processing.core.metadata is the full metadata reader; this module only needs what places a
photo, and must never decode the image body (a decompression bomb is refused from its header).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import exifread
from PIL import Image, UnidentifiedImageError

from ..errors import ImageryError


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


def _ratio(value: object) -> float:
    num = getattr(value, "num", None)
    den = getattr(value, "den", None)
    if num is not None and den is not None:
        return float(num) / float(den) if den else 0.0
    return float(value)  # type: ignore[arg-type]


def _dms(tag: object, ref: object) -> float | None:
    values = getattr(tag, "values", None)
    if not values or len(values) < 3:
        return None
    deg = _ratio(values[0]) + _ratio(values[1]) / 60.0 + _ratio(values[2]) / 3600.0
    if str(ref).strip().upper() in ("S", "W"):
        deg = -deg
    return deg


def _has_jpeg_end(path: Path) -> bool:
    """libjpeg decodes a cut-off file into grey without failing, so look for the EOI marker near the end."""
    with open(path, "rb") as fh:
        fh.seek(0, 2)
        size = fh.tell()
        fh.seek(max(0, size - 4096))
        return b"\xff\xd9" in fh.read()


def _int_tag(tag: object) -> int:
    values = getattr(tag, "values", None)
    try:
        return int(values[0]) if values else 0
    except (TypeError, ValueError):
        return 0


def _exposure_time(tags: dict) -> float | None:
    """DateTimeOriginal (camera clock, no zone) plus SubSecTimeOriginal, as seconds since 1970 read as UTC."""
    raw = str(tags.get("EXIF DateTimeOriginal") or tags.get("Image DateTime") or "").strip()
    try:
        when = datetime.strptime(raw[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    seconds = float(calendar.timegm(when.timetuple()))
    sub = str(tags.get("EXIF SubSecTimeOriginal") or "").strip()
    if sub.isdigit():
        seconds += float("0." + sub)
    return seconds


def _gps_time(tags: dict, exposure: float | None) -> float | None:
    """GPSTimeStamp (UTC time of the fix) on GPSDateStamp, or on the exposure's date when the date is missing."""
    stamp = getattr(tags.get("GPS GPSTimeStamp"), "values", None)
    if not stamp or len(stamp) < 3:
        return None
    try:
        of_day = _ratio(stamp[0]) * 3600.0 + _ratio(stamp[1]) * 60.0 + _ratio(stamp[2])
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    raw = str(tags.get("GPS GPSDate") or tags.get("GPS GPSDateStamp") or "").strip()
    try:
        day = float(calendar.timegm(datetime.strptime(raw[:10], "%Y:%m:%d").timetuple()))
    except ValueError:
        if exposure is None:
            return None
        day = exposure - exposure % 86400.0
        # the camera clock is local time: pick the UTC day that puts the fix nearest the exposure
        candidates = [day - 86400.0, day, day + 86400.0]
        return min((c + of_day for c in candidates), key=lambda t: abs(t - exposure))
    return day + of_day


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
        with open(path, "rb") as fh:
            tags = exifread.process_file(fh, details=False)
    except Exception as exc:  # exifread raises many types on broken EXIF blocks
        raise ImageryError(f"unreadable EXIF ({exc.__class__.__name__})") from exc
    lat = _dms(tags.get("GPS GPSLatitude"), tags.get("GPS GPSLatitudeRef", "N"))
    lon = _dms(tags.get("GPS GPSLongitude"), tags.get("GPS GPSLongitudeRef", "E"))
    alt = None
    if "GPS GPSAltitude" in tags:
        alt = _ratio(tags["GPS GPSAltitude"].values[0])
        if str(tags.get("GPS GPSAltitudeRef", "0")).strip() in ("1", "Below Sea Level"):
            alt = -alt
    focal = None
    if "EXIF FocalLength" in tags:
        focal = _ratio(tags["EXIF FocalLength"].values[0]) or None
    focal_px = None
    # EXIF FocalPlaneResolutionUnit: 2 = inch, 3 = cm, 4 = mm (EXIF 2.32, tag 0xA210)
    unit_mm = {2: 25.4, 3: 10.0, 4: 1.0}.get(_int_tag(tags.get("EXIF FocalPlaneResolutionUnit")), 25.4)
    if focal and "EXIF FocalPlaneXResolution" in tags:
        per_unit = _ratio(tags["EXIF FocalPlaneXResolution"].values[0])
        if per_unit > 0:
            focal_px = focal * per_unit / unit_mm
            # focal-plane resolution belongs to the EXIF pixel dimensions; the file may have been resized since
            exif_width = _int_tag(tags.get("EXIF ExifImageWidth"))
            if exif_width > 0 and exif_width != width:
                focal_px *= width / exif_width
    if focal_px is None and "EXIF FocalLengthIn35mmFilm" in tags:
        f35 = _ratio(tags["EXIF FocalLengthIn35mmFilm"].values[0])
        if f35 > 0:
            focal_px = f35 / 36.0 * max(width, height)  # 36 mm is the long side of a 35 mm frame
    if lat is not None and lon is not None and lat == 0.0 and lon == 0.0:
        lat = lon = None  # an unfixed receiver writes 0,0
    exposure = _exposure_time(tags)
    return PhotoExif(width=width, height=height, lat=lat, lon=lon, alt_m=alt, focal_mm=focal,
                     focal_px=focal_px, time_s=exposure, gps_time_s=_gps_time(tags, exposure))
