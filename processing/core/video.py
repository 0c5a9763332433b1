"""Video facts through OpenCV, a poster frame, and DJI SRT telemetry as a flight track."""

from __future__ import annotations

import os
import re
import struct
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import cv2

from .errors import ImageryError


@dataclass
class VideoFacts:
    width: int
    height: int
    fps: float | None
    frame_count: int | None
    duration_s: float | None
    codec: str | None


def _fourcc(value: float) -> str | None:
    code = int(value)
    if code <= 0:
        return None
    text = "".join(chr((code >> (8 * i)) & 0xFF) for i in range(4))
    return text if text.isprintable() and text.strip() else None


def read_video_facts(path: Path) -> VideoFacts:
    """Resolution, frame rate, frame count and duration. Raises ImageryError when OpenCV cannot decode a frame."""
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise ImageryError(f"{Path(path).name}: not a video OpenCV can open")
        width = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        fps = float(cap.get(cv2.CAP_PROP_FPS)) or None
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) or None
        ok, frame = cap.read()
        if not ok or frame is None or width <= 0 or height <= 0:
            raise ImageryError(f"{Path(path).name}: the video has no decodable frame")
        duration = count / fps if count and fps else None
        return VideoFacts(width, height, fps, count, duration, _fourcc(cap.get(cv2.CAP_PROP_FOURCC)))
    finally:
        cap.release()


def write_poster_frame(
    path: Path, out_path: Path, *, at_seconds: float | None = None, max_width: int = 1280, quality: int = 85
) -> Path:
    """Write one frame as a JPEG (default: a tenth of the way in, past black lead-in frames), atomically."""
    out_path = Path(out_path)
    cap = cv2.VideoCapture(str(path))
    try:
        if not cap.isOpened():
            raise ImageryError(f"{Path(path).name}: not a video OpenCV can open")
        fps = cap.get(cv2.CAP_PROP_FPS) or 0.0
        count = cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0.0
        target = int(at_seconds * fps) if at_seconds is not None and fps > 0 else int(count * 0.1)
        if count > 0:
            target = max(0, min(target, int(count) - 1))
        if target > 0:
            cap.set(cv2.CAP_PROP_POS_FRAMES, target)
        ok, frame = cap.read()
        if not ok and target > 0:  # some containers cannot seek: take the first frame
            cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            ok, frame = cap.read()
        if not ok or frame is None:
            raise ImageryError(f"{Path(path).name}: no frame could be decoded for a poster")
    finally:
        cap.release()
    h, w = frame.shape[:2]
    if w > max_width:
        frame = cv2.resize(frame, (max_width, round(h * max_width / w)), interpolation=cv2.INTER_AREA)
    ok, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ImageryError(f"{Path(path).name}: the poster frame could not be encoded")
    tmp = out_path.with_name(out_path.name + ".partial")
    tmp.write_bytes(encoded.tobytes())
    os.replace(tmp, out_path)
    return out_path


# ---- DJI SRT telemetry -------------------------------------------------------------------------------------------
@dataclass
class TrackPoint:
    t_s: float  # seconds from the start of the video
    lat: float
    lon: float
    rel_alt_m: float | None = None
    abs_alt_m: float | None = None
    time: str | None = None  # the wall-clock stamp as written (camera local time, no zone)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


_CUE_TIME = re.compile(r"(\d{1,2}):(\d{2}):(\d{2})[,.](\d{1,3})\s*-->")
_NUM = r"([-+]?\d+(?:\.\d+)?)"
# Mini 3 / Air 2S / Mavic 3 style: [latitude: 56.41] [longitude: -5.47] [rel_alt: 45.3 abs_alt: 80.1]
_LAT_BRACKET = re.compile(r"\[\s*lat(?:itude)?\s*[:=]\s*" + _NUM)
_LON_BRACKET = re.compile(r"\[\s*lon(?:gitude|gtitude)?\s*[:=]\s*" + _NUM)
_REL_ALT = re.compile(r"rel_alt\s*[:=]\s*" + _NUM)
_ABS_ALT = re.compile(r"abs_alt\s*[:=]\s*" + _NUM)
# Phantom 4 style: GPS(lon,lat,alt) BAROMETER:64.3 ; Mavic Pro style: GPS (lon, lat, n) ... H 6.00m
_GPS_PAREN = re.compile(r"GPS\s*\(\s*" + _NUM + r"\s*,\s*" + _NUM + r"(?:\s*,\s*" + _NUM + r")?\s*\)")
_BARO = re.compile(r"BAROMETER\s*:?\s*" + _NUM)
_H_METRES = re.compile(r"(?<![.\w])H\s+" + _NUM + r"\s*m")
_STAMP = re.compile(r"(\d{4}[-.]\d{2}[-.]\d{2}\s+\d{2}:\d{2}:\d{2}(?:[.,]\d+)?)")
_TAG = re.compile(r"<[^>]+>")


def looks_like_dji_srt(text: str) -> bool:
    head = text[:4000]
    return "-->" in head and bool(_LAT_BRACKET.search(head) or _GPS_PAREN.search(head))


def parse_dji_srt(text: str) -> list[TrackPoint]:
    """Every cue with a position becomes a TrackPoint; cues without one (or at 0,0: no fix) are skipped."""
    points: list[TrackPoint] = []
    for block in re.split(r"\r?\n\s*\r?\n", text.replace("\ufeff", "")):
        cue = _CUE_TIME.search(block)
        if not cue:
            continue
        h, m, s, ms = cue.groups()
        t_s = int(h) * 3600 + int(m) * 60 + int(s) + int(ms.ljust(3, "0")) / 1000.0
        body = _TAG.sub(" ", block[cue.end() :])
        lat = lon = rel = absolute = None
        lat_m, lon_m = _LAT_BRACKET.search(body), _LON_BRACKET.search(body)
        if lat_m and lon_m:
            lat, lon = float(lat_m.group(1)), float(lon_m.group(1))
            rel_m, abs_m = _REL_ALT.search(body), _ABS_ALT.search(body)
            rel = float(rel_m.group(1)) if rel_m else None
            absolute = float(abs_m.group(1)) if abs_m else None
        else:
            gps = _GPS_PAREN.search(body)
            if gps:
                lon, lat = float(gps.group(1)), float(gps.group(2))  # DJI writes longitude first here
                baro, h_m = _BARO.search(body), _H_METRES.search(body)
                rel = float(baro.group(1)) if baro else (float(h_m.group(1)) if h_m else None)
        if lat is None or lon is None or (lat == 0 and lon == 0):
            continue
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            continue
        stamp = _STAMP.search(body)
        points.append(TrackPoint(t_s, lat, lon, rel, absolute, stamp.group(1) if stamp else None))
    return points


def track_to_geojson(points: list[TrackPoint]) -> dict[str, Any] | None:
    """A LineString (lon, lat) of the track, or a Point for one fix; None for none."""
    coords = [[p.lon, p.lat] for p in points]
    if not coords:
        return None
    if len(coords) == 1:
        return {"type": "Point", "coordinates": coords[0]}
    return {"type": "LineString", "coordinates": coords}


def mp4_creation_time(path: Path) -> datetime | None:
    """The movie header's creation time (seconds since 1904-01-01, UTC by the standard), found by walking the
    top-level boxes with seeks, so a multi-GB file costs a few reads. None when absent or zero."""
    epoch = datetime(1904, 1, 1, tzinfo=UTC)
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            end = fh.tell()
            pos = 0
            while pos + 8 <= end:
                fh.seek(pos)
                size, box = struct.unpack(">I4s", fh.read(8))
                header = 8
                if size == 1:
                    size = struct.unpack(">Q", fh.read(8))[0]
                    header = 16
                elif size == 0:
                    size = end - pos
                if size < header:
                    return None
                if box == b"moov":
                    inner, stop = pos + header, min(pos + size, end)
                    while inner + 8 <= stop:
                        fh.seek(inner)
                        isize, ibox = struct.unpack(">I4s", fh.read(8))
                        if isize < 8:
                            return None
                        if ibox == b"mvhd":
                            version = fh.read(4)[0]
                            raw = fh.read(8 if version == 1 else 4)
                            seconds = int.from_bytes(raw, "big")
                            return epoch + timedelta(seconds=seconds) if seconds else None
                        inner += isize
                    return None
                pos += size
    except (OSError, struct.error, IndexError, OverflowError):
        return None
    return None
