"""Change between two orthomosaics of one site, robust to GPS offsets, light and season.

1. Both rasters are warped onto one metric grid over the area they share (the first's CRS when projected, else
   the UTM zone of the centre), at the coarser of their resolutions but no finer than `min_pixel_m` (0.5 m:
   mosaics of one site disagree locally by decimetres) and at most `max_side` pixels a side (bounded memory). Rasters that do not overlap are refused.
2. Co-registration: ORB features (OpenCV 5's main modules have no AKAZE) on the grey images, ratio-tested matches, and a RANSAC similarity transform
   (shift, rotation, scale) that corrects the second raster's georeference; the correction is reported in metres.
3. Comparison on structure, not colour: in windows of `window_px`, the zero-mean normalised cross-correlation of
   the grey images (blind to gain and offset, so to exposure and a uniform brightening) where both are textured,
   and the ratio of local contrast where one is flat and the other is not (a new roof on grass, grass on a road).
4. Pixels whose change score exceeds `threshold` are cleaned with a small opening and closing; regions smaller
   than `min_area_m2` are dropped; the rest are returned as polygons in the grid's CRS and in WGS84 with m².
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import rasterio
from numpy.typing import NDArray
from pyproj import CRS, Transformer
from rasterio.enums import Resampling
from rasterio.transform import Affine, from_origin
from rasterio.vrt import WarpedVRT
from rasterio.warp import transform_bounds

from ..footprint import utm_crs_for
from ._common import DetectionError, mask_polygons

NAME = "change-structure"
VERSION = "2"  # 2: compared no finer than 0.5 m


@dataclass(frozen=True)
class Grid:
    crs: CRS
    transform: Affine
    width: int
    height: int

    @property
    def pixel_m(self) -> float:
        return abs(float(self.transform.a))


@dataclass(frozen=True)
class ChangedArea:
    area_m2: float
    polygon: dict[str, Any]  # GeoJSON Polygon in WGS84
    polygon_grid: list[tuple[float, float]]  # the ring in the grid CRS
    score: float  # mean change score inside (0..1)


@dataclass(frozen=True)
class ChangeResult:
    changes: list[ChangedArea]
    grid: Grid
    shift_m: tuple[float, float]  # correction applied to the second raster (east, north), metres
    rotation_deg: float
    scale: float
    matches: int
    inliers: int
    mask: NDArray[np.bool_]
    detector: str = NAME
    version: str = VERSION

    def feature_collection(self) -> dict[str, Any]:
        return {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": c.polygon,
             "properties": {"area_m2": round(c.area_m2, 1), "score": round(c.score, 3), "detector": self.detector,
                            "version": self.version}} for c in self.changes]}


def _read_on_grid(path: Path, grid: Grid) -> tuple[NDArray[np.float32], NDArray[np.bool_]]:
    with rasterio.open(path) as ds, WarpedVRT(ds, crs=grid.crs.to_wkt(), transform=grid.transform,
                                              width=grid.width, height=grid.height,
                                              resampling=Resampling.bilinear) as vrt:
        bands = [i for i in range(1, ds.count + 1) if ds.colorinterp[i - 1].name != "alpha"][:3]
        data = vrt.read(bands).astype(np.float32)
        valid = vrt.read_masks(1) > 0
    if data.dtype != np.uint8 and data.max() > 255:
        data *= 255.0 / max(float(np.percentile(data[:, valid], 99.5)) if valid.any() else 1.0, 1e-6)
    grey = data.mean(axis=0) if len(bands) > 1 else data[0]
    clipped = data.max(axis=0) >= 254  # a saturated sensor or an over-brightened mosaic: no texture to compare
    return grey.astype(np.float32), valid & ~clipped


def common_grid(before: Path, after: Path, max_side: int, min_pixel_m: float = 0.0) -> Grid:
    try:
        a, b = rasterio.open(before), rasterio.open(after)
    except rasterio.errors.RasterioIOError as exc:
        raise DetectionError(f"not a raster that can be read: {exc}") from exc
    with a, b:
        for ds, path in ((a, before), (b, after)):
            if ds.crs is None:
                raise DetectionError(f"{Path(path).name}: has no coordinate reference system")
        crs = CRS.from_user_input(a.crs.to_wkt())
        if not crs.is_projected:
            left, bottom, right, top = a.bounds
            crs = utm_crs_for((left + right) / 2, (bottom + top) / 2)
        ba = transform_bounds(a.crs, crs.to_wkt(), *a.bounds)
        bb = transform_bounds(b.crs, crs.to_wkt(), *b.bounds)
        res_a = (ba[2] - ba[0]) / a.width
        res_b = (bb[2] - bb[0]) / b.width
    left, bottom = max(ba[0], bb[0]), max(ba[1], bb[1])
    right, top = min(ba[2], bb[2]), min(ba[3], bb[3])
    if right <= left or top <= bottom:
        raise DetectionError(f"{Path(before).name} and {Path(after).name} do not overlap")
    res = max(res_a, res_b, min_pixel_m, (right - left) / max_side, (top - bottom) / max_side)
    width, height = int((right - left) / res), int((top - bottom) / res)
    if width < 32 or height < 32:
        raise DetectionError("the rasters overlap by too little to compare (under 32 pixels)")
    return Grid(crs, from_origin(left, top, res, res), width, height)


def _local_stats(img: NDArray[np.float32], w: int) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    mean = cv2.blur(img, (w, w))
    var = cv2.blur(img * img, (w, w)) - mean * mean
    return np.asarray(mean, dtype=np.float32), np.sqrt(np.maximum(var, 0)).astype(np.float32)


def _fill_holes(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """A changed area is its outer outline: a flat new roof on a flat old field changes only at its edges."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros(mask.shape, dtype=np.uint8)
    cv2.drawContours(filled, contours, -1, 1, thickness=cv2.FILLED)
    return filled > 0


@dataclass(frozen=True)
class ChangeDetector:
    min_area_m2: float = 25.0
    window_px: int = 5
    threshold: float = 0.6
    flat_contrast: float = 2.0  # grey levels of local spread under which a window counts as flat
    max_side: int = 4096
    min_inliers: int = 12
    features: int = 8000
    max_shift_m: float = 30.0
    # Compared no finer than this: two mosaics of one site disagree locally by a few decimetres (seams,
    # parallax of trees and roofs) even after co-registration, which at 5 cm cells reads as change everywhere.
    min_pixel_m: float = 0.5

    def __post_init__(self) -> None:
        if not self.min_area_m2 >= 0:
            raise DetectionError("min_area_m2 must be zero or more")
        if not 3 <= self.window_px <= 51 or self.window_px % 2 == 0:
            raise DetectionError("window_px must be odd, from 3 to 51")
        if not 0 < self.threshold < 1:
            raise DetectionError("threshold must be between 0 and 1")
        if not 0 <= self.min_pixel_m <= 10:
            raise DetectionError("min_pixel_m must be from 0 to 10 metres")
        if not 256 <= self.max_side <= 20000:
            raise DetectionError("max_side must be from 256 to 20000 pixels")

    def register(self, ref: NDArray[np.float32], ref_ok: NDArray[np.bool_], mov: NDArray[np.float32],
                 mov_ok: NDArray[np.bool_]) -> tuple[NDArray[np.float64], int, int]:
        orb = cv2.ORB.create(nfeatures=self.features, fastThreshold=10)
        ka, da = orb.detectAndCompute(np.clip(ref, 0, 255).astype(np.uint8), ref_ok.astype(np.uint8) * 255)
        kb, db = orb.detectAndCompute(np.clip(mov, 0, 255).astype(np.uint8), mov_ok.astype(np.uint8) * 255)
        if da is None or db is None or len(ka) < self.min_inliers or len(kb) < self.min_inliers:
            raise DetectionError("too few features to co-register the two rasters")
        pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(db, da, k=2)
        good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.8 * p[1].distance]
        if len(good) < self.min_inliers:
            raise DetectionError(f"only {len(good)} feature matches: the rasters cannot be co-registered")
        src = np.array([kb[m.queryIdx].pt for m in good], dtype=np.float32)
        dst = np.array([ka[m.trainIdx].pt for m in good], dtype=np.float32)
        matrix, inl = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=2.0,
                                                  maxIters=5000, confidence=0.999)
        inliers = int(inl.sum()) if inl is not None else 0
        if matrix is None or inliers < self.min_inliers:
            raise DetectionError(f"only {inliers} consistent matches: the rasters cannot be co-registered")
        return np.asarray(matrix, dtype=np.float64), len(good), inliers

    def change_score(self, a: NDArray[np.float32], b: NDArray[np.float32]) -> NDArray[np.float32]:
        w = self.window_px
        ga = np.asarray(cv2.GaussianBlur(a, (0, 0), 0.8), dtype=np.float32)
        gb = np.asarray(cv2.GaussianBlur(b, (0, 0), 0.8), dtype=np.float32)
        ma, sa = _local_stats(ga, w)
        mb, sb = _local_stats(gb, w)
        cov = cv2.blur(ga * gb, (w, w)) - ma * mb
        ncc = cov / np.maximum(sa * sb, 1e-6)
        structural = np.clip((1 - ncc) / 2, 0, 1)  # 0 same structure, 0.5 unrelated, 1 inverted
        c = self.flat_contrast
        ratio = np.abs(np.log((sa + c) / (sb + c)))
        contrast = np.clip(ratio / math.log(4.0), 0, 1)  # 1 when one window has 4x the other's spread
        both_textured = np.minimum(sa, sb) > c
        score = np.where(both_textured, np.maximum(structural * 1.4, contrast), contrast)
        return np.clip(score, 0, 1).astype(np.float32)

    def __call__(self, before: Path, after: Path) -> ChangeResult:
        grid = common_grid(before, after, self.max_side, self.min_pixel_m)
        ref, ref_ok = _read_on_grid(before, grid)
        mov, mov_ok = _read_on_grid(after, grid)
        if np.count_nonzero(ref_ok) < 1024 or np.count_nonzero(mov_ok) < 1024:
            raise DetectionError("the rasters share too few valid pixels to compare")
        matrix, matches, inliers = self.register(ref, ref_ok, mov, mov_ok)
        shift_px = (float(matrix[0, 2]), float(matrix[1, 2]))
        shift_m = (shift_px[0] * grid.pixel_m, -shift_px[1] * grid.pixel_m)
        if math.hypot(*shift_m) > self.max_shift_m:
            raise DetectionError(f"the co-registration moved the second raster by {math.hypot(*shift_m):.1f} m, "
                                 f"more than the {self.max_shift_m} m allowed: not the same site?")
        size = (grid.width, grid.height)
        moved = cv2.warpAffine(mov, matrix, size, flags=cv2.INTER_LINEAR)
        moved_ok = cv2.warpAffine(mov_ok.astype(np.uint8), matrix, size, flags=cv2.INTER_NEAREST,
                                  borderValue=0) > 0
        valid = ref_ok & moved_ok
        valid = cv2.erode(valid.astype(np.uint8), np.ones((self.window_px, self.window_px), np.uint8)) > 0
        score = self.change_score(ref, np.asarray(moved, dtype=np.float32))
        changed = (score > self.threshold) & valid
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
        opened = cv2.morphologyEx(changed.astype(np.uint8), cv2.MORPH_OPEN, kernel)
        changed = _fill_holes(np.asarray(cv2.morphologyEx(opened, cv2.MORPH_CLOSE, kernel) > 0, dtype=bool))
        pixel_area = grid.pixel_m**2
        min_px = max(1, math.ceil(self.min_area_m2 / pixel_area))
        count, labels, stats, _ = cv2.connectedComponentsWithStats(changed.astype(np.uint8), connectivity=8)
        to_wgs = Transformer.from_crs(grid.crs, CRS.from_epsg(4326), always_xy=True)
        out: list[ChangedArea] = []
        kept = np.zeros(changed.shape, dtype=bool)
        for i in range(1, count):
            if stats[i, cv2.CC_STAT_AREA] < min_px:
                continue
            region = labels == i
            kept |= region
            ring_px = mask_polygons(region)[0]
            ring = [grid.transform @ (x, y) for x, y in ring_px]
            lon, lat = to_wgs.transform([p[0] for p in ring], [p[1] for p in ring])
            poly = {"type": "Polygon", "coordinates": [[[round(x, 8), round(y, 8)] for x, y in
                                                        zip(lon, lat, strict=True)]]}
            out.append(ChangedArea(float(stats[i, cv2.CC_STAT_AREA]) * pixel_area, poly,
                                   [(float(x), float(y)) for x, y in ring], float(score[region].mean())))
        out.sort(key=lambda c: -c.area_m2)
        # the ring encloses the filled region: its area is the region's pixel count
        rotation = math.degrees(math.atan2(matrix[1, 0], matrix[0, 0]))
        scale = math.hypot(matrix[0, 0], matrix[1, 0])
        return ChangeResult(out, grid, shift_m, rotation, scale, matches, inliers, kept)
