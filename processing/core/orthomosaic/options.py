"""Tunable settings of the mosaic, with defaults that suit 2-20 MP nadir survey photos on a small machine."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ..errors import MosaicError


@dataclass(frozen=True)
class GroundControlPoint:
    """A pixel of one photo (full resolution, x right, y down) and its ground position, in the output CRS or in
    OrthoOptions.gcp_crs when that is given."""

    photo: str  # file name of the photo
    x: float
    y: float
    easting: float
    northing: float


@dataclass(frozen=True)
class OrthoOptions:
    feature_side: int = 1000  # long side (px) of the grey copy features are computed on
    max_features: int = 1500  # the solve keeps at most max_points_per_pair per pair: more only costs time
    neighbours: int = 6  # candidate pairs per photo, nearest by GPS
    ratio: float = 0.75  # Lowe's ratio test
    min_inliers: int = 20
    max_points_per_pair: int = 80  # inlier correspondences kept per pair for the global solve
    gps_sigma_m: float = 5.0  # how far a GPS fix may be off; weak prior that georeferences the block
    gcp_sigma_m: float = 0.05
    resolution_scale: float = 1.0  # output pixel = median photo ground sample distance x this
    gsd_m: float | None = None  # fixed output pixel size in metres (overrides resolution_scale)
    block_size: int = 1024  # render window (px); memory is bounded by this, not by the mosaic
    cache_photos: int = 12  # decoded photos kept for rendering
    blend_power: float = 4.0  # feather weight exponent: higher = narrower transitions, less ghosting
    workers: int = 0  # threads; 0 = number of CPUs
    max_photo_pixels: int = 80_000_000
    max_output_pixels: int = 1_000_000_000
    crs: str | None = None  # e.g. "EPSG:27700"; default British National Grid inside GB, else UTM
    gcps: tuple[GroundControlPoint, ...] = field(default_factory=tuple)
    gcp_crs: str | None = None  # CRS of the gcps' easting/northing (e.g. a gcp_list.txt header); None = output CRS

    @property
    def thread_count(self) -> int:
        return self.workers if self.workers > 0 else max(1, os.cpu_count() or 1)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["gcps"] = [asdict(g) for g in self.gcps]
        return data

    @classmethod
    def coerce(cls, value: OrthoOptions | dict[str, Any] | None) -> OrthoOptions:
        """Accept an OrthoOptions, a JSON dict (e.g. a job's params) or None; unknown or bad keys are errors."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if not isinstance(value, dict):
            raise MosaicError("options must be a mapping")
        known = {f.name: f for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, raw in value.items():
            if key not in known:
                raise MosaicError(f"options.{key}: unknown option")
            if key == "gcps":
                try:
                    kwargs[key] = tuple(
                        g if isinstance(g, GroundControlPoint) else GroundControlPoint(**g) for g in raw
                    )
                except TypeError as exc:
                    raise MosaicError(f"options.gcps: {exc}") from exc
            elif key in ("crs", "gcp_crs"):
                kwargs[key] = None if raw is None else str(raw)
            elif key == "gsd_m":
                kwargs[key] = None if raw is None else _positive(key, raw, float)
            elif known[key].type == "int":
                kwargs[key] = _positive(key, raw, int, allow_zero=key == "workers")
            else:
                kwargs[key] = _positive(key, raw, float)
        return cls(**kwargs)


def _positive(name: str, raw: Any, kind: type, *, allow_zero: bool = False) -> Any:
    try:
        value = kind(raw)
    except (TypeError, ValueError) as exc:
        raise MosaicError(f"options.{name}: expected a number, got {raw!r}") from exc
    if value < 0 or (value == 0 and not allow_zero):
        raise MosaicError(f"options.{name}: must be positive, got {raw!r}")
    return value
