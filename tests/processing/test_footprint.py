"""Footprint geometry: nadir size, oblique trapezoid, horizon clamp, yaw invariance (hypothesis)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from processing.core.footprint import ground_footprint, utm_crs_for

GEOD = Geod(ellps="WGS84")
OBAN = (56.4152, -5.4721)  # Oban North Pier, approximately


def _fp(**kw):
    args: dict = {"lat": OBAN[0], "lon": OBAN[1], "height_m": 100.0, "focal_mm": 8.8, "sensor_width_mm": 13.2,
                  "sensor_height_mm": 8.8, "image_width": 5472}
    args.update(kw)
    return ground_footprint(**args)


def test_nadir_phantom4pro_by_hand() -> None:
    fp = _fp(pitch_deg=-90, yaw_deg=0, roll_deg=0)
    # 1" sensor 13.2 x 8.8 mm at f 8.8 mm from 100 m: 150 m x 100 m; GSD 100 * 13.2 / 5472 / 8.8 m = 2.74 cm
    assert fp.width_m == pytest.approx(150.0, rel=1e-6)
    assert fp.length_m == pytest.approx(100.0, rel=1e-6)
    assert fp.gsd_cm == pytest.approx(100 * 13.2 / 5472 / 8.8 * 100, rel=1e-6)
    ring = fp.polygon["coordinates"][0]
    # top edge runs due east (true, not grid, bearing), and the top-left corner is north-west of the camera
    azimuth, _, dist = GEOD.inv(ring[0][0], ring[0][1], ring[1][0], ring[1][1])
    assert azimuth == pytest.approx(90.0, abs=0.05) and dist == pytest.approx(150.0, rel=2e-3)
    assert ring[0][1] > OBAN[0] and ring[0][0] < OBAN[1]
    assert not fp.clamped and fp.assumptions == []


def test_yaw_90_turns_the_footprint() -> None:
    fp = _fp(pitch_deg=-90, yaw_deg=90)
    ring = fp.polygon["coordinates"][0]
    azimuth, _, _ = GEOD.inv(ring[0][0], ring[0][1], ring[1][0], ring[1][1])
    assert azimuth == pytest.approx(180.0, abs=0.05) or azimuth == pytest.approx(-180.0, abs=0.05)


def test_oblique_is_a_trapezoid_further_out() -> None:
    fp = _fp(pitch_deg=-45, yaw_deg=0)
    ring = fp.polygon["coordinates"][0]
    _, _, far_edge = GEOD.inv(*ring[0], *ring[1])
    _, _, near_edge = GEOD.inv(*ring[3], *ring[2])
    assert far_edge > near_edge * 1.5
    # the optical axis at 45 degrees meets the ground 100 m north: the footprint straddles that point
    lats = [c[1] for c in ring[:4]]
    _, centre_lat, _ = GEOD.fwd(OBAN[1], OBAN[0], 0, 100)
    assert min(lats) < centre_lat < max(lats)
    # slant range 141 m at the centre
    assert fp.gsd_cm == pytest.approx(100 * math.sqrt(2) * 13.2 / 5472 / 8.8 * 100, rel=1e-6)


def test_horizon_rays_are_clamped() -> None:
    fp = _fp(pitch_deg=0, yaw_deg=0)
    assert fp.clamped and fp.gsd_cm is None
    # clamped rays reach at most H / tan(10 deg) = 567 m
    ring = fp.polygon["coordinates"][0]
    for lon, lat in ring[:4]:
        _, _, dist = GEOD.inv(OBAN[1], OBAN[0], lon, lat)
        assert dist < 100 / math.tan(math.radians(10)) / math.cos(math.radians(60)) + 1


def test_bad_inputs_raise() -> None:
    with pytest.raises(ValueError, match="height above ground"):
        _fp(height_m=0)
    with pytest.raises(ValueError, match="focal length"):
        _fp(focal_mm=0)


def test_utm_zone() -> None:
    assert utm_crs_for(-5.47, 56.4).to_epsg() == 32630
    assert utm_crs_for(115.16, -8.58).to_epsg() == 32750


@settings(max_examples=40, deadline=None)
@given(yaw=st.floats(-180, 180), lat=st.floats(-60, 60), lon=st.floats(-179, 179))
def test_nadir_area_is_invariant_under_yaw(yaw: float, lat: float, lon: float) -> None:
    fp = _fp(lat=lat, lon=lon, pitch_deg=-90, yaw_deg=yaw, roll_deg=0)
    ring = fp.polygon["coordinates"][0]
    area, _ = GEOD.polygon_area_perimeter([c[0] for c in ring], [c[1] for c in ring])
    assert abs(area) == pytest.approx(150.0 * 100.0, rel=0.01)  # UTM scale error stays under 1% in a zone
