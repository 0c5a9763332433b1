"""XYZ web-mercator tiles from a georeferenced raster (ideally a COG), one rendering path for all callers.

The tile endpoint renders one tile at a time and `export_tiles` (processing.core.pyramid) renders blocks of up to BLOCK×BLOCK tiles in one
warp and slices them; both go through `render_block`, and the result is the same bytes for the same tile because
every destination pixel's value depends only on that pixel, never on the block it was rendered in:

- the web-mercator → source transform is evaluated exactly (PROJ) at anchor points on a *global* grid every
  ANCHOR_STEP pixels of the zoom level, and interpolated bilinearly in between (anchors depend on the pixel's global
  position, not on the block);
- source coordinates are quantised to 1/32 pixel (OpenCV's own remap precision) before the window offset is
  subtracted, so the float32 map OpenCV sees is exact whatever the window;
- the source overview is chosen per zoom level (from the scale at the raster's centre), not per block.

Tiles outside the data are transparent PNG/WebP (black JPEG): a tile URL never 404s for a valid z/x/y, so map
clients do not log errors at the edge of a survey.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import rasterio
from pyproj import Transformer
from rasterio.enums import ColorInterp
from rasterio.warp import calculate_default_transform, transform_bounds
from rasterio.windows import Window

from .errors import TileError
from .tile_encode import TILE_SIZE, encode_tile

ANCHOR_STEP = 16  # exact PROJ evaluation every 16 px; 256 is a multiple, so tiles share their edge anchors
SUBPIXEL = 32.0  # cv2.remap's INTER_BITS=5 fixed-point precision
MERC_HALF = 20037508.342789244  # half the web-mercator world width in metres (EPSG:3857)


@dataclass
class _Level:
    """One resolution level of the source (the full-resolution image or one of its overviews)."""

    dataset: rasterio.io.DatasetReader
    inverse: tuple[float, float, float, float, float, float]  # pixel = inverse * (x, y)
    width: int
    height: int


@dataclass
class TileSource:
    """An opened raster ready to render tiles. Not thread-safe (GDAL handles): keep one per thread/process."""

    path: str  # a file path or a GDAL virtual path (/vsicurl/..., /vsis3/...)
    crs_wkt: str
    width: int
    height: int
    bands: tuple[int, ...]
    scale: tuple[tuple[float, float], ...] | None  # per-band (low, high) for non-8-bit data
    bounds_wgs84: tuple[float, float, float, float]
    merc_extent: tuple[float, float, float, float]  # as GDAL's suggested warp to EPSG:3857 (like gdal2tiles)
    resolution_m: float  # ground pixel size in web-mercator metres
    overview_factors: tuple[int, ...]
    alpha_band: int | None = None
    _levels: dict[int, _Level] = field(default_factory=dict)
    _to_src: Transformer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def minzoom(self) -> int:
        """The zoom at which the whole raster fits in about one tile."""
        extent = max(self.merc_extent[2] - self.merc_extent[0], self.merc_extent[3] - self.merc_extent[1])
        return max(0, min(self.maxzoom, math.floor(math.log2(2 * MERC_HALF / max(extent, 1e-9)))))

    @property
    def maxzoom(self) -> int:
        """The first zoom whose pixels are at least as fine as the raster's (as gdal2tiles picks it)."""
        z0_res = 2 * MERC_HALF / TILE_SIZE
        return max(0, min(24, math.ceil(math.log2(z0_res / self.resolution_m) - 1e-9)))

    def level(self, index: int) -> _Level:
        with self._lock:
            if index not in self._levels:
                kwargs = {"overview_level": index - 1} if index > 0 else {}
                ds = rasterio.open(self.path, **kwargs)
                inv = ~ds.transform
                self._levels[index] = _Level(ds, (inv.a, inv.b, inv.c, inv.d, inv.e, inv.f), ds.width, ds.height)
            return self._levels[index]

    def transformer(self) -> Transformer:
        if self._to_src is None:
            self._to_src = Transformer.from_crs("EPSG:3857", self.crs_wkt, always_xy=True)
        return self._to_src

    def close(self) -> None:
        with self._lock:
            for level in self._levels.values():
                level.dataset.close()
            self._levels.clear()

    def __enter__(self) -> TileSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_source(path: Path | str) -> TileSource:
    """Open a georeferenced raster for tiling; raises TileError for anything that cannot be tiled."""
    path = str(path)
    name = os.path.basename(path)
    try:
        ds = rasterio.open(path)
    except rasterio.errors.RasterioError as exc:
        raise TileError(f"{name} is not a readable raster: {exc}") from exc
    with ds:
        if ds.crs is None:
            raise TileError(f"{name} has no coordinate reference system")
        if ds.count >= 3:
            bands: tuple[int, ...] = (1, 2, 3)
        else:
            bands = (1, 1, 1)
        merc_transform, mw, mh = calculate_default_transform(
            ds.crs, "EPSG:3857", ds.width, ds.height, *ds.bounds
        )
        merc_extent = (
            merc_transform.c,
            merc_transform.f + merc_transform.e * mh,
            merc_transform.c + merc_transform.a * mw,
            merc_transform.f,
        )
        west, south, east, north = transform_bounds(ds.crs, "EPSG:4326", *ds.bounds, densify_pts=21)
        scale = None
        if ds.dtypes[0] != "uint8":
            scale = _band_scale(ds, bands)
        source = TileSource(
            path=path,
            crs_wkt=ds.crs.to_wkt(),
            width=ds.width,
            height=ds.height,
            bands=bands,
            scale=scale,
            bounds_wgs84=(west, south, east, north),
            merc_extent=merc_extent,
            resolution_m=abs(merc_transform.a),
            overview_factors=tuple(ds.overviews(1)),
            alpha_band=_alpha_band(ds),
        )
    return source


def _alpha_band(ds: rasterio.io.DatasetReader) -> int | None:
    for index, interp in enumerate(ds.colorinterp, start=1):
        if interp == ColorInterp.alpha:
            return index
    return None


def _band_scale(ds: rasterio.io.DatasetReader, bands: tuple[int, ...]) -> tuple[tuple[float, float], ...]:
    """2nd-98th percentile stretch per band, from a small decimated read (deterministic for a given file)."""
    step = max(1, max(ds.width, ds.height) // 512)
    shape = (max(1, ds.height // step), max(1, ds.width // step))
    out = []
    mask = ds.dataset_mask(out_shape=shape) > 0
    for b in bands:
        data = ds.read(b, out_shape=shape).astype(np.float64)
        values = data[mask] if mask.any() else data.ravel()
        low, high = np.percentile(values, [2, 98]) if values.size else (0.0, 1.0)
        out.append((float(low), float(high if high > low else low + 1)))
    return tuple(out)


def tile_range(source: TileSource, z: int) -> tuple[int, int, int, int]:
    """(xmin, ymin, xmax, ymax) inclusive XYZ tile indices covering the raster at zoom z, as gdal2tiles computes."""
    res = 2 * MERC_HALF / (TILE_SIZE * 2**z)
    minx, miny, maxx, maxy = source.merc_extent
    n = 2**z

    def col(mx: float) -> int:
        return int(math.ceil(((mx + MERC_HALF) / res) / TILE_SIZE) - 1)

    def row_tms(my: float) -> int:
        return int(math.ceil(((my + MERC_HALF) / res) / TILE_SIZE) - 1)

    tx0, tx1 = max(0, col(minx)), min(n - 1, col(maxx))
    ty0_tms, ty1_tms = max(0, row_tms(miny)), min(n - 1, row_tms(maxy))
    # TMS rows count from the south; XYZ rows from the north.
    return tx0, n - 1 - ty1_tms, tx1, n - 1 - ty0_tms


def tiles_for_zoom(source: TileSource, z: int) -> Iterator[tuple[int, int, int]]:
    x0, y0, x1, y1 = tile_range(source, z)
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            yield z, x, y


def _overview_for_zoom(source: TileSource, z: int) -> int:
    """Index of the coarsest level (0 = full resolution) still at least as fine as zoom z's pixels."""
    res = 2 * MERC_HALF / (TILE_SIZE * 2**z)
    wanted = res / source.resolution_m  # source pixels per destination pixel
    index = 0
    for i, factor in enumerate(source.overview_factors, start=1):
        if factor <= wanted:
            index = i
    return index


def _source_anchors(
    source: TileSource, level: _Level, z: int, px0: int, py0: int, width: int, height: int
) -> tuple[np.ndarray, np.ndarray]:
    """Source pixel coordinates (cv2 convention: pixel centres at integers) of the block's anchor grid, as int32
    in 1/32 pixel. Anchors sit on the zoom level's global pixel grid, so they do not depend on the block."""
    res = 2 * MERC_HALF / (TILE_SIZE * 2**z)
    ax = np.arange(px0, px0 + width + 1, ANCHOR_STEP, dtype=np.float64)
    ay = np.arange(py0, py0 + height + 1, ANCHOR_STEP, dtype=np.float64)
    gx, gy = np.meshgrid(-MERC_HALF + ax * res, MERC_HALF - ay * res)
    sx, sy = source.transformer().transform(gx, gy)
    a, b, c, d, e, f = level.inverse
    limit = float(2**19)  # keeps the 1/32-pixel arithmetic below in int32
    out = []
    for anchor in (a * sx + b * sy + c - 0.5, d * sx + e * sy + f - 0.5):
        anchor = np.where(np.isfinite(anchor), anchor, -limit)
        out.append(np.round(np.clip(anchor, -limit, limit) * SUBPIXEL).astype(np.int32))
    return out[0], out[1]


_STEP_W = (2 * np.arange(ANCHOR_STEP, dtype=np.int32) + 1)  # pixel centre k+0.5, in 1/(2*STEP) of a cell


def _interpolate(anchor: np.ndarray, width: int, height: int) -> np.ndarray:
    """Bilinear interpolation of an integer anchor grid to every pixel: exact integer arithmetic, so a pixel's
    value depends on its four anchors only. Shifting all anchors by a multiple of 32 shifts the result exactly."""
    ny, nx = anchor.shape
    w = _STEP_W  # weights out of 32 (= 2 * ANCHOR_STEP)
    left = anchor[:, :-1, None]
    along_x = ((left * 32 + (anchor[:, 1:, None] - left) * w + 16) >> 5).reshape(ny, (nx - 1) * ANCHOR_STEP)
    top = along_x[:-1] * 32 + 16
    diff = along_x[1:] - along_x[:-1]
    full = np.empty((ny - 1, ANCHOR_STEP, along_x.shape[1]), dtype=np.int32)
    np.multiply(diff[:, None, :], w[None, :, None], out=full)
    full += top[:, None, :]
    full >>= 5
    return full.reshape((ny - 1) * ANCHOR_STEP, -1)[:height, :width]


def render_block(source: TileSource, z: int, x0: int, y0: int, nx: int = 1, ny: int = 1) -> np.ndarray:
    """RGBA uint8 array (ny*256, nx*256, 4) for tiles x0..x0+nx-1, y0..y0+ny-1 of zoom z."""
    width, height = nx * TILE_SIZE, ny * TILE_SIZE
    level = source.level(_overview_for_zoom(source, z))
    acol, arow = _source_anchors(source, level, z, x0 * TILE_SIZE, y0 * TILE_SIZE, width, height)
    sub = int(SUBPIXEL)
    c0 = max(0, int(acol.min()) // sub - 2)
    r0 = max(0, int(arow.min()) // sub - 2)
    c1 = min(level.width, -(-int(acol.max()) // sub) + 3)
    r1 = min(level.height, -(-int(arow.max()) // sub) + 3)
    if c1 <= c0 or r1 <= r0:
        return np.zeros((height, width, 4), dtype=np.uint8)
    if c1 - c0 > 30000 or r1 - r0 > 30000:
        raise TileError(
            f"{os.path.basename(source.path)} needs overviews to render zoom {z}: convert it to a COG first"
        )
    image = _read_window(source, level, Window(c0, r0, c1 - c0, r1 - r0))
    # Coordinates relative to the framed window (shifting anchors by whole pixels is exact), then float32 maps:
    # multiples of 1/32 below 2**24/32 px are exact in float32, and cv2.remap rounds them to its 1/32 grid
    # without loss. Far-off values saturate in cv2 and land outside the window: transparent.
    acol -= (c0 - 1) * sub
    arow -= (r0 - 1) * sub
    map_x = _interpolate(acol, width, height).astype(np.float32)
    map_y = _interpolate(arow, width, height).astype(np.float32)
    map_x *= 1.0 / SUBPIXEL
    map_y *= 1.0 / SUBPIXEL
    if _overzoomed(source, z):
        # Finer than the data: show its pixels as they are (nearest), as gdal2tiles and rio-tiler do. Shifting by
        # 1/64 px keeps every coordinate off a .5 tie, whose rounding would otherwise depend on the window.
        map_x += 1.0 / (2 * SUBPIXEL)
        map_y += 1.0 / (2 * SUBPIXEL)
        interpolation = cv2.INTER_NEAREST
    else:
        interpolation = cv2.INTER_LINEAR
    return cv2.remap(image, map_x, map_y, interpolation, borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def _overzoomed(source: TileSource, z: int) -> bool:
    """True when zoom z's pixels are finer than the raster's own (beyond its maxzoom)."""
    tiles_across: int = 2**z  # int ** int is typed Any (a negative exponent gives a float); z >= 0 here
    return 2 * MERC_HALF / (TILE_SIZE * tiles_across) < source.resolution_m * 0.999


def _read_window(source: TileSource, level: _Level, window: Window) -> np.ndarray:
    """The window as an (h+2, w+2, 4) RGBA array with a 1-pixel frame: RGB repeats the edge, alpha is 0."""
    ds = level.dataset
    try:
        if source.alpha_band:
            data = ds.read([*source.bands, source.alpha_band], window=window)
        else:
            data = np.concatenate(
                [ds.read(list(source.bands), window=window), ds.dataset_mask(window=window)[None]]
            )
    except rasterio.errors.RasterioError as exc:
        raise TileError(f"cannot read {os.path.basename(source.path)}: {exc}") from exc
    rgba = np.moveaxis(_to_uint8(data, source.scale), 0, -1)
    framed = cv2.copyMakeBorder(np.ascontiguousarray(rgba), 1, 1, 1, 1, cv2.BORDER_REPLICATE)
    framed[0, :, 3] = framed[-1, :, 3] = 0
    framed[:, 0, 3] = framed[:, -1, 3] = 0
    return framed


def _to_uint8(data: np.ndarray, scale: tuple[tuple[float, float], ...] | None) -> np.ndarray:
    if scale is None:
        return data
    out = np.empty(data.shape, dtype=np.uint8)
    mask = data[-1]
    out[-1] = np.where(mask > 0, 255, 0)
    for i, (low, high) in enumerate(scale):
        band = (data[i].astype(np.float32) - low) * (255.0 / (high - low))
        out[i] = np.clip(band, 0, 255).astype(np.uint8)
    return out


def render_tile(source: TileSource, z: int, x: int, y: int, fmt: str = "png") -> bytes:
    """One encoded tile: the function behind the tile endpoint."""
    n = 2**z
    if not (0 <= z <= 30 and 0 <= x < n and 0 <= y < n):
        raise TileError(f"tile {z}/{x}/{y} does not exist")
    return encode_tile(render_block(source, z, x, y), fmt)


def tilejson(source: TileSource, tiles_url: str, name: str = "") -> dict[str, Any]:
    """A TileJSON 3.0 document for the raster."""
    w, s, e, n = source.bounds_wgs84
    return {
        "tilejson": "3.0.0",
        "name": name,
        "scheme": "xyz",
        "tiles": [tiles_url],
        "minzoom": source.minzoom,
        "maxzoom": source.maxzoom,
        "bounds": [w, s, e, n],
        "center": [(w + e) / 2, (s + n) / 2, source.minzoom],
    }
