"""Ground footprint of a photo: the four image corners cast through a pinhole camera onto a flat ground plane.

Frames: the local frame is east-north-up in metres in the photo's UTM zone (pyproj). The camera frame is OpenCV's
(x right, y down, z forward). Angles follow DJI: pitch -90 is nadir, 0 horizontal; yaw is degrees clockwise from
north, the direction the top of a nadir image faces; roll positive tips the image's right side down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pyproj import CRS, Transformer

DEFAULT_MIN_DEPRESSION_DEG = 10.0  # rays flatter than this below the horizon are clamped to it


@dataclass
class Footprint:
    polygon: dict[str, Any]  # GeoJSON Polygon, WGS84, corners top-left, top-right, bottom-right, bottom-left, closed
    height_m: float
    gsd_cm: float | None  # ground sample distance at the image centre when the view is nadir, else at nadir
    width_m: float  # ground length of the image's top-to-bottom centre lines, for a nadir view the footprint size
    length_m: float
    area_m2: float
    clamped: bool  # a corner ray was near or above the horizon and was clamped
    assumptions: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "polygon": self.polygon,
            "height_m": round(self.height_m, 3),
            "gsd_cm": None if self.gsd_cm is None else round(self.gsd_cm, 3),
            "width_m": round(self.width_m, 2),
            "length_m": round(self.length_m, 2),
            "area_m2": round(self.area_m2, 1),
            "clamped": self.clamped,
            "assumptions": self.assumptions,
        }


def utm_epsg_for(lon: float, lat: float) -> int:
    """EPSG code of the WGS84 UTM zone containing a point (326xx north, 327xx south)."""
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone


def utm_crs_for(lon: float, lat: float) -> CRS:
    """The WGS84 UTM zone CRS containing a point (EPSG 326xx north, 327xx south)."""
    return CRS.from_epsg(utm_epsg_for(lon, lat))


@lru_cache(maxsize=64)
def _transformers(epsg: int) -> tuple[Transformer, Transformer]:
    utm = CRS.from_epsg(epsg)
    return (
        Transformer.from_crs("EPSG:4326", utm, always_xy=True),
        Transformer.from_crs(utm, "EPSG:4326", always_xy=True),
    )


def local_transformers(lon: float, lat: float) -> tuple[Transformer, Transformer]:
    """(to_utm, to_wgs84) for the UTM zone of a point; always_xy, so (lon, lat) in and out."""
    return _transformers(utm_epsg_for(lon, lat))


def camera_rotation(pitch_deg: float, yaw_deg: float, roll_deg: float) -> NDArray[np.float64]:
    """3x3 matrix taking camera-frame directions (x right, y down, z forward) to east-north-up."""
    base = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])  # level camera facing north
    p, y, r = (math.radians(v) for v in (pitch_deg, -yaw_deg, roll_deg))
    rx = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
    rz = np.array([[math.cos(y), -math.sin(y), 0], [math.sin(y), math.cos(y), 0], [0, 0, 1]])
    ry = np.array([[math.cos(r), 0, math.sin(r)], [0, 1, 0], [-math.sin(r), 0, math.cos(r)]])
    rotation: NDArray[np.float64] = rz @ rx @ ry @ base
    return rotation


def _clamp_ray(ray: np.ndarray, min_depression_deg: float) -> tuple[np.ndarray, bool]:
    horizontal = math.hypot(ray[0], ray[1])
    depression = math.degrees(math.atan2(-ray[2], horizontal))
    if depression >= min_depression_deg:
        return ray, False
    if horizontal < 1e-12:  # pointing straight up: no azimuth to keep; give up on this corner's azimuth
        return np.array([0.0, math.cos(math.radians(min_depression_deg)), -math.sin(math.radians(min_depression_deg))]), True
    scale = math.cos(math.radians(min_depression_deg)) / horizontal
    clamped = np.array([ray[0] * scale, ray[1] * scale, -math.sin(math.radians(min_depression_deg))])
    return clamped, True


def ground_footprint(
    *,
    lat: float,
    lon: float,
    height_m: float,
    focal_mm: float,
    sensor_width_mm: float,
    sensor_height_mm: float,
    image_width: int | None = None,
    pitch_deg: float | None = None,
    yaw_deg: float | None = None,
    roll_deg: float | None = None,
    min_depression_deg: float = DEFAULT_MIN_DEPRESSION_DEG,
) -> Footprint:
    """Footprint polygon for a camera `height_m` above flat ground. Missing angles mean nadir, north-up, level
    (recorded in `assumptions`)."""
    if height_m <= 0:
        raise ValueError(f"height above ground must be positive, got {height_m:.2f} m")
    if focal_mm <= 0 or sensor_width_mm <= 0 or sensor_height_mm <= 0:
        raise ValueError("focal length and sensor size must be positive")
    assumptions: list[str] = []
    if pitch_deg is None:
        pitch_deg = -90.0
        assumptions.append("no gimbal pitch: assumed nadir")
    if yaw_deg is None:
        yaw_deg = 0.0
        assumptions.append("no yaw: assumed image top faces north")
    if roll_deg is None:
        roll_deg = 0.0
    to_utm, to_wgs = local_transformers(lon, lat)
    cx, cy = to_utm.transform(lon, lat)
    # yaw is from true north; UTM grid north differs by the meridian convergence (about 2 degrees at the zone edge
    # in Scotland), measured here as the grid bearing of a short step due north
    nx, ny = to_utm.transform(lon, min(lat + 1e-4, 89.9999))
    convergence = math.degrees(math.atan2(nx - cx, ny - cy))
    rot = camera_rotation(pitch_deg, yaw_deg + convergence, roll_deg)
    half_w, half_h = sensor_width_mm / 2.0, sensor_height_mm / 2.0
    corners_cam = [(-half_w, -half_h), (half_w, -half_h), (half_w, half_h), (-half_w, half_h)]
    ground_xy: list[tuple[float, float]] = []
    clamped_any = False
    for x_mm, y_mm in corners_cam:
        ray = rot @ np.array([x_mm, y_mm, focal_mm])
        ray = ray / np.linalg.norm(ray)
        ray, clamped = _clamp_ray(ray, min_depression_deg)
        clamped_any |= clamped
        t = height_m / -ray[2]
        ground_xy.append((cx + t * ray[0], cy + t * ray[1]))
    if clamped_any:
        assumptions.append(f"corner rays flatter than {min_depression_deg:g} degrees below the horizon were clamped")
    xs = [p[0] for p in ground_xy]
    ys = [p[1] for p in ground_xy]
    lons, lats = to_wgs.transform(xs, ys)
    ring = [[round(float(lo), 8), round(float(la), 8)] for lo, la in zip(lons, lats, strict=True)]
    ring.append(ring[0])
    area = 0.5 * abs(sum(xs[i] * ys[(i + 1) % 4] - xs[(i + 1) % 4] * ys[i] for i in range(4)))
    width = 0.5 * (math.dist(ground_xy[0], ground_xy[1]) + math.dist(ground_xy[3], ground_xy[2]))
    length = 0.5 * (math.dist(ground_xy[0], ground_xy[3]) + math.dist(ground_xy[1], ground_xy[2]))
    gsd = None
    if image_width:
        # at the point the optical axis hits the ground: slant range / focal * pixel pitch
        axis = rot @ np.array([0.0, 0.0, 1.0])
        if -axis[2] > math.sin(math.radians(min_depression_deg)):
            slant = height_m / -axis[2]
            gsd = slant * (sensor_width_mm / image_width) / focal_mm * 100.0
    return Footprint(
        polygon={"type": "Polygon", "coordinates": [ring]},
        height_m=height_m,
        gsd_cm=gsd,
        width_m=width,
        length_m=length,
        area_m2=area,
        clamped=clamped_any,
        assumptions=assumptions,
    )
