"""Defect candidates on real data: cracks (CrackForest), thermal hotspots (H20T), change between orthomosaics.

    nice -n 10 .venv/bin/python -m bench.defects [--only crack|hotspot|change|large] [--folds 5] [--pair BEFORE AFTER]

Crack: the 80 CrackForest photos with masks, pixel precision/recall/F1 at a 2 px tolerance, pooled over all
images (micro-average). Baselines: Canny (best of a small grid of blur and thresholds, chosen on the whole set,
so the baseline is flattered) and Otsu (pixels darker than Otsu's threshold of the blurred grey). The untrained
default runs with its shipped parameters. The learned model is scored by k-fold cross-validation with folds
fixed by file order (image i is in fold i mod k): every score is on images the model was not trained on.
The trained models are written to bench/out/ only (the images are research-only: never commit them).

Hotspot: each of the 16 H20T R-JPEG frames, unmodified (any hotspot at the default margin is counted as false)
and with a synthetic 24x24 px patch raised by 1.5x the frame's default margin added to the raw counts at a
seeded random place; IoU of the found region with the patch. The strongest hotspots of one real frame are drawn.

Change: the Pix4D Bali orthophoto against (a) a copy whose content is moved 2 m, brightened by 20 % and with
one 17.5 x 14 m patch replaced by a flat two-tone roof, (b) the same without the patch. With --pair, also two
real mosaics of the same site (no real change expected).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import rasterio

from processing.core.detection.change import ChangeDetector
from processing.core.detection.crack import CrackDetector
from processing.core.detection.hotspot import HotspotDetector, read_thermal_frame
from processing.core.detection.learned import load_model, train
from processing.core.detection.metrics import PixelScores, pixel_scores

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SHARED_DATA_DIR", ROOT.parent / "shared" / "data"))
OUT = ROOT / "bench" / "out" / "defects"
ZERO = PixelScores.from_counts(0, 0, 0, 0)


def load_cracks() -> tuple[list[str], list[np.ndarray], list[np.ndarray]]:
    folder = SHARED / "cracks" / "crackforest-images"
    names, images, masks = [], [], []
    for f in sorted(folder.glob("*.jpg")):
        mask_path = SHARED / "cracks" / "crackforest-masks" / f"{f.stem}.png"
        if not mask_path.exists():
            continue
        names.append(f.stem)
        images.append(cv2.cvtColor(cv2.imread(str(f)), cv2.COLOR_BGR2RGB))
        masks.append(cv2.imread(str(mask_path), cv2.IMREAD_GRAYSCALE))
    return names, images, masks


def fmt(s: PixelScores) -> str:
    return f"P {s.precision:.3f}  R {s.recall:.3f}  F1 {s.f1:.3f}"


def bench_crack(folds: int) -> dict[str, object]:
    _names, images, masks = load_cracks()
    print(f"crack: {len(images)} images with masks")
    greys = [cv2.cvtColor(i, cv2.COLOR_RGB2GRAY) for i in images]
    results: dict[str, object] = {"images": len(images)}
    best = None
    for sigma in (1.0, 2.0, 3.0):
        for lo, hi in ((20, 40), (30, 60), (40, 80), (50, 100), (60, 120), (80, 160)):
            total = ZERO
            for g, m in zip(greys, masks, strict=True):
                total = total + pixel_scores(cv2.Canny(cv2.GaussianBlur(g, (0, 0), sigma), lo, hi), m)
            if best is None or total.f1 > best[1].f1:
                best = ((sigma, lo, hi), total)
    assert best is not None
    print(f"  Canny (best of grid: sigma {best[0][0]}, thresholds {best[0][1]}/{best[0][2]}): {fmt(best[1])}")
    results["canny"] = {"params": best[0], "f1": best[1].f1, "precision": best[1].precision,
                        "recall": best[1].recall}
    total = ZERO
    for g, m in zip(greys, masks, strict=True):
        b = cv2.GaussianBlur(g, (0, 0), 1.0)
        _, dark = cv2.threshold(b, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
        total = total + pixel_scores(dark, m)
    print(f"  Otsu (dark pixels):     {fmt(total)}")
    results["otsu"] = {"f1": total.f1, "precision": total.precision, "recall": total.recall}
    detector = CrackDetector()
    total, t0 = ZERO, time.perf_counter()
    for img, m in zip(images, masks, strict=True):
        total = total + pixel_scores(detector(img).mask, m)
    per = (time.perf_counter() - t0) / len(images)
    print(f"  untrained default:      {fmt(total)}   ({per * 1000:.0f} ms a photo)")
    results["untrained"] = {"f1": total.f1, "precision": total.precision, "recall": total.recall,
                            "ms_per_image": per * 1000}
    pooled, fold_f1, train_s, pred_s = ZERO, [], [], []
    OUT.mkdir(parents=True, exist_ok=True)
    for k in range(folds):
        test = [i for i in range(len(images)) if i % folds == k]
        fit = [i for i in range(len(images)) if i % folds != k]
        t0 = time.perf_counter()
        model = train([images[i] for i in fit], [masks[i] for i in fit],
                      description={"source": "CrackForest (research use only)", "fold": f"{k + 1}/{folds}"})
        train_s.append(time.perf_counter() - t0)
        model.save(OUT / f"crack-fold{k + 1}.json")
        fold_total, t0 = ZERO, time.perf_counter()
        for i in test:
            fold_total = fold_total + pixel_scores(model(images[i]).mask, masks[i])
        pred_s.append((time.perf_counter() - t0) / len(test))
        fold_f1.append(fold_total.f1)
        pooled = pooled + fold_total
        print(f"  learned fold {k + 1}/{folds}: train {len(fit)} ({train_s[-1]:.0f} s, threshold "
              f"{model.threshold}), test {len(test)}: {fmt(fold_total)}")
    print(f"  learned ({folds}-fold):   {fmt(pooled)}   (fold F1 {min(fold_f1):.3f}..{max(fold_f1):.3f}, "
          f"{np.mean(pred_s) * 1000:.0f} ms a photo)")
    results["learned"] = {"folds": folds, "f1": pooled.f1, "precision": pooled.precision, "recall": pooled.recall,
                          "fold_f1": fold_f1, "train_s": train_s, "ms_per_image": float(np.mean(pred_s)) * 1000}
    return results


def bench_large() -> dict[str, object]:
    """Both crack detectors on one 12 MP survey photo (caliterra-full), tile by tile; the learned model is the
    first fold's from `--only crack` (bench/out/defects/crack-fold1.json)."""
    full = sorted(p for p in (SHARED / "drone" / "caliterra-full").iterdir() if p.suffix.lower() == ".jpg")[:1]
    model_path = OUT / "crack-fold1.json"
    if not full or not model_path.exists():
        sys.exit("needs ../shared/data/drone/caliterra-full and a model from `--only crack`")
    model = load_model(model_path)
    detector = CrackDetector()
    photo = cv2.cvtColor(cv2.imread(str(full[0])), cv2.COLOR_BGR2RGB)
    t0 = time.perf_counter()
    detector(photo)
    t_default = time.perf_counter() - t0
    t0 = time.perf_counter()
    model(photo)
    t_learned = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"12 MP photo {full[0].name} ({photo.shape[1]}x{photo.shape[0]}): untrained {t_default:.1f} s, "
          f"learned {t_learned:.1f} s; peak RSS of this process {rss:.0f} MB")
    return {"untrained_s": t_default, "learned_s": t_learned, "peak_rss_mb": rss}


def bench_hotspot() -> dict[str, object]:
    frames = sorted((SHARED / "thermal" / "h20t").glob("*.JPG"))
    detector = HotspotDetector()
    rng = np.random.default_rng(12)
    false_found, ious, rows = 0, [], []
    size = 24
    for f in frames:
        frame = read_thermal_frame(f)
        plain = detector(frame)
        false_found += len(plain.hotspots)
        raised = frame.values.copy()
        h, w = raised.shape
        y0, x0 = int(rng.integers(40, h - 40 - size)), int(rng.integers(40, w - 40 - size))
        raised[y0 : y0 + size, x0 : x0 + size] += 1.5 * plain.margin
        truth = np.zeros(raised.shape, dtype=bool)
        truth[y0 : y0 + size, x0 : x0 + size] = True
        found = detector(raised)
        best = 0.0
        if found.mask.any():
            count, labels = cv2.connectedComponents(found.mask.astype(np.uint8), connectivity=8)
            for i in range(1, count):
                region = labels == i
                best = max(best, float((region & truth).sum() / (region | truth).sum()))
        others = sum(1 for s in found.hotspots if not truth[int(s.centroid[1]), int(s.centroid[0])])
        ious.append(best)
        rows.append((f.name, len(plain.hotspots), round(plain.margin), best, others))
        print(f"  {f.name}: unmodified {len(plain.hotspots)} hotspot(s) (margin {plain.margin:.0f} counts); "
              f"patch IoU {best:.2f}, other hotspots {others}")
    print(f"hotspot: {len(frames)} frames, patch IoU min {min(ious):.2f} mean {np.mean(ious):.2f}; "
          f"hotspots on unmodified frames: {false_found}")
    strongest = HotspotDetector(margin_sigmas=6.0)
    frame = read_thermal_frame(frames[4])
    res = strongest(frame)
    v = frame.values
    lo, hi = np.percentile(v, [1, 99.9])
    view = cv2.cvtColor(np.clip((v - lo) / (hi - lo) * 255, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)
    for s in res.hotspots[:5]:
        x0, y0, x1, y1 = s.bbox
        cv2.rectangle(view, (x0 - 2, y0 - 2), (x1 + 2, y1 + 2), (0, 0, 255), 1)
    OUT.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(OUT / f"hotspots-{frames[4].stem}.png"), view)
    print(f"  strongest hotspots of {frames[4].name} at 6 sigma drawn in bench/out/defects/")
    return {"frames": len(frames), "iou_min": min(ious), "iou_mean": float(np.mean(ious)),
            "false_on_unmodified": false_found, "rows": rows}


def _write(path: Path, data: np.ndarray, profile: dict[str, object]) -> None:
    with rasterio.open(path, "w", **profile) as out:
        out.write(data)


def _truth_on_grid(truth_px: np.ndarray, raster_tr, grid_tr, shape: tuple[int, int]) -> np.ndarray:
    """The true changed pixels (on the raster's pixels) sampled at the centres of the detector's grid cells."""
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    x, y = grid_tr * (cols + 0.5, rows + 0.5)
    c, r = ~raster_tr * (x, y)
    c, r = np.floor(c).astype(int), np.floor(r).astype(int)
    inside = (r >= 0) & (r < truth_px.shape[0]) & (c >= 0) & (c < truth_px.shape[1])
    out = np.zeros(shape, dtype=bool)
    out[inside] = truth_px[r[inside], c[inside]]
    return out


def bench_change(pair: list[str] | None) -> dict[str, object]:
    src = SHARED / "orthophotos" / "pix4d-bali.tif"
    with rasterio.open(src) as ds:
        data, profile, res = ds.read(), dict(ds.profile), ds.res[0]
    profile["driver"] = "GTiff"
    tmp = Path(tempfile.mkdtemp(prefix="bench-change-"))
    before = tmp / "before.tif"
    _write(before, data, profile)
    dx, dy = 2.0 * 0.8 / res, 2.0 * 0.6 / res  # 2 m
    moved = np.stack([cv2.warpAffine(b, np.float32([[1, 0, dx], [0, 1, dy]]), (data.shape[2], data.shape[1]))
                      for b in data]).astype(np.float32)
    moved[:3] *= 1.2
    plain = np.clip(moved, 0, 255).astype(np.uint8)
    altered = plain.copy()
    y0, x0, h, w = 300, 300, 40, 50
    altered[:3, y0 : y0 + h, x0 : x0 + w] = np.array([150, 140, 135], dtype=np.uint8)[:, None, None]
    altered[:3, y0 : y0 + h // 2, x0 : x0 + w] = np.array([120, 112, 108], dtype=np.uint8)[:, None, None]
    # the patch is drawn on the moved copy; once co-registered it lies (dx, dy) pixels back on the first's grid
    ty0, tx0 = round(y0 - dy), round(x0 - dx)
    truth_px = np.zeros(data.shape[1:], dtype=bool)
    truth_px[ty0 : ty0 + h, tx0 : tx0 + w] = True
    truth_px &= data[3] > 0
    truth_m2 = float(truth_px.sum()) * res * res
    _write(tmp / "altered.tif", altered, profile)
    _write(tmp / "plain.tif", plain, profile)
    detector = ChangeDetector()
    t0 = time.perf_counter()
    r = detector(before, tmp / "altered.tif")
    elapsed = time.perf_counter() - t0
    truth = _truth_on_grid(truth_px, profile["transform"], r.grid.transform, r.mask.shape)
    best = max(r.changes, key=lambda c: c.area_m2) if r.changes else None
    iou = float((r.mask & truth).sum() / max((r.mask | truth).sum(), 1))
    print(f"change: correction {r.shift_m[0]:+.2f} m E {r.shift_m[1]:+.2f} m N (truth -1.60, +1.20), "
          f"{r.inliers} inliers, {elapsed:.1f} s")
    print(f"  altered: {len(r.changes)} area(s) {[round(c.area_m2) for c in r.changes]} m2; truth {truth_m2:.0f} m2; "
          f"IoU {iou:.2f}; area error {((best.area_m2 if best else 0) / truth_m2 - 1) * 100:+.0f} %")
    p = detector(before, tmp / "plain.tif")
    print(f"  unmodified (moved, brightened): {len(p.changes)} area(s) above {detector.min_area_m2} m2")
    out: dict[str, object] = {"iou": iou, "areas": [c.area_m2 for c in r.changes], "truth_m2": truth_m2,
                              "unmodified_changes": len(p.changes), "shift_m": r.shift_m, "seconds": elapsed}
    if pair:
        q = detector(Path(pair[0]), Path(pair[1]))
        print(f"  real pair {Path(pair[0]).name} / {Path(pair[1]).name}: correction {q.shift_m[0]:+.2f}, "
              f"{q.shift_m[1]:+.2f} m, {len(q.changes)} area(s) {[round(c.area_m2) for c in q.changes]} m2")
        out["pair_changes"] = [c.area_m2 for c in q.changes]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("crack", "hotspot", "change", "large"))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--pair", nargs=2, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if not SHARED.exists():
        sys.exit(f"shared data not found at {SHARED} (set SHARED_DATA_DIR)")
    results: dict[str, object] = {}
    if args.only in (None, "hotspot"):
        results["hotspot"] = bench_hotspot()
    if args.only in (None, "change"):
        results["change"] = bench_change(args.pair)
    if args.only in (None, "crack"):
        results["crack"] = bench_crack(args.folds)
    if args.only in (None, "large"):
        results["large"] = bench_large()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"results-{args.only or 'all'}.json").write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
