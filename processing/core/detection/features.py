"""Multi-scale filter responses per pixel for the learned crack detector.

Every response is computed with OpenCV on a float32 grey image and normalised to a robust z-score within the tile
(so one model works across exposures): black-hat at several disc radii, the two Hessian eigenvalues at several
scales (a dark line has one large positive eigenvalue), local contrast against the mean and spread of a
neighbourhood, gradient magnitude, and the orientation coherence of the structure tensor (1 along a line).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from numpy.typing import NDArray

from ._common import DetectionError, FloatImage, robust_z


@dataclass(frozen=True)
class FeatureSpec:
    blackhat_radii: tuple[int, ...] = field(default=(2, 3, 5, 7, 10))
    hessian_sigmas: tuple[float, ...] = field(default=(1.0, 2.0, 3.0))
    contrast_windows: tuple[int, ...] = field(default=(7, 15, 31))
    gradient_sigmas: tuple[float, ...] = field(default=(1.0, 2.0))
    coherence_sigmas: tuple[float, ...] = field(default=(2.0, 4.0))
    line_lengths: tuple[int, ...] = field(default=(11, 21))
    line_orientations: int = 8

    def __post_init__(self) -> None:
        if not all(1 <= r <= 50 for r in self.blackhat_radii):
            raise DetectionError("black-hat radii must be from 1 to 50 pixels")
        for s in (*self.hessian_sigmas, *self.gradient_sigmas, *self.coherence_sigmas):
            if not 0.3 <= s <= 20:
                raise DetectionError("filter scales must be from 0.3 to 20 pixels")
        if not all(3 <= w <= 101 and w % 2 == 1 for w in self.contrast_windows):
            raise DetectionError("contrast windows must be odd, from 3 to 101 pixels")
        if not all(5 <= n <= 101 and n % 2 == 1 for n in self.line_lengths):
            raise DetectionError("line lengths must be odd, from 5 to 101 pixels")
        if not 2 <= self.line_orientations <= 36:
            raise DetectionError("line_orientations must be from 2 to 36")

    @property
    def count(self) -> int:
        return (1 + len(self.blackhat_radii) + 2 * len(self.hessian_sigmas) + len(self.contrast_windows)
                + len(self.gradient_sigmas) + len(self.coherence_sigmas) + 2 * len(self.line_lengths))

    @property
    def margin(self) -> int:
        scales = [2 * r for r in self.blackhat_radii] + [int(4 * s) for s in self.hessian_sigmas]
        scales += [w // 2 for w in self.contrast_windows] + [int(8 * s) for s in self.coherence_sigmas]
        scales += list(self.line_lengths)
        return max(scales) + 4

    def as_dict(self) -> dict[str, list[float]]:
        return {"blackhat_radii": list(self.blackhat_radii), "hessian_sigmas": list(self.hessian_sigmas),
                "contrast_windows": list(self.contrast_windows), "gradient_sigmas": list(self.gradient_sigmas),
                "coherence_sigmas": list(self.coherence_sigmas), "line_lengths": list(self.line_lengths),
                "line_orientations": [self.line_orientations]}

    @staticmethod
    def from_dict(d: dict[str, list[float]]) -> FeatureSpec:
        return FeatureSpec(tuple(int(v) for v in d["blackhat_radii"]), tuple(float(v) for v in d["hessian_sigmas"]),
                           tuple(int(v) for v in d["contrast_windows"]), tuple(float(v) for v in d["gradient_sigmas"]),
                           tuple(float(v) for v in d["coherence_sigmas"]), tuple(int(v) for v in d["line_lengths"]),
                           int(d["line_orientations"][0]))


def _blur(img: FloatImage, sigma: float) -> FloatImage:
    return np.asarray(cv2.GaussianBlur(img, (0, 0), sigma), dtype=np.float32)


def _line_kernels(length: int, orientations: int) -> list[NDArray[np.float32]]:
    """Normalised one-pixel-wide line kernels through the centre at evenly spaced angles."""
    kernels: list[NDArray[np.float32]] = []
    c = length // 2
    for i in range(orientations):
        k = np.zeros((length, length), dtype=np.float32)
        a = np.pi * i / orientations
        dx, dy = np.cos(a) * c, np.sin(a) * c
        cv2.line(k, (round(c - dx), round(c - dy)), (round(c + dx), round(c + dy)), 1.0, 1)
        kernels.append(k / k.sum())
    return kernels


def pixel_features(grey: FloatImage, spec: FeatureSpec) -> FloatImage:
    """An (H, W, spec.count) float32 stack of normalised responses for a grey tile."""
    layers: list[FloatImage] = [robust_z(_blur(grey, 1.0))]
    g1 = _blur(grey, 1.0)
    for r in spec.blackhat_radii:
        disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
        layers.append(robust_z(np.asarray(cv2.morphologyEx(g1, cv2.MORPH_BLACKHAT, disc), dtype=np.float32)))
    for s in spec.hessian_sigmas:
        b = _blur(grey, s)
        dxx = cv2.Sobel(b, cv2.CV_32F, 2, 0, ksize=3) * s * s
        dyy = cv2.Sobel(b, cv2.CV_32F, 0, 2, ksize=3) * s * s
        dxy = cv2.Sobel(b, cv2.CV_32F, 1, 1, ksize=3) * s * s
        half_trace = (dxx + dyy) / 2
        root = np.sqrt(((dxx - dyy) / 2) ** 2 + dxy**2)
        layers.append(robust_z((half_trace + root).astype(np.float32)))
        layers.append(robust_z((half_trace - root).astype(np.float32)))
    for w in spec.contrast_windows:
        mean = cv2.blur(grey, (w, w))
        sq = cv2.blur(grey * grey, (w, w))
        std = np.sqrt(np.maximum(sq - mean * mean, 1.0))
        layers.append(((grey - mean) / std).astype(np.float32))
    for s in spec.gradient_sigmas:
        b = _blur(grey, s)
        gx = cv2.Sobel(b, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(b, cv2.CV_32F, 0, 1, ksize=3)
        layers.append(robust_z(np.sqrt(gx * gx + gy * gy).astype(np.float32)))
    gx = cv2.Sobel(g1, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(g1, cv2.CV_32F, 0, 1, ksize=3)
    for s in spec.coherence_sigmas:
        jxx, jyy, jxy = _blur(gx * gx, s), _blur(gy * gy, s), _blur(gx * gy, s)
        coherence = np.sqrt((jxx - jyy) ** 2 + 4 * jxy**2) / (jxx + jyy + 1e-3)
        layers.append(coherence.astype(np.float32))
    for n in spec.line_lengths:
        means = [cv2.filter2D(g1, cv2.CV_32F, k) for k in _line_kernels(n, spec.line_orientations)]
        darkest = np.min(means, axis=0)
        lightest = np.max(means, axis=0)
        surround = cv2.blur(g1, (n, n))
        layers.append(robust_z((surround - darkest).astype(np.float32)))  # a dark line through the pixel
        layers.append(robust_z((lightest - darkest).astype(np.float32)))  # how directional the neighbourhood is
    return np.stack(layers, axis=-1).astype(np.float32)
