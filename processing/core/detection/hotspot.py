"""Thermal hotspots: regions hotter than their surroundings by a margin.

Input is either a DJI R-JPEG's raw 16-bit radiometric frame (`read_thermal_frame` finds it in the APP3 segments
the metadata reader counts) or a temperature array in °C (a radiometric TIFF, float pixels). Raw counts rise
monotonically with temperature but are not calibrated here, so on raw frames the margin, peak and mean are
RELATIVE (counts); on a °C array they are ABSOLUTE (°C), and the margin is in kelvin.

The surroundings are a local median background (a median over `surround_px`, computed on a 4x reduced frame so
it is cheap and ignores patches smaller than about half the window). A pixel is hot where frame - background
exceeds the margin; the margin is `margin` in the frame's units when given, else `margin_sigmas` times the
frame's own robust spread of that excess (so it adapts to each camera and scene). Regions of at least
`min_area_px` pixels are reported, largest excess first.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from ..xmp import JpegStructureError, walk_jpeg
from ._common import BoolMask, DetectionError, mask_polygons

NAME = "hotspot-local-median"
VERSION = "1"
Units = Literal["raw", "celsius"]
_REDUCE = 4


@dataclass(frozen=True)
class ThermalFrame:
    values: NDArray[np.float32]
    units: Units


def read_thermal_frame(path: Path) -> ThermalFrame:
    """The radiometric frame of a DJI R-JPEG (raw counts) or a one-band radiometric TIFF (float = °C, else raw)."""
    data = Path(path).read_bytes()
    name = Path(path).name
    if data.startswith(b"\xff\xd8"):
        try:
            layout = walk_jpeg(data)
        except JpegStructureError as exc:
            raise DetectionError(f"{name}: not a valid JPEG ({exc})") from exc
        raw = _app3_payload(data)
        w, h = layout.width or 0, layout.height or 0
        if not raw or len(raw) < w * h * 2:
            raise DetectionError(f"{name}: no radiometric frame (not a DJI R-JPEG thermal photo; an RGB photo "
                                 "has no temperatures)")
        frame = np.frombuffer(raw[: w * h * 2], dtype="<u2").reshape(h, w)
        return ThermalFrame(frame.astype(np.float32), "raw")
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        arr = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_UNCHANGED)
        if arr is None or arr.ndim != 2:
            raise DetectionError(f"{name}: not a one-band radiometric TIFF")
        units: Units = "celsius" if np.issubdtype(arr.dtype, np.floating) else "raw"
        return ThermalFrame(np.asarray(arr, dtype=np.float32), units)
    raise DetectionError(f"{name}: not a thermal image (expected a DJI R-JPEG or a radiometric TIFF)")


def _app3_payload(data: bytes) -> bytes:
    parts: list[bytes] = []
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xDA:
            break
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if marker == 0xE3:
            parts.append(data[pos + 4 : pos + 2 + length])
        pos += 2 + length
    return b"".join(parts)


@dataclass(frozen=True)
class Hotspot:
    area_px: int
    peak: float  # in the frame's units
    mean: float
    peak_excess: float  # peak minus the local background there
    centroid: tuple[float, float]  # (x, y) pixels
    bbox: tuple[int, int, int, int]  # x0, y0, x1, y1 (exclusive)
    outline: list[tuple[float, float]]  # pixel ring (x, y), closed


@dataclass(frozen=True)
class HotspotResult:
    hotspots: list[Hotspot]
    mask: BoolMask
    units: Units
    margin: float  # the margin used, in the frame's units
    relative: bool  # True on raw counts: figures are comparable within a frame, not degrees
    detector: str = NAME
    version: str = VERSION


@dataclass(frozen=True)
class HotspotDetector:
    margin: float | None = None
    margin_sigmas: float = 12.0
    surround_px: int = 85
    min_area_px: int = 16
    units: Units = "raw"

    def __post_init__(self) -> None:
        if self.margin is not None and not self.margin > 0:
            raise DetectionError("the margin must be above zero")
        if not 1 <= self.margin_sigmas <= 100:
            raise DetectionError("margin_sigmas must be from 1 to 100")
        if not 9 <= self.surround_px <= 1001:
            raise DetectionError("surround_px must be from 9 to 1001 pixels")
        if self.min_area_px < 1:
            raise DetectionError("min_area_px must be at least one pixel")
        if self.units not in ("raw", "celsius"):
            raise DetectionError("units must be 'raw' or 'celsius'")

    def background(self, frame: NDArray[np.float32]) -> NDArray[np.float32]:
        h, w = frame.shape
        small = cv2.resize(frame, (max(1, w // _REDUCE), max(1, h // _REDUCE)), interpolation=cv2.INTER_AREA)
        size = max(3, (self.surround_px // _REDUCE) | 1)
        bg = ndimage.median_filter(small, size=size, mode="reflect")
        return np.asarray(cv2.resize(bg, (w, h), interpolation=cv2.INTER_LINEAR), dtype=np.float32)

    def __call__(self, image: NDArray[np.generic] | ThermalFrame) -> HotspotResult:
        units = image.units if isinstance(image, ThermalFrame) else self.units
        arr = np.asarray(image.values if isinstance(image, ThermalFrame) else image)
        if arr.ndim != 2:
            raise DetectionError(f"a thermal frame has one band; got an array of shape {arr.shape} (an RGB photo "
                                 "has no temperatures)")
        if arr.shape[0] < 16 or arr.shape[1] < 16:
            raise DetectionError("the thermal frame is smaller than 16x16 pixels")
        frame = np.asarray(cv2.medianBlur(np.nan_to_num(arr.astype(np.float32)), 3), dtype=np.float32)
        excess = frame - self.background(frame)
        if self.margin is not None:
            margin = float(self.margin)
        else:
            med = float(np.median(excess))
            margin = self.margin_sigmas * max(1.4826 * float(np.median(np.abs(excess - med))), 1e-3)
        hot = excess > margin
        count, labels, stats, cents = cv2.connectedComponentsWithStats(hot.astype(np.uint8), connectivity=8)
        found: list[Hotspot] = []
        mask = np.zeros(hot.shape, dtype=bool)
        for i in range(1, count):
            if stats[i, cv2.CC_STAT_AREA] < self.min_area_px:
                continue
            region = labels == i
            mask |= region
            vals = frame[region]
            x, y, bw, bh = (int(v) for v in stats[i, :4])
            ring = mask_polygons(region)[0]
            found.append(Hotspot(int(stats[i, cv2.CC_STAT_AREA]), float(vals.max()), float(vals.mean()),
                                 float(excess[region].max()), (float(cents[i][0]), float(cents[i][1])),
                                 (x, y, x + bw, y + bh), ring))
        found.sort(key=lambda s: -s.peak_excess)
        return HotspotResult(found, mask, units, margin, units == "raw")


def pixel_to_ground(corners: list[tuple[float, float]], width: int, height: int,
                    points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Map pixel (x, y) points to (lon, lat) through a frame footprint's four corners (top-left, top-right,
    bottom-right, bottom-left, as `processing.core.footprint` gives them): a plane homography, fine over the
    few hundred metres of one frame."""
    if len(corners) < 4:
        raise DetectionError("a footprint needs four corners")
    src = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
    dst = np.array(corners[:4], dtype=np.float64)
    origin = dst.mean(axis=0)
    h = cv2.getPerspectiveTransform(src, (dst - origin).astype(np.float32))
    pts = np.array(points, dtype=np.float32).reshape(-1, 1, 2)
    out = cv2.perspectiveTransform(pts, h).reshape(-1, 2).astype(np.float64) + origin
    return [(float(a), float(b)) for a, b in out]
