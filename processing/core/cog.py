"""Cloud-Optimised GeoTIFF writing (GDAL's COG driver through rasterio)."""

from __future__ import annotations

import errno
import os
import shutil
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
        _raise_if_disk_full(dst.parent, exc)  # measured before the partial file goes
        # GDAL reports cut-short or corrupt pixel data as CPLE_* errors, not RasterioError.
        raise TileError(f"cannot write a COG from {Path(src).name}: {exc}") from exc
    finally:
        if tmp.exists():
            tmp.unlink()
    return dst


#: Below this much free space a failed write is taken for a full disk, not for bad input.
DISK_FULL_MARGIN = 16 * 1024 * 1024


def _raise_if_disk_full(folder: Path, exc: Exception) -> None:
    """GDAL words a full disk as "IO error writing tag data": say what happened, and as an OSError, so the job
    is retried (the input is not at fault) instead of failing as if the delivered file were bad."""
    free = shutil.disk_usage(folder).free
    if free < DISK_FULL_MARGIN or "No space left" in str(exc):
        raise OSError(errno.ENOSPC, f"No space left on device while writing the COG in {folder.name}/ "
                                    f"({free // (1024 * 1024)} MB free; GDAL said: {exc})") from exc
