"""Decompression bombs are refused from their headers, before any pixel is decoded (issue 15, "Memory")."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import rasterio
from rasterio.transform import from_origin

from processing.core.errors import ImageryError
from processing.core.validate import validate_upload


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _png_bomb(path: Path, side: int = 13000) -> None:
    """A valid PNG of side x side RGBA zeros: well under a megabyte on disk, side² x 4 bytes decoded."""
    packer = zlib.compressobj(9)
    row = b"\x00" * (1 + side * 4)
    rows_per = 64
    parts = [packer.compress(row * rows_per) for _ in range(side // rows_per)]
    parts.append(packer.compress(row * (side % rows_per)) + packer.flush())
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 6, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", b"".join(parts))
                     + _chunk(b"IEND", b""))


def test_png_declaring_13000_squared_rgba_is_refused_before_decoding(tmp_path):
    bomb = tmp_path / "bomb.png"
    _png_bomb(bomb)
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(ImageryError, match="over the limit"):
        validate_upload(bomb)


def test_png_over_the_byte_budget_is_refused(tmp_path):
    png = tmp_path / "wide.png"
    _png_bomb(png, side=2000)  # 16 MB decoded
    validate_upload(png)  # within the default budget
    with pytest.raises(ImageryError, match="budget"):
        validate_upload(png, max_image_bytes=8 * 1024**2)


def test_sparse_geotiff_declaring_10_gigapixels_is_refused(tmp_path):
    path = tmp_path / "sparse.tif"
    with rasterio.open(
        path, "w", driver="GTiff", width=100_000, height=100_000, count=1, dtype="uint8", crs="EPSG:27700",
        transform=from_origin(400000, 300000, 0.01, 0.01), tiled=True, blockxsize=512, blockysize=512,
        compress="deflate", SPARSE_OK=True,
    ) as ds:
        ds.write(np.ones((1, 512, 512), dtype="uint8"), window=((0, 512), (0, 512)))
    assert path.stat().st_size < 5_000_000
    with pytest.raises(ImageryError, match="over the limit"):
        validate_upload(path)


def test_geotiff_with_a_corrupt_block_in_the_middle_is_refused(tmp_path):
    """Every block is decoded, not only the first, middle and last."""
    path = tmp_path / "ortho.tif"
    with rasterio.open(
        path, "w", driver="GTiff", width=1024, height=1024, count=1, dtype="uint8", crs="EPSG:27700",
        transform=from_origin(400000, 300000, 0.05, 0.05), tiled=True, blockxsize=256, blockysize=256,
        compress="deflate",
    ) as ds:
        ds.write(np.random.default_rng(1).integers(0, 255, (1, 1024, 1024), dtype="uint8"))
    validate_upload(path)
    with rasterio.open(path) as ds:
        # block 1 of 16 (row 0, column 1): neither the first, the middle (8) nor the last (15)
        offset = int(ds.get_tag_item("BLOCK_OFFSET_1_0", "TIFF", bidx=1))
    data = bytearray(path.read_bytes())
    data[offset:offset + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    with pytest.raises(ImageryError, match="corrupt"):
        validate_upload(path)
