"""`manage.py train_defect_model --kind crack --images DIR --masks DIR --out FILE`.

Masks are PNGs with the images' base names (non-zero = crack). Images without a mask are skipped and counted.
The model file records the training set (folder names, counts), the validation scores on held-out images and its
kind. Needs no database.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from processing.core.detection._common import DetectionError, read_rgb
from processing.core.detection.learned import TrainingOptions, train

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".bmp"}


class Command(BaseCommand):
    help = "Train a crack model on photos and their masks (LightGBM on filter responses, a few minutes on CPU)."
    requires_system_checks: tuple[str, ...] = ()
    requires_migrations_checks = False

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--kind", required=True, choices=("crack",))
        parser.add_argument("--images", required=True, type=Path, metavar="DIR")
        parser.add_argument("--masks", required=True, type=Path, metavar="DIR")
        parser.add_argument("--out", required=True, type=Path, metavar="FILE")
        parser.add_argument("--trees", type=int, default=200)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        images_dir: Path = opts["images"]
        masks_dir: Path = opts["masks"]
        for d in (images_dir, masks_dir):
            if not d.is_dir():
                raise CommandError(f"not a folder: {d}")
        pairs = []
        skipped = 0
        for path in sorted(p for p in images_dir.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES):
            mask = masks_dir / f"{path.stem}.png"
            if mask.is_file():
                pairs.append((path, mask))
            else:
                skipped += 1
        if len(pairs) < 2:
            raise CommandError(f"need at least two images with masks of the same base name (found {len(pairs)})")
        images, masks = [], []
        with tqdm(total=len(pairs), disable=opts["no_progress"], file=self.stderr._out, unit="image") as bar:
            for img_path, mask_path in pairs:
                try:
                    img = read_rgb(img_path)
                except DetectionError as exc:
                    raise CommandError(str(exc)) from exc
                mask = cv2.imread(str(mask_path), cv2.IMREAD_GRAYSCALE)
                if mask is None:
                    raise CommandError(f"{mask_path.name}: not a PNG mask")
                if mask.shape != img.shape[:2]:
                    raise CommandError(f"{mask_path.name}: {mask.shape[1]}x{mask.shape[0]}, but its image is "
                                       f"{img.shape[1]}x{img.shape[0]}")
                images.append(img)
                masks.append(mask)
                bar.update(1)
        try:
            model = train(images, masks, TrainingOptions(trees=opts["trees"]),
                          description={"images_folder": images_dir.name, "masks_folder": masks_dir.name,
                                       "skipped_without_mask": skipped})
        except DetectionError as exc:
            raise CommandError(str(exc)) from exc
        opts["out"].parent.mkdir(parents=True, exist_ok=True)
        model.save(opts["out"])
        self.stdout.write(json.dumps({"out": str(opts["out"]), "kind": "crack", "threshold": model.threshold,
                                      "training_set": model.training_set, "validation": model.validation}))
