"""Cloud-Optimised GeoTIFF writing (GDAL's COG driver through rasterio)."""

from __future__ import annotations

import os
from pathlib import Path

import rasterio
from rasterio._err import CPLE_BaseError
from rasterio.shutil import copy as rio_copy

from .errors import TileError

COG_OPTIONS = {
    "driver": "COG",
    "compress": "DEFLATE",
    "predictor": "2",
    "blocksize": "512",
    "overview_resampling": "average",
    "bigtiff": "if_safer",
    "num_threads": "all_cpus",
}


def to_cog(src: Path, dst: Path) -> Path:
    """Write `src` (any raster GDAL reads) as a COG at `dst`, atomically: a partial file never appears at `dst`."""
    dst = Path(dst)
    tmp = dst.with_name(dst.name + ".partial")
    try:
        with rasterio.open(src) as ds:
            if ds.crs is None:
                raise TileError(f"{Path(src).name} has no coordinate reference system")
            rio_copy(ds, tmp, **COG_OPTIONS)
        os.replace(tmp, dst)
    except (rasterio.errors.RasterioError, CPLE_BaseError) as exc:
        # GDAL reports cut-short or corrupt pixel data as CPLE_* errors, not RasterioError.
        raise TileError(f"cannot write a COG from {Path(src).name}: {exc}") from exc
    finally:
        if tmp.exists():
            tmp.unlink()
    return dst
