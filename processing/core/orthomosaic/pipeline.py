"""build_orthomosaic: photos -> features -> pairs -> global alignment -> render -> COG + report."""

from __future__ import annotations

import math
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from ..cog import to_cog
from ..errors import ImageryError, MosaicError, ProcessingError
from .alignment import Frame, Gcp, components, similarity_init
from .bundle import Poses, adjust, init_poses
from .features import PhotoFeatures, extract_features
from .georef import choose_crs, crs_label, project, reproject, unproject
from .gpstrack import LagFit, along_cross, fit_gps_lag
from .matching import PairMatch, candidate_pairs, match_pair
from .options import OrthoOptions
from .render import Grid, Placed, compute_gains, render_geotiff
from .report import DroppedPhoto, OrthoReport, PlacedPhoto, assess

Progress = Callable[[float, str], None]
MIN_COMPONENT = 3  # a group of fewer photos has too little GPS spread to fix its own scale
MAX_TILT_DEG = 30.0  # beyond this a photo is oblique: its far side would be smeared over the mosaic
MAX_ROUNDS = 6  # solve / prune rounds of the alignment


def _noop(fraction: float, message: str) -> None:
    return None


class _Stage:
    """Maps a stage's own 0..1 progress into its slice of the whole run."""

    def __init__(self, progress: Progress, start: float, end: float, message: str) -> None:
        self.progress, self.start, self.end, self.message = progress, start, end, message
        progress(start, message)

    def __call__(self, fraction: float) -> None:
        self.progress(self.start + (self.end - self.start) * min(max(fraction, 0.0), 1.0), self.message)


def build_orthomosaic(photos: Sequence[Path], out_dir: Path, *, progress: Progress | None = None,
                      options: OrthoOptions | dict[str, Any] | None = None) -> OrthoReport:
    """Write out_dir/orthophoto.tif (RGBA COG with overviews) and out_dir/report.json; return the report.

    Photos that cannot be read, have no GPS or cannot be connected are dropped and reported. Fewer than two
    placed photos raise MosaicError, and existing outputs in out_dir are then left untouched.
    """
    opts = OrthoOptions.coerce(options)
    report_progress = progress or _noop
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MosaicError(f"cannot create the output folder {out_dir}: {exc.strerror}") from exc
    paths = list(dict.fromkeys(Path(p) for p in photos))
    if len(paths) < 2:
        raise MosaicError(f"a mosaic needs at least 2 photos, got {len(paths)}")
    previous_threads = cv2.getNumThreads()
    cv2.setNumThreads(1)  # we parallelise across photos and blocks ourselves
    try:
        return _build(paths, out_dir, report_progress, opts)
    finally:
        cv2.setNumThreads(previous_threads)


def _build(paths: list[Path], out_dir: Path, progress: Progress, opts: OrthoOptions) -> OrthoReport:
    timings: dict[str, float] = {}
    dropped: list[DroppedPhoto] = []
    t0 = time.perf_counter()

    stage = _Stage(progress, 0.0, 0.35, "features")
    feats = _extract_all(paths, opts, dropped, stage)
    timings["features"] = time.perf_counter() - t0
    if len(feats) < 2:
        raise MosaicError(_too_few_message(len(feats), len(paths), dropped))

    crs = choose_crs(np.array([f.exif.lon for f in feats]), np.array([f.exif.lat for f in feats]), opts.crs)
    gps_abs = project(crs, np.array([f.exif.lon for f in feats]), np.array([f.exif.lat for f in feats]))
    origin = gps_abs.mean(axis=0).round(0)
    frames = [Frame(width=f.exif.width, height=f.exif.height, gps=gps_abs[k] - origin)
              for k, f in enumerate(feats)]

    t = time.perf_counter()
    stage = _Stage(progress, 0.35, 0.6, "matching")
    candidates = candidate_pairs(np.array([fr.gps for fr in frames]), opts.neighbours)
    matches = _match_all(feats, candidates, opts, stage)
    timings["matching"] = time.perf_counter() - t

    t = time.perf_counter()
    progress(0.6, "alignment")
    gcps = _gcps(paths, feats, opts, origin, crs)
    active, pairs, poses, residuals = _align(frames, feats, matches, gcps, opts, dropped)
    if len(active) < 2:
        raise MosaicError(_too_few_message(len(active), len(paths), dropped))
    lag = _fit_lag(frames, feats, active, poses)
    if lag is not None and lag.lag_s != 0.0:
        poses, residuals = _readjust(frames, feats, active, pairs, gcps, poses, lag, opts)
    timings["alignment"] = time.perf_counter() - t

    t = time.perf_counter()
    stage = _Stage(progress, 0.62, 0.9, "rendering")
    sub_frames = [frames[k] for k in active]
    to_world = [poses.image_to_ground(n) for n in range(len(active))]
    gains = compute_gains(sub_frames, to_world, [feats[k].thumbnail for k in active],
                          [(p.i, p.j) for p in pairs])
    gsds = np.array([poses.gsd(n) for n in range(len(active))])
    photo_gsd = float(np.median(gsds))
    res = float(opts.gsd_m) if opts.gsd_m else photo_gsd * opts.resolution_scale
    footprints = [_footprint(to_world[n], fr) for n, fr in enumerate(sub_frames)]
    corners = np.vstack(footprints)
    x0, y1 = math.floor(corners[:, 0].min()), math.floor(corners[:, 1].min())
    x1, y0 = math.ceil(corners[:, 0].max()), math.ceil(corners[:, 1].max())
    width, height = math.ceil((x1 - x0) / res), math.ceil((y0 - y1) / res)
    if width * height > opts.max_output_pixels:
        raise MosaicError(f"the mosaic would be {width}x{height} pixels, over max_output_pixels "
                          f"({opts.max_output_pixels}); set a coarser gsd_m")
    grid = Grid(x0=x0, y0=y0, res=res, width=width, height=height)
    placed = []
    for n, k in enumerate(active):
        c = footprints[n]
        factor = 1  # decode at the coarsest JPEG reduction still at least as fine as the output
        while factor < 8 and gsds[n] * factor * 2 <= res * 1.01:
            factor *= 2
        placed.append(Placed(path=feats[k].path, frame=sub_frames[n], to_world=to_world[n], gain=gains[n],
                             factor=factor,
                             bbox=(c[:, 0].min(), c[:, 1].min(), c[:, 0].max(), c[:, 1].max())))
    for f in feats:  # descriptors are the bulk of what features hold; rendering does not need them
        f.descriptors = np.zeros((0, 128), np.float32)
    final = out_dir / "orthophoto.tif"
    fd, tmp_name = tempfile.mkstemp(dir=out_dir, prefix=".orthophoto-", suffix=".tif")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        covered = render_geotiff(tmp, grid, placed, crs=crs, origin=origin, block_size=opts.block_size,
                                 cache_photos=opts.cache_photos, blend_power=opts.blend_power,
                                 threads=opts.thread_count, progress=stage)
        timings["rendering"] = time.perf_counter() - t
        t = time.perf_counter()
        progress(0.9, "writing COG")
        try:
            to_cog(tmp, final)
        except ProcessingError as exc:
            raise MosaicError(str(exc)) from exc
        timings["cog"] = time.perf_counter() - t
    finally:
        tmp.unlink(missing_ok=True)
    timings["total"] = time.perf_counter() - t0
    report = _report(paths, feats, active, frames, poses, residuals, pairs, len(candidates), gains, gcps,
                     dropped, crs, origin, grid, photo_gsd, covered, final, timings, opts, footprints, lag)
    report.write(out_dir / "report.json")
    progress(1.0, "done")
    return report


def _too_few_message(placed: int, total: int, dropped: list[DroppedPhoto]) -> str:
    reasons = "; ".join(f"{d.name}: {d.reason}" for d in dropped[:8])
    more = f" (and {len(dropped) - 8} more)" if len(dropped) > 8 else ""
    return f"only {placed} of {total} photos can be placed, a mosaic needs at least 2. Dropped: {reasons}{more}"


def _extract_all(paths: list[Path], opts: OrthoOptions, dropped: list[DroppedPhoto],
                 stage: _Stage) -> list[PhotoFeatures]:
    def work(path: Path) -> PhotoFeatures | str:
        try:
            feat = extract_features(path, feature_side=opts.feature_side, max_features=opts.max_features,
                                    max_pixels=opts.max_photo_pixels)
        except ImageryError as exc:
            return str(exc)
        except OSError as exc:
            return f"cannot read the file ({exc.strerror or exc})"
        if feat.exif.lat is None or feat.exif.lon is None:
            return "no GPS position in EXIF"
        if len(feat.points) < opts.min_inliers:
            return f"too few features ({len(feat.points)}): blank, blurred or texture-less"
        return feat

    feats: list[PhotoFeatures] = []
    with ThreadPoolExecutor(max_workers=opts.thread_count) as pool:
        for n, (path, result) in enumerate(zip(paths, pool.map(work, paths), strict=True)):
            if isinstance(result, str):
                dropped.append(DroppedPhoto(name=path.name, reason=result))
            else:
                feats.append(result)
            stage((n + 1) / len(paths))
    return feats


def _match_all(feats: list[PhotoFeatures], candidates: list[tuple[int, int]], opts: OrthoOptions,
               stage: _Stage) -> list[PairMatch]:
    def work(pair: tuple[int, int]) -> PairMatch | None:
        i, j = pair
        return match_pair(feats[i], feats[j], i, j, ratio=opts.ratio, min_inliers=opts.min_inliers,
                          max_points=opts.max_points_per_pair)

    matches: list[PairMatch] = []
    with ThreadPoolExecutor(max_workers=opts.thread_count) as pool:
        for n, result in enumerate(pool.map(work, candidates)):
            if result is not None:
                matches.append(result)
            stage((n + 1) / max(1, len(candidates)))
    return matches


def _gcps(paths: list[Path], feats: list[PhotoFeatures], opts: OrthoOptions, origin: np.ndarray,
          crs: Any) -> list[Gcp]:
    """Ground control in the local frame. A sighting in a photo that is not among the inputs is an error (a typo
    must not silently lose control); one in a photo that was dropped as unreadable is skipped."""
    if not opts.gcps:
        return []
    given = {p.name for p in paths}
    index = {f.name: k for k, f in enumerate(feats)}
    ground = np.array([[g.easting, g.northing] for g in opts.gcps], float)
    if opts.gcp_crs:
        ground = reproject(opts.gcp_crs, crs, ground)
    out = []
    for n, g in enumerate(opts.gcps):
        if g.photo not in given:
            raise MosaicError(f"options.gcps[{n}].photo: {g.photo} is not one of the photos")
        if g.photo in index:
            out.append(Gcp(photo=index[g.photo], x=g.x, y=g.y, target=ground[n] - origin))
    return out


def _footprint(to_world: NDArray[np.floating[Any]], frame: Frame) -> NDArray[np.float64]:
    w, h = frame.width, frame.height
    pts = to_world @ np.array([[-0.5, -0.5, 1], [w - 0.5, -0.5, 1], [w - 0.5, h - 0.5, 1], [-0.5, h - 0.5, 1]]).T
    corners: NDArray[np.float64] = (pts[:2] / pts[2]).T
    return corners


def _focal(feat: PhotoFeatures) -> float:
    """Focal length in pixels from EXIF; without it, a typical survey camera's (about 1.2 x the long side)."""
    return feat.exif.focal_px or 1.2 * max(feat.exif.width, feat.exif.height)


def _align(frames: list[Frame], feats: list[PhotoFeatures], matches: list[PairMatch], gcps: list[Gcp],
           opts: OrthoOptions, dropped: list[DroppedPhoto]
           ) -> tuple[list[int], list[PairMatch], Poses, list[np.ndarray]]:
    """Solve, drop inconsistent pairs and oblique or degenerate photos, solve again, until nothing changes."""
    active = list(range(len(frames)))
    pairs = list(matches)
    empty: tuple[list[int], list[PairMatch], Poses, list[np.ndarray]] = (
        [], [], Poses(np.zeros((0, 6)), np.zeros(0), np.zeros((0, 2))), [])
    for round_ in range(MAX_ROUNDS):
        active, pairs = _keep_connected(active, pairs, feats, dropped, len(frames))
        if len(active) < 2:
            return empty
        remap = {k: n for n, k in enumerate(active)}
        local_pairs = [PairMatch(i=remap[p.i], j=remap[p.j], points_i=p.points_i, points_j=p.points_j,
                                 inliers=p.inliers, matches=p.matches) for p in pairs]
        local_gcps = [Gcp(photo=remap[g.photo], x=g.x, y=g.y, target=g.target) for g in gcps
                      if g.photo in remap]
        sub = [frames[k] for k in active]
        similarity, _scatter = similarity_init(sub, local_pairs)
        poses = init_poses(sub, similarity, np.array([_focal(feats[k]) for k in active]))
        with np.errstate(divide="ignore", invalid="ignore"):
            poses, residuals = adjust(sub, local_pairs, local_gcps, poses, gps_sigma=opts.gps_sigma_m,
                                      gcp_sigma=opts.gcp_sigma_m)
        pair_rms = np.array([float(np.sqrt(np.mean(r**2))) for r in residuals])
        # pairs whose tie points disagree with the block (repetitive texture, moving objects): pixels
        finite = pair_rms[np.isfinite(pair_rms)]
        limit = max(4.0 * float(np.median(finite)), 4.0) if len(finite) else 0.0
        bad_pairs = {n for n, rms in enumerate(pair_rms) if not rms <= limit}
        bad_photos: dict[int, str] = {}
        heights = poses.params[:, 5]
        typical = float(np.median(heights[np.isfinite(heights)])) if np.isfinite(heights).any() else 0.0
        for n, k in enumerate(active):
            if not np.all(np.isfinite(poses.params[n])) or not heights[n] > 0.05 * typical:
                bad_photos[k] = "alignment failed: no consistent camera pose (too few or contradictory matches)"
                continue
            tilt = poses.tilt_deg(n)
            if tilt > MAX_TILT_DEG:
                bad_photos[k] = f"oblique: tilted {tilt:.0f} degrees from nadir (limit {MAX_TILT_DEG:.0f})"
        if not bad_photos and (not bad_pairs or round_ == MAX_ROUNDS - 1):
            return active, local_pairs, poses, residuals
        dropped.extend(DroppedPhoto(name=feats[k].name, reason=r) for k, r in bad_photos.items())
        pairs = [p for n, p in enumerate(pairs) if n not in bad_pairs and p.i not in bad_photos
                 and p.j not in bad_photos]
        active = [k for k in active if k not in bad_photos]
    raise MosaicError("the alignment did not settle: photos kept failing the pose checks")


def _fit_lag(frames: list[Frame], feats: list[PhotoFeatures], active: list[int], poses: Poses) -> LagFit | None:
    """One GPS time offset for the flight, fitted to the aligned block (see gpstrack.py)."""
    nan = float("nan")
    exposure = np.array([feats[k].exif.time_s or nan for k in active], float)
    own_fix = np.array([feats[k].exif.gps_time_s or nan for k in active], float)
    fixes = np.array([frames[k].gps for k in active], float)
    return fit_gps_lag(poses.params[:, 3:5], exposure, own_fix, fixes)


def _readjust(frames: list[Frame], feats: list[PhotoFeatures], active: list[int], pairs: list[PairMatch],
              gcps: list[Gcp], poses: Poses, lag: LagFit, opts: OrthoOptions) -> tuple[Poses, list[np.ndarray]]:
    """Solve again from the current poses with the GPS priors moved to the lag-corrected track."""
    sub = []
    for n, k in enumerate(active):
        target = lag.targets[n]
        gps = target if np.all(np.isfinite(target)) else frames[k].gps
        sub.append(Frame(width=frames[k].width, height=frames[k].height, gps=gps))
    remap = {k: n for n, k in enumerate(active)}
    local_gcps = [Gcp(photo=remap[g.photo], x=g.x, y=g.y, target=g.target) for g in gcps if g.photo in remap]
    return adjust(sub, pairs, local_gcps, poses, gps_sigma=opts.gps_sigma_m, gcp_sigma=opts.gcp_sigma_m)


def _keep_connected(active: list[int], pairs: list[PairMatch], feats: list[PhotoFeatures],
                    dropped: list[DroppedPhoto], n_total: int) -> tuple[list[int], list[PairMatch]]:
    member = set(active)
    pairs = [p for p in pairs if p.i in member and p.j in member]
    groups = [g for g in components(n_total, pairs) if any(k in member for k in g)]
    groups = [[k for k in g if k in member] for g in groups]
    groups = sorted([g for g in groups if g], key=len, reverse=True)
    keep: set[int] = set()
    for rank, group in enumerate(groups):
        if len(group) >= MIN_COMPONENT or (rank == 0 and len(group) >= 2):
            keep.update(group)
            continue
        for k in group:
            reason = ("no overlapping neighbour could be matched (an oblique, blurred or isolated photo)"
                      if len(group) == 1 else
                      f"connected only to {len(group) - 1} other photo(s), not to the main block")
            dropped.append(DroppedPhoto(name=feats[k].name, reason=reason))
    return sorted(keep), [p for p in pairs if p.i in keep and p.j in keep]


def _report(paths: list[Path], feats: list[PhotoFeatures], active: list[int], frames: list[Frame],
            poses: Poses, residuals: list[np.ndarray], pairs: list[PairMatch], pairs_tried: int,
            gains: np.ndarray, gcps: list[Gcp], dropped: list[DroppedPhoto], crs: Any, origin: np.ndarray,
            grid: Grid, photo_gsd: float, covered: int, final: Path, timings: dict[str, float],
            opts: OrthoOptions, footprints: list[np.ndarray], lag: LagFit | None) -> OrthoReport:
    params = poses.params
    centres = params[:, 3:5] + origin  # camera positions (the point below the camera)
    lonlat = unproject(crs, centres)
    # residuals are in pixels of the photos; metres at each pair's ground pixel size
    gsd = np.array([poses.gsd(n) for n in range(len(active))])
    metres = [r * 0.5 * (gsd[p.i] + gsd[p.j]) for p, r in zip(pairs, residuals, strict=True)]
    per_photo: dict[int, list[np.ndarray]] = {}
    for p, r in zip(pairs, metres, strict=True):
        per_photo.setdefault(p.i, []).append(r)
        per_photo.setdefault(p.j, []).append(r)
    raw_offsets = np.array([params[n, 3:5] - frames[k].gps for n, k in enumerate(active)])
    times = np.array([feats[k].exif.time_s or float("nan") for k in active], float)
    along, cross = along_cross(params[:, 3:5], times, raw_offsets)
    lag_offsets = (np.hypot(*(params[:, 3:5] - lag.targets).T) if lag is not None and lag.lag_s != 0.0
                   else np.full(len(active), np.nan))
    used = []
    for n, k in enumerate(active):
        gps = frames[k].gps + origin
        res = np.concatenate(per_photo.get(n, [np.zeros(1)]))
        used.append(PlacedPhoto(
            name=feats[k].name, gps_easting=round(float(gps[0]), 3), gps_northing=round(float(gps[1]), 3),
            placed_easting=round(float(centres[n, 0]), 3), placed_northing=round(float(centres[n, 1]), 3),
            offset_m=round(float(np.hypot(*(centres[n] - gps))), 3),
            lon=round(float(lonlat[n, 0]), 8), lat=round(float(lonlat[n, 1]), 8),
            height_m=round(float(params[n, 5]), 2), tilt_deg=round(poses.tilt_deg(n), 2),
            gsd_m=round(float(gsd[n]), 5), heading_deg=round(float(-np.degrees(params[n, 2])) % 360, 2),
            residual_rms_m=round(float(np.sqrt(np.mean(res**2))), 4),
            gain=[round(float(g), 4) for g in gains[n][::-1]],
            footprint=[[round(float(x), 3), round(float(y), 3)] for x, y in footprints[n] + origin],
            along_track_m=_round_or_none(along[n], 3), cross_track_m=_round_or_none(cross[n], 3),
            lag_corrected_offset_m=_round_or_none(lag_offsets[n], 3),
            footprint_lonlat=[[round(float(lon), 8), round(float(lat), 8)]
                              for lon, lat in unproject(crs, footprints[n] + origin)]))
    all_res = np.concatenate(metres) if metres else np.zeros(1)
    all_px = np.concatenate(residuals) if residuals else np.zeros(1)
    offsets = np.array([u.offset_m for u in used])
    gcp_rms = None
    if gcps:
        remap = {k: n for n, k in enumerate(active)}
        errs = []
        for g in gcps:
            if g.photo in remap:
                m = poses.image_to_ground(remap[g.photo])
                q = m @ [g.x, g.y, 1.0]
                errs.append(np.hypot(*(q[:2] / q[2] - g.target)))
        gcp_rms = round(float(np.sqrt(np.mean(np.square(errs)))), 4) if errs else None
    left = origin[0] + grid.x0
    top = origin[1] + grid.y0
    placed_names = {u.name for u in used}
    dropped_unique = {d.name: d for d in dropped if d.name not in placed_names}
    report = OrthoReport(
        photos_total=len(paths), photos_used=used, photos_dropped=list(dropped_unique.values()),
        crs=crs_label(crs), gsd_m=float(grid.res), photo_gsd_median_m=round(photo_gsd, 5),
        width=grid.width, height=grid.height,
        bounds=[left, top - grid.height * grid.res, left + grid.width * grid.res, top],
        covered_area_m2=round(covered * grid.res**2, 1), pairs_tried=pairs_tried, pairs_used=len(pairs),
        residual_rms_m=round(float(np.sqrt(np.mean(all_res**2))), 4),
        residual_median_m=round(float(np.median(all_res)), 4),
        residual_p95_m=round(float(np.percentile(all_res, 95)), 4),
        residual_max_m=round(float(all_res.max()), 4),
        residual_rms_px=round(float(np.sqrt(np.mean(all_px**2))), 3),
        gps_rms_m=round(float(np.sqrt(np.mean(offsets**2))), 3), gcp_rms_m=gcp_rms,
        gps_median_m=round(float(np.median(offsets)), 3),
        gps_along_track_rms_m=_rms_or_none(along), gps_cross_track_rms_m=_rms_or_none(cross),
        gps_lag_s=None if lag is None else lag.lag_s,
        gps_rms_lag_corrected_m=_rms_or_none(lag_offsets),
        orthophoto=str(final), timings_s={k: round(v, 2) for k, v in timings.items()},
        options=opts.to_json(), position_basis="gcps" if gcp_rms is not None else "gps")
    report.warnings = assess(report)
    return report


def _round_or_none(value: float, digits: int) -> float | None:
    return round(float(value), digits) if np.isfinite(value) else None


def _rms_or_none(values: np.ndarray) -> float | None:
    finite = values[np.isfinite(values)]
    return round(float(np.sqrt(np.mean(finite**2))), 3) if len(finite) else None
