"""The untrained crack detector (the default): multi-scale morphological black-hat, robust z-score, hysteresis.

A crack on concrete, masonry or asphalt is a thin line darker than the surface on both sides. The black-hat
(closing minus image) with a disc of radius r responds to dark structures narrower than about 2r and ignores
broad shading; the largest response over a few radii covers hairline to wide cracks. Responses are turned into
robust z-scores within each tile (so exposure and surface texture set their own scale), then kept where a
connected run of weak pixels (z >= `low`) contains a strong one (z >= `high`) and is at least `min_area` pixels.

Large photos are processed tile by tile: each tile is filtered with a margin wider than the largest disc, so the
float work arrays never exceed (tile + 2 margin)^2 pixels; only two one-byte masks of the whole image are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from numpy.typing import NDArray

from ._common import BoolMask, DetectionError, FloatImage, hysteresis, robust_z, tiles, to_grey

NAME = "crack-blackhat"
VERSION = "1"


@dataclass(frozen=True)
class CrackResult:
    mask: BoolMask  # True = crack pixel, the image's height x width
    detector: str
    version: str

    @property
    def pixel_count(self) -> int:
        return int(np.count_nonzero(self.mask))


def blackhat_response(grey: FloatImage, radii: tuple[int, ...], smooth_sigma: float) -> FloatImage:
    """The largest black-hat over the given disc radii of a lightly smoothed grey image."""
    g = cv2.GaussianBlur(grey, (0, 0), smooth_sigma) if smooth_sigma > 0 else grey
    out = np.zeros_like(g)
    for r in radii:
        disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
        np.maximum(out, cv2.morphologyEx(g, cv2.MORPH_BLACKHAT, disc), out=out)
    return out.astype(np.float32)


@dataclass(frozen=True)
class CrackDetector:
    radii: tuple[int, ...] = field(default=(3, 5, 7))
    smooth_sigma: float = 1.0
    low: float = 2.0
    high: float = 4.0
    min_area: int = 40
    tile_size: int = 1024

    def __post_init__(self) -> None:
        if not self.radii or any(not isinstance(r, int) or r < 1 or r > 50 for r in self.radii):
            raise DetectionError("radii must be whole numbers of pixels from 1 to 50")
        if not 0 <= self.smooth_sigma <= 10:
            raise DetectionError("smooth_sigma must be from 0 to 10 pixels")
        if not 0 < self.low <= self.high:
            raise DetectionError("the thresholds must satisfy 0 < low <= high")
        if self.min_area < 1:
            raise DetectionError("min_area must be at least one pixel")
        if self.tile_size < 64:
            raise DetectionError("tile_size must be at least 64 pixels")

    @property
    def margin(self) -> int:
        return 2 * max(self.radii) + int(4 * self.smooth_sigma) + 2

    def __call__(self, image: NDArray[np.generic]) -> CrackResult:
        grey = to_grey(image)
        h, w = grey.shape
        weak = np.zeros((h, w), dtype=bool)
        strong = np.zeros((h, w), dtype=bool)
        for t in tiles(h, w, self.tile_size, self.margin):
            window = np.ascontiguousarray(grey[t.wy0 : t.wy1, t.wx0 : t.wx1])
            response = blackhat_response(window, self.radii, self.smooth_sigma)
            z = robust_z(np.asarray(t.core_of(response), dtype=np.float32))
            weak[t.y0 : t.y1, t.x0 : t.x1] = z >= self.low
            strong[t.y0 : t.y1, t.x0 : t.x1] = z >= self.high
        return CrackResult(hysteresis(weak, strong, self.min_area), NAME, VERSION)
