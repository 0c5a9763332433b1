"""Measurements on an elevation GeoTIFF (a DSM or DTM a contractor delivers): a height profile along a line and
the volume above and below a base over a drawn polygon (stockpiles, landfill cells, excavations).

Geometry comes in WGS84 (longitude, latitude), as the map draws it, and is transformed to the raster's CRS; a
raster in geographic degrees is measured in the UTM zone of its centre. Heights are the raster's values in its
own vertical datum (metres; for UK deliveries usually ODN), nodata cells are left out and counted.

Volume: every cell whose centre lies inside the polygon counts with its full area; "above" is the sum of
(height - base) where the surface is above the base, "below" of (base - height) where it is under it. The base
is a fixed height, the lowest height along the polygon's edge ("lowest"), or the mean height along the edge
("edge-mean", the usual choice for a stockpile on uneven ground).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import rasterio
from pyproj import CRS, Transformer
from rasterio.features import geometry_mask
from rasterio.windows import Window, from_bounds

from .errors import ProcessingError
from .footprint import utm_crs_for

#: Largest window of cells one volume reads (bounded memory: 25 M float64 cells = 200 MB).
MAX_CELLS = 25_000_000
MAX_SAMPLES = 2000


class ElevationError(ProcessingError):
    """The raster or the drawn geometry cannot be measured (a clear message for the user)."""


@dataclass(frozen=True)
class ProfilePoint:
    distance_m: float
    lon: float
    lat: float
    height_m: float | None  # None where the raster has no data


@dataclass(frozen=True)
class Volume:
    base_m: float
    above_m3: float
    below_m3: float
    area_m2: float
    cells: int
    nodata_cells: int
    cell_m: float

    @property
    def net_m3(self) -> float:
        return self.above_m3 - self.below_m3


def _open(path: Path) -> rasterio.DatasetReader:
    try:
        ds = rasterio.open(path)
    except rasterio.errors.RasterioIOError as exc:
        raise ElevationError(f"{Path(path).name}: not a raster that can be read") from exc
    if ds.crs is None:
        ds.close()
        raise ElevationError(f"{Path(path).name}: no coordinate reference system, so it cannot be placed")
    if ds.count != 1:
        ds.close()
        raise ElevationError(f"{Path(path).name}: {ds.count} bands; an elevation model has one")
    return ds


def _metric(ds: rasterio.DatasetReader) -> CRS:
    crs = CRS.from_user_input(ds.crs.to_wkt())
    if crs.is_projected:
        return crs
    left, bottom, right, top = ds.bounds
    return utm_crs_for((left + right) / 2, (bottom + top) / 2)


def _points(coords: Sequence[Sequence[float]], what: str, minimum: int) -> list[tuple[float, float]]:
    try:
        pts = [(float(p[0]), float(p[1])) for p in coords]
    except (TypeError, ValueError, IndexError):
        raise ElevationError(f"the {what} must be a list of [longitude, latitude] pairs") from None
    if len(pts) < minimum:
        raise ElevationError(f"the {what} needs at least {minimum} points")
    for lon, lat in pts:
        if not (-180 <= lon <= 180 and -90 <= lat <= 90) or not (math.isfinite(lon) and math.isfinite(lat)):
            raise ElevationError(f"the {what} has a point outside longitude/latitude: ({lon}, {lat})")
    return pts


def _sample(ds: rasterio.DatasetReader, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Heights at points given in the raster's CRS (nearest cell; NaN outside or on nodata)."""
    rows, cols = rasterio.transform.rowcol(ds.transform, xs, ys)
    rows, cols = np.asarray(rows), np.asarray(cols)
    out = np.full(len(xs), np.nan)
    inside = (rows >= 0) & (rows < ds.height) & (cols >= 0) & (cols < ds.width)
    if inside.any():
        r0, r1 = int(rows[inside].min()), int(rows[inside].max()) + 1
        c0, c1 = int(cols[inside].min()), int(cols[inside].max()) + 1
        if (r1 - r0) * (c1 - c0) > MAX_CELLS:  # a long diagonal line: read cell by cell
            values = np.array([ds.read(1, window=Window(int(c), int(r), 1, 1), masked=True)[0, 0]
                               for r, c in zip(rows[inside], cols[inside], strict=True)], dtype=object)
            out[inside] = [np.nan if v is np.ma.masked else float(v) for v in values]
        else:
            block = ds.read(1, window=Window(c0, r0, c1 - c0, r1 - r0), masked=True)
            picked = block[rows[inside] - r0, cols[inside] - c0]
            out[inside] = np.ma.filled(picked.astype(float), np.nan)
    return out


def profile(path: Path, line: Sequence[Sequence[float]], *, samples: int = 200) -> list[ProfilePoint]:
    """Heights at `samples` points evenly spaced along `line` ([[lon, lat], ...], WGS84)."""
    pts = _points(line, "line", 2)
    if not 2 <= samples <= MAX_SAMPLES:
        raise ElevationError(f"samples must be from 2 to {MAX_SAMPLES}")
    with _open(path) as ds:
        metric = _metric(ds)
        to_metric = Transformer.from_crs(4326, metric, always_xy=True)
        to_raster = Transformer.from_crs(metric, ds.crs.to_wkt(), always_xy=True)
        to_wgs = Transformer.from_crs(metric, 4326, always_xy=True)
        mx, my = to_metric.transform([p[0] for p in pts], [p[1] for p in pts])
        seg = np.hypot(np.diff(mx), np.diff(my))
        total = float(seg.sum())
        if total <= 0:
            raise ElevationError("the line has no length")
        cum = np.concatenate([[0.0], np.cumsum(seg)])
        dist = np.linspace(0.0, total, samples)
        sx, sy = np.interp(dist, cum, mx), np.interp(dist, cum, my)
        rx, ry = to_raster.transform(sx, sy)
        heights = _sample(ds, np.asarray(rx), np.asarray(ry))
        lon, lat = to_wgs.transform(sx, sy)
    return [ProfilePoint(round(float(d), 3), float(a), float(b), None if math.isnan(h) else round(float(h), 3))
            for d, a, b, h in zip(dist, lon, lat, heights, strict=True)]


def volume(path: Path, polygon: Sequence[Sequence[float]], *, base: str | float = "edge-mean") -> Volume:
    """Volume above and below `base` inside `polygon` (one ring, [[lon, lat], ...], WGS84)."""
    ring = _points(polygon, "polygon", 3)
    if ring[0] != ring[-1]:
        ring.append(ring[0])
    if len(ring) < 4:
        raise ElevationError("the polygon needs at least three distinct corners")
    with _open(path) as ds:
        to_raster = Transformer.from_crs(4326, ds.crs.to_wkt(), always_xy=True)
        rx, ry = to_raster.transform([p[0] for p in ring], [p[1] for p in ring])
        left, right, bottom, top = min(rx), max(rx), min(ry), max(ry)
        window = from_bounds(left, bottom, right, top, ds.transform).round_offsets().round_lengths()
        window = window.intersection(Window(0, 0, ds.width, ds.height)) if _overlaps(window, ds) else None
        if window is None or window.width < 1 or window.height < 1:
            raise ElevationError("the polygon is outside the elevation model")
        window = Window(window.col_off, window.row_off, window.width + 1, window.height + 1).intersection(
            Window(0, 0, ds.width, ds.height))
        if window.width * window.height > MAX_CELLS:
            raise ElevationError(f"the polygon covers {int(window.width * window.height):,} cells, more than the "
                                 f"{MAX_CELLS:,} one measurement reads; draw a smaller area")
        data = ds.read(1, window=window, masked=True).astype(float)
        transform = ds.window_transform(window)
        shape = {"type": "Polygon", "coordinates": [list(zip(rx, ry, strict=True))]}
        inside = ~geometry_mask([shape], out_shape=data.shape, transform=transform, all_touched=False)
        if not inside.any():
            raise ElevationError("the polygon is smaller than one cell of the elevation model")
        cell_area = _cell_area_m2(ds, window)
        valid = inside & ~np.ma.getmaskarray(data)
        nodata = int((inside & np.ma.getmaskarray(data)).sum())
        if not valid.any():
            raise ElevationError("the elevation model has no data inside the polygon")
        base_m = _base(ds, base, np.asarray(rx), np.asarray(ry))
        heights = np.ma.filled(data, np.nan)[valid]
        diff = heights - base_m
    cells = int(valid.sum())
    return Volume(round(base_m, 3), float(diff[diff > 0].sum() * cell_area), float(-diff[diff < 0].sum() * cell_area),
                  float(cells * cell_area), cells, nodata, round(math.sqrt(cell_area), 4))


def _overlaps(window: Window, ds: rasterio.DatasetReader) -> bool:
    return (window.col_off < ds.width and window.row_off < ds.height and window.col_off + window.width > 0
            and window.row_off + window.height > 0)


def _cell_area_m2(ds: rasterio.DatasetReader, window: Window) -> float:
    a, e = ds.transform.a, ds.transform.e
    crs = CRS.from_user_input(ds.crs.to_wkt())
    if crs.is_projected:
        factor = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
        return abs(a * e) * factor * factor
    # degrees: the cell's size in metres at the window's centre latitude
    _, lat = ds.window_transform(window) * (window.width / 2, window.height / 2)
    return abs(a) * 111_320.0 * math.cos(math.radians(lat)) * abs(e) * 110_574.0


def _base(ds: rasterio.DatasetReader, base: str | float, rx: np.ndarray, ry: np.ndarray) -> float:
    if isinstance(base, (int, float)) and not isinstance(base, bool):
        if not math.isfinite(float(base)):
            raise ElevationError("the base height must be a number of metres")
        return float(base)
    if base not in ("edge-mean", "lowest"):
        raise ElevationError("the base is a height in metres, 'edge-mean' or 'lowest'")
    # the edge sampled every half cell
    step = min(abs(ds.transform.a), abs(ds.transform.e)) / 2
    xs, ys = [], []
    for (x0, y0), (x1, y1) in zip(zip(rx[:-1], ry[:-1], strict=True), zip(rx[1:], ry[1:], strict=True),
                                  strict=True):
        n = max(2, int(math.hypot(x1 - x0, y1 - y0) / step))
        xs.extend(np.linspace(x0, x1, n, endpoint=False))
        ys.extend(np.linspace(y0, y1, n, endpoint=False))
    edge = _sample(ds, np.asarray(xs), np.asarray(ys))
    edge = edge[~np.isnan(edge)]
    if not edge.size:
        raise ElevationError("the elevation model has no data along the polygon's edge to take a base from")
    return float(edge.min() if base == "lowest" else edge.mean())
