"""`manage.py imagery_info PATH... [--json]`: what each file is, where and when it was captured, its footprint.

Needs no database. Directories are walked; one JSON object per file (JSON lines) with --json, else one short line.
A file that cannot be read prints an object with an "error" key, and the command goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from processing.core.errors import ImageryError
from processing.core.metadata import read_imagery_info

REQUIRED_KEYS = (
    "file", "kind", "lat", "lon", "alt_m", "relative_alt_m", "captured_at", "make", "model",
    "focal_mm", "gimbal_pitch", "gimbal_yaw", "footprint",
)  # fmt: skip
PROGRESS_THRESHOLD = 5  # files: below this no progress bar


def iter_files(paths: list[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith("."))
        else:
            yield path


def describe(path: Path, *, above_ground_m: float | None, ground_elevation_m: float | None,
             with_track: bool) -> dict[str, Any]:
    try:
        info = read_imagery_info(path, above_ground_m=above_ground_m, ground_elevation_m=ground_elevation_m)
    except ImageryError as exc:
        return {"file": str(path), "error": str(exc)}
    except OSError as exc:
        return {"file": str(path), "error": f"{path.name}: cannot be read ({exc.strerror or exc})"}
    data = info.to_json()
    data["file"] = str(path)
    if not with_track and data.get("track") is not None:
        data["track_points"] = len(data["track"])
        del data["track"]
    return {k: data.get(k) for k in REQUIRED_KEYS} | data


class Command(BaseCommand):
    help = "Print imagery metadata and ground footprints for files and folders (no database needed)."
    requires_system_checks: tuple[str, ...] = ()
    requires_migrations_checks = False

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
        parser.add_argument("--json", action="store_true", help="one JSON object per file (JSON lines)")
        parser.add_argument("--above-ground", type=float, default=None, metavar="M",
                            help="height above ground for photos without a relative altitude")
        parser.add_argument("--ground-elevation", type=float, default=None, metavar="M",
                            help="ground elevation to subtract from GPS altitude when no relative altitude")
        parser.add_argument("--track", action="store_true", help="include full flight tracks in the output")
        parser.add_argument("--no-progress", action="store_true", help="never show a progress bar")

    def handle(self, *args: Any, **opts: Any) -> None:
        missing = [str(p) for p in opts["paths"] if not p.exists()]
        files = list(iter_files([p for p in opts["paths"] if p.exists()]))
        if not files and missing:
            raise CommandError(f"no such file or directory: {', '.join(missing)}")
        show_bar = not opts["no_progress"] and len(files) >= PROGRESS_THRESHOLD
        errors = 0
        for name in missing:
            self._emit({"file": name, "error": f"{name}: no such file or directory"}, opts["json"])
            errors += 1
        with tqdm(total=len(files), disable=not show_bar, file=self.stderr._out, unit="file") as bar:
            for path in files:
                row = describe(path, above_ground_m=opts["above_ground"],
                               ground_elevation_m=opts["ground_elevation"], with_track=opts["track"])
                errors += "error" in row
                self._emit(row, opts["json"])
                bar.update(1)
        if errors:
            self.stderr.write(f"{errors} of {len(files) + len(missing)} files could not be read")

    def _emit(self, row: dict[str, Any], as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(row, default=str))
            return
        if "error" in row:
            self.stdout.write(f"{row['file']}: ERROR {row['error']}")
            return
        where = "no location" if row.get("lat") is None else f"{row['lat']:.6f},{row['lon']:.6f}"
        self.stdout.write(f"{row['file']}: {row['kind']} {where} {row.get('captured_at') or 'no time'} "
                          f"{row.get('make') or ''} {row.get('model') or ''}".rstrip())
