"""Choice of the projected CRS and projection of GPS positions into it."""

from __future__ import annotations

import numpy as np
from pyproj import CRS, Transformer

from ..errors import MosaicError

# British National Grid's area of use (EPSG:27700, EPSG registry): 49.75N-61.01N, 9.01W-2.01E.
# We use it for photos inside that box; elsewhere the UTM zone of the mean position.
BNG_BOUNDS = (-9.01, 49.75, 2.01, 61.01)


def choose_crs(lons: np.ndarray, lats: np.ndarray, requested: str | None = None) -> CRS:
    if requested:
        try:
            crs = CRS.from_user_input(requested)
        except Exception as exc:
            raise MosaicError(f"options.crs: unknown CRS {requested!r}") from exc
        if not crs.is_projected:
            raise MosaicError(f"options.crs: {requested} is not a projected CRS (metres needed)")
        return crs
    lon, lat = float(np.mean(lons)), float(np.mean(lats))
    west, south, east, north = BNG_BOUNDS
    if west <= lon <= east and south <= lat <= north:
        return CRS.from_epsg(27700)
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def project(crs: CRS, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    transformer = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    e, n = transformer.transform(np.asarray(lons, float), np.asarray(lats, float))
    return np.column_stack([e, n])


def unproject(crs: CRS, xy: np.ndarray) -> np.ndarray:
    transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = transformer.transform(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])


def reproject(source: str, target: CRS, xy: np.ndarray) -> np.ndarray:
    """Points from a CRS given by the user (e.g. a GCP file's header) into the output CRS."""
    try:
        source_crs = CRS.from_user_input(source)
    except Exception as exc:
        raise MosaicError(f"options.gcp_crs: unknown CRS {source!r}") from exc
    transformer = Transformer.from_crs(source_crs, target, always_xy=True)
    x, y = transformer.transform(xy[:, 0], xy[:, 1])
    out = np.column_stack([x, y])
    if not np.isfinite(out).all():
        raise MosaicError(f"options.gcps: some points cannot be converted from {source} to the output CRS")
    return out


def crs_label(crs: CRS) -> str:
    epsg = crs.to_epsg()
    return f"EPSG:{epsg}" if epsg else crs.to_wkt()
