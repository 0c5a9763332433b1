"""A small table of survey cameras and the fall-backs used when a camera is not in it.

Sensor sizes come from the makers' published specifications (DJI product spec pages; Canon's 1/2.3" sensors are the
usual 6.17 x 4.55 mm). Where the EXIF focal length is present it wins over the table's nominal focal length, so the
zoom cameras (H20T zoom) only need their sensor size here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

FULL_FRAME_DIAGONAL_MM = math.hypot(36.0, 24.0)  # 43.27 mm, the reference for "35 mm equivalent"

# EXIF FocalPlaneResolutionUnit: 2 = inch, 3 = centimetre, 4 = millimetre, 5 = micrometre (EXIF 2.32, tag 0xA210)
_FOCAL_PLANE_UNIT_MM = {1: 25.4, 2: 25.4, 3: 10.0, 4: 1.0, 5: 0.001}


@dataclass(frozen=True)
class CameraModel:
    name: str
    sensor_width_mm: float
    sensor_height_mm: float
    focal_mm: float
    image_width: int  # native width of the stills this entry describes; used to tell apart cameras of one payload


@dataclass(frozen=True)
class SensorEstimate:
    width_mm: float
    height_mm: float
    focal_mm: float
    source: str  # "camera_table:<name>", "35mm_equivalent", "focal_plane_resolution"


def _key(text: str | None) -> str:
    return re.sub(r"[^a-z0-9]", "", (text or "").lower())


# Keys are the normalised EXIF Model (what the aircraft writes), each with one or more cameras told apart by width.
CAMERAS: dict[str, tuple[CameraModel, ...]] = {
    # DJI Phantom 4 Pro / Pro V2.0: 1" CMOS 13.2 x 8.8 mm, 8.8 mm lens (24 mm equivalent), 5472 x 3648
    "fc6310": (CameraModel("DJI Phantom 4 Pro", 13.2, 8.8, 8.8, 5472),),
    "fc6310s": (CameraModel("DJI Phantom 4 Pro V2", 13.2, 8.8, 8.8, 5472),),
    "fc6310r": (CameraModel("DJI Phantom 4 RTK", 13.2, 8.8, 8.8, 5472),),
    # DJI Air 2S: 1" CMOS, 22 mm equivalent, 5472 x 3648
    "fc3411": (CameraModel("DJI Air 2S", 13.2, 8.8, 8.38, 5472),),
    # DJI Mini 3 Pro / Mini 4 Pro: 1/1.3" CMOS (9.6 x 7.2 mm), 24 mm equivalent, 8064 x 6048 (48 MP) or 4032 x 3024
    "fc3582": (CameraModel("DJI Mini 3 Pro", 9.6, 7.2, 6.72, 8064),),
    "fc8482": (CameraModel("DJI Mini 4 Pro", 9.6, 7.2, 6.72, 8064),),
    # DJI Mavic 3 Enterprise: 4/3 CMOS 17.3 x 13.0 mm, 12.29 mm (24 mm equivalent), 5280 x 3956
    "m3e": (CameraModel("DJI Mavic 3E wide", 17.3, 13.0, 12.29, 5280),),
    # DJI Mavic 3 Thermal: 1/2" CMOS wide 4.4 mm (24 mm eq.), 8000 x 6000; thermal 640 x 512, 12 um pitch, 9.1 mm
    "m3t": (
        CameraModel("DJI M3T thermal", 7.68, 6.144, 9.1, 640),
        CameraModel("DJI M3T wide", 6.4, 4.8, 4.4, 8000),
    ),
    # DJI Zenmuse H20T: thermal 640 x 512 VOx, 12 um pitch, 13.5 mm; wide 1/2.3" 4.5 mm 4056 x 3040;
    # zoom 1/1.7" 20 MP (5184 x 3888), 6.83-119.9 mm (focal from EXIF)
    "zh20t": (
        CameraModel("DJI Zenmuse H20T thermal", 7.68, 6.144, 13.5, 640),
        CameraModel("DJI Zenmuse H20T wide", 6.17, 4.55, 4.5, 4056),
        CameraModel("DJI Zenmuse H20T zoom", 7.53, 5.64, 6.83, 5184),
    ),
    # DJI Zenmuse P1: full frame 35.9 x 24 mm, 8192 x 5460, 24/35/50 mm lenses (focal from EXIF)
    "zenmusep1": (CameraModel("DJI Zenmuse P1", 35.9, 24.0, 35.0, 8192),),
    # Canon compacts used in OpenDroneMap's public data sets: 1/2.3" CMOS
    "canonpowershotsx260hs": (CameraModel("Canon PowerShot SX260 HS", 6.17, 4.55, 4.5, 4000),),
    "canonpowershotelph300hs": (CameraModel("Canon PowerShot ELPH 300 HS", 6.17, 4.55, 4.3, 4000),),
}


def lookup_camera(model: str | None, image_width: int | None = None) -> CameraModel | None:
    """The table entry for an EXIF Model, choosing among a payload's cameras by image width (nearest, never larger
    than twice the native width: a 640-wide frame is the thermal camera, a 4056-wide one the wide camera)."""
    entries = CAMERAS.get(_key(model))
    if not entries:
        return None
    if len(entries) == 1 or not image_width:
        return entries[0]
    return min(entries, key=lambda cam: abs(math.log(max(image_width, 1) / cam.image_width)))


def estimate_sensor(
    *,
    model: str | None,
    image_width: int | None,
    image_height: int | None,
    focal_mm: float | None,
    focal_35mm: float | None,
    focal_plane_x_res: float | None,
    focal_plane_y_res: float | None = None,
    focal_plane_unit: int | None = None,
) -> SensorEstimate | None:
    """Sensor size and focal length: camera table, else the 35 mm equivalent, else focal-plane resolution."""
    cam = lookup_camera(model, image_width)
    if cam is not None:
        width, height = cam.sensor_width_mm, cam.sensor_height_mm
        if image_width and image_height and (image_width > image_height) != (width > height):
            width, height = height, width  # portrait still
        return SensorEstimate(width, height, focal_mm or cam.focal_mm, f"camera_table:{cam.name}")
    if not focal_mm or not image_width or not image_height:
        return None
    diagonal_px = math.hypot(image_width, image_height)
    if focal_35mm:
        # crop factor is defined on the diagonal: diag = 43.27 mm * f / f35
        diagonal_mm = FULL_FRAME_DIAGONAL_MM * focal_mm / focal_35mm
        return SensorEstimate(
            diagonal_mm * image_width / diagonal_px,
            diagonal_mm * image_height / diagonal_px,
            focal_mm,
            "35mm_equivalent",
        )
    if focal_plane_x_res and focal_plane_x_res > 0:
        unit_mm = _FOCAL_PLANE_UNIT_MM.get(focal_plane_unit or 2, 25.4)
        width = image_width / focal_plane_x_res * unit_mm
        y_res = focal_plane_y_res if focal_plane_y_res and focal_plane_y_res > 0 else focal_plane_x_res
        height = image_height / y_res * unit_mm
        return SensorEstimate(width, height, focal_mm, "focal_plane_resolution")
    return None
