"""EXIF fields a drone survey needs, read with exifread (headers only, no pixel decoding)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import exifread

_OFFSET_RE = re.compile(r"^\s*([+-])(\d{2}):?(\d{2})\s*$")


@dataclass
class ExifFields:
    make: str | None = None
    model: str | None = None
    lat: float | None = None
    lon: float | None = None
    alt_m: float | None = None
    gps_time: datetime | None = None  # UTC, from GPSDateStamp + GPSTimeStamp
    datetime_original: datetime | None = None  # naive, the camera clock
    offset_time: str | None = None  # OffsetTimeOriginal (or OffsetTime), e.g. "+01:00"
    focal_mm: float | None = None
    focal_35mm: float | None = None
    width: int | None = None
    height: int | None = None
    focal_plane_x_res: float | None = None
    focal_plane_y_res: float | None = None
    focal_plane_unit: int | None = None
    image_direction: float | None = None  # GPSImgDirection, degrees from north
    orientation: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _num(value: Any) -> float | None:
    """One number from an exifread value (a Ratio, an int, or a list of one)."""
    try:
        if isinstance(value, list):
            value = value[0]
        if hasattr(value, "denominator") and value.denominator == 0:
            return None
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError, IndexError):
        return None


def _values(tags: dict[str, Any], name: str) -> list[Any] | None:
    tag = tags.get(name)
    if tag is None:
        return None
    values = tag.values
    return list(values) if isinstance(values, (list, tuple)) else [values]


def _text(tags: dict[str, Any], name: str) -> str | None:
    tag = tags.get(name)
    if tag is None:
        return None
    text = str(tag.printable if hasattr(tag, "printable") else tag).strip().strip("\x00").strip()
    return text or None


def _number(tags: dict[str, Any], name: str) -> float | None:
    values = _values(tags, name)
    return _num(values) if values else None


def _dms(tags: dict[str, Any], name: str, ref_name: str, negative_ref: str) -> float | None:
    values = _values(tags, name)
    if not values or len(values) < 3:
        return None
    parts = [_num(v) for v in values[:3]]
    if any(p is None for p in parts):
        return None
    degrees = parts[0] + parts[1] / 60.0 + parts[2] / 3600.0  # type: ignore[operator]
    ref = (_text(tags, ref_name) or "").upper()
    return -degrees if ref.startswith(negative_ref) else degrees


def _parse_exif_datetime(text: str | None, subsec: str | None = None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.strptime(text.strip()[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        try:
            value = datetime.strptime(text.strip()[:19], "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return None
    if subsec and subsec.strip().isdigit():
        digits = subsec.strip()[:6]
        value = value.replace(microsecond=int(digits.ljust(6, "0")))
    return value


def parse_offset(text: str | None) -> timezone | None:
    """"+01:00" / "-0500" into a fixed-offset time zone; None for anything else."""
    match = _OFFSET_RE.match(text or "")
    if not match:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta > timedelta(hours=14):
        return None
    return timezone(-delta if sign == "-" else delta)


def _gps_time(tags: dict[str, Any]) -> datetime | None:
    date_text = _text(tags, "GPS GPSDate")
    values = _values(tags, "GPS GPSTimeStamp")
    if not date_text or not values or len(values) < 3:
        return None
    parts = [_num(v) for v in values[:3]]
    if any(p is None for p in parts):
        return None
    try:
        day = datetime.strptime(date_text.strip()[:10].replace("-", ":"), "%Y:%m:%d")
    except ValueError:
        return None
    seconds = parts[0] * 3600 + parts[1] * 60 + parts[2]  # type: ignore[operator]
    if not 0 <= seconds < 86401:
        return None
    return (day + timedelta(seconds=seconds)).replace(tzinfo=UTC)


def read_exif(path: Path) -> ExifFields:
    """EXIF of a JPEG or TIFF. Missing tags stay None; a file without EXIF gives an empty ExifFields."""
    with open(path, "rb") as fh:
        tags = exifread.process_file(fh, details=False, strict=False)
    out = ExifFields()
    if not tags:
        return out
    out.make = _text(tags, "Image Make")
    out.model = _text(tags, "Image Model")
    out.lat = _dms(tags, "GPS GPSLatitude", "GPS GPSLatitudeRef", "S")
    out.lon = _dms(tags, "GPS GPSLongitude", "GPS GPSLongitudeRef", "W")
    if out.lat is not None and not -90 <= out.lat <= 90:
        out.lat = None
    if out.lon is not None and not -180 <= out.lon <= 180:
        out.lon = None
    if out.lat == 0.0 and out.lon == 0.0:  # no fix: many cameras write zeros
        out.lat = out.lon = None
    alt = _number(tags, "GPS GPSAltitude")
    if alt is not None:
        ref = _values(tags, "GPS GPSAltitudeRef")
        out.alt_m = -alt if ref and _num(ref) == 1 else alt
    out.gps_time = _gps_time(tags)
    out.datetime_original = _parse_exif_datetime(
        _text(tags, "EXIF DateTimeOriginal") or _text(tags, "Image DateTime"),
        _text(tags, "EXIF SubSecTimeOriginal"),
    )
    out.offset_time = _text(tags, "EXIF OffsetTimeOriginal") or _text(tags, "EXIF OffsetTime")
    out.focal_mm = _number(tags, "EXIF FocalLength")
    out.focal_35mm = _number(tags, "EXIF FocalLengthIn35mmFilm") or None
    width = _number(tags, "EXIF ExifImageWidth") or _number(tags, "Image ImageWidth")
    height = _number(tags, "EXIF ExifImageLength") or _number(tags, "Image ImageLength")
    out.width = int(width) if width else None
    out.height = int(height) if height else None
    out.focal_plane_x_res = _number(tags, "EXIF FocalPlaneXResolution")
    out.focal_plane_y_res = _number(tags, "EXIF FocalPlaneYResolution")
    unit = _number(tags, "EXIF FocalPlaneResolutionUnit")
    out.focal_plane_unit = int(unit) if unit else None
    out.image_direction = _number(tags, "GPS GPSImgDirection")
    orientation = _values(tags, "Image Orientation")
    out.orientation = int(_num(orientation) or 1) if orientation else None
    serial = _text(tags, "EXIF BodySerialNumber")
    if serial:
        out.extra["serial"] = serial
    software = _text(tags, "Image Software")
    if software:
        out.extra["software"] = software
    return out
