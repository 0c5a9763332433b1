"""Pixel precision, recall and F1 with a distance tolerance (the usual crack-benchmark score).

A predicted pixel is a true positive for precision when a true crack pixel lies within `tolerance` pixels of it;
a true pixel counts as recalled when a predicted pixel lies within `tolerance` of it. Distances are Euclidean
(OpenCV's exact distance transform), so a tolerance of 2 accepts offsets of up to 2.0 px, diagonals included.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from ..errors import ProcessingError


@dataclass(frozen=True)
class PixelScores:
    precision: float
    recall: float
    f1: float
    tp_pred: int  # predicted pixels near a true pixel
    n_pred: int
    tp_true: int  # true pixels near a predicted pixel
    n_true: int

    @staticmethod
    def from_counts(tp_pred: int, n_pred: int, tp_true: int, n_true: int) -> PixelScores:
        precision = tp_pred / n_pred if n_pred else (1.0 if n_true == 0 else 0.0)
        recall = tp_true / n_true if n_true else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
        return PixelScores(precision, recall, f1, tp_pred, n_pred, tp_true, n_true)

    def __add__(self, other: PixelScores) -> PixelScores:
        """Pool the counts of two images (micro-average over a data set)."""
        return PixelScores.from_counts(self.tp_pred + other.tp_pred, self.n_pred + other.n_pred,
                                       self.tp_true + other.tp_true, self.n_true + other.n_true)


def _distance_to(mask: NDArray[np.bool_]) -> NDArray[np.float32]:
    if not mask.any():
        return np.full(mask.shape, np.inf, dtype=np.float32)
    # distanceTransform measures the distance to the nearest zero pixel: make the mask's pixels the zeros
    inverted = np.where(mask, 0, 255).astype(np.uint8)
    return np.asarray(cv2.distanceTransform(inverted, cv2.DIST_L2, cv2.DIST_MASK_PRECISE), dtype=np.float32)


def pixel_scores(predicted: NDArray[np.generic], truth: NDArray[np.generic], tolerance: float = 2.0) -> PixelScores:
    """Score one predicted mask against one true mask (non-zero = defect), both of the same 2-D shape."""
    if tolerance < 0:
        raise ProcessingError("the tolerance must be zero or more pixels")
    pred = np.asarray(predicted) != 0
    true = np.asarray(truth) != 0
    if pred.ndim != 2 or pred.shape != true.shape:
        raise ProcessingError(f"masks differ in shape: predicted {pred.shape}, true {true.shape}")
    near_true = _distance_to(true) <= tolerance
    near_pred = _distance_to(pred) <= tolerance
    return PixelScores.from_counts(int(np.count_nonzero(pred & near_true)), int(np.count_nonzero(pred)),
                                   int(np.count_nonzero(true & near_pred)), int(np.count_nonzero(true)))
