"""python manage.py process_imagery DIR --out OUTDIR: photos -> OUTDIR/orthophoto.tif (COG) + report.json.

Needs no database: it calls the pure orthomosaic core directly. Ground control: `--gcps FILE` (gcp_list.txt
format, docs/upload.md), or a `gcp_list.txt` in DIR, which is used unless `--no-gcps` is given.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from processing.core.errors import ProcessingError
from processing.core.gcp import parse_gcp_list
from processing.core.orthomosaic import build_orthomosaic

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".tif", ".tiff", ".png"}


class Command(BaseCommand):
    help = "Build a georeferenced orthomosaic (COG) and a quality report from a folder of geotagged photos."
    requires_system_checks: tuple[str, ...] = ()  # runs without the database or app checks

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("folder", type=Path, help="folder of overlapping nadir photos with EXIF GPS")
        parser.add_argument("--out", type=Path, required=True, help="output folder")
        parser.add_argument("--options", default=None,
                            help='JSON object of OrthoOptions, e.g. \'{"resolution_scale": 2}\'')
        parser.add_argument("--gcps", type=Path, default=None,
                            help="ground control list (gcp_list.txt format); default: DIR/gcp_list.txt if present")
        parser.add_argument("--no-gcps", action="store_true", help="ignore DIR/gcp_list.txt")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **opts: Any) -> None:
        folder: Path = opts["folder"]
        options = None
        if opts["options"]:
            try:
                options = json.loads(opts["options"])
            except json.JSONDecodeError as exc:
                raise CommandError(f"--options: not valid JSON ({exc.msg})", returncode=2) from exc
        if not folder.is_dir():
            raise CommandError(f"folder: {folder} is not a directory", returncode=2)
        photos = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in PHOTO_SUFFIXES)
        if not photos:
            raise CommandError(f"folder: no photos (.jpg, .tif, .png) in {folder}", returncode=2)
        options = self._with_ground_control(options, folder, opts["gcps"], opts["no_gcps"])
        bar = tqdm(total=100, unit="%", disable=opts["no_progress"], bar_format="{l_bar}{bar}| {n:.0f}% {desc}")

        def progress(fraction: float, message: str) -> None:
            bar.set_description_str(message, refresh=False)
            bar.update(max(0.0, fraction * 100 - bar.n))

        try:
            report = build_orthomosaic(photos, opts["out"], progress=progress, options=options)
        except ProcessingError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        finally:
            bar.close()
        self.stdout.write(
            f"{opts['out'] / 'orthophoto.tif'}: {report.width}x{report.height} px at {report.gsd_m:.3f} m, "
            f"{report.crs}, {len(report.photos_used)} photos used, {len(report.photos_dropped)} dropped, "
            f"alignment residual {report.residual_rms_m:.3f} m RMS, camera positions vs GPS "
            f"{report.gps_rms_m:.2f} m RMS"
            + (f" ({report.gps_rms_lag_corrected_m:.2f} m against the GPS track corrected for a "
               f"{report.gps_lag_s:.2f} s lag)" if report.gps_rms_lag_corrected_m is not None else ""))
        for d in report.photos_dropped:
            self.stdout.write(f"  dropped {d.name}: {d.reason}")
        if report.gcp_rms_m is not None:
            self.stdout.write(f"  placed on ground control: {report.gcp_rms_m:.3f} m RMS at the marks")
        for note in report.warnings:
            self.stdout.write(self.style.WARNING(f"  warning: {note}"))

    def _with_ground_control(self, options: Any, folder: Path, given: Path | None, ignore: bool) -> Any:
        path = given or (None if ignore else folder / "gcp_list.txt")
        if path is None or (given is None and not path.is_file()):
            return options
        if not path.is_file():
            raise CommandError(f"--gcps: {path} is not a file", returncode=2)
        if isinstance(options, dict) and "gcps" in options:
            raise CommandError("--gcps: ground control given twice (also in --options)", returncode=2)
        try:
            gcps = parse_gcp_list(path.read_text(encoding="utf-8", errors="replace"), name=path.name)
        except ProcessingError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self.stdout.write(f"{path}: {gcps.marks} ground control mark(s), {len(gcps.sightings)} sighting(s), "
                          f"{gcps.crs}")
        return {**(options or {}), **gcps.to_options()}
