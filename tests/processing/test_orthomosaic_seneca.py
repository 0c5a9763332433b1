"""Seneca (fixed wing, near-infrared, not all nadir): oblique turn photos are dropped with a reason, and two groups
of photos with no tie points between them are each placed on the GPS instead of breaking the solve."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio

from processing.core.orthomosaic import build_orthomosaic

# 0451-0454: one line segment; 0457, 0458, 0463, 0464: another part of the flight; 0455, 0456: banked turn
NAMES = [f"IMG_{n:04d}.jpg" for n in (451, 452, 453, 454, 455, 456, 457, 458, 463, 464)]
TURN = {"IMG_0455.jpg", "IMG_0456.jpg"}


@pytest.fixture(scope="module")
def seneca(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    photos = [shared_data / "drone" / "seneca-half" / name for name in NAMES]
    out = tmp_path_factory.mktemp("seneca")
    return out, build_orthomosaic(photos, out, options={"resolution_scale": 8.0})


def test_turn_photos_are_dropped_with_a_reason(seneca) -> None:
    _out, report = seneca
    dropped = {d.name: d.reason for d in report.photos_dropped}
    assert set(dropped) == TURN
    assert all("could be matched" in reason for reason in dropped.values())
    assert {p.name for p in report.photos_used} == set(NAMES) - TURN


def test_separate_groups_are_placed_sensibly(seneca) -> None:
    out, report = seneca
    used = report.photos_used
    # no degenerate poses: heights from the image scale are those of one flight, photos near nadir
    heights = np.array([p.height_m for p in used])
    assert heights.min() > 0.7 * np.median(heights) and heights.max() < 1.3 * np.median(heights)
    assert all(p.tilt_deg < 20 for p in used)
    assert report.residual_rms_px < 3.0
    # no GPS time stamps in these files: no lag is fitted, and the report says so
    assert report.gps_lag_s is None and report.gps_rms_lag_corrected_m is None
    assert report.gps_rms_m < 3.0  # the 3 m target; measured 2.4 m here (4.0 m on all 37 placeable photos)
    with rasterio.open(out / "orthophoto.tif") as ds:
        assert ds.crs.to_epsg() == 32617  # Ohio: UTM 17N
        alpha = ds.read(4)
    assert (alpha == 255).mean() > 0.3
