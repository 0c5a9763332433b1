"""GeoTIFF facts through rasterio (CRS, bounds, resolution, bands) and the orthophoto/elevation call."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
from rasterio._err import CPLE_BaseError
from rasterio.errors import RasterioError
from rasterio.warp import transform_geom
from rasterio.windows import Window

from .errors import ImageryError

_ELEVATION_DTYPES = {"float32", "float64", "int16", "int32", "uint16", "uint32"}


@dataclass
class RasterFacts:
    width: int
    height: int
    count: int
    dtypes: list[str]
    crs: str | None  # "EPSG:32630" where an EPSG code exists, else WKT
    bounds: list[float]  # left, bottom, right, top in the raster's CRS
    resolution: list[float]  # x, y pixel size in CRS units
    nodata: float | None
    has_alpha: bool
    colorinterp: list[str]
    footprint: dict[str, Any] | None  # WGS84 GeoJSON Polygon of the raster's outline
    bounds_wgs84: list[float] | None
    tiled: bool
    overviews: int
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "width": self.width,
            "height": self.height,
            "count": self.count,
            "dtypes": self.dtypes,
            "crs": self.crs,
            "bounds": self.bounds,
            "bounds_wgs84": self.bounds_wgs84,
            "resolution": self.resolution,
            "nodata": self.nodata,
            "has_alpha": self.has_alpha,
            "colorinterp": self.colorinterp,
            "tiled": self.tiled,
            "overviews": self.overviews,
        }


def raster_kind(facts: RasterFacts) -> str:
    """"elevation" for one data band of a height-like type (float or wide integers), else "orthophoto"."""
    data_bands = facts.count - (1 if facts.has_alpha else 0)
    if data_bands == 1 and facts.dtypes[0] in _ELEVATION_DTYPES:
        return "elevation"
    return "orthophoto"


def _outline(ds: rasterio.io.DatasetReader) -> tuple[dict[str, Any] | None, list[float] | None]:
    if ds.crs is None:
        return None, None
    left, bottom, right, top = ds.bounds
    steps = 8  # densify the edges so a projected outline bends correctly in WGS84
    ring: list[tuple[float, float]] = []
    for i in range(steps):
        ring.append((left + (right - left) * i / steps, top))
    for i in range(steps):
        ring.append((right, top + (bottom - top) * i / steps))
    for i in range(steps):
        ring.append((right - (right - left) * i / steps, bottom))
    for i in range(steps):
        ring.append((left, bottom + (top - bottom) * i / steps))
    ring.append(ring[0])
    try:
        geom = transform_geom(ds.crs, "EPSG:4326", {"type": "Polygon", "coordinates": [ring]})
    except (RasterioError, ValueError) as exc:  # pragma: no cover - exotic CRS
        raise ImageryError(f"the raster's CRS cannot be transformed to WGS84: {exc}") from exc
    coords = [[round(x, 8), round(y, 8)] for x, y in geom["coordinates"][0]]
    xs = [c[0] for c in coords]
    ys = [c[1] for c in coords]
    return {"type": "Polygon", "coordinates": [coords]}, [min(xs), min(ys), max(xs), max(ys)]


def _check_blocks(ds: rasterio.io.DatasetReader, name: str) -> None:
    """Decode every block (all bands, one block at a time, so memory stays one block) so that a cut-short or
    corrupt file fails here, not in a job later. Callers check the declared size first."""
    try:
        windows = [w for _, w in ds.block_windows(1)]
    except RasterioError:
        windows = []
    if not windows:
        windows = [Window(0, 0, ds.width, ds.height)]
    try:
        for window in windows:
            ds.read(window=window)
    except RasterioError as exc:
        raise ImageryError(f"{name}: the GeoTIFF's pixel data is corrupt or cut short ({exc})") from exc


def read_raster_facts(path: Path, *, check_pixels: bool = True) -> RasterFacts:
    name = Path(path).name
    try:
        with rasterio.open(path) as ds:
            if ds.width <= 0 or ds.height <= 0 or ds.count <= 0:
                raise ImageryError(f"{name}: the GeoTIFF has no pixels")
            if check_pixels:
                _check_blocks(ds, name)
            epsg = ds.crs.to_epsg() if ds.crs else None
            crs = f"EPSG:{epsg}" if epsg else (ds.crs.to_wkt() if ds.crs else None)
            footprint, bounds_wgs84 = _outline(ds)
            colorinterp = [ci.name for ci in ds.colorinterp]
            has_alpha = "alpha" in colorinterp or bool(
                ds.count in (2, 4) and np.dtype(ds.dtypes[-1]) == np.uint8 and ds.mask_flag_enums
                and any(rasterio.enums.MaskFlags.alpha in f for f in ds.mask_flag_enums)
            )
            return RasterFacts(
                width=ds.width,
                height=ds.height,
                count=ds.count,
                dtypes=list(ds.dtypes),
                crs=crs,
                bounds=[float(v) for v in ds.bounds],
                resolution=[float(ds.res[0]), float(ds.res[1])],
                nodata=None if ds.nodata is None else float(ds.nodata),
                has_alpha=has_alpha,
                colorinterp=colorinterp,
                footprint=footprint,
                bounds_wgs84=bounds_wgs84,
                tiled=bool(ds.profile.get("tiled", False)),
                overviews=len(ds.overviews(1)),
            )
    except ImageryError:
        raise
    except (RasterioError, CPLE_BaseError, UnicodeDecodeError) as exc:  # GDAL errors; a CRS name not UTF-8
        raise ImageryError(f"{name}: not a readable GeoTIFF ({exc})") from exc
