"""Candidate pairs chosen by GPS position, then SIFT matching and a robust similarity per pair."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .features import PhotoFeatures


@dataclass
class PairMatch:
    i: int
    j: int
    points_i: np.ndarray  # (m, 2) full-resolution pixels in photo i
    points_j: np.ndarray  # (m, 2) the same ground points in photo j
    inliers: int
    matches: int


def candidate_pairs(positions: np.ndarray, neighbours: int) -> list[tuple[int, int]]:
    """Each photo with its k nearest photos by position: O(n*k) pairs, not n^2.

    Brute-force distances are fine for the few hundred photos one survey has; a KD-tree would be the next step.
    """
    n = len(positions)
    if n < 2:
        return []
    k = min(neighbours, n - 1)
    pairs: set[tuple[int, int]] = set()
    chunk = 512  # distances row-block by row-block so memory stays O(n * chunk)
    for start in range(0, n, chunk):
        block = positions[start:start + chunk]
        d = np.hypot(block[:, None, 0] - positions[None, :, 0], block[:, None, 1] - positions[None, :, 1])
        d[np.arange(len(block)), np.arange(start, start + len(block))] = np.inf
        nearest = np.argpartition(d, k - 1, axis=1)[:, :k]
        for row, cols in enumerate(nearest):
            i = start + row
            for j in cols:
                pairs.add((min(i, int(j)), max(i, int(j))))
    return sorted(pairs)


def match_pair(a: PhotoFeatures, b: PhotoFeatures, i: int, j: int, *, ratio: float, min_inliers: int,
               max_points: int) -> PairMatch | None:
    """Ratio-test matches, then a RANSAC similarity; None when the pair does not overlap convincingly."""
    if len(a.points) < min_inliers or len(b.points) < min_inliers:
        return None
    # FLANN's random trees and RANSAC draw from OpenCV's per-thread RNG: seed it per pair so that a result does
    # not depend on which worker thread ran the pair before
    cv2.setRNGSeed(1_000_003 * i + j)
    # approximate nearest neighbours (KD-trees): several times faster than brute force at 1,500 features
    matcher = cv2.FlannBasedMatcher({"algorithm": 1, "trees": 4}, {"checks": 48})
    knn = matcher.knnMatch(a.descriptors, b.descriptors, k=2)
    good = [m[0] for m in knn if len(m) == 2 and m[0].distance < ratio * m[1].distance]
    if len(good) < min_inliers:
        return None
    src = a.points[[m.queryIdx for m in good]]
    dst = b.points[[m.trainIdx for m in good]]
    # threshold in full-resolution pixels: ~3 px on the 1000 px feature image
    thresh = 3.0 * max(a.exif.width, a.exif.height) / 1000.0
    model, mask = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=thresh,
                                              maxIters=2000, confidence=0.995)
    if model is None or mask is None:
        return None
    keep = mask.ravel().astype(bool)
    inliers = int(keep.sum())
    if inliers < min_inliers:
        return None
    scale = float(np.hypot(model[0, 0], model[1, 0]))
    if not 0.5 <= scale <= 2.0:  # nadir photos of one flight differ little in scale
        return None
    src, dst = src[keep], dst[keep]
    if inliers > max_points:
        # a deterministic, spatially spread subset: sort along a space-filling order and take evenly spaced ones
        order = np.lexsort((src[:, 0], np.floor(src[:, 1] / (a.exif.height / 8.0))))
        pick = order[np.linspace(0, inliers - 1, max_points).astype(int)]
        src, dst = src[pick], dst[pick]
    return PairMatch(i=i, j=j, points_i=src, points_j=dst, inliers=inliers, matches=len(good))
