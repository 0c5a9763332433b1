"""Small helpers the detectors share: input checks, grey conversion, tiling, hysteresis, mask outlines."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from ..errors import ProcessingError

FloatImage = NDArray[np.float32]
BoolMask = NDArray[np.bool_]


class DetectionError(ProcessingError):
    """A detector cannot run on what it was given (wrong kind of image, bad parameters, wrong model file)."""


def to_grey(image: NDArray[np.generic]) -> FloatImage:
    """A 2-D float32 grey image scaled to 0..255 from grey, RGB or RGBA input of any integer or float type."""
    arr = np.asarray(image)
    if arr.ndim == 3 and arr.shape[2] in (3, 4):
        arr = arr[:, :, :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    elif arr.ndim == 3 and arr.shape[2] == 1:
        arr = arr[:, :, 0]
    if arr.ndim != 2 or arr.shape[0] < 8 or arr.shape[1] < 8:
        raise DetectionError(f"expected a grey or colour image at least 8x8 pixels, got an array of shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
        raise DetectionError(f"expected numeric pixels, got {arr.dtype}")
    out = arr.astype(np.float32)
    if np.asarray(image).dtype == np.uint16:
        out *= np.float32(255.0 / 65535.0)
    elif np.issubdtype(np.asarray(image).dtype, np.floating) and float(np.nanmax(out)) <= 1.0:
        out *= np.float32(255.0)
    return np.nan_to_num(out, nan=0.0).astype(np.float32)


@dataclass(frozen=True)
class Tile:
    """One tile: the core it is responsible for and the larger window (core + margin) it is computed on."""

    y0: int
    y1: int
    x0: int
    x1: int
    wy0: int
    wy1: int
    wx0: int
    wx1: int

    def core_of(self, window: NDArray[np.generic]) -> NDArray[np.generic]:
        return window[self.y0 - self.wy0 : self.y1 - self.wy0, self.x0 - self.wx0 : self.x1 - self.wx0]


def tiles(height: int, width: int, size: int, margin: int) -> Iterator[Tile]:
    for y0 in range(0, height, size):
        for x0 in range(0, width, size):
            y1, x1 = min(height, y0 + size), min(width, x0 + size)
            yield Tile(y0, y1, x0, x1, max(0, y0 - margin), min(height, y1 + margin),
                       max(0, x0 - margin), min(width, x1 + margin))


def robust_z(values: FloatImage) -> FloatImage:
    """(value - median) / (1.4826 * MAD): how unusual each response is within its own tile."""
    med = float(np.median(values))
    mad = float(np.median(np.abs(values - med))) * 1.4826
    return ((values - med) / max(mad, 1e-6)).astype(np.float32)


def hysteresis(weak: BoolMask, strong: BoolMask, min_area: int) -> BoolMask:
    """Connected (8-neighbour) regions of `weak` that contain a `strong` pixel and have at least `min_area` pixels."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(weak.astype(np.uint8), connectivity=8)
    if count <= 1:
        return np.zeros(weak.shape, dtype=bool)
    has_strong = np.zeros(count, dtype=bool)
    has_strong[np.unique(labels[strong & weak])] = True
    keep = has_strong & (stats[:, cv2.CC_STAT_AREA] >= min_area)
    keep[0] = False
    return np.asarray(keep[labels], dtype=bool)


def mask_polygons(mask: BoolMask, min_area_px: int = 1) -> list[list[tuple[float, float]]]:
    """Outer outlines of a mask's regions as pixel-coordinate rings (x, y), closed, largest first."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    rings: list[tuple[float, list[tuple[float, float]]]] = []
    for c in contours:
        area = float(cv2.contourArea(c))
        if len(c) < 3 or max(area, float(len(c))) < min_area_px:
            continue
        pts = [(float(p[0][0]), float(p[0][1])) for p in c]
        pts.append(pts[0])
        rings.append((area, pts))
    rings.sort(key=lambda r: -r[0])
    return [r[1] for r in rings]


def read_rgb(path: Path) -> NDArray[np.uint8]:
    """A photo as an RGB uint8 array; anything OpenCV cannot decode as an image is refused."""
    try:
        data = np.fromfile(str(path), dtype=np.uint8)
    except OSError as exc:
        raise DetectionError(f"{Path(path).name}: cannot be read ({exc})") from exc
    img = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if img is None:
        raise DetectionError(f"{Path(path).name}: not an image that can be decoded")
    return np.asarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB), dtype=np.uint8)
