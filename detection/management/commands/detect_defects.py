"""`manage.py detect_defects --kind crack|hotspot IMAGE... --masks-out DIR [--model FILE]`.

Writes one PNG mask per image into DIR, with the image's base name and `.png` (255 = defect, 0 = background).
Cracks use the untrained default unless --model names a trained crack model; hotspots need thermal frames
(DJI R-JPEG or a radiometric TIFF). Needs no database. Every input is checked before any mask is written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from processing.core.detection._common import DetectionError, read_rgb
from processing.core.detection.crack import CrackDetector
from processing.core.detection.hotspot import HotspotDetector, read_thermal_frame
from processing.core.detection.learned import load_model


class Command(BaseCommand):
    help = "Write a defect mask (PNG, 255 = defect) for each image: cracks on photos or hotspots on thermal frames."
    requires_system_checks: tuple[str, ...] = ()
    requires_migrations_checks = False

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("images", nargs="+", type=Path, metavar="IMAGE")
        parser.add_argument("--kind", required=True, choices=("crack", "hotspot"))
        parser.add_argument("--masks-out", required=True, type=Path, metavar="DIR")
        parser.add_argument("--model", type=Path, metavar="FILE", help="a trained crack model (train_defect_model)")
        parser.add_argument("--margin", type=float, default=None,
                            help="hotspots: margin above the surroundings in the frame's units (raw counts or °C)")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        images: list[Path] = opts["images"]
        kind: str = opts["kind"]
        missing = [str(p) for p in images if not p.is_file()]
        if missing:
            raise CommandError(f"not a file: {', '.join(missing)}")
        stems = [p.stem for p in images]
        if len(set(stems)) != len(stems):
            raise CommandError("two images share a base name: their masks would overwrite each other")
        try:
            if kind == "crack":
                detector: Any = load_model(opts["model"], kind="crack") if opts["model"] else CrackDetector()
            else:
                if opts["model"]:
                    raise CommandError("--model is for cracks only; hotspots need no model")
                detector = HotspotDetector(margin=opts["margin"])
        except DetectionError as exc:
            raise CommandError(str(exc)) from exc
        for path in images:  # check every input before writing anything
            try:
                if kind == "crack" and not cv2.haveImageReader(str(path)):
                    raise DetectionError(f"{path.name}: not an image that can be decoded")
                if kind == "hotspot":
                    read_thermal_frame(path)
            except DetectionError as exc:
                raise CommandError(str(exc)) from exc
        out: Path = opts["masks_out"]
        out.mkdir(parents=True, exist_ok=True)
        summary = []
        with tqdm(total=len(images), disable=opts["no_progress"], file=self.stderr._out, unit="image") as bar:
            for path in images:
                try:
                    source = read_rgb(path) if kind == "crack" else read_thermal_frame(path)
                    result = detector(source)
                except DetectionError as exc:
                    raise CommandError(str(exc)) from exc
                mask = np.where(result.mask, 255, 0).astype(np.uint8)
                if not cv2.imwrite(str(out / f"{path.stem}.png"), mask):
                    raise CommandError(f"cannot write {out / (path.stem + '.png')}")
                entry: dict[str, Any] = {"image": path.name, "mask": f"{path.stem}.png",
                                         "defect_pixels": int(np.count_nonzero(result.mask)),
                                         "detector": result.detector, "version": result.version}
                if kind == "hotspot":
                    entry.update(units=result.units, relative=result.relative, margin=round(result.margin, 2),
                                 hotspots=[{"area_px": s.area_px, "peak": round(s.peak, 2),
                                            "mean": round(s.mean, 2), "centroid": [round(c, 1) for c in s.centroid]}
                                           for s in result.hotspots])
                summary.append(entry)
                bar.update(1)
        for entry in summary:
            self.stdout.write(json.dumps(entry))
