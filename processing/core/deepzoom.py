"""Deep Zoom (DZI) pyramid of a photo, for zooming and panning a 12 MP photo in the browser (OpenSeadragon)
without sending it whole.

`build_dzi(src, out_dir, name)` writes `out_dir/name.dzi` (the XML descriptor) and
`out_dir/name_files/<level>/<col>_<row>.jpg`. Level `max_level` is the photo at full size
(max_level = ceil(log2(max(width, height)))); each level below halves it (rounding up) down to 1×1 at level 0.
Tiles are TILE_SIZE px with OVERLAP px shared with each neighbour, JPEG. The photo is decoded once (EXIF
orientation is NOT applied: pixel coordinates are those of the stored original, as annotations use); each level
is made from the one above it, so memory stays at about two levels' worth (under 2× the decoded photo).
"""

from __future__ import annotations

import math
import os
from io import BytesIO
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

TILE_SIZE = 254
OVERLAP = 1
QUALITY = 85
DZI_NS = "http://schemas.microsoft.com/deepzoom/2008"


@dataclass(frozen=True)
class DziInfo:
    width: int
    height: int
    max_level: int
    tiles: int  # how many tile files were written


def max_level(width: int, height: int) -> int:
    return max(0, math.ceil(math.log2(max(width, height, 1))))


def level_size(width: int, height: int, level: int) -> tuple[int, int]:
    """The size of the photo at `level` (0: 1×1 … max_level: full size)."""
    scale = 2 ** (max_level(width, height) - level)
    return max(1, math.ceil(width / scale)), max(1, math.ceil(height / scale))


def tile_box(col: int, row: int, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """The pixel box (left, top, right, bottom) of tile (col, row) in a level of `size`, overlap included."""
    w, h = size
    left = col * TILE_SIZE - (OVERLAP if col > 0 else 0)
    top = row * TILE_SIZE - (OVERLAP if row > 0 else 0)
    return left, top, min(w, (col + 1) * TILE_SIZE + OVERLAP), min(h, (row + 1) * TILE_SIZE + OVERLAP)


def grid(size: tuple[int, int]) -> tuple[int, int]:
    """How many tile columns and rows a level of `size` has."""
    return math.ceil(size[0] / TILE_SIZE), math.ceil(size[1] / TILE_SIZE)


def descriptor(width: int, height: int) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Image xmlns="{DZI_NS}" Format="jpg" Overlap="{OVERLAP}" '
            f'TileSize="{TILE_SIZE}">\n  <Size Width="{width}" Height="{height}"/>\n</Image>\n')


def _write(path: Path, data: bytes | str) -> None:
    tmp = path.with_name(path.name + f".{os.getpid()}.partial")
    tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    os.replace(tmp, path)  # a file is either absent or complete


def build_dzi(src: Path | str, out_dir: Path | str, name: str = "deepzoom") -> DziInfo:
    """Write the pyramid of the photo at `src` under `out_dir`; the .dzi is written last (its presence says
    the pyramid is complete)."""
    out = Path(out_dir)
    files = out / f"{name}_files"
    with Image.open(src) as opened:
        image = opened.convert("RGB")  # decoded once
    width, height = image.size
    top = max_level(width, height)
    count = 0
    for level in range(top, -1, -1):
        size = level_size(width, height, level)
        if image.size != size:
            # halve the level above (Pillow's reduce for an exact factor of 2, else a box filter)
            halved = image.reduce(2) if image.size == (size[0] * 2, size[1] * 2) else None
            image = halved if halved is not None and halved.size == size else image.resize(size, Image.Resampling.BOX)
        folder = files / str(level)
        folder.mkdir(parents=True, exist_ok=True)
        cols, rows = grid(size)
        for col in range(cols):
            for row in range(rows):
                tile = image.crop(tile_box(col, row, size))
                buf = BytesIO()
                tile.save(buf, "JPEG", quality=QUALITY)
                _write(folder / f"{col}_{row}.jpg", buf.getvalue())
                count += 1
    _write(out / f"{name}.dzi", descriptor(width, height))
    return DziInfo(width, height, top, count)
