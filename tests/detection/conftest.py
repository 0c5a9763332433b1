from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import rasterio
from rasterio.transform import Affine
from rasterio.windows import Window

CRACK_IDS = ("001", "014", "037", "052", "066")


@pytest.fixture(scope="session")
def crack_pairs(shared_data: Path) -> list[tuple[Path, np.ndarray, np.ndarray]]:
    out = []
    for stem in CRACK_IDS:
        path = shared_data / "cracks" / "crackforest-images" / f"{stem}.jpg"
        img = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
        mask = cv2.imread(str(shared_data / "cracks" / "crackforest-masks" / f"{stem}.png"), cv2.IMREAD_GRAYSCALE)
        out.append((path, img, mask))
    return out


@pytest.fixture(scope="session")
def thermal_frame(shared_data: Path) -> Path:
    return shared_data / "thermal" / "h20t" / "DJI_20220602143532_0191_T.JPG"


def write_crop(src: Path, dst: Path, window: Window, *, transform_shift_m: tuple[float, float] = (0.0, 0.0),
               gain: float = 1.0, content_shift_px: tuple[float, float] = (0.0, 0.0),
               patch: tuple[int, int, int, int] | None = None) -> None:
    """A crop of a real orthophoto, optionally moved, brightened, given a flat new roof, or georeferenced off."""
    with rasterio.open(src) as ds:
        data = ds.read(window=window)
        profile = dict(ds.profile)
        transform = ds.window_transform(window)
    dx, dy = content_shift_px
    if dx or dy:
        m = np.float32([[1, 0, dx], [0, 1, dy]])
        data = np.stack([cv2.warpAffine(b, m, (data.shape[2], data.shape[1])) for b in data])
    img = data.astype(np.float32)
    img[:3] *= gain
    data = np.clip(img, 0, 255).astype(np.uint8)
    if patch is not None:
        y0, x0, h, w = patch
        data[:3, y0 : y0 + h, x0 : x0 + w] = np.array([150, 140, 135], dtype=np.uint8)[:, None, None]
    transform = Affine.translation(*transform_shift_m) @ transform
    profile.update(driver="GTiff", width=data.shape[2], height=data.shape[1], transform=transform)
    profile.pop("blockxsize", None)
    profile.pop("blockysize", None)
    profile.pop("tiled", None)
    with rasterio.open(dst, "w", **profile) as out:
        out.write(data)
