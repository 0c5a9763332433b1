"""Exposure compensation and windowed rendering (perspective warps from the bundle-adjusted poses) of the aligned photos into a tiled GeoTIFF.

Memory is bounded by the render window and the photo cache, never by the mosaic: each output block warps only the
photos whose footprints touch it (cv2.warpPerspective computes only the block's pixels) and is written at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import rasterio
from affine import Affine
from rasterio.enums import ColorInterp
from rasterio.windows import Window

from .alignment import Frame
from .features import THUMB_REDUCTION, read_reduced

WEIGHT_REDUCTION = 8


@dataclass
class Placed:
    """One aligned photo ready to render."""

    path: Path
    frame: Frame
    to_world: np.ndarray  # 3x3 homography, full-resolution pixel -> local ground metres
    gain: np.ndarray  # (3,) BGR multipliers
    factor: int  # JPEG decode reduction used at render time
    bbox: tuple[float, float, float, float]  # local metres: min E, min N, max E, max N


@dataclass
class Grid:
    x0: float  # local easting of the upper-left corner
    y0: float  # local northing of the upper-left corner
    res: float
    width: int
    height: int


def _scale_matrix(factor: float) -> np.ndarray:
    """Full-resolution pixel -> pixel of a copy reduced by `factor` (pixel-centre convention)."""
    return np.array([[1 / factor, 0, 0.5 / factor - 0.5], [0, 1 / factor, 0.5 / factor - 0.5], [0, 0, 1]])


def compute_gains(frames: list[Frame], to_world: list[np.ndarray], thumbs: list[np.ndarray],
                  pairs: list[tuple[int, int]], *, sigma_n: float = 10.0, sigma_g: float = 0.1) -> np.ndarray:
    """Per-photo, per-channel gains equalising mean intensity in every overlap (Brown & Lowe's formulation)."""
    n = len(frames)
    a = np.zeros((3, n, n))
    lam = np.zeros(n)
    s = _scale_matrix(THUMB_REDUCTION)
    for i, j in pairs:
        ti, tj = thumbs[i], thumbs[j]
        m = s @ np.linalg.inv(to_world[i]) @ to_world[j] @ np.linalg.inv(s)
        h, w = ti.shape[:2]
        warped = cv2.warpPerspective(tj, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
        mask = cv2.warpPerspective(np.full(tj.shape[:2], 255, np.uint8), m, (w, h), flags=cv2.INTER_NEAREST)
        overlap = cv2.erode(mask, np.ones((5, 5), np.uint8)) > 0
        count = int(overlap.sum())
        if count < 50:
            continue
        mean_i = ti[overlap].reshape(-1, 3).astype(np.float64).mean(axis=0)
        mean_j = warped[overlap].reshape(-1, 3).astype(np.float64).mean(axis=0)
        for c in range(3):
            a[c, i, i] += count * mean_i[c] ** 2 / sigma_n**2
            a[c, j, j] += count * mean_j[c] ** 2 / sigma_n**2
            a[c, i, j] -= count * mean_i[c] * mean_j[c] / sigma_n**2
            a[c, j, i] -= count * mean_i[c] * mean_j[c] / sigma_n**2
        lam[i] += count
        lam[j] += count
    lam = np.maximum(lam, 1.0) / sigma_g**2
    gains = np.ones((n, 3))
    for c in range(3):
        gains[:, c] = np.linalg.solve(a[c] + np.diag(lam), lam)
    return np.clip(gains, 0.5, 2.0)


def _weight_template(width: int, height: int, power: float) -> np.ndarray:
    """Feather weights on a 1/8 grid: highest at the photo centre, zero at its edge."""
    w = max(2, -(-width // WEIGHT_REDUCTION))
    h = max(2, -(-height // WEIGHT_REDUCTION))
    x = (np.arange(w) + 0.5) / w
    y = (np.arange(h) + 0.5) / h
    tent_x = 1.0 - np.abs(2.0 * x - 1.0)
    tent_y = 1.0 - np.abs(2.0 * y - 1.0)
    return (np.outer(tent_y, tent_x) ** power).astype(np.float32)


class PhotoCache:
    """A small thread-safe LRU of decoded photos."""

    def __init__(self, capacity: int) -> None:
        self.capacity = max(1, capacity)
        self._items: OrderedDict[tuple[Path, int], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.decodes = 0

    def get(self, path: Path, factor: int) -> np.ndarray:
        key = (path, factor)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        image = read_reduced(path, factor, colour=True)
        with self._lock:
            self.decodes += 1
            self._items[key] = image
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
        return image


def _render_block(grid: Grid, photos: list[Placed], templates: dict[tuple[int, int], np.ndarray],
                  cache: PhotoCache, row: int, col: int, h: int, w: int) -> np.ndarray:
    e_min = grid.x0 + col * grid.res
    e_max = e_min + w * grid.res
    n_max = grid.y0 - row * grid.res
    n_min = n_max - h * grid.res
    out_to_world = np.array([[grid.res, 0, e_min + 0.5 * grid.res], [0, -grid.res, n_max - 0.5 * grid.res],
                             [0, 0, 1]])
    acc = np.zeros((h, w, 3), np.float32)
    wsum = np.zeros((h, w), np.float32)
    for photo in photos:
        bx0, by0, bx1, by1 = photo.bbox
        if bx0 >= e_max or bx1 <= e_min or by0 >= n_max or by1 <= n_min:
            continue
        world_to_photo = np.linalg.inv(photo.to_world) @ out_to_world
        wm = _scale_matrix(WEIGHT_REDUCTION) @ world_to_photo
        template = templates[(photo.frame.width, photo.frame.height)]
        weight = cv2.warpPerspective(template, wm, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                     borderMode=cv2.BORDER_CONSTANT, borderValue=0)
        if not weight.any():
            continue
        im = _scale_matrix(photo.factor) @ world_to_photo
        image = cache.get(photo.path, photo.factor)
        warped = cv2.warpPerspective(image, im, (w, h), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                     borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
        wg = weight[:, :, None] * photo.gain.astype(np.float32)[None, None, :]
        acc += warped.astype(np.float32) * wg
        wsum += weight
    valid = wsum > 1e-12
    out = np.zeros((4, h, w), np.uint8)
    rgb = np.zeros((h, w, 3), np.float32)
    np.divide(acc, wsum[:, :, None], out=rgb, where=valid[:, :, None])
    bgr = np.clip(rgb + 0.5, 0, 255).astype(np.uint8)
    out[0], out[1], out[2] = bgr[:, :, 2], bgr[:, :, 1], bgr[:, :, 0]
    out[3] = np.where(valid, 255, 0).astype(np.uint8)
    return out


def _blocks(grid: Grid, size: int) -> Iterator[tuple[int, int, int, int]]:
    for row in range(0, grid.height, size):
        for col in range(0, grid.width, size):
            yield row, col, min(size, grid.height - row), min(size, grid.width - col)


def render_geotiff(path: Path, grid: Grid, photos: list[Placed], *, crs: object, origin: np.ndarray,
                   block_size: int, cache_photos: int, blend_power: float, threads: int,
                   progress: Callable[[float], None]) -> int:
    """Write the mosaic as a tiled RGBA GeoTIFF at `path`; return the number of covered pixels."""
    templates = {(p.frame.width, p.frame.height): _weight_template(p.frame.width, p.frame.height, blend_power)
                 for p in photos}
    cache = PhotoCache(cache_photos)
    transform = Affine(grid.res, 0.0, origin[0] + grid.x0, 0.0, -grid.res, origin[1] + grid.y0)
    block_size = max(256, (block_size // 256) * 256)
    profile = {"driver": "GTiff", "width": grid.width, "height": grid.height, "count": 4, "dtype": "uint8",
               "crs": crs, "transform": transform, "tiled": True, "blockxsize": 256, "blockysize": 256,
               "photometric": "RGB", "alpha": "YES", "bigtiff": "IF_SAFER"}
    blocks = list(_blocks(grid, block_size))
    covered = 0
    with rasterio.open(path, "w", **profile) as dst:
        dst.colorinterp = [ColorInterp.red, ColorInterp.green, ColorInterp.blue, ColorInterp.alpha]
        with ThreadPoolExecutor(max_workers=threads) as pool:
            pending: list[tuple[tuple[int, int, int, int], Future[np.ndarray]]] = []
            queue = iter(blocks)
            done = 0
            while True:
                while len(pending) < threads + 1:
                    nxt = next(queue, None)
                    if nxt is None:
                        break
                    pending.append((nxt, pool.submit(_render_block, grid, photos, templates, cache, *nxt)))
                if not pending:
                    break
                (row, col, h, w), future = pending.pop(0)
                data = future.result()
                dst.write(data, window=Window(col, row, w, h))
                covered += int(np.count_nonzero(data[3]))
                done += 1
                progress(done / len(blocks))
    return covered
