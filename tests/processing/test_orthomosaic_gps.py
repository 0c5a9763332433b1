"""The GPS time-offset (lag) model of the orthomosaic, on a simulated back-and-forth survey with known truth."""

from __future__ import annotations

import numpy as np
import pytest

from processing.core.orthomosaic.gpstrack import along_cross, fit_gps_lag, track_positions


def lawnmower(times: np.ndarray) -> np.ndarray:
    """Camera path at 5 m/s: lines 100 m long, 25 m apart, alternately north and south, joined by short legs."""
    corners = [(0.0, 0.0)]
    for _line in range(8):
        x, y = corners[-1]
        corners += [(x, 100.0 - y), (x + 25.0, 100.0 - y)]
    corners_xy = np.array(corners)
    arc = np.r_[0.0, np.cumsum(np.hypot(*np.diff(corners_xy, axis=0).T))]
    distance = 5.0 * times
    return np.column_stack([np.interp(distance, arc, corners_xy[:, 0]), np.interp(distance, arc, corners_xy[:, 1])])


def survey(lag: float, *, repeat_every: int = 0) -> dict[str, np.ndarray]:
    exposure = np.arange(0.0, 120.0, 2.0) + 0.3
    fix_times = exposure - lag  # each photo holds a fix `lag` seconds old, stamped with its own (GPS) time
    if repeat_every:  # the receiver sometimes hands out the same fix twice
        for k in range(repeat_every, len(fix_times), repeat_every):
            fix_times[k] = fix_times[k - 1]
    fixes = lawnmower(fix_times)
    angle, scale, shift = 0.3, 1.02, np.array([400.0, -250.0])
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    placed = scale * lawnmower(exposure) @ rot.T + shift  # the image block: true shape, its own datum
    camera_clock = exposure - 5 * 3600.0 - 1.0  # local time and a second off
    return {"placed": placed, "exposure": camera_clock, "fix_times": fix_times, "fixes": fixes}


@pytest.mark.parametrize("lag", [1.5, -2.0])
def test_recovers_a_known_lag_and_removes_the_along_track_error(lag: float) -> None:
    s = survey(lag, repeat_every=7)
    fit = fit_gps_lag(s["placed"], s["exposure"], s["fix_times"], s["fixes"])
    assert fit is not None
    assert fit.lag_s == pytest.approx(lag, abs=0.15)
    assert fit.rms_no_lag_m > 4.0  # ~|lag| x 5 m/s along the lines
    assert fit.rms_m < 0.35 * fit.rms_no_lag_m
    # the corrected targets are the true camera positions (up to the repeated fixes' staleness)
    truth = lawnmower(np.arange(0.0, 120.0, 2.0) + 0.3)
    assert np.median(np.hypot(*(fit.targets - truth).T)) < 0.5


def test_no_lag_is_reported_as_zero_and_missing_times_as_none() -> None:
    s = survey(0.0)
    fit = fit_gps_lag(s["placed"], s["exposure"], s["fix_times"], s["fixes"])
    assert fit is not None and fit.lag_s == 0.0
    assert np.allclose(fit.targets, s["fixes"], atol=1e-6)
    none = np.full(len(s["placed"]), np.nan)
    assert fit_gps_lag(s["placed"], none, none, s["fixes"]) is None


@pytest.mark.parametrize("sigma", [2.0, 4.0, 8.0])
def test_gps_noise_alone_is_not_taken_for_a_lag(sigma: float) -> None:
    """Noisy fixes with no lag: reading a track between fixes would average their errors and look like a lag;
    the fit reads the image block's path instead, so noise alone rarely passes the 10 % gain test."""
    found = []
    for seed in range(40):
        s = survey(0.0)
        noisy = s["fixes"] + np.random.default_rng(seed).normal(0.0, sigma, s["fixes"].shape)
        fit = fit_gps_lag(s["placed"], s["exposure"], s["fix_times"], noisy)
        assert fit is not None
        found.append(fit.lag_s)
    assert sum(lag != 0.0 for lag in found) <= 2, found


def test_repeated_fixes_count_once_and_the_track_extrapolates() -> None:
    times = np.array([0.0, 1.0, 1.0, 2.0, 3.0])
    fixes = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])
    out = track_positions(times, fixes, np.array([-1.0, 0.5, 1.0, 4.0]))
    assert out[:, 0] == pytest.approx([-1.0, 0.5, 1.0, 4.0])


def test_offsets_split_along_and_across_the_direction_of_travel() -> None:
    placed = np.array([[0.0, 0.0], [0.0, 10.0], [0.0, 20.0]])  # flying north
    offsets = np.array([[0.0, 3.0], [-2.0, 0.0], [1.0, -1.0]])
    along, cross = along_cross(placed, np.array([0.0, 2.0, 4.0]), offsets)
    assert along == pytest.approx([3.0, 0.0, -1.0])
    assert cross == pytest.approx([0.0, 2.0, -1.0])  # positive = left of the track (west when flying north)
