"""Per-photo work done once: header facts, SIFT features on a small grey copy, a colour thumbnail.

Only these small results are kept in memory (about 1-2 MB a photo); full images are decoded again at render time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ..errors import ImageryError
from .exif import PhotoExif, read_photo_exif

THUMB_REDUCTION = 8  # thumbnails are 1/8 of the photo (for exposure compensation)

_REDUCED_GREY = {1: cv2.IMREAD_GRAYSCALE, 2: cv2.IMREAD_REDUCED_GRAYSCALE_2,
                 4: cv2.IMREAD_REDUCED_GRAYSCALE_4, 8: cv2.IMREAD_REDUCED_GRAYSCALE_8}
_REDUCED_COLOUR = {1: cv2.IMREAD_COLOR, 2: cv2.IMREAD_REDUCED_COLOR_2,
                   4: cv2.IMREAD_REDUCED_COLOR_4, 8: cv2.IMREAD_REDUCED_COLOR_8}


@dataclass
class PhotoFeatures:
    path: Path
    exif: PhotoExif
    points: np.ndarray  # (n, 2) float32 keypoint positions in full-resolution pixels
    descriptors: np.ndarray  # (n, 128) float32
    thumbnail: np.ndarray  # BGR uint8, 1/THUMB_REDUCTION of the photo

    @property
    def name(self) -> str:
        return self.path.name


def reduction_for(long_side: int, target: int) -> int:
    """Largest JPEG decode reduction (1, 2, 4, 8) that keeps the long side at or above `target`."""
    factor = 1
    while factor < 8 and long_side / (factor * 2) >= target:
        factor *= 2
    return factor


def read_reduced(path: Path, factor: int, *, colour: bool) -> np.ndarray:
    """Decode at 1/factor (JPEG decoders do this in the DCT, far cheaper than decoding then resizing)."""
    flags = (_REDUCED_COLOUR if colour else _REDUCED_GREY)[factor]
    image = cv2.imread(str(path), flags)
    if image is None:
        raise ImageryError("the image data cannot be decoded (truncated or corrupt)")
    return image


def extract_features(path: Path, *, feature_side: int, max_features: int,
                     max_pixels: int) -> PhotoFeatures:
    info = read_photo_exif(path, max_pixels=max_pixels)
    factor = reduction_for(max(info.width, info.height), feature_side)
    grey = read_reduced(path, factor, colour=False)
    expected = (-(-info.height // factor), -(-info.width // factor))
    if abs(grey.shape[0] - expected[0]) > 1 or abs(grey.shape[1] - expected[1]) > 1:
        raise ImageryError(f"decoded size {grey.shape[::-1]} does not match the header")
    scale = max(grey.shape) / feature_side
    if scale > 1.05:  # formats without DCT scaling (PNG, TIFF) or odd sizes
        grey = cv2.resize(grey, None, fx=1 / scale, fy=1 / scale, interpolation=cv2.INTER_AREA)
    sift = cv2.SIFT.create(nfeatures=max_features, contrastThreshold=0.02)
    keypoints, descriptors = sift.detectAndCompute(grey, None)
    sx = info.width / grey.shape[1]
    sy = info.height / grey.shape[0]
    if keypoints:
        pts = np.array([kp.pt for kp in keypoints], dtype=np.float32)
        pts[:, 0] = (pts[:, 0] + 0.5) * sx - 0.5
        pts[:, 1] = (pts[:, 1] + 0.5) * sy - 0.5
    else:
        pts = np.zeros((0, 2), np.float32)
        descriptors = np.zeros((0, 128), np.float32)
    thumb = read_reduced(path, THUMB_REDUCTION, colour=True)
    return PhotoFeatures(path=path, exif=info, points=pts, descriptors=descriptors, thumbnail=thumb)
