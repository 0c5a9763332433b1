"""Synthetic drone photos with known camera poses, rendered from a real orthophoto, for ground-truth tests.

The ground is the flat plane Z = 0 of the orthophoto's projected CRS (metres: X east, Y north, Z up). A camera is
a pinhole at (X, Y, Z) whose image "up" points along `heading_deg` (clockwise from north) and whose optical axis
leans `tilt_deg` from nadir towards the azimuth `tilt_azimuth_deg`. Camera frame: x right, y down, z along the
optical axis; pixel centres at integer coordinates, principal point at ((w - 1) / 2, (h - 1) / 2).

A ground point P = (X, Y, 0) projects to the image by the homography K [r1 r2 -R C] (R world -> camera, C the
camera position): each photo is the orthophoto warped by that homography (rendered at 2x and area-averaged down,
so it is anti-aliased like a real sensor), saved as a JPEG with EXIF GPS, focal length and time stamps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import rasterio
from affine import Affine
from PIL import Image
from PIL.TiffImagePlugin import IFDRational
from pyproj import CRS, Transformer

SUPERSAMPLE = 2
START = datetime(2024, 5, 14, 2, 30, 0, tzinfo=UTC)  # GPS (UTC) time of the first exposure
CAMERA_CLOCK_OFFSET = timedelta(hours=8)  # the camera clock runs on local time (Bali, UTC+8)


@dataclass(frozen=True)
class Texture:
    """The orthophoto: RGB pixels, where they are valid, and their georeference."""

    rgb: np.ndarray  # (h, w, 3) uint8, RGB
    valid: np.ndarray  # (h, w) bool: alpha > 0, eroded so no edge pixel mixes with the no-data black
    transform: Affine  # pixel corner (col, row) -> (X, Y)
    crs: CRS

    @property
    def pixel_to_world(self) -> np.ndarray:
        """3x3 from pixel index (col, row; centres at integers) to ground (X, Y, 1)."""
        t = self.transform
        return np.array([[t.a, t.b, t.c + 0.5 * (t.a + t.b)], [t.d, t.e, t.f + 0.5 * (t.d + t.e)], [0, 0, 1.0]])

    def world_to_pixel(self, xy: np.ndarray) -> np.ndarray:
        """(n, 2) ground points -> (n, 2) pixel indices (col, row)."""
        m = np.linalg.inv(self.pixel_to_world)
        pts = np.column_stack([xy, np.ones(len(xy))]) @ m.T
        return pts[:, :2] / pts[:, 2:]


def load_texture(path: Path) -> Texture:
    with rasterio.open(path) as ds:
        data = ds.read()
        transform, crs = ds.transform, CRS.from_user_input(ds.crs.to_wkt())
    rgb = np.ascontiguousarray(np.moveaxis(data[:3], 0, -1))
    valid = cv2.erode((data[3] > 0).astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    return Texture(rgb=rgb, valid=valid, transform=transform, crs=crs)


@dataclass(frozen=True)
class Camera:
    name: str
    x: float  # camera position, metres in the texture's CRS
    y: float
    z: float  # height above the flat ground
    heading_deg: float  # direction of the image's up side, clockwise from north
    tilt_deg: float  # optical axis from nadir
    tilt_azimuth_deg: float  # where the optical axis leans to, clockwise from north
    time_s: float  # seconds after START

    def camera_to_world(self) -> np.ndarray:
        """Columns: the camera's x (right), y (down the image) and z (optical axis) in world (E, N, Up)."""
        psi = np.radians(self.heading_deg)
        forward = np.array([np.sin(psi), np.cos(psi), 0.0])
        right = np.array([np.cos(psi), -np.sin(psi), 0.0])
        nadir = np.column_stack([right, -forward, [0.0, 0.0, -1.0]])
        alpha, theta = np.radians(self.tilt_azimuth_deg), np.radians(self.tilt_deg)
        # rotating straight down about this horizontal axis by theta leans the axis towards azimuth alpha
        axis = np.array([np.cos(alpha), -np.sin(alpha), 0.0])
        lean, _ = cv2.Rodrigues(theta * axis)
        rotation: np.ndarray = lean @ nadir
        return rotation

    def optical_axis(self) -> np.ndarray:
        axis: np.ndarray = self.camera_to_world()[:, 2]
        return axis

    def ground_to_image(self, focal: float, width: int, height: int) -> np.ndarray:
        """3x3 homography from ground (X, Y, 1) to pixel (x, y, 1): K [r1 r2 -R C]."""
        k = np.array([[focal, 0.0, (width - 1) / 2.0], [0.0, focal, (height - 1) / 2.0], [0.0, 0.0, 1.0]])
        r = self.camera_to_world().T  # world -> camera
        t = -r @ np.array([self.x, self.y, self.z])
        homography: np.ndarray = k @ np.column_stack([r[:, 0], r[:, 1], t])
        return homography

    def footprint(self, focal: float, width: int, height: int) -> np.ndarray:
        """Ground (X, Y) of the pixel corners (-0.5, -0.5), (w - 0.5, -0.5), (w - 0.5, h - 0.5), (-0.5, h - 0.5)."""
        to_ground = np.linalg.inv(self.ground_to_image(focal, width, height))
        corners = np.array([[-0.5, -0.5, 1], [width - 0.5, -0.5, 1], [width - 0.5, height - 0.5, 1],
                            [-0.5, height - 0.5, 1]]).T
        pts = to_ground @ corners
        return (pts[:2] / pts[2]).T


def lawnmower(*, lines: int, photos_per_line: int, start: tuple[float, float], step_m: float,
              spacing_m: float, height_m: float, seed: int, speed_m_s: float = 7.0,
              turn_s: float = 12.0) -> list[Camera]:
    """Back-and-forth lines flown north, then south, ... spaced east, by a gimbal-less multirotor: it pitches nose
    down (3-9 degrees) along its line and rolls a little (up to 4 degrees), so the camera leans backwards and to
    either side by 3-10 degrees, the lean flipping with the flight direction. Small deterministic (seeded)
    jitter in position, height and heading; exposure times at `speed_m_s`, `turn_s` between lines."""
    rng = np.random.default_rng(seed)
    cameras = []
    t = 0.0
    for line in range(lines):
        north = line % 2 == 0
        heading = 0.0 if north else 180.0
        for k in range(photos_per_line):
            along = k if north else photos_per_line - 1 - k
            x = start[0] + line * spacing_m + rng.uniform(-1.5, 1.5)
            y = start[1] + along * step_m + rng.uniform(-1.5, 1.5)
            pitch, roll = rng.uniform(3.0, 9.0), rng.uniform(-4.0, 4.0)  # nose down, banked left/right
            cameras.append(Camera(
                name=f"SYN_{len(cameras):04d}.jpg", x=float(x), y=float(y),
                z=float(height_m + rng.uniform(-4.0, 4.0)),
                heading_deg=float(heading + rng.uniform(-4.0, 4.0)) % 360.0,
                tilt_deg=float(np.hypot(pitch, roll)),
                tilt_azimuth_deg=float(heading + 180.0 + np.degrees(np.arctan2(roll, pitch))) % 360.0,
                time_s=round(t, 2)))
            t += step_m / speed_m_s
        t += turn_s
    return cameras


def render(texture: Texture, camera: Camera, *, focal: float, width: int, height: int) -> np.ndarray:
    """The photo (h, w, 3 RGB uint8); raises ValueError when any of it falls outside the valid texture."""
    s = SUPERSAMPLE
    # pixel (x, y) of the final photo is the mean of the s x s block whose centres are s x + (s - 1) / 2 + i
    up = np.array([[s, 0, (s - 1) / 2.0], [0, s, (s - 1) / 2.0], [0, 0, 1.0]])
    texture_to_big = up @ camera.ground_to_image(focal, width, height) @ texture.pixel_to_world
    big_size = (width * s, height * s)
    big = cv2.warpPerspective(texture.rgb, texture_to_big, big_size, flags=cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
    valid = cv2.warpPerspective(texture.valid.astype(np.uint8), texture_to_big, big_size,
                                flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    if valid.min() == 0:
        raise ValueError(f"{camera.name}: the footprint leaves the valid part of the texture")
    photo: np.ndarray = cv2.resize(big, (width, height), interpolation=cv2.INTER_AREA)
    return photo


def _rational(value: float, denominator: int) -> IFDRational:
    return IFDRational(round(value * denominator), denominator)


def _dms(degrees: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    """Absolute degrees as (deg, min, sec), seconds to 1/10000 (3 mm on the ground)."""
    tenth_ms = round(abs(degrees) * 3600 * 10000)
    deg, rest = divmod(tenth_ms, 3600 * 10000)
    minutes, sec = divmod(rest, 60 * 10000)
    return IFDRational(deg, 1), IFDRational(minutes, 1), IFDRational(sec, 10000)


@dataclass(frozen=True)
class Lens:
    """Focal length given as EXIF would: mm and focal-plane resolution (pixels per cm)."""

    focal_px: float
    focal_mm: float = 4.5

    @property
    def pixels_per_cm(self) -> float:
        return self.focal_px / self.focal_mm * 10.0


def write_jpeg(path: Path, rgb: np.ndarray, *, lon: float, lat: float, alt_m: float, lens: Lens,
               time_s: float, quality: int = 92) -> None:
    """A JPEG with the EXIF a survey camera writes: GPS (position, altitude, UTC time), focal length and
    focal-plane resolution, DateTimeOriginal (camera clock, local time) with sub-seconds."""
    height, width = rgb.shape[:2]
    exif = Image.Exif()
    exif[0x010F] = "Synthetic"  # Make
    exif[0x0110] = "Pinhole 1"  # Model
    when = START + timedelta(seconds=time_s)
    local = when + CAMERA_CLOCK_OFFSET
    sub = exif.get_ifd(0x8769)  # Exif IFD
    sub[0x9003] = local.strftime("%Y:%m:%d %H:%M:%S")  # DateTimeOriginal
    sub[0x9291] = f"{local.microsecond // 10000:02d}"  # SubSecTimeOriginal (1/100 s)
    sub[0x920A] = _rational(lens.focal_mm, 1000)  # FocalLength
    sub[0xA20E] = _rational(lens.pixels_per_cm, 10000)  # FocalPlaneXResolution
    sub[0xA20F] = _rational(lens.pixels_per_cm, 10000)  # FocalPlaneYResolution
    sub[0xA210] = 3  # FocalPlaneResolutionUnit: cm
    sub[0xA002] = width  # ExifImageWidth
    sub[0xA003] = height  # ExifImageLength
    gps = exif.get_ifd(0x8825)
    gps[0x0000] = b"\x02\x03\x00\x00"  # GPSVersionID
    gps[0x0001] = "S" if lat < 0 else "N"
    gps[0x0002] = _dms(lat)
    gps[0x0003] = "W" if lon < 0 else "E"
    gps[0x0004] = _dms(lon)
    gps[0x0005] = b"\x00"  # above sea level
    gps[0x0006] = _rational(alt_m, 100)
    seconds = when.second + when.microsecond / 1e6
    gps[0x0007] = (IFDRational(when.hour, 1), IFDRational(when.minute, 1), _rational(seconds, 100))
    gps[0x001D] = when.strftime("%Y:%m:%d")  # GPSDateStamp
    Image.fromarray(rgb, "RGB").save(path, "JPEG", quality=quality, exif=exif.tobytes())


def lonlat(crs: CRS, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    to_wgs84 = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs84.transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lon), np.asarray(lat)


def render_photos(texture: Texture, cameras: list[Camera], *, lens: Lens, width: int,
                  height: int) -> list[np.ndarray]:
    return [render(texture, c, focal=lens.focal_px, width=width, height=height) for c in cameras]


def write_flight(folder: Path, cameras: list[Camera], photos: list[np.ndarray], *, crs: CRS, lens: Lens,
                 gps_error_m: np.ndarray | None = None, ground_alt_m: float = 35.0) -> list[Path]:
    """The rendered photos as JPEGs whose EXIF GPS is the true camera position plus gps_error_m (n, 2: east,
    north metres in `crs`); returns their paths in flight order."""
    folder.mkdir(parents=True, exist_ok=True)
    error = np.zeros((len(cameras), 2)) if gps_error_m is None else np.asarray(gps_error_m, float)
    xs = np.array([c.x for c in cameras]) + error[:, 0]
    ys = np.array([c.y for c in cameras]) + error[:, 1]
    lons, lats = lonlat(crs, xs, ys)
    paths = []
    for camera, photo, lon, lat in zip(cameras, photos, lons, lats, strict=True):
        path = folder / camera.name
        write_jpeg(path, photo, lon=float(lon), lat=float(lat), alt_m=ground_alt_m + camera.z, lens=lens,
                   time_s=camera.time_s)
        paths.append(path)
    return paths


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Area shared by two convex ground footprints as a fraction of the first's area."""
    origin = a.mean(axis=0)  # intersectConvexConvex works in float32: keep the numbers small
    area, _ = cv2.intersectConvexConvex(np.float32(a - origin), np.float32(b - origin))
    return float(area / cv2.contourArea(np.float32(a - origin)))


