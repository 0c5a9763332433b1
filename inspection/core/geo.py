"""Where a mark on a photo is on the ground, and British National Grid references.

A placed photo's footprint is the ground position of its four pixel corners (0,0), (w,0), (w,h), (0,h) — the
orthomosaic report's `footprint` (map CRS) and `footprint_lonlat` (WGS84), or the pose footprint stored with the
photo. Four point pairs define the pixel → ground homography (the mosaic itself places each photo by a homography,
so in the map CRS this is exact)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from pyproj import Transformer

from .errors import InspectionError

Point = tuple[float, float]

# 100 km squares: the first letter names the 500 km square, the second the 100 km square inside it (both from a
# 5 x 5 grid of the alphabet without I, lettered from the top-left), the false origin being square SV.
_LETTERS = "ABCDEFGHJKLMNOPQRSTUVWXYZ"


def homography(corners: Sequence[Sequence[float]], width: float, height: float) -> np.ndarray:
    """The 3 x 3 matrix taking pixel (x, y) of a `width` x `height` photo to ground, from the ground positions
    of its corners (top-left, top-right, bottom-right, bottom-left)."""
    if len(corners) < 4:
        raise InspectionError("footprint", "needs the four corners of the photo")
    if not (width > 0 and height > 0):
        raise InspectionError("footprint", "the photo has no width and height")
    src = [(0.0, 0.0), (float(width), 0.0), (float(width), float(height)), (0.0, float(height))]
    dst = [(float(c[0]), float(c[1])) for c in corners[:4]]
    rows, rhs = [], []
    for (x, y), (u, v) in zip(src, dst, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rhs.append(u)
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.append(v)
    a = np.array(rows, dtype=np.float64)
    if abs(np.linalg.det(a)) < 1e-300 or np.linalg.matrix_rank(a) < 8:
        raise InspectionError("footprint", "the corners do not span an area")
    h = np.linalg.solve(a, np.array(rhs, dtype=np.float64))
    return np.append(h, 1.0).reshape(3, 3)


def pixel_to_ground(corners: Sequence[Sequence[float]], width: float, height: float,
                    points: Sequence[Sequence[float]]) -> list[Point]:
    """Ground positions (in the corners' coordinates) of pixel `points` of the photo."""
    m = homography(corners, width, height)
    out = []
    for x, y in points:
        q = m @ np.array([float(x), float(y), 1.0])
        out.append((float(q[0] / q[2]), float(q[1] / q[2])))
    return out


@lru_cache(maxsize=64)
def _transformer(src: str, dst: str) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def crs_to_lonlat(crs: str, points: Sequence[Sequence[float]]) -> list[Point]:
    t = _transformer(crs, "EPSG:4326")
    return [tuple(map(float, t.transform(x, y))) for x, y in points]  # type: ignore[misc]


def pixel_to_lonlat(corners_lonlat: Sequence[Sequence[float]], width: float, height: float,
                    points: Sequence[Sequence[float]]) -> list[Point]:
    """Like `pixel_to_ground` for corners in WGS84 (lon, lat): the homography is taken in a local transverse
    Mercator centred on the footprint (metres, distortion far below a centimetre over a photo)."""
    if len(corners_lonlat) < 4:
        raise InspectionError("footprint", "needs the four corners of the photo")
    lon0 = sum(float(c[0]) for c in corners_lonlat[:4]) / 4
    lat0 = sum(float(c[1]) for c in corners_lonlat[:4]) / 4
    local = f"+proj=tmerc +lat_0={lat0:.9f} +lon_0={lon0:.9f} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
    fwd = _transformer("EPSG:4326", local)
    corners = [fwd.transform(float(c[0]), float(c[1])) for c in corners_lonlat[:4]]
    return crs_to_lonlat(local, pixel_to_ground(corners, width, height, points))


def grid_reference(easting: float, northing: float, digits: int = 10) -> str:
    """The OS grid reference of a British National Grid position, e.g. "NM 85940 29612" (10 digits = 1 m)."""
    if digits not in (2, 4, 6, 8, 10):
        raise InspectionError("digits", "must be 2, 4, 6, 8 or 10")
    if not (0 <= easting < 700_000 and 0 <= northing < 1_300_000):
        raise InspectionError("location", "is outside the British National Grid")
    e100, n100 = int(easting // 100_000), int(northing // 100_000)
    # 500 km square relative to the false origin (S is at 500 km east, 0 north of it)
    l1 = (19 - n100) - (19 - n100) % 5 + (e100 + 10) // 5
    l2 = (19 - n100) * 5 % 25 + e100 % 5
    letters = _LETTERS[l1] + _LETTERS[l2]
    half = digits // 2
    scale = 10 ** (5 - half)
    # truncated (a reference names the square the point is in); rounded to a micrometre first so that a
    # round trip through the projection does not fall just short of a line
    e = math.floor(round(easting % 100_000, 6) / scale)
    n = math.floor(round(northing % 100_000, 6) / scale)
    return f"{letters} {e:0{half}d} {n:0{half}d}"


def to_bng(lat: float, lon: float) -> tuple[float, float, str]:
    """(easting, northing, grid reference) of a WGS84 position, through EPSG:27700 (pyproj)."""
    easting, northing = _transformer("EPSG:4326", "EPSG:27700").transform(lon, lat)
    return float(easting), float(northing), grid_reference(easting, northing)


def from_bng(easting: float, northing: float) -> Point:
    """(lat, lon) WGS84 of a British National Grid position."""
    lon, lat = _transformer("EPSG:27700", "EPSG:4326").transform(easting, northing)
    return float(lat), float(lon)
