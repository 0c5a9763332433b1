"""COG conversion of delivered GeoTIFFs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from processing.core.cog import to_cog
from processing.core.errors import ProcessingError


def test_bali_becomes_a_cog_with_the_same_pixels(shared_data: Path, tmp_path):
    src = shared_data / "orthophotos" / "pix4d-bali.tif"
    dst = to_cog(src, tmp_path / "out.tif")
    with rasterio.open(src) as a, rasterio.open(dst) as b:
        assert b.profile["tiled"] and b.overviews(1) and b.crs == a.crs and b.transform == a.transform
        assert np.array_equal(a.read(), b.read())
        assert b.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
    assert [p.name for p in tmp_path.iterdir()] == ["out.tif"]


def test_any_crs_is_kept(tmp_path):
    """A British National Grid delivery stays in EPSG:27700 (tiles reproject on the fly)."""
    src = tmp_path / "bng.tif"
    data = np.random.default_rng(1).integers(0, 255, (3, 300, 400), dtype=np.uint8)
    with rasterio.open(src, "w", driver="GTiff", width=400, height=300, count=3, dtype="uint8",
                       crs="EPSG:27700", transform=from_origin(185000, 730000, 0.05, 0.05)) as ds:
        ds.write(data)
    with rasterio.open(to_cog(src, tmp_path / "bng-cog.tif")) as ds:
        assert ds.crs.to_epsg() == 27700 and np.array_equal(ds.read(), data)


def test_no_crs_and_cut_short_files_fail_without_output(shared_data: Path, tmp_path):
    plain = tmp_path / "plain.tif"
    with rasterio.open(plain, "w", driver="GTiff", width=10, height=10, count=1, dtype="uint8") as ds:
        ds.write(np.zeros((1, 10, 10), dtype=np.uint8))
    with pytest.raises(ProcessingError, match="coordinate reference system"):
        to_cog(plain, tmp_path / "a.tif")
    cut = tmp_path / "cut.tif"
    cut.write_bytes((shared_data / "orthophotos" / "pix4d-bali.tif").read_bytes()[:200_000])
    with pytest.raises(ProcessingError, match="cut.tif"):
        to_cog(cut, tmp_path / "b.tif")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.tif", "plain.tif"]
