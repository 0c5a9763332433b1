"""DJI XMP (the drone-dji namespace) and the JPEG segment walk that finds it and recognises R-JPEG thermal frames."""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

_XMP_HEADER = b"http://ns.adobe.com/xap/1.0/\x00"
_ATTR_RE = re.compile(rb"([A-Za-z][\w.-]*):([A-Za-z][\w.-]*)\s*=\s*\"([^\"]*)\"")
_ELEM_RE = re.compile(rb"<([A-Za-z][\w.-]*):([A-Za-z][\w.-]*)>([^<]{0,200})</\1:\2>")
_XMP_SCAN_BYTES = 512 * 1024


@dataclass
class JpegLayout:
    """What the marker walk up to the first scan found (no entropy data is decoded)."""

    width: int | None = None
    height: int | None = None
    components: int | None = None
    app_segments: dict[int, int] = field(default_factory=dict)  # APPn number -> count
    app3_bytes: int = 0  # DJI R-JPEG keeps the raw thermal frame in APP3 segments
    xmp: bytes | None = None
    flir: bool = False  # FLIR radiometric JPEGs carry an APP1 "FLIR" segment
    sos_offset: int | None = None


class JpegStructureError(ValueError):
    pass


def walk_jpeg(data: bytes) -> JpegLayout:
    """Walk the markers of a JPEG from SOI to the first SOS. Raises JpegStructureError on a malformed header."""
    if not data.startswith(b"\xff\xd8"):
        raise JpegStructureError("does not start with a JPEG SOI marker")
    layout = JpegLayout()
    pos = 2
    size = len(data)
    while pos < size:
        if data[pos] != 0xFF:
            raise JpegStructureError(f"expected a marker at byte {pos}")
        while pos < size and data[pos] == 0xFF:  # fill bytes
            pos += 1
        if pos >= size:
            break
        marker = data[pos]
        pos += 1
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            continue
        if marker == 0xD9:
            raise JpegStructureError("image ends before any scan data")
        if pos + 2 > size:
            raise JpegStructureError("header is cut short")
        (length,) = struct.unpack(">H", data[pos : pos + 2])
        if length < 2 or pos + length > size:
            raise JpegStructureError(f"segment 0x{marker:02X} runs past the end of the file")
        body = data[pos + 2 : pos + length]
        if 0xE0 <= marker <= 0xEF:
            n = marker - 0xE0
            layout.app_segments[n] = layout.app_segments.get(n, 0) + 1
            if n == 3:
                layout.app3_bytes += len(body)
            if n == 1 and body.startswith(_XMP_HEADER) and layout.xmp is None:
                layout.xmp = body[len(_XMP_HEADER) :]
            if n == 1 and body.startswith(b"FLIR\x00"):
                layout.flir = True
        elif marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            if len(body) < 6:
                raise JpegStructureError("frame header is too short")
            _, height, width, components = struct.unpack(">BHHB", body[:6])
            if layout.width is None:
                layout.height, layout.width, layout.components = height, width, components
        elif marker == 0xDA:
            layout.sos_offset = pos - 2
            return layout
        pos += length
    raise JpegStructureError("no image scan (SOS) found: the file is cut short")


def find_xmp(data: bytes) -> bytes | None:
    """The XMP packet anywhere in the first 512 KB (TIFF, MP4 and others keep it in their own boxes)."""
    head = data[:_XMP_SCAN_BYTES]
    start = head.find(b"<x:xmpmeta")
    if start < 0:
        return None
    end = head.find(b"</x:xmpmeta>", start)
    return head[start : end + 12] if end > 0 else None


def parse_xmp(packet: bytes | None) -> dict[str, str]:
    """Flat {"prefix:Name": value} of every attribute and simple element in an XMP packet."""
    if not packet:
        return {}
    out: dict[str, str] = {}
    for regex in (_ATTR_RE, _ELEM_RE):
        for prefix, name, value in regex.findall(packet):
            if prefix in (b"xmlns", b"rdf", b"x"):
                continue
            key = f"{prefix.decode('ascii', 'replace')}:{name.decode('ascii', 'replace')}"
            out.setdefault(key, value.decode("utf-8", "replace").strip())
    return out


def _float(value: str | None) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return None if math.isnan(number) else number


@dataclass
class DjiXmp:
    relative_alt_m: float | None = None
    absolute_alt_m: float | None = None
    lat: float | None = None
    lon: float | None = None
    gimbal_pitch: float | None = None
    gimbal_yaw: float | None = None
    gimbal_roll: float | None = None
    flight_pitch: float | None = None
    flight_yaw: float | None = None
    flight_roll: float | None = None
    image_source: str | None = None
    create_date: datetime | None = None  # aware when the XMP date carries an offset
    raw: dict[str, str] = field(default_factory=dict)

    @property
    def present(self) -> bool:
        return bool(self.raw)


def dji_fields(xmp: dict[str, str]) -> DjiXmp:
    """The drone-dji fields (any prefix bound to the DJI namespace is written drone-dji in practice)."""
    dji = {k.split(":", 1)[1]: v for k, v in xmp.items() if k.lower().startswith(("drone-dji:", "dji:"))}
    out = DjiXmp(raw=dji)
    out.relative_alt_m = _float(dji.get("RelativeAltitude"))
    out.absolute_alt_m = _float(dji.get("AbsoluteAltitude"))
    out.lat = _float(dji.get("GpsLatitude") or dji.get("Latitude"))
    out.lon = _float(dji.get("GpsLongitude") or dji.get("GpsLongtitude") or dji.get("Longitude"))
    out.gimbal_pitch = _float(dji.get("GimbalPitchDegree"))
    out.gimbal_yaw = _float(dji.get("GimbalYawDegree"))
    out.gimbal_roll = _float(dji.get("GimbalRollDegree"))
    out.flight_pitch = _float(dji.get("FlightPitchDegree"))
    out.flight_yaw = _float(dji.get("FlightYawDegree"))
    out.flight_roll = _float(dji.get("FlightRollDegree"))
    out.image_source = dji.get("ImageSource") or None
    created = xmp.get("xmp:CreateDate") or xmp.get("exif:DateTimeOriginal")
    if created:
        try:
            out.create_date = datetime.fromisoformat(created)
        except ValueError:
            out.create_date = None
    return out


def read_head(path: Path, limit: int = 4 * 1024 * 1024) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(limit)
