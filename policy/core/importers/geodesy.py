"""Geodesic construction of circles, arcs and runway rectangles on WGS84 (pyproj.Geod)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyproj import Geod

NM = 1852.0
STEP_DEG = 5.0


@cache
def _geod() -> Geod:
    """The WGS84 ellipsoid, made on first use: the rules import NM from here, and loading them should not import
    pyproj."""
    from pyproj import Geod

    return Geod(ellps="WGS84")



def circle(lon: float, lat: float, radius_m: float, n: int = 72) -> list[list[float]]:
    ring = []
    for i in range(n):
        x, y, _ = _geod().fwd(lon, lat, i * 360.0 / n, radius_m)
        ring.append([round(x, 7), round(y, 7)])
    ring.append(ring[0])
    return ring


def arc(centre: tuple[float, float], start: tuple[float, float], end: tuple[float, float], radius_m: float,
        clockwise: bool) -> list[list[float]]:
    """Points along an arc about `centre` from `start` to `end` (exclusive of start, inclusive of end)."""
    az0, _, _ = _geod().inv(centre[0], centre[1], start[0], start[1])
    az1, _, _ = _geod().inv(centre[0], centre[1], end[0], end[1])
    sweep = (az1 - az0) % 360 if clockwise else -((az0 - az1) % 360)
    steps = max(1, int(abs(sweep) / STEP_DEG))
    pts = []
    for i in range(1, steps):
        x, y, _ = _geod().fwd(centre[0], centre[1], az0 + sweep * i / steps, radius_m)
        pts.append([round(x, 7), round(y, 7)])
    pts.append([end[0], end[1]])
    return pts


def forward(lon: float, lat: float, azimuth: float, distance_m: float) -> tuple[float, float]:
    x, y, _ = _geod().fwd(lon, lat, azimuth, distance_m)
    return (x, y)


def inverse(lon0: float, lat0: float, lon1: float, lat1: float) -> tuple[float, float]:
    """(azimuth from 0 to 1 in degrees, distance in metres)."""
    az, _, dist = _geod().inv(lon0, lat0, lon1, lat1)
    return (az, dist)
