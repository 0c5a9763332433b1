"""The pictures of an inspection report, drawn here from our own data (no internet): the annotated crop of a photo
around a defect, the overview map with numbered markers on the survey's orthomosaic (a COG read with rasterio at
a reduced resolution, its overviews doing the work) and a small location inset per defect. Pure: bytes and paths
in, JPEG bytes out."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from .errors import InspectionError

# BGR colours, least to most severe
_RAMP = [(80, 175, 76), (59, 235, 255), (0, 152, 255), (34, 87, 255), (28, 28, 183)]
OUTLINE = (255, 255, 255)


def severity_colour(rank: int, top: int) -> tuple[int, int, int]:
    """The marker colour of a severity rank on a scale whose worst rank is `top` (green → dark red)."""
    if top <= 1:
        return _RAMP[-1]
    step = (max(1, min(rank, top)) - 1) / (top - 1)
    return _RAMP[round(step * (len(_RAMP) - 1))]


def _jpeg(image: np.ndarray, quality: int = 82) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise InspectionError("figure", "could not encode the figure")
    return bytes(buf.tobytes())


def decode_photo(data: bytes, name: str = "photo") -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise InspectionError("photo", f"{name}: not an image that can be read")
    return np.asarray(image)


def _points(geometry: dict[str, Any]) -> list[tuple[float, float]]:
    kind = geometry.get("type")
    coords: Any = geometry.get("coordinates") or []
    if kind == "Point":
        return [(float(coords[0]), float(coords[1]))]
    if kind == "LineString":
        return [(float(p[0]), float(p[1])) for p in coords]
    if kind == "Polygon":
        return [(float(p[0]), float(p[1])) for p in coords[0]]
    raise InspectionError("geometry", f"cannot draw a {kind}")


def _draw_shape(image: np.ndarray, kind: str, pts: np.ndarray, colour: tuple[int, int, int], width: int,
                label: str | None = None) -> None:
    if kind == "Point" or len(pts) == 1:
        x, y = int(pts[0][0]), int(pts[0][1])
        cv2.circle(image, (x, y), 4 * width + 4, OUTLINE, width + 2, cv2.LINE_AA)
        cv2.circle(image, (x, y), 4 * width + 4, colour, width, cv2.LINE_AA)
    else:
        closed = kind == "Polygon"
        poly = [pts.astype(np.int32).reshape(-1, 1, 2)]
        cv2.polylines(image, poly, closed, OUTLINE, width + 2, cv2.LINE_AA)
        cv2.polylines(image, poly, closed, colour, width, cv2.LINE_AA)
    if label:
        x, y = int(pts[:, 0].min()), int(pts[:, 1].min())
        _marker(image, (max(14, x - 14), max(14, y - 14)), label, colour, 13)


def _marker(image: np.ndarray, at: tuple[int, int], label: str, colour: tuple[int, int, int], radius: int) -> None:
    cv2.circle(image, at, radius + 2, OUTLINE, -1, cv2.LINE_AA)
    cv2.circle(image, at, radius, colour, -1, cv2.LINE_AA)
    scale = radius / 22
    (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, 2)
    ink = (0, 0, 0) if sum(colour) > 450 else (255, 255, 255)
    cv2.putText(image, label, (at[0] - tw // 2, at[1] + th // 2), cv2.FONT_HERSHEY_SIMPLEX, scale, ink, 2,
                cv2.LINE_AA)


def annotated_crop(image: np.ndarray, pixel_geometry: dict[str, Any], *, colour: tuple[int, int, int],
                   label: str | None = None, max_side: int = 640, min_side: int = 400) -> bytes:
    """A crop of the stored original around the mark (its box with a margin of half its size, at least
    `min_side` pixels of the original), the mark drawn on it, scaled to at most `max_side`."""
    height, width = image.shape[:2]
    pts = np.array(_points(pixel_geometry), dtype=np.float64)
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    side = max(float(min_side), (x1 - x0) * 2.0, (y1 - y0) * 2.0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left = int(max(0, min(width - side, cx - side / 2)))
    top = int(max(0, min(height - side, cy - side / 2)))
    right, bottom = int(min(width, left + side)), int(min(height, top + side))
    crop = np.ascontiguousarray(image[top:bottom, left:right])
    scale = min(1.0, max_side / max(crop.shape[:2]))
    if scale < 1.0:
        crop = cv2.resize(crop, (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale))),
                          interpolation=cv2.INTER_AREA)
    shifted = (pts - np.array([left, top])) * scale
    _draw_shape(crop, str(pixel_geometry.get("type")), shifted, colour, 3, label)
    return _jpeg(crop)


@dataclass(frozen=True)
class PhotoMark:
    """One defect to draw on a whole photo: its shape in the original's pixels, colour (BGR) and short label."""
    pixel_geometry: dict[str, Any]
    colour: tuple[int, int, int]
    label: str


def annotated_photo(image: np.ndarray, marks: Sequence[PhotoMark], *, max_side: int | None = None,
                    quality: int = 88) -> bytes:
    """The whole photo with every mark drawn on it (lines thick enough to see on a 12 MP photo), JPEG; scaled so
    that its longer side is at most `max_side` when given (the mark positions scaled with it)."""
    height, width = image.shape[:2]
    scale = min(1.0, max_side / max(height, width)) if max_side else 1.0
    canvas = image.copy() if scale == 1.0 else cv2.resize(
        image, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
    line = max(2, round(max(canvas.shape[:2]) / 500))
    for mark in marks:
        pts = np.array(_points(mark.pixel_geometry), dtype=np.float64) * scale
        _draw_shape(canvas, str(mark.pixel_geometry.get("type")), pts, mark.colour, line, None)
        x, y = int(pts[:, 0].min()), int(pts[:, 1].min())
        radius = max(10, line * 6)
        _marker(canvas, (max(radius + 2, x - radius), max(radius + 2, y - radius)), mark.label, mark.colour,
                radius)
    return _jpeg(canvas, quality)


@dataclass(frozen=True)
class Marker:
    number: int
    lon: float
    lat: float
    colour: tuple[int, int, int]
    geometry: dict[str, Any] | None = None  # WGS84 ground geometry, drawn in the insets


class Orthophoto:
    """The survey's orthomosaic COG, opened once for the overview and every inset."""

    def __init__(self, path: str) -> None:
        import rasterio  # here: slow to import
        from pyproj import Transformer

        try:
            self._ds = rasterio.open(path)
        except rasterio.errors.RasterioIOError as exc:
            raise InspectionError("orthophoto", f"cannot be read: {exc}") from exc
        if self._ds.crs is None:
            raise InspectionError("orthophoto", "has no coordinate reference system")
        self._to_map = Transformer.from_crs("EPSG:4326", self._ds.crs.to_wkt(), always_xy=True)

    def close(self) -> None:
        self._ds.close()

    def __enter__(self) -> Orthophoto:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _project(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = self._to_map.transform(lon, lat)
        return float(x), float(y)

    def _read(self, bounds: tuple[float, float, float, float], out_w: int, out_h: int) -> np.ndarray:
        """RGB (as BGR for OpenCV) of `bounds` (left, bottom, right, top in the map CRS), transparent parts white."""
        from rasterio.enums import Resampling
        from rasterio.windows import from_bounds

        window = from_bounds(*bounds, transform=self._ds.transform)
        bands = min(3, self._ds.count)
        data = self._ds.read(list(range(1, bands + 1)), window=window, out_shape=(bands, out_h, out_w),
                             boundless=True, fill_value=0, resampling=Resampling.bilinear)
        if bands < 3:
            data = np.repeat(data[:1], 3, axis=0)
        if data.dtype != np.uint8:
            hi = float(np.percentile(data, 99)) or 1.0
            data = np.clip(data.astype(np.float64) * (255.0 / hi), 0, 255).astype(np.uint8)
        image = np.ascontiguousarray(np.transpose(data[:3], (1, 2, 0))[:, :, ::-1])
        mask = self._ds.read_masks(1, window=window, out_shape=(out_h, out_w), boundless=True)
        image[mask == 0] = (245, 245, 245)
        return image

    def _pixel(self, bounds: tuple[float, float, float, float], size: tuple[int, int],
               lon: float, lat: float) -> tuple[float, float]:
        x, y = self._project(lon, lat)
        left, bottom, right, top = bounds
        return (x - left) / (right - left) * size[0], (top - y) / (top - bottom) * size[1]

    def overview(self, markers: Sequence[Marker], max_side: int = 1400) -> bytes:
        """The whole orthomosaic with a numbered marker at each defect."""
        b = self._ds.bounds
        bounds = (b.left, b.bottom, b.right, b.top)
        w_m, h_m = b.right - b.left, b.top - b.bottom
        scale = max_side / max(w_m, h_m)
        size = (max(1, round(w_m * scale)), max(1, round(h_m * scale)))
        image = self._read(bounds, *size)
        for m in sorted(markers, key=lambda m: -m.number):
            px, py = self._pixel(bounds, size, m.lon, m.lat)
            if -20 <= px <= size[0] + 20 and -20 <= py <= size[1] + 20:
                _marker(image, (int(px), int(py)), str(m.number), m.colour, 15)
        return _jpeg(image)

    def inset(self, marker: Marker, half_m: float = 30.0, side: int = 300) -> bytes:
        """A `2 * half_m` metres square of the orthomosaic around the defect, its shape and number drawn."""
        x, y = self._project(marker.lon, marker.lat)
        if not (math.isfinite(x) and math.isfinite(y)):
            raise InspectionError("location", "cannot be placed on the orthophoto")
        bounds = (x - half_m, y - half_m, x + half_m, y + half_m)
        image = self._read(bounds, side, side)
        if marker.geometry and marker.geometry.get("type") != "Point":
            pts = np.array([self._pixel(bounds, (side, side), lon, lat) for lon, lat in _points(marker.geometry)])
            _draw_shape(image, str(marker.geometry["type"]), pts, marker.colour, 2)
        _marker(image, (side // 2, side // 2), str(marker.number), marker.colour, 12)
        bar = side * 10 / (2 * half_m)  # a 10 m scale bar
        cv2.line(image, (10, side - 12), (10 + int(bar), side - 12), (0, 0, 0), 3)
        cv2.putText(image, "10 m", (12, side - 18), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
        return _jpeg(image)
