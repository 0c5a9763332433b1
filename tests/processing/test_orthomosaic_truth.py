"""Ground truth for the orthomosaic engine: synthetic photos with known camera poses and exact EXIF GPS.

The real photos' camera GPS is ~17 m off (docs/orthomosaic.md), so tests on them can only check self-consistency.
Here 15 photos (3 lines x 5, a gimbal-less multirotor tilted 3-9 degrees, lean flipping with the direction of
flight) are rendered from the real Bali orthophoto with known poses (tests/processing/synthetic_flight.py), and
the engine's placed cameras, heights, tilts, footprints and mosaic are compared with the truth:
- exact GPS: cameras within the issue's 3 m RMS target (and the much tighter figure measured), ground points of
  the mosaic where they are on the ground;
- every fix shifted by the same 20 m (a datum error): the block keeps its shape and follows the GPS;
- independent 8 m noise on every fix: the report's GPS disagreement reflects the noise, the shape does not.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import rasterio
from pyproj import Transformer

from processing.core.gcp import parse_gcp_list
from processing.core.orthomosaic import OrthoReport, build_orthomosaic
from processing.core.orthomosaic.exif import read_photo_exif

from .synthetic_flight import (
    Camera,
    Lens,
    Texture,
    lawnmower,
    load_texture,
    overlap,
    render_photos,
    write_flight,
)

WIDTH, HEIGHT = 256, 192  # small photos: the textured area (~210 m square) must hold 3 lines of footprints
LENS = Lens(focal_px=180.0)  # at 66-74 m: 0.37-0.41 m ground pixels, coarser than the texture's 0.35 m
LINES, PER_LINE = 3, 5
OPTIONS = {"resolution_scale": 1.0, "block_size": 512}
DATUM_SHIFT = np.array([12.0, -16.0])  # metres east, north: 20 m
NOISE_SIGMA = 8.0  # metres per axis
# Distinctive texture features (pixel col, row of the orthophoto): three blue tarpaulins (NE, W, SW of the block)
# and a yellow-green plot beside a covered bed (S).
GROUND_POINTS = [(427, 288), (142, 322), (201, 496), (330, 480)]

# Bounds measured on this flight (OpenCV 5.0) with a margin for other platforms' SIFT:
# exact GPS: placed cameras 0.16 m RMS (worst 0.31 m), heights 0.3 % at worst, tilts 0.32 degrees at worst.
PLACEMENT_RMS_M = 0.5
ISSUE_TARGET_RMS_M = 3.0


def cameras_for(texture: Texture) -> list[Camera]:
    t = texture.transform
    # first line 77 m east of the orthophoto's west edge, starting 175 m south of its top; fixed seed
    return lawnmower(lines=LINES, photos_per_line=PER_LINE, start=(t.c + 77.0, t.f - 175.0), step_m=17.5,
                     spacing_m=42.0, height_m=70.0, seed=8)


@pytest.fixture(scope="module")
def flight(shared_data: Path) -> dict:
    texture = load_texture(shared_data / "orthophotos" / "pix4d-bali.tif")
    cameras = cameras_for(texture)
    photos = render_photos(texture, cameras, lens=LENS, width=WIDTH, height=HEIGHT)
    return {"texture": texture, "cameras": cameras, "photos": photos}


def _build(flight: dict, folder: Path, error: np.ndarray) -> dict:
    texture: Texture = flight["texture"]
    paths = write_flight(folder / "photos", flight["cameras"], flight["photos"], crs=texture.crs, lens=LENS,
                         gps_error_m=error)
    report = build_orthomosaic(paths, folder / "ortho", options=OPTIONS)
    return {"report": report, "paths": paths, "out": folder / "ortho"}


@pytest.fixture(scope="module")
def exact(flight: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return _build(flight, tmp_path_factory.mktemp("exact"), np.zeros((LINES * PER_LINE, 2)))


@pytest.fixture(scope="module")
def shifted(flight: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return _build(flight, tmp_path_factory.mktemp("shifted"), np.tile(DATUM_SHIFT, (LINES * PER_LINE, 1)))


@pytest.fixture(scope="module")
def noisy(flight: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    error = np.random.default_rng(2024).normal(0.0, NOISE_SIGMA, (LINES * PER_LINE, 2))
    return _build(flight, tmp_path_factory.mktemp("noisy"), error)


# --- helpers -----------------------------------------------------------------------------------------------


def _to_report_crs(texture: Texture, report: OrthoReport) -> Transformer:
    return Transformer.from_crs(texture.crs, report.crs, always_xy=True)


def _truth_xy(flight: dict, report: OrthoReport) -> np.ndarray:
    """True camera positions (the point below the lens) in the report's CRS, in flight order."""
    cams = flight["cameras"]
    e, n = _to_report_crs(flight["texture"], report).transform([c.x for c in cams], [c.y for c in cams])
    return np.column_stack([e, n])


def _placed(flight: dict, report: OrthoReport) -> tuple[np.ndarray, list]:
    by_name = {p.name: p for p in report.photos_used}
    used = [by_name[c.name] for c in flight["cameras"]]
    return np.array([[p.placed_easting, p.placed_northing] for p in used]), used


def _rms(d: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.sum(np.square(d), axis=1))))


def _similarity(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Least-squares similarity dst ~ s R src + t (Umeyama): the fitted src, the scale and the rotation (deg)."""
    mu_s, mu_d = src.mean(axis=0), dst.mean(axis=0)
    a, b = src - mu_s, dst - mu_d
    u, sv, vt = np.linalg.svd(b.T @ a)
    d = np.diag([1.0, np.sign(np.linalg.det(u @ vt))])
    rot = u @ d @ vt
    scale = float(np.trace(np.diag(sv) @ d) / np.sum(a**2))
    return scale * a @ rot.T + mu_d, scale, float(np.degrees(np.arctan2(rot[1, 0], rot[0, 0])))


def _pose_from_footprint(footprint: list[list[float]], focal: float) -> tuple[np.ndarray, np.ndarray]:
    """Camera position (X, Y, Z) and optical axis (world) of the pinhole whose pixel corners land on the
    report's footprint: ground->image homography ~ K [r1 r2 t], decomposed."""
    fp = np.array(footprint, float)
    origin = fp.mean(axis=0)
    corners = np.float64([[-0.5, -0.5], [WIDTH - 0.5, -0.5], [WIDTH - 0.5, HEIGHT - 0.5], [-0.5, HEIGHT - 0.5]])
    to_image = cv2.getPerspectiveTransform(np.float32(fp - origin), np.float32(corners)).astype(float)
    k = np.array([[focal, 0, (WIDTH - 1) / 2], [0, focal, (HEIGHT - 1) / 2], [0, 0, 1.0]])
    m = np.linalg.solve(k, to_image)
    m /= 0.5 * (np.linalg.norm(m[:, 0]) + np.linalg.norm(m[:, 1]))
    r1, r2 = m[:, 0], m[:, 1]
    rot = np.column_stack([r1, r2, np.cross(r1, r2)])
    u, _s, vt = np.linalg.svd(rot)  # nearest rotation
    rot = u @ vt
    centre = -rot.T @ m[:, 2]
    if centre[2] < 0:  # the homography's sign is free: the camera is above the ground
        m = -m
        rot = np.column_stack([-r1, -r2, np.cross(r1, r2)])
        u, _s, vt = np.linalg.svd(rot)
        rot = u @ vt
        centre = -rot.T @ m[:, 2]
    return centre + np.r_[origin, 0.0], rot[2]


def _angle_deg(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.degrees(np.arccos(np.clip(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)), -1, 1))))


def _subpixel_peak(score: np.ndarray, loc: tuple[int, int]) -> np.ndarray:
    x, y = loc
    peak = np.array([float(x), float(y)])
    for axis, (before, at, after) in enumerate((score[y, x - 1:x + 2], score[y - 1:y + 2, x])):
        curvature = before - 2 * at + after
        if curvature < 0:
            peak[axis] += 0.5 * (before - after) / curvature
    return peak


# --- the flight itself -------------------------------------------------------------------------------------


def test_synthetic_flight_is_a_proper_survey(flight: dict, exact: dict) -> None:
    """The truth is only worth something if the flight is realistic and the EXIF says exactly what we meant."""
    texture, cameras = flight["texture"], flight["cameras"]
    fps = [c.footprint(LENS.focal_px, WIDTH, HEIGHT) for c in cameras]
    lines = [list(range(n * PER_LINE, (n + 1) * PER_LINE)) for n in range(LINES)]
    forward = [min(overlap(fps[i], fps[i + 1]), overlap(fps[i + 1], fps[i])) for line in lines for i in line[:-1]]
    assert min(forward) >= 0.60, forward
    origin = fps[0][0]  # convexHull works in float32: keep the numbers small
    strips = [cv2.convexHull(np.float32(np.vstack([fps[i] for i in line]) - origin)).reshape(-1, 2) + origin
              for line in lines]
    side = [overlap(fps[i], strips[n + 1]) for n in range(LINES - 1) for i in lines[n]]
    side += [overlap(fps[i], strips[n - 1]) for n in range(1, LINES) for i in lines[n]]
    assert min(side) >= 0.40, side
    gsd = np.array([c.z / LENS.focal_px for c in cameras])
    assert gsd.min() >= abs(texture.transform.a) and gsd.max() <= 0.5
    tilts = np.array([c.tilt_deg for c in cameras])
    assert tilts.min() >= 3.0 and tilts.max() <= 10.0
    # the lean flips with the flight direction (backwards: the nose is down) and varies to the sides
    lean_east_north = np.array([[np.sin(np.radians(c.tilt_azimuth_deg)), np.cos(np.radians(c.tilt_azimuth_deg))]
                                for c in cameras])
    northbound = np.array([c.heading_deg < 90 or c.heading_deg > 270 for c in cameras])
    assert (lean_east_north[northbound, 1] < 0).all() and (lean_east_north[~northbound, 1] > 0).all()
    assert (lean_east_north[:, 0] > 0.2).any() and (lean_east_north[:, 0] < -0.2).any()
    # the JPEGs carry the true position to millimetres and the focal length the renderer used
    to_texture = Transformer.from_crs("EPSG:4326", texture.crs, always_xy=True)
    for camera, path in zip(cameras, exact["paths"], strict=True):
        info = read_photo_exif(path, max_pixels=10**7)
        assert (info.width, info.height) == (WIDTH, HEIGHT)
        assert info.focal_px == pytest.approx(LENS.focal_px, rel=1e-6)
        x, y = to_texture.transform(info.lon, info.lat)
        assert np.hypot(x - camera.x, y - camera.y) < 0.01
        assert info.gps_time_s is not None and info.time_s is not None


def test_renderer_geometry(flight: dict) -> None:
    """The renderer's conventions, checked independently of its homography: rays, heading, lean, content."""
    texture, camera, photo = flight["texture"], flight["cameras"][7], flight["photos"][7]
    to_image = camera.ground_to_image(LENS.focal_px, WIDTH, HEIGHT)
    # a pixel's ray from the camera centre meets the ground where the inverse homography says
    to_world = camera.camera_to_world()
    for x, y in [(0, 0), (WIDTH - 1, 0), (WIDTH - 1, HEIGHT - 1), (0, HEIGHT - 1), (100, 50)]:
        ray = to_world @ [(x - (WIDTH - 1) / 2) / LENS.focal_px, (y - (HEIGHT - 1) / 2) / LENS.focal_px, 1.0]
        hit = np.array([camera.x, camera.y]) + ray[:2] * camera.z / -ray[2]
        q = np.linalg.solve(to_image, [x, y, 1.0])
        assert q[:2] / q[2] == pytest.approx(hit, abs=1e-6)
    # heading: the image's up side points along it; lean: the optical axis tilts towards its azimuth
    for heading in (0.0, 90.0, 200.0):
        level = Camera("t", 0.0, 0.0, 50.0, heading, 0.0, 0.0, 0.0)
        fp = level.footprint(LENS.focal_px, WIDTH, HEIGHT)
        top, bottom = (fp[0] + fp[1]) / 2, (fp[2] + fp[3]) / 2
        assert np.degrees(np.arctan2(*(top - bottom))) % 360 == pytest.approx(heading, abs=1e-6)
    axis = camera.optical_axis()
    assert np.degrees(np.arccos(-axis[2])) == pytest.approx(camera.tilt_deg, abs=1e-9)
    assert np.degrees(np.arctan2(axis[0], axis[1])) % 360 == pytest.approx(camera.tilt_azimuth_deg, abs=1e-6)
    # content: the photo, warped back onto the texture's grid around a distinctive point, shows that point
    col, row = 288, 381  # a striped plastic-covered bed seen by this photo
    window = np.array([[1, 0, 30 - col], [0, 1, 30 - row], [0, 0, 1.0]])
    photo_to_window = window @ np.linalg.inv(to_image @ texture.pixel_to_world)
    back = cv2.warpPerspective(cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY), photo_to_window, (61, 61),
                               flags=cv2.INTER_LINEAR)
    template = cv2.cvtColor(texture.rgb[row - 20:row + 21, col - 20:col + 21], cv2.COLOR_RGB2GRAY)
    score = cv2.matchTemplate(back, template, cv2.TM_CCOEFF_NORMED)
    _lo, best, _lo_loc, loc = cv2.minMaxLoc(score)
    assert best > 0.7  # measured 0.80: the photo's 0.39 m pixels are area averages of the 0.35 m texture
    assert np.hypot(*(_subpixel_peak(score, loc) - 10.0)) < 0.25  # texture pixels (9 cm); measured 0.015


# --- exact GPS ---------------------------------------------------------------------------------------------


def test_exact_gps_places_every_camera_where_it_was(flight: dict, exact: dict) -> None:
    report: OrthoReport = exact["report"]
    assert report.photos_total == LINES * PER_LINE and report.photos_dropped == []
    assert len(report.photos_used) == LINES * PER_LINE
    truth = _truth_xy(flight, report)
    placed, _used = _placed(flight, report)
    errors = np.hypot(*(placed - truth).T)
    # the issue's target, and the figure this flight actually reaches (measured 0.16 m RMS, worst 0.31 m)
    assert _rms(placed - truth) < ISSUE_TARGET_RMS_M
    assert _rms(placed - truth) < PLACEMENT_RMS_M, errors.round(2)
    assert errors.max() < 2 * PLACEMENT_RMS_M, errors.round(2)
    # the report's own camera-vs-GPS figure says the same (the GPS is the truth here)
    assert report.gps_rms_m < PLACEMENT_RMS_M
    assert report.gps_rms_m == pytest.approx(_rms(placed - truth), abs=0.01)
    # time stamps are there and the track is exact: no GPS lag may be invented
    assert report.gps_lag_s == 0.0
    assert report.residual_rms_px < 1.0  # measured 0.22 px: the synthetic photos are a perfect pinhole


def test_exact_gps_heights_tilts_and_footprints(flight: dict, exact: dict) -> None:
    report: OrthoReport = exact["report"]
    to_report = _to_report_crs(flight["texture"], report)
    placed, used = _placed(flight, report)
    height_err, tilt_err, axis_err, corner_err = [], [], [], []
    for camera, photo, xy in zip(flight["cameras"], used, placed, strict=True):
        height_err.append(photo.height_m / camera.z - 1.0)
        tilt_err.append(photo.tilt_deg - camera.tilt_deg)
        # the full pose in the report's footprint: where the optical axis points, not just how far it tilts;
        # and the footprint's camera is the one the report places (fields consistent with each other)
        centre, axis = _pose_from_footprint(photo.footprint, LENS.focal_px)
        axis_err.append(_angle_deg(axis, camera.optical_axis()))
        assert centre == pytest.approx([*xy, photo.height_m], abs=0.05)
        truth = np.column_stack(to_report.transform(*camera.footprint(LENS.focal_px, WIDTH, HEIGHT).T))
        corner_err.append(np.hypot(*(np.array(photo.footprint) - truth).T).max())
    height_err, tilt_err = np.abs(height_err), np.abs(tilt_err)
    # heights within the 5 % the brief asks (measured 0.3 % at worst), tilts within 1.5 degrees (0.32 at worst)
    assert height_err.max() < 0.05
    assert height_err.max() < 0.01, height_err.round(4)
    assert tilt_err.max() < 1.5, tilt_err.round(2)
    assert max(axis_err) < 1.5, np.round(axis_err, 2)
    # every photo's footprint corners (up to ~80 m from the camera) where the true camera sees them
    assert max(corner_err) < 1.5, np.round(corner_err, 2)
    assert report.photo_gsd_median_m == pytest.approx(np.median([c.z for c in flight["cameras"]]) / LENS.focal_px,
                                                      rel=0.01)


def test_exact_gps_footprints_point_along_the_true_heading(flight: dict, exact: dict) -> None:
    """The image's up side (top edge's midpoint seen from the bottom edge's) on the ground vs the true heading."""
    _placed_xy, used = _placed(flight, exact["report"])
    for camera, photo in zip(flight["cameras"], used, strict=True):
        fp = np.array(photo.footprint)
        up = (fp[0] + fp[1]) / 2 - (fp[2] + fp[3]) / 2
        true_fp = camera.footprint(LENS.focal_px, WIDTH, HEIGHT)
        true_up = (true_fp[0] + true_fp[1]) / 2 - (true_fp[2] + true_fp[3]) / 2
        diff = (np.degrees(np.arctan2(*up)) - np.degrees(np.arctan2(*true_up)) + 180) % 360 - 180
        assert abs(diff) < 1.0, (photo.name, diff)


def test_reported_heading_is_the_up_direction_clockwise_from_north(flight: dict, exact: dict) -> None:
    _placed_xy, used = _placed(flight, exact["report"])
    for camera, photo in zip(flight["cameras"], used, strict=True):
        diff = (photo.heading_deg - camera.heading_deg + 180) % 360 - 180
        # the footprints' up sides agree with the truth to 0.06 degrees; 1 degree leaves room for how a tilt is
        # split between heading and lean
        assert abs(diff) < 1.0, (photo.name, photo.heading_deg, round(camera.heading_deg, 2))


def _ground_point_offsets(flight: dict, result: dict, radius: int = 20, search: int = 12) -> list[tuple]:
    """Each GROUND_POINTS texture feature, found in orthophoto.tif by template matching against the source
    texture resampled onto the mosaic's grid: (offset of the mosaic's content from the truth in metres, score)."""
    texture: Texture = flight["texture"]
    report: OrthoReport = result["report"]
    to_report = _to_report_crs(texture, report)
    to_texture = Transformer.from_crs(report.crs, texture.crs, always_xy=True)
    with rasterio.open(result["out"] / "orthophoto.tif") as ds:
        data, transform = ds.read(), ds.transform
    grey = cv2.cvtColor(np.ascontiguousarray(np.moveaxis(data[:3], 0, -1)), cv2.COLOR_RGB2GRAY)
    texture_grey = cv2.cvtColor(texture.rgb, cv2.COLOR_RGB2GRAY)
    out = []
    for col, row in GROUND_POINTS:
        x, y, _one = texture.pixel_to_world @ [col, row, 1.0]
        e, n = to_report.transform(x, y)
        inverse = ~transform
        c, r = inverse.a * e + inverse.b * n + inverse.c, inverse.d * e + inverse.e * n + inverse.f
        ci, ri = round(c - 0.5), round(r - 0.5)  # mosaic pixel (centres at integers) nearest the truth
        jj, ii = np.meshgrid(np.arange(ci - radius, ci + radius + 1), np.arange(ri - radius, ri + radius + 1))
        ge = transform.a * (jj + 0.5) + transform.b * (ii + 0.5) + transform.c
        gn = transform.d * (jj + 0.5) + transform.e * (ii + 0.5) + transform.f
        tx, ty = to_texture.transform(ge, gn)
        tpx = texture.world_to_pixel(np.column_stack([np.ravel(tx), np.ravel(ty)])).astype(np.float32)
        template = cv2.remap(texture_grey, tpx[:, 0].reshape(jj.shape), tpx[:, 1].reshape(jj.shape),
                             cv2.INTER_LINEAR)
        lo, hi = radius + search, radius + search + 1
        assert (data[3][ri - lo:ri + hi, ci - lo:ci + hi] == 255).all(), f"{col},{row} not inside the mosaic"
        score = cv2.matchTemplate(grey[ri - lo:ri + hi, ci - lo:ci + hi], template, cv2.TM_CCOEFF_NORMED)
        _lo, best, _lo_loc, loc = cv2.minMaxLoc(score)
        offset = (_subpixel_peak(score, loc) - search) * [transform.a, transform.e]
        out.append((offset, best))
    return out


def test_exact_gps_ground_points_are_where_they_are_on_the_ground(flight: dict, exact: dict) -> None:
    found = _ground_point_offsets(flight, exact)
    errors = [float(np.hypot(*offset)) for offset, _score in found]
    assert min(score for _offset, score in found) > 0.8
    # measured 0.03, 0.08, 0.16, 0.17 m (mosaic pixels are 0.39 m); the brief asks < 1 m
    assert max(errors) < 0.5, np.round(errors, 3)


# --- a datum error: every fix off by the same 20 m ---------------------------------------------------------


def test_datum_shift_moves_the_block_but_not_its_shape(flight: dict, exact: dict, shifted: dict) -> None:
    """The engine trusts the photos for the shape and the GPS for the position."""
    report: OrthoReport = shifted["report"]
    assert len(report.photos_used) == LINES * PER_LINE and report.photos_dropped == []
    truth = _truth_xy(flight, report)
    placed, used = _placed(flight, report)
    offset = placed - truth
    shift = _to_report_crs(flight["texture"], report).transform(
        flight["cameras"][0].x + DATUM_SHIFT[0], flight["cameras"][0].y + DATUM_SHIFT[1])
    shift = np.array(shift) - truth[0]  # the 20 m in the report's CRS (the same CRS here, but do not rely on it)
    # the block follows the GPS: mean offset = the shift (measured to 0.3 mm) ...
    assert np.hypot(*(offset.mean(axis=0) - shift)) < 0.25, offset.mean(axis=0)
    # ... and keeps its true shape (measured 0.16 m RMS after removing the mean offset, as with exact GPS)
    assert _rms(offset - offset.mean(axis=0)) < PLACEMENT_RMS_M
    # the GPS agrees with the block, so the report sees nothing wrong with it
    assert report.gps_rms_m < PLACEMENT_RMS_M
    # heights and tilts do not move with the datum
    exact_used = _placed(flight, exact["report"])[1]
    for a, b in zip(used, exact_used, strict=True):
        assert a.height_m == pytest.approx(b.height_m, rel=0.005) and a.tilt_deg == pytest.approx(b.tilt_deg, abs=0.2)


# --- independent GPS noise ---------------------------------------------------------------------------------


def test_gps_noise_shows_in_the_report_not_in_the_shape(flight: dict, noisy: dict) -> None:
    report: OrthoReport = noisy["report"]
    assert len(report.photos_used) == LINES * PER_LINE and report.photos_dropped == []
    truth = _truth_xy(flight, report)
    gps = np.array([[p.gps_easting, p.gps_northing] for p in _placed(flight, report)[1]])
    placed, used = _placed(flight, report)
    injected = _rms(gps - truth)  # 10.6 m for this draw of 8 m per axis on 15 photos
    # The block's shape comes from the photos; only its position, heading and scale (4 numbers) are fitted to
    # the 2 x 15 noisy coordinates. So placed-vs-GPS is about the residual of the best similarity from truth to
    # the noisy fixes: expected sigma * sqrt(2 - 4/n) = 10.5 m (n = 15), a little under the injected
    # sigma * sqrt(2) = 11.3 m. Measured: similarity residual 10.32 m, report 10.50 m, injected 10.63 m. The
    # engine's fit is Huber-weighted, not least squares, so it may sit a little above the least-squares
    # residual (bound 1.15 x); it cannot sit much below without bending the block (0.9 x).
    fitted, _scale, _angle = _similarity(truth, gps)
    best_fit = _rms(gps - fitted)
    assert 0.9 * best_fit <= report.gps_rms_m <= 1.15 * best_fit, (report.gps_rms_m, best_fit, injected)
    assert 0.7 * injected <= report.gps_rms_m <= 1.05 * injected
    assert report.gps_rms_m > 5.0 and [w for w in report.warnings if "camera GPS disagrees" in w]
    # the relative geometry is the truth's: after a best-fit similarity the placed cameras are within ~1 m
    # (measured 0.19 m)
    aligned, scale, _angle = _similarity(placed, truth)
    assert _rms(aligned - truth) < 1.0
    assert _rms(aligned - truth) < PLACEMENT_RMS_M
    # the heights follow the block's scale, which the noisy GPS sets (here 3.7 % too small, all alike)
    ratio = np.array([p.height_m / c.z for p, c in zip(used, flight["cameras"], strict=True)])
    assert ratio == pytest.approx(1.0 / scale, rel=0.01)


def test_gps_noise_is_not_mistaken_for_a_lag(noisy: dict) -> None:
    """The photos carry exposure and GPS fix times, and the fixes are the true positions plus white noise taken
    at the exposure: there is no lag to find."""
    report: OrthoReport = noisy["report"]
    assert report.gps_lag_s == 0.0


# --- ground control ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def controlled(flight: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The 20 m datum error again, now with the GROUND_POINTS as surveyed marks: every sighting of a mark in a
    photo (its pixel from the true camera) goes into a gcp_list.txt in the texture's CRS, read by the same parser
    the upload and the job use."""
    texture: Texture = flight["texture"]
    folder = tmp_path_factory.mktemp("controlled")
    paths = write_flight(folder / "photos", flight["cameras"], flight["photos"], crs=texture.crs, lens=LENS,
                         gps_error_m=np.tile(DATUM_SHIFT, (LINES * PER_LINE, 1)))
    lines = [texture.crs.to_string()]
    for mark, (col, row) in enumerate(GROUND_POINTS):
        x, y, _one = texture.pixel_to_world @ [col, row, 1.0]
        for camera in flight["cameras"]:
            px = camera.ground_to_image(LENS.focal_px, WIDTH, HEIGHT) @ [x, y, 1.0]
            u, v = px[:2] / px[2]
            if 10 <= u <= WIDTH - 10 and 10 <= v <= HEIGHT - 10:
                lines.append(f"{x:.3f} {y:.3f} 35.0 {u:.2f} {v:.2f} {camera.name} mark{mark}")
    gcps = parse_gcp_list("\n".join(lines) + "\n")
    report = build_orthomosaic(paths, folder / "ortho", options={**OPTIONS, **gcps.to_options()})
    return {"report": report, "sightings": len(gcps.sightings)}


def test_ground_control_puts_the_map_back_on_the_ground_despite_a_datum_error(flight: dict, controlled: dict) -> None:
    report: OrthoReport = controlled["report"]
    assert controlled["sightings"] >= 8  # each mark is seen in several photos
    assert report.position_basis == "gcps" and report.gcp_rms_m is not None and report.gcp_rms_m < 0.3
    placed, _used = _placed(flight, report)
    truth = _truth_xy(flight, report)
    # without control the block follows the GPS 20 m away (test above); with it, it is where the cameras were
    assert _rms(placed - truth) < PLACEMENT_RMS_M
    assert report.gps_rms_m == pytest.approx(float(np.hypot(*DATUM_SHIFT)), abs=1.0)
    assert not [w for w in report.warnings if "camera GPS" in w]
