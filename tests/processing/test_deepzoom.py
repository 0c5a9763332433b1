"""The Deep Zoom pyramid of a real photo (../shared/data/drone/caliterra-half): descriptor, levels and tiles,
and that the full-size level's tiles put back together give the photo."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
from PIL import Image

from processing.core.deepzoom import DZI_NS, OVERLAP, TILE_SIZE, build_dzi, grid, level_size, max_level


def test_pyramid_of_a_real_photo(shared_data, tmp_path):
    src = shared_data / "drone" / "caliterra-half" / "IMG_9354.jpg"
    info = build_dzi(src, tmp_path)
    assert (info.width, info.height, info.max_level) == (2000, 1500, 11)

    root = ET.parse(tmp_path / "deepzoom.dzi").getroot()
    assert root.tag == f"{{{DZI_NS}}}Image"
    assert (root.get("TileSize"), root.get("Overlap"), root.get("Format")) == (str(TILE_SIZE), str(OVERLAP), "jpg")
    size = root.find(f"{{{DZI_NS}}}Size")
    assert (size.get("Width"), size.get("Height")) == ("2000", "1500")

    files = tmp_path / "deepzoom_files"
    assert sorted(int(p.name) for p in files.iterdir()) == list(range(12))
    assert sum(1 for _ in files.rglob("*.jpg")) == info.tiles
    assert not list(tmp_path.rglob("*.partial"))
    with Image.open(files / "0" / "0_0.jpg") as im:
        assert im.size == (1, 1)
    assert level_size(2000, 1500, 10) == (1000, 750)
    assert level_size(2000, 1500, 1) == (2, 2)

    # The full-size level: every tile present, sized with its overlap, and together they are the photo.
    cols, rows = grid((2000, 1500))
    assert (cols, rows) == (8, 6)
    with Image.open(src) as im:
        original = np.asarray(im.convert("RGB"), dtype=np.int16)
    mosaic = np.zeros_like(original)
    for col in range(cols):
        for row in range(rows):
            with Image.open(files / "11" / f"{col}_{row}.jpg") as tile:
                w, h = tile.size
                left = col * TILE_SIZE - (OVERLAP if col else 0)
                top = row * TILE_SIZE - (OVERLAP if row else 0)
                assert w == min(2000, (col + 1) * TILE_SIZE + OVERLAP) - left
                assert h == min(1500, (row + 1) * TILE_SIZE + OVERLAP) - top
                mosaic[top:top + h, left:left + w] = np.asarray(tile, dtype=np.int16)
    assert np.abs(mosaic - original).mean() < 4  # JPEG re-encoding only
    # A lower level is the photo scaled down, not something else.
    with Image.open(files / "8" / "0_0.jpg") as small:
        assert small.size == level_size(2000, 1500, 8) == (250, 188)
        expected = np.asarray(Image.fromarray(original.astype(np.uint8)).resize((250, 188)), dtype=np.int16)
        assert np.abs(np.asarray(small, dtype=np.int16) - expected).mean() < 8
    assert max_level(1, 1) == 0
