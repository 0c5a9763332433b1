"""The orthomosaic engine on real Caliterra photos (a neighbourhood of 14, rendered at 4x coarser pixels)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import rasterio
from pyproj import Transformer
from rasterio.enums import ColorInterp

from processing.core.errors import MosaicError
from processing.core.orthomosaic import OrthoOptions, build_orthomosaic
from processing.core.orthomosaic.exif import read_photo_exif
from processing.core.orthomosaic.georef import choose_crs, project

OPTIONS = {"resolution_scale": 4.0, "block_size": 512}


def neighbourhood(folder: Path, count: int, centre_index: int = 40) -> list[Path]:
    """The `count` photos nearest (by GPS) to one photo: an overlapping patch, like a small survey."""
    photos = sorted(folder.glob("*.jpg"))
    info = [read_photo_exif(p, max_pixels=10**8) for p in photos]
    lon = np.array([i.lon for i in info])
    lat = np.array([i.lat for i in info])
    xy = project(choose_crs(lon, lat), lon, lat)
    order = np.argsort(np.hypot(*(xy - xy[centre_index]).T))
    return [photos[k] for k in sorted(order[:count])]


@pytest.fixture(scope="module")
def built(shared_data: Path, tmp_path_factory: pytest.TempPathFactory):
    photos = neighbourhood(shared_data / "drone" / "caliterra-half", 14)
    out = tmp_path_factory.mktemp("ortho")
    calls: list[tuple[float, str]] = []
    report = build_orthomosaic(photos, out, progress=lambda f, m: calls.append((f, m)), options=OPTIONS)
    return photos, out, report, calls


def test_writes_a_valid_rgba_cog(built) -> None:
    _photos, out, report, _calls = built
    path = out / "orthophoto.tif"
    with rasterio.open(path) as ds:
        assert ds.driver == "GTiff"
        assert ds.tags(ns="IMAGE_STRUCTURE").get("LAYOUT") == "COG"
        assert ds.count == 4 and ds.dtypes[0] == "uint8"
        assert ds.colorinterp[3] == ColorInterp.alpha
        assert ds.block_shapes[0] == (512, 512)
        assert ds.overviews(1), "no overviews"
        assert ds.crs.to_epsg() == 32614  # Texas: UTM zone 14N
        assert ds.res[0] == pytest.approx(report.gsd_m, rel=1e-6)
        assert list(ds.bounds) == pytest.approx(report.bounds, abs=1e-6)
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "temporary files left behind"
    saved = json.loads((out / "report.json").read_text())
    assert saved["crs"] == "EPSG:32614" and len(saved["photos_used"]) == 14


def test_report_and_alignment_quality(built) -> None:
    _photos, _out, report, calls = built
    assert report.photos_total == 14 and len(report.photos_used) == 14 and report.photos_dropped == []
    assert report.pairs_used >= 14
    # tie points agree to a few pixels in every photo: the block is consistent
    assert report.residual_rms_px < 3.0
    assert report.residual_rms_m < 0.15
    # a nadir survey at ~50 m with a 1452 px focal length: ground pixel ~3.4 cm, height ~50 m, small tilts
    assert 0.025 < report.photo_gsd_median_m < 0.045
    assert all(20 < p.height_m < 80 and p.tilt_deg < 20 for p in report.photos_used)
    assert report.covered_area_m2 > 5000
    # Placed camera positions vs the camera's GPS: the 3 m target is NOT met on Caliterra, and no threshold here
    # pretends it is. Measured on these 14 photos: 8.7 m RMS against the raw fixes, 6.5 m against the
    # lag-corrected fixes (fitted lag 2.1 s); 16.6 m / 14.4 m on all 75. The image block is right (an independent
    # COLMAP reconstruction agrees with our camera positions to 0.9 m RMS on all 75, bench/orthomosaic_reference.py)
    # while the Canon's GPS error wanders by 10-30 m: see docs/orthomosaic.md. Bounds: measured figures + ~10 %.
    assert report.gps_rms_m < 9.5
    assert report.gps_lag_s is not None and 0.5 <= report.gps_lag_s <= 2.5
    assert report.gps_rms_lag_corrected_m < min(7.0, report.gps_rms_m)
    assert report.gps_along_track_rms_m is not None and report.gps_cross_track_rms_m is not None
    assert all(p.lag_corrected_offset_m is not None and p.along_track_m is not None for p in report.photos_used)
    # the footprints again in WGS84, for web maps: the same corners
    to_lonlat = Transformer.from_crs(report.crs, "EPSG:4326", always_xy=True)
    for p in report.photos_used:
        lon, lat = to_lonlat.transform(*np.array(p.footprint).T)
        assert np.allclose(np.column_stack([lon, lat]), p.footprint_lonlat, atol=1e-7)
    # ... and the report says so to whoever relies on the map
    assert report.position_basis == "gps"
    assert [w for w in report.warnings if "camera GPS disagrees" in w and "ground control" in w]
    fractions = [f for f, _m in calls]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def _ground_to_mosaic(report, ds) -> np.ndarray:
    inv = ~ds.transform
    return np.array([[inv.a, inv.b, inv.c], [inv.d, inv.e, inv.f], [0, 0, 1]])


def test_photos_land_where_the_report_says(built) -> None:
    """A patch of each photo, warped by the report's footprint, is found at that place in the mosaic."""
    photos, out, report, _calls = built
    by_name = {p.name: p for p in photos}
    with rasterio.open(out / "orthophoto.tif") as ds:
        mosaic = cv2.cvtColor(np.dstack(ds.read([1, 2, 3])), cv2.COLOR_RGB2GRAY)
        g2m = _ground_to_mosaic(report, ds)
    errors = []
    for placed in report.photos_used[::3]:
        image = cv2.imread(str(by_name[placed.name]), cv2.IMREAD_GRAYSCALE)
        h, w = image.shape
        corners = np.float32([[-0.5, -0.5], [w - 0.5, -0.5], [w - 0.5, h - 0.5], [-0.5, h - 0.5]])
        to_ground = cv2.getPerspectiveTransform(corners, np.float32(placed.footprint))
        to_mosaic = g2m @ to_ground
        warped = cv2.warpPerspective(image, to_mosaic, mosaic.shape[::-1], flags=cv2.INTER_AREA)
        centre = to_mosaic @ [w / 2, h / 2, 1]
        cx, cy = int(centre[0] / centre[2]), int(centre[1] / centre[2])
        patch = warped[cy - 40:cy + 40, cx - 40:cx + 40]
        search = mosaic[cy - 60:cy + 60, cx - 60:cx + 60]
        score = cv2.matchTemplate(search, patch, cv2.TM_CCOEFF_NORMED)
        _min, best, _minloc, loc = cv2.minMaxLoc(score)
        assert best > 0.7, f"{placed.name}: its centre patch is not in the mosaic (score {best:.2f})"
        errors.append(np.hypot(*(_subpixel_peak(score, loc) - 20.0)))
    assert max(errors) <= 2.0, errors


def _subpixel_peak(score: np.ndarray, loc: tuple[int, int]) -> np.ndarray:
    """The correlation peak refined by a parabola through its neighbours (integer peaks quantise to 1 px)."""
    x, y = loc
    out = np.array([float(x), float(y)])
    for axis, (before, at, after) in enumerate((
            (score[y, x - 1], score[y, x], score[y, x + 1]) if 0 < x < score.shape[1] - 1 else (0, 0, 0),
            (score[y - 1, x], score[y, x], score[y + 1, x]) if 0 < y < score.shape[0] - 1 else (0, 0, 0))):
        curvature = before - 2 * at + after
        if curvature < 0:
            out[axis] += 0.5 * (before - after) / curvature
    return out


def test_no_holes_and_no_visible_seams(built) -> None:
    photos, out, report, _calls = built
    with rasterio.open(out / "orthophoto.tif") as ds:
        data = ds.read()
        g2m = _ground_to_mosaic(report, ds)
    alpha = data[3]
    # every pixel inside the convex hull of the photo centres' footprints is covered
    centres = []
    for placed in report.photos_used:
        fp = np.array(placed.footprint)
        centres.append(fp.mean(axis=0))
    hull_px = (g2m @ np.column_stack([centres, np.ones(len(centres))]).T)[:2].T
    hull = cv2.convexHull(np.round(hull_px).astype(np.int32))
    inside = np.zeros(alpha.shape, np.uint8)
    cv2.fillConvexPoly(inside, hull, 1)
    assert inside.sum() > 10000
    assert alpha[inside == 1].min() == 255, "holes inside the surveyed area"
    # seams: image gradient along the lines where the best-weighted photo changes is not above the interior's
    grey = cv2.cvtColor(np.dstack(data[:3]), cv2.COLOR_RGB2GRAY).astype(np.float32)
    grad = np.hypot(cv2.Sobel(grey, cv2.CV_32F, 1, 0), cv2.Sobel(grey, cv2.CV_32F, 0, 1))
    by_name = {p.name: p for p in photos}
    best = np.full(alpha.shape, -1.0, np.float32)
    owner = np.full(alpha.shape, -1, np.int32)
    for n, placed in enumerate(report.photos_used):
        info = read_photo_exif(by_name[placed.name], max_pixels=10**8)
        w, h = info.width, info.height
        xs, ys = np.meshgrid(1 - np.abs(2 * (np.arange(w // 8) + 0.5) / (w // 8) - 1),
                             1 - np.abs(2 * (np.arange(h // 8) + 0.5) / (h // 8) - 1))
        weight = (xs * ys).astype(np.float32)
        corners = np.float32([[0, 0], [w // 8, 0], [w // 8, h // 8], [0, h // 8]])
        m = g2m @ cv2.getPerspectiveTransform(corners, np.float32(placed.footprint))
        warped = cv2.warpPerspective(weight, m, alpha.shape[::-1])
        better = warped > best
        best[better] = warped[better]
        owner[better] = n
    boundary = (cv2.dilate(owner.astype(np.float32), np.ones((3, 3))) != cv2.erode(owner.astype(np.float32),
                                                                                   np.ones((3, 3))))
    interior = cv2.erode(inside, np.ones((15, 15))) == 1
    on_seams = grad[boundary & interior]
    elsewhere = grad[~boundary & interior]
    assert on_seams.size > 500
    assert on_seams.mean() < 1.25 * elsewhere.mean(), (on_seams.mean(), elsewhere.mean())


def test_bad_options_name_the_field() -> None:
    with pytest.raises(MosaicError, match="options.bogus"):
        OrthoOptions.coerce({"bogus": 1})
    with pytest.raises(MosaicError, match="options.block_size"):
        OrthoOptions.coerce({"block_size": -5})
    assert OrthoOptions.coerce({"workers": 0, "gsd_m": 0.1}).gsd_m == 0.1
