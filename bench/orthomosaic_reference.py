"""Where our orthomosaic puts the cameras, checked against an independent reconstruction (COLMAP) and the GPS.

    .venv/bin/python -m bench.orthomosaic_reference [--data ../shared/data] [--sets caliterra-half seneca-half]
        [--work /tmp/ortho-reference]

The issue's accuracy target compares placed photo centres with the camera's GPS. That comparison mixes two
errors: ours, and the receiver's. To tell them apart, each set is also reconstructed by COLMAP (pycolmap from
PyPI: full 3D structure from motion, SIFT, exhaustive matching, self-calibrated OpenCV lens model, no GPS used),
which shares no code with our engine. Its camera centres are levelled on the plane of its 3D points and compared,
after a best-fit similarity each time, with
- our placed camera positions: how right our geometry is (the reference knows nothing of our model);
- the GPS fixes: how right the GPS is (the reference knows nothing of the GPS);
and ours with the GPS, the figure the report gives. If ours agrees with COLMAP far better than either agrees with
the GPS, the GPS is what limits the placement, not the engine.

pycolmap is installed into the running environment on first use (a benchmark-only dependency, not needed by the
product). COLMAP takes minutes per set on 2 cores; its models are kept in --work and reused on later runs.
Results go to docs/benchmarks-orthomosaic.md.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from processing.core.orthomosaic import build_orthomosaic  # noqa: E402
from processing.core.orthomosaic.gpstrack import similarity_residuals  # noqa: E402


def ensure_pycolmap() -> Any:
    try:
        return importlib.import_module("pycolmap")
    except ImportError:
        print("pycolmap not found: installing it from PyPI (benchmark only)", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "pycolmap"], check=True)
        return importlib.import_module("pycolmap")


def colmap_centres(pycolmap: Any, photos: Path, work: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Levelled horizontal camera centres (arbitrary scale and frame) of COLMAP's largest model, by photo name."""
    model_dir = work / "model"
    started = time.perf_counter()
    if not (model_dir / "images.bin").exists():
        work.mkdir(parents=True, exist_ok=True)
        database = work / "database.db"
        database.unlink(missing_ok=True)
        reader = pycolmap.ImageReaderOptions(camera_model="OPENCV")
        pycolmap.extract_features(database, photos, camera_mode=pycolmap.CameraMode.AUTO, reader_options=reader)
        pycolmap.match_exhaustive(database)
        models = pycolmap.incremental_mapping(database, photos, work)
        if not models:
            raise SystemExit(f"COLMAP could not reconstruct {photos}")
        largest = max(models.values(), key=lambda m: m.num_reg_images())
        model_dir.mkdir(exist_ok=True)
        largest.write(model_dir)
    model = pycolmap.Reconstruction(model_dir)
    points = np.array([p.xyz for p in model.points3D.values()])
    names = [image.name for image in model.images.values()]
    centres = np.array([image.projection_center() for image in model.images.values()])
    middle = np.median(points, axis=0)
    axes = np.linalg.svd(points - middle, full_matrices=False)[2]
    up = axes[2] if np.dot(centres.mean(axis=0) - middle, axes[2]) > 0 else -axes[2]
    east_like = axes[0]
    north_like = np.cross(up, east_like)  # (east_like, north_like, up) is right-handed: no mirror image
    flat = np.column_stack([(centres - middle) @ east_like, (centres - middle) @ north_like])
    info = {"registered": len(names), "points": len(points), "seconds": round(time.perf_counter() - started, 1),
            "reprojection_px": round(float(model.compute_mean_reprojection_error()), 3)}
    return dict(zip(names, flat, strict=True)), info


def rms_after_similarity(src: np.ndarray, dst: np.ndarray) -> tuple[float, float]:
    """RMS and max distance (in dst units) between dst and src after the best-fit similarity src -> dst."""
    r = np.hypot(*similarity_residuals(src, dst).T)
    return float(np.sqrt(np.mean(r**2))), float(r.max())


def run_set(pycolmap: Any, photos: Path, work: Path) -> dict[str, Any]:
    started = time.perf_counter()
    report = build_orthomosaic(sorted(photos.glob("*.jpg")), work / "ours")
    ours_s = time.perf_counter() - started
    reference, info = colmap_centres(pycolmap, photos, work / "colmap")
    placed = {p.name: p for p in report.photos_used}
    common = sorted(set(placed) & set(reference))
    ours = np.array([[placed[n].placed_easting, placed[n].placed_northing] for n in common])
    gps = np.array([[placed[n].gps_easting, placed[n].gps_northing] for n in common])
    ref = np.array([reference[n] for n in common])
    ours_ref, ours_ref_max = rms_after_similarity(ref, ours)
    ref_gps, ref_gps_max = rms_after_similarity(ref, gps)
    ours_gps, ours_gps_max = rms_after_similarity(ours, gps)
    as_placed = float(np.sqrt(np.mean(np.sum((ours - gps) ** 2, axis=1))))
    return {
        "set": photos.name, "photos": report.photos_total, "ours_placed": len(report.photos_used),
        "colmap": info, "compared": len(common), "ours_seconds": round(ours_s, 1),
        "ours_vs_colmap_rms_m": round(ours_ref, 2), "ours_vs_colmap_max_m": round(ours_ref_max, 2),
        "colmap_vs_gps_rms_m": round(ref_gps, 2), "colmap_vs_gps_max_m": round(ref_gps_max, 2),
        "ours_vs_gps_rms_m": round(ours_gps, 2), "ours_vs_gps_max_m": round(ours_gps_max, 2),
        "ours_vs_gps_as_placed_rms_m": round(as_placed, 2), "report_gps_rms_m": report.gps_rms_m,
        "tie_residual_rms_m": report.residual_rms_m,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--sets", nargs="+", default=["caliterra-half", "seneca-half"])
    parser.add_argument("--work", type=Path, default=Path("/tmp/ortho-reference"))
    args = parser.parse_args()
    pycolmap = ensure_pycolmap()
    results = []
    for name in args.sets:
        result = run_set(pycolmap, args.data / "drone" / name, args.work / name)
        results.append(result)
        print(json.dumps(result), flush=True)
    print(f"\n{'set':16} {'compared':>8} {'ours-COLMAP':>12} {'COLMAP-GPS':>11} {'ours-GPS':>9}  (RMS m, similarity)")
    for r in results:
        print(f"{r['set']:16} {r['compared']:>8} {r['ours_vs_colmap_rms_m']:>12.2f} {r['colmap_vs_gps_rms_m']:>11.2f} "
              f"{r['ours_vs_gps_rms_m']:>9.2f}")


if __name__ == "__main__":
    main()
