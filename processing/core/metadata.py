"""What a delivered file is and what it says about where, when and how it was captured.

`read_imagery_info(path)` sniffs the content (never trusting the extension alone), reads EXIF, DJI XMP, video,
SRT telemetry, GeoTIFF and LAS headers, and computes a ground footprint where the height above ground is known.
`processing.core.validate.validate_upload` adds the hostile-file checks an upload needs.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from .cameras import estimate_sensor
from .errors import ImageryError
from .exif import parse_offset, read_exif
from .footprint import ground_footprint
from .gcp import looks_like_gcp_list, parse_gcp_list

KINDS = ("photo", "thermal_photo", "video", "orthophoto", "elevation", "point_cloud", "flight_log", "ground_control",
         "other")
TIME_SOURCES = ("gps", "exif_offset", "xmp_offset", "exif_local", "srt_local", "container_utc")
_DATETIME_FIELDS = ("captured_at",)
_R_JPEG_MIN_APP3 = 64 * 1024  # a DJI R-JPEG's raw frame: 640 x 512 x 2 bytes in APP3 segments


@dataclass
class ImageryInfo:
    file: str
    kind: str = "other"
    format: str | None = None  # jpeg, png, tiff, mp4, avi, mkv, las, laz, ply, e57, srt, gpx, kml, csv, zip, pdf, ...
    size: int = 0
    width: int | None = None
    height: int | None = None
    lat: float | None = None
    lon: float | None = None
    alt_m: float | None = None  # above mean sea level / ellipsoid as the device wrote it
    relative_alt_m: float | None = None  # above the take-off point (DJI XMP, SRT)
    captured_at: datetime | None = None  # aware when time_source is gps / exif_offset / xmp_offset / container_utc
    time_source: str | None = None
    captured_at_local: str | None = None  # the camera clock as written, no zone
    make: str | None = None
    model: str | None = None
    focal_mm: float | None = None
    focal_35mm: float | None = None
    sensor_width_mm: float | None = None
    sensor_height_mm: float | None = None
    sensor_source: str | None = None
    gimbal_pitch: float | None = None
    gimbal_yaw: float | None = None
    gimbal_roll: float | None = None
    flight_pitch: float | None = None
    flight_yaw: float | None = None
    flight_roll: float | None = None
    image_source: str | None = None
    thermal: bool = False
    footprint: dict[str, Any] | None = None  # GeoJSON Polygon, WGS84
    footprint_info: dict[str, Any] | None = None  # height used, gsd_cm, size, assumptions
    video: dict[str, Any] | None = None
    raster: dict[str, Any] | None = None
    point_cloud: dict[str, Any] | None = None
    track: list[dict[str, Any]] | None = None  # flight track points (t_s, lat, lon, rel_alt_m, abs_alt_m, time)
    archive: dict[str, Any] | None = None  # zip: entry count, total uncompressed bytes, names (validate_upload)
    ground_control: dict[str, Any] | None = None  # gcp_list.txt: crs, marks, sightings, photos (processing.core.gcp)
    warnings: list[str] = field(default_factory=list)

    @property
    def has_location(self) -> bool:
        return self.lat is not None and self.lon is not None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["captured_at"] = self.captured_at.isoformat() if self.captured_at else None
        out["no_location"] = not self.has_location
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ImageryInfo:
        """Rebuild from `to_json()` output (e.g. an Asset's stored metadata); unknown keys are ignored."""
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        when = values.get("captured_at")
        if isinstance(when, str):
            values["captured_at"] = datetime.fromisoformat(when)
        values.setdefault("file", str(data.get("file", "")))
        return cls(**values)

    def compute_footprint(
        self,
        *,
        above_ground_m: float | None = None,
        ground_elevation_m: float | None = None,
    ) -> dict[str, Any] | None:
        """Set and return `footprint` from the best height above ground: relative altitude, else `above_ground_m`,
        else altitude minus `ground_elevation_m`. Returns None (and leaves a warning) when it cannot."""
        if self.kind not in ("photo", "thermal_photo") or not self.has_location:
            return None
        height, height_source = _height_above_ground(self, above_ground_m, ground_elevation_m)
        if height is None:
            return None
        if height <= 0.5:
            self.warnings.append(f"height above ground {height:.1f} m is too low for a footprint")
            return None
        if not (self.sensor_width_mm and self.sensor_height_mm and self.focal_mm):
            self.warnings.append("no focal length or sensor size: no footprint")
            return None
        pitch = self.gimbal_pitch
        yaw = self.gimbal_yaw if self.gimbal_yaw is not None else self.flight_yaw
        roll = self.gimbal_roll
        fp = ground_footprint(
            lat=self.lat,  # type: ignore[arg-type]
            lon=self.lon,  # type: ignore[arg-type]
            height_m=height,
            focal_mm=self.focal_mm,
            sensor_width_mm=self.sensor_width_mm,
            sensor_height_mm=self.sensor_height_mm,
            image_width=self.width,
            pitch_deg=pitch,
            yaw_deg=yaw,
            roll_deg=roll,
        )
        self.footprint = fp.polygon
        self.footprint_info = fp.to_json() | {"height_source": height_source}
        del self.footprint_info["polygon"]
        return self.footprint


def _height_above_ground(
    info: ImageryInfo, above_ground_m: float | None, ground_elevation_m: float | None
) -> tuple[float | None, str | None]:
    if info.relative_alt_m is not None:
        return info.relative_alt_m, "relative_altitude"
    if above_ground_m is not None:
        return float(above_ground_m), "given_above_ground"
    if ground_elevation_m is not None and info.alt_m is not None:
        return info.alt_m - float(ground_elevation_m), "altitude_minus_ground"
    return None, None


# ---- content sniffing --------------------------------------------------------------------------------------------
_VIDEO_BOXES = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
_TEXT_EXTS = {".srt": "srt", ".gpx": "gpx", ".kml": "kml", ".csv": "csv", ".txt": "txt", ".json": "json"}


def sniff_format(head: bytes, name: str = "") -> str:
    """File format from its first bytes (the extension only tells apart text formats and LAS from LAZ)."""
    ext = Path(name).suffix.lower()
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if len(head) >= 12 and head[4:8] in _VIDEO_BOXES:
        return "mov" if head[8:10] == b"qt" or ext == ".mov" else "mp4"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "avi"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "mkv"
    if len(head) > 376 and head[0] == 0x47 and head[188] == 0x47 and head[376] == 0x47:
        return "ts"
    if head.startswith(b"LASF"):
        return "laz" if ext == ".laz" or (len(head) > 104 and head[104] & 0xC0) else "las"
    if head.startswith((b"ply\n", b"ply\r\n")):
        return "ply"
    if head.startswith(b"ASTM-E57"):
        return "e57"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] in (b"\x00\x00\x00\x0c", b"RIFF") and b"WEBP" in head[:16]:
        return "webp"
    try:
        text = head[:8192].decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = head[:8191].decode("utf-8")  # a multi-byte character cut at the boundary
        except UnicodeDecodeError:
            return "binary"
    if "\x00" in text:
        return "binary"
    lowered = text.lower()
    if "-->" in text and ext in ("", ".srt", ".txt"):
        return "srt"
    if "<gpx" in lowered:
        return "gpx"
    if "<kml" in lowered:
        return "kml"
    if ext in ("", ".txt") and looks_like_gcp_list(text):
        return "gcp"
    return _TEXT_EXTS.get(ext, "text")


def _flight_log_csv(head: bytes) -> bool:
    first = head.split(b"\n", 1)[0].decode("utf-8", "replace").lower()
    return "lat" in first and ("lon" in first or "lng" in first)


def read_las_header(data: bytes) -> dict[str, Any]:
    """Point count, version and bounds from a LAS/LAZ public header block (ASPRS LAS 1.0-1.4)."""
    if len(data) < 227 or not data.startswith(b"LASF"):
        raise ImageryError("not a LAS/LAZ file: the header is missing or cut short")
    major, minor = data[24], data[25]
    (count,) = struct.unpack_from("<I", data, 107)
    if major == 1 and minor >= 4 and len(data) >= 255:
        (count,) = struct.unpack_from("<Q", data, 247)
    max_x, min_x, max_y, min_y, max_z, min_z = struct.unpack_from("<6d", data, 179)
    return {
        "version": f"{major}.{minor}",
        "point_format": data[104] & 0x3F,
        "point_count": int(count),
        "bounds": [min_x, min_y, min_z, max_x, max_y, max_z],
    }


# ---- readers per family ------------------------------------------------------------------------------------------
def _fill_photo(info: ImageryInfo, path: Path, head: bytes) -> None:
    from .xmp import JpegStructureError, dji_fields, find_xmp, parse_xmp, walk_jpeg

    layout = None
    if info.format == "jpeg":
        try:
            layout = walk_jpeg(head)
        except JpegStructureError as exc:
            raise ImageryError(f"{info.file}: not a valid JPEG ({exc})") from exc
        info.width, info.height = layout.width, layout.height
    elif info.format == "png" and len(head) >= 24:
        info.width, info.height = struct.unpack(">II", head[16:24])
    exif = None
    if info.format in ("jpeg", "tiff", "webp", "png"):
        try:
            exif = read_exif(path)
        except Exception as exc:  # exifread raises many types on malformed tags; the pixels may be fine
            info.warnings.append(f"EXIF could not be read ({type(exc).__name__}: {exc})")
    packet = layout.xmp if layout and layout.xmp else find_xmp(head)
    dji = dji_fields(parse_xmp(packet))
    if exif is not None:
        info.make, info.model = exif.make, exif.model
        info.lat, info.lon, info.alt_m = exif.lat, exif.lon, exif.alt_m
        info.focal_mm, info.focal_35mm = exif.focal_mm, exif.focal_35mm
        info.width = info.width or exif.width
        info.height = info.height or exif.height
        if exif.datetime_original:
            info.captured_at_local = exif.datetime_original.isoformat()
    if info.lat is None and dji.lat is not None and dji.lon is not None:
        info.lat, info.lon = dji.lat, dji.lon
    if info.alt_m is None:
        info.alt_m = dji.absolute_alt_m
    info.relative_alt_m = dji.relative_alt_m
    info.gimbal_pitch, info.gimbal_yaw, info.gimbal_roll = dji.gimbal_pitch, dji.gimbal_yaw, dji.gimbal_roll
    info.flight_pitch, info.flight_yaw, info.flight_roll = dji.flight_pitch, dji.flight_yaw, dji.flight_roll
    info.image_source = dji.image_source
    if exif is not None and info.gimbal_yaw is None and exif.image_direction is not None:
        info.gimbal_yaw = exif.image_direction  # GPSImgDirection: where the camera pointed
    _set_capture_time(info, exif, dji.create_date)
    info.thermal = bool(
        (dji.image_source or "").lower().startswith("infrared")
        or (layout is not None and (layout.app3_bytes >= _R_JPEG_MIN_APP3 or layout.flir))
    )
    info.kind = "thermal_photo" if info.thermal else "photo"
    sensor = estimate_sensor(
        model=info.model,
        image_width=info.width,
        image_height=info.height,
        focal_mm=info.focal_mm,
        focal_35mm=info.focal_35mm,
        focal_plane_x_res=exif.focal_plane_x_res if exif else None,
        focal_plane_y_res=exif.focal_plane_y_res if exif else None,
        focal_plane_unit=exif.focal_plane_unit if exif else None,
    )
    if sensor is not None:
        info.sensor_width_mm, info.sensor_height_mm = round(sensor.width_mm, 4), round(sensor.height_mm, 4)
        info.focal_mm = info.focal_mm or sensor.focal_mm
        info.sensor_source = sensor.source
    if not info.has_location:
        info.warnings.append("no GPS position: the photo has no location")


def _set_capture_time(info: ImageryInfo, exif: Any, xmp_date: datetime | None) -> None:
    local = exif.datetime_original if exif is not None else None
    offset = parse_offset(exif.offset_time) if exif is not None else None
    if exif is not None and exif.gps_time is not None:
        info.captured_at, info.time_source = exif.gps_time, "gps"
    elif local is not None and offset is not None:
        info.captured_at, info.time_source = local.replace(tzinfo=offset), "exif_offset"
    elif xmp_date is not None and xmp_date.tzinfo is not None:
        info.captured_at, info.time_source = xmp_date, "xmp_offset"
    elif local is not None:
        info.captured_at, info.time_source = local, "exif_local"


def _fill_track(info: ImageryInfo, srt_text: str) -> None:
    from .video import parse_dji_srt

    points = parse_dji_srt(srt_text)
    if not points:
        return
    info.track = [p.to_json() for p in points]
    info.lat, info.lon = points[0].lat, points[0].lon
    rel = [p.rel_alt_m for p in points if p.rel_alt_m is not None]
    absolute = [p.abs_alt_m for p in points if p.abs_alt_m is not None]
    info.relative_alt_m = max(rel) if rel else None  # the highest point: what a height limit is about
    info.alt_m = max(absolute) if absolute else None
    stamp = next((p.time for p in points if p.time), None)
    if stamp and info.captured_at is None:
        match = re.match(r"(\d{4})[-.](\d{2})[-.](\d{2})\s+(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?", stamp)
        try:
            y, mo, d, h, mi, sec, frac = match.groups()  # type: ignore[union-attr]
            micro = int((frac or "0")[:6].ljust(6, "0"))
            info.captured_at = datetime(int(y), int(mo), int(d), int(h), int(mi), int(sec), micro)
            info.captured_at_local = info.captured_at.isoformat()
            info.time_source = "srt_local"
        except (AttributeError, ValueError):
            info.warnings.append(f"unreadable SRT time stamp {stamp!r}")


def _sibling_srt(path: Path) -> Path | None:
    for ext in (".SRT", ".srt"):
        candidate = path.with_suffix(ext)
        if candidate.is_file():
            return candidate
    return None


def _fill_video(info: ImageryInfo, path: Path) -> None:
    from .video import mp4_creation_time, read_video_facts

    facts = read_video_facts(path)
    info.kind = "video"
    info.width, info.height = facts.width, facts.height
    info.video = {
        "duration_s": None if facts.duration_s is None else round(facts.duration_s, 3),
        "fps": None if facts.fps is None else round(facts.fps, 3),
        "frame_count": facts.frame_count,
        "codec": facts.codec,
    }
    srt = _sibling_srt(path)
    if srt is not None:
        _fill_track(info, srt.read_text("utf-8", errors="replace"))
        info.video["telemetry"] = srt.name
    if info.captured_at is None and info.format in ("mp4", "mov"):
        created = mp4_creation_time(path)
        if created is not None and created.year > 1970:
            info.captured_at, info.time_source = created, "container_utc"


def _fill_raster(info: ImageryInfo, path: Path, *, check_pixels: bool) -> None:
    from .geotiff import raster_kind, read_raster_facts

    facts = read_raster_facts(path, check_pixels=check_pixels)
    info.width, info.height = facts.width, facts.height
    info.raster = facts.to_json()
    if facts.crs is None:
        info.kind = "photo"  # a plain TIFF still (multispectral cameras write these): read its EXIF
        return
    info.kind = raster_kind(facts)
    info.footprint = facts.footprint
    if facts.bounds_wgs84:
        west, south, east, north = facts.bounds_wgs84
        info.lon, info.lat = (west + east) / 2.0, (south + north) / 2.0


def read_imagery_info(
    path: Path,
    *,
    above_ground_m: float | None = None,
    ground_elevation_m: float | None = None,
    check_pixels: bool = True,
    declared_name: str | None = None,
) -> ImageryInfo:
    """Everything known about one file. Raises ImageryError for a file that claims a format it does not have.
    `declared_name` is the sender's file name when the file is stored under another (an upload's temp file):
    its extension tells text formats apart, and messages name it."""
    path = Path(path)
    name = declared_name or path.name
    if not path.is_file():
        raise ImageryError(f"{name}: not a file")
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(min(size, 16 * 1024 * 1024))
    info = ImageryInfo(file=name, size=size)
    info.format = sniff_format(head, name)
    fmt = info.format
    if fmt in ("jpeg", "png", "webp"):
        _fill_photo(info, path, head)
    elif fmt == "tiff":
        _fill_raster(info, path, check_pixels=check_pixels)
        if info.kind == "photo":
            _fill_photo(info, path, head)
            if (info.raster or {}).get("count") == 1 and (info.raster or {}).get("dtypes", [""])[0] != "uint8":
                info.kind, info.thermal = "thermal_photo", True  # one 16-bit band, no CRS: radiometric TIFF
    elif fmt in ("mp4", "mov", "avi", "mkv", "ts"):
        _fill_video(info, path)
    elif fmt in ("las", "laz"):
        info.kind = "point_cloud"
        info.point_cloud = read_las_header(head)
    elif fmt in ("ply", "e57"):
        info.kind = "point_cloud"
    elif fmt == "gcp":
        info.kind = "ground_control"
        gcps = parse_gcp_list(head.decode("utf-8", errors="replace"), name=name)
        info.ground_control = {"crs": gcps.crs, "marks": gcps.marks, "sightings": len(gcps.sightings),
                               "photos": sorted({g.photo for g in gcps.sightings})}
    elif fmt == "srt":
        info.kind = "flight_log"
        _fill_track(info, head.decode("utf-8", errors="replace"))
    elif fmt in ("gpx", "kml") or (fmt == "csv" and _flight_log_csv(head)) or (fmt in ("txt", "binary") and name.lower().startswith("djiflightrecord")):
        info.kind = "flight_log"
    else:
        info.kind = "other"
    if info.kind in ("photo", "thermal_photo"):
        info.compute_footprint(above_ground_m=above_ground_m, ground_elevation_m=ground_elevation_m)
    return info
