from __future__ import annotations

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from django.core.management import CommandError, call_command
from rasterio.windows import Window

from .conftest import write_crop


def test_detect_defects_writes_one_mask_per_image(crack_pairs, tmp_path):
    paths = [p[0] for p in crack_pairs[:2]]
    call_command("detect_defects", "--kind", "crack", *map(str, paths), "--masks-out", str(tmp_path / "m"),
                 "--no-progress")
    for p, img, _ in crack_pairs[:2]:
        mask = cv2.imread(str(tmp_path / "m" / f"{p.stem}.png"), cv2.IMREAD_UNCHANGED)
        assert mask.shape == img.shape[:2] and set(np.unique(mask)) <= {0, 255} and mask.max() == 255


def test_hotspot_masks_and_refusals(thermal_frame, crack_pairs, tmp_path):
    call_command("detect_defects", "--kind", "hotspot", str(thermal_frame), "--masks-out", str(tmp_path / "h"),
                 "--no-progress")
    assert (tmp_path / "h" / f"{thermal_frame.stem}.png").exists()
    with pytest.raises(CommandError, match="no radiometric frame"):
        call_command("detect_defects", "--kind", "hotspot", str(crack_pairs[0][0]), "--masks-out",
                     str(tmp_path / "x"), "--no-progress")
    text = tmp_path / "notes.jpg"
    text.write_text("not a photo")
    with pytest.raises(CommandError, match="not an image"):
        call_command("detect_defects", "--kind", "crack", str(crack_pairs[0][0]), str(text), "--masks-out",
                     str(tmp_path / "y"), "--no-progress")
    assert not (tmp_path / "y").exists()  # checked before anything is written


def test_train_then_detect_with_the_model_and_refuse_another_kind(crack_pairs, tmp_path):
    images, masks = tmp_path / "img", tmp_path / "msk"
    images.mkdir()
    masks.mkdir()
    for p, _, m in crack_pairs[:3]:
        shutil.copy(p, images / p.name)
        cv2.imwrite(str(masks / f"{p.stem}.png"), m)
    out = tmp_path / "crack.json"
    call_command("train_defect_model", "--kind", "crack", "--images", str(images), "--masks", str(masks),
                 "--out", str(out), "--trees", "20", "--no-progress")
    model = json.loads(out.read_text())
    assert model["kind"] == "crack" and model["training_set"]["images"] == 3 and "validation" in model
    call_command("detect_defects", "--kind", "crack", str(crack_pairs[4][0]), "--masks-out", str(tmp_path / "o"),
                 "--model", str(out), "--no-progress")
    assert (tmp_path / "o" / f"{crack_pairs[4][0].stem}.png").exists()
    model["kind"] = "hotspot"
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(model))
    with pytest.raises(CommandError, match="cannot be used to detect 'crack'"):
        call_command("detect_defects", "--kind", "crack", str(crack_pairs[4][0]), "--masks-out",
                     str(tmp_path / "o"), "--model", str(wrong), "--no-progress")


def test_detect_changes_writes_wgs84_geojson(shared_data: Path, tmp_path):
    bali = shared_data / "orthophotos" / "pix4d-bali.tif"
    window = Window(200, 200, 260, 260)
    write_crop(bali, tmp_path / "a.tif", window)
    write_crop(bali, tmp_path / "b.tif", window, content_shift_px=(4.6, 3.4), gain=1.2, patch=(100, 100, 40, 50))
    out = tmp_path / "changes.geojson"
    call_command("detect_changes", str(tmp_path / "a.tif"), str(tmp_path / "b.tif"), "--out", str(out),
                 "--min-area", "30")
    data = json.loads(out.read_text())
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 1
    assert 190 < data["features"][0]["properties"]["area_m2"] < 300
    write_crop(bali, tmp_path / "far.tif", Window(0, 0, 150, 150))
    with pytest.raises(CommandError, match="do not overlap"):
        call_command("detect_changes", str(tmp_path / "far.tif"), str(tmp_path / "b.tif"), "--out", str(out))
    with pytest.raises(CommandError, match="not a raster"):
        call_command("detect_changes", str(tmp_path / "a.tif"), str(tmp_path / "changes.geojson"), "--out",
                     str(tmp_path / "z.geojson"))
