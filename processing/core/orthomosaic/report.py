"""The quality report returned by build_orthomosaic and stored as report.json."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class PlacedPhoto:
    name: str
    gps_easting: float
    gps_northing: float
    placed_easting: float
    placed_northing: float
    offset_m: float  # placed camera position vs GPS
    lon: float  # placed camera position, WGS84
    lat: float
    height_m: float  # camera height above the (flat) ground, from the image scale
    tilt_deg: float  # optical axis from nadir
    gsd_m: float
    heading_deg: float  # rotation of the photo's up direction from north, clockwise
    residual_rms_m: float  # alignment residual of this photo's correspondences
    gain: list[float]
    footprint: list[list[float]]  # ground corners (crs) of pixel corners (0,0), (w,0), (w,h), (0,h)
    along_track_m: float | None = None  # placed - GPS along the direction of travel (None without a time)
    cross_track_m: float | None = None  # placed - GPS to the left of the direction of travel
    lag_corrected_offset_m: float | None = None  # placed vs the lag-corrected GPS track (None: no lag used)
    footprint_lonlat: list[list[float]] | None = None  # the footprint corners in WGS84 (lon, lat), for web maps


# A consumer receiver is good to a few metres; beyond this the camera GPS, not the photos, limits where the map
# sits on the ground (Caliterra's Canon: 16.6 m RMS while an independent reconstruction agrees with ours to 0.9 m,
# see docs/orthomosaic.md).
GPS_WARN_M = 5.0


def assess(report: OrthoReport) -> list[str]:
    """Warnings a planner or engineer should read before measuring on the map (pure; no thresholds elsewhere)."""
    notes = []
    relative = _length(report.residual_rms_m)
    if report.gcp_rms_m is None and report.gps_rms_m > GPS_WARN_M:
        figure = report.gps_rms_m
        if report.gps_rms_lag_corrected_m is not None and report.gps_lag_s:
            figure = min(figure, report.gps_rms_lag_corrected_m)
        notes.append(
            f"The camera GPS disagrees with the photos' own geometry by {report.gps_rms_m:.1f} m RMS while the "
            f"photos agree with each other to {relative}: distances, areas and shapes on this map are reliable, "
            f"its position on the ground only to roughly {figure:.0f} m. Add ground control points for "
            "survey-grade positions.")
    dropped = len(report.photos_dropped)
    if dropped:
        share = dropped / max(report.photos_total, 1)
        notes.append(f"{dropped} of {report.photos_total} photos could not be placed ({share:.0%}); the map may "
                     "have gaps where only they saw the ground. Reasons are listed per photo.")
    return notes


def _length(metres: float) -> str:
    return f"{metres * 100:.0f} cm" if metres < 1 else f"{metres:.1f} m"


@dataclass
class DroppedPhoto:
    name: str
    reason: str


@dataclass
class OrthoReport:
    photos_total: int
    photos_used: list[PlacedPhoto]
    photos_dropped: list[DroppedPhoto]
    crs: str
    gsd_m: float  # output pixel size
    photo_gsd_median_m: float
    width: int
    height: int
    bounds: list[float]  # minx, miny, maxx, maxy in crs
    covered_area_m2: float
    pairs_tried: int
    pairs_used: int
    residual_rms_m: float  # alignment residuals over all inlier correspondences
    residual_median_m: float
    residual_p95_m: float
    residual_max_m: float
    residual_rms_px: float
    gps_rms_m: float  # placed camera positions vs the raw EXIF GPS fixes
    gcp_rms_m: float | None
    orthophoto: str
    gps_median_m: float | None = None  # median placed-vs-GPS offset (robust to a few bad fixes)
    gps_along_track_rms_m: float | None = None  # the placed-vs-GPS offsets split along / across the flight
    gps_cross_track_rms_m: float | None = None
    gps_lag_s: float | None = None  # fitted GPS time offset; 0 = none helped; None = no time stamps
    gps_rms_lag_corrected_m: float | None = None  # placed camera vs the lag-corrected GPS track
    timings_s: dict[str, float] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)
    position_basis: str = "gps"  # what fixes the map on the ground: "gps" (camera fixes) or "gcps"
    warnings: list[str] = field(default_factory=list)  # plain-English notes for whoever relies on the map

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def write(self, path: Path) -> Path:
        """Write as JSON atomically (temporary file in the same folder, then rename)."""
        path = Path(path)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".report-", suffix=".json")
        try:
            with os.fdopen(fd, "w") as fh:
                json.dump(self.to_json(), fh, indent=2)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return path
