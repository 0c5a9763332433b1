"""The quality report's warnings: what a planner must know before measuring on the map."""

from __future__ import annotations

from processing.core.orthomosaic.report import GPS_WARN_M, DroppedPhoto, OrthoReport, assess


def report(**changes) -> OrthoReport:
    base = dict(photos_total=10, photos_used=[], photos_dropped=[], crs="EPSG:27700", gsd_m=0.03,
                photo_gsd_median_m=0.03, width=100, height=100, bounds=[0, 0, 3, 3], covered_area_m2=9.0,
                pairs_tried=20, pairs_used=18, residual_rms_m=0.07, residual_median_m=0.05, residual_p95_m=0.1,
                residual_max_m=0.3, residual_rms_px=2.1, gps_rms_m=2.0, gcp_rms_m=None, orthophoto="o.tif")
    base.update(changes)
    return OrthoReport(**base)


def test_a_good_gps_and_every_photo_placed_needs_no_warning() -> None:
    assert assess(report(gps_rms_m=GPS_WARN_M - 0.1)) == []


def test_a_poor_camera_gps_is_explained_with_both_figures() -> None:
    [note] = assess(report(gps_rms_m=16.63, gps_lag_s=1.55, gps_rms_lag_corrected_m=14.3))
    assert "16.6 m RMS" in note and "7 cm" in note and "roughly 14 m" in note and "ground control" in note


def test_a_lag_that_did_not_help_is_not_used_for_the_figure() -> None:
    [note] = assess(report(gps_rms_m=9.0, gps_lag_s=0.0, gps_rms_lag_corrected_m=None))
    assert "roughly 9 m" in note


def test_ground_control_replaces_the_gps_warning() -> None:
    assert assess(report(gps_rms_m=16.6, gcp_rms_m=0.04)) == []


def test_dropped_photos_are_counted() -> None:
    dropped = [DroppedPhoto("IMG_1.jpg", "too few features"), DroppedPhoto("IMG_2.jpg", "oblique: tilted 41 degrees")]
    [note] = assess(report(photos_total=40, photos_dropped=dropped))
    assert note.startswith("2 of 40 photos could not be placed (5%)")
