from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rasterio.windows import Window

from processing.core.detection._common import DetectionError
from processing.core.detection.change import ChangeDetector
from processing.core.detection.hotspot import HotspotDetector, pixel_to_ground, read_thermal_frame

from .conftest import write_crop


def test_raw_frame_is_read_from_the_r_jpeg(thermal_frame):
    frame = read_thermal_frame(thermal_frame)
    assert frame.units == "raw" and frame.values.shape == (512, 640)
    assert 14000 < float(np.median(frame.values)) < 17000  # raw counts, not an 8-bit preview


def test_synthetic_patch_found_and_nothing_on_the_plain_frame(thermal_frame):
    frame = read_thermal_frame(thermal_frame)
    detector = HotspotDetector()
    plain = detector(frame)
    assert plain.hotspots == [] and plain.relative
    raised = frame.values.copy()
    raised[200:224, 300:324] += 1.5 * plain.margin
    found = detector(raised)
    assert len(found.hotspots) == 1
    truth = np.zeros(raised.shape, bool)
    truth[200:224, 300:324] = True
    iou = (found.mask & truth).sum() / (found.mask | truth).sum()
    assert iou >= 0.7
    spot = found.hotspots[0]
    assert spot.peak > spot.mean > float(np.median(frame.values))
    assert abs(spot.centroid[0] - 311.5) < 2 and abs(spot.centroid[1] - 211.5) < 2


def test_celsius_margin_is_absolute():
    rng = np.random.default_rng(1)
    temps = (18 + rng.normal(0, 0.3, (120, 160))).astype(np.float32)
    temps[50:60, 70:80] += 4.0  # 4 K hotter
    assert HotspotDetector(margin=3.0, units="celsius")(temps).hotspots[0].area_px >= 90
    assert HotspotDetector(margin=5.0, units="celsius")(temps).hotspots == []


def test_rgb_photo_is_not_a_thermal_frame(crack_pairs):
    with pytest.raises(DetectionError, match="no radiometric frame"):
        read_thermal_frame(crack_pairs[0][0])
    with pytest.raises(DetectionError, match="one band"):
        HotspotDetector()(crack_pairs[0][1])


def test_pixel_to_ground_maps_corners():
    corners = [(-5.0, 56.0), (-4.99, 56.0), (-4.99, 55.99), (-5.0, 55.99)]
    (lon, lat), = pixel_to_ground(corners, 640, 512, [(320, 256)])
    assert lon == pytest.approx(-4.995) and lat == pytest.approx(55.995)


@pytest.fixture(scope="module")
def bali(shared_data: Path) -> Path:
    return shared_data / "orthophotos" / "pix4d-bali.tif"


def test_new_structure_found_after_shift_and_brightening(bali, tmp_path):
    window = Window(200, 200, 260, 260)
    write_crop(bali, tmp_path / "a.tif", window)
    # content moved 2 m (5.7 px), brightened 20 %, a 14 x 17.5 m flat roof put down
    write_crop(bali, tmp_path / "b.tif", window, content_shift_px=(4.6, 3.4), gain=1.2, patch=(100, 100, 40, 50))
    write_crop(bali, tmp_path / "c.tif", window, content_shift_px=(4.6, 3.4), gain=1.2)
    result = ChangeDetector()(tmp_path / "a.tif", tmp_path / "b.tif")
    assert result.shift_m == pytest.approx((-1.6, 1.2), abs=0.3)
    assert len(result.changes) == 1
    assert result.changes[0].area_m2 == pytest.approx(40 * 50 * 0.35**2, rel=0.2)
    ring = result.changes[0].polygon["coordinates"][0]
    assert all(114 < lon < 116 and -9 < lat < -8 for lon, lat in ring)  # Bali, WGS84
    assert ChangeDetector()(tmp_path / "a.tif", tmp_path / "c.tif").changes == []


def test_rasters_that_do_not_overlap_are_refused(bali, tmp_path):
    write_crop(bali, tmp_path / "a.tif", Window(0, 0, 200, 200))
    write_crop(bali, tmp_path / "b.tif", Window(400, 400, 200, 200))
    with pytest.raises(DetectionError, match="do not overlap"):
        ChangeDetector()(tmp_path / "a.tif", tmp_path / "b.tif")
