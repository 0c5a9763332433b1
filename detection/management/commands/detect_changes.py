"""`manage.py detect_changes BEFORE.tif AFTER.tif --out changes.geojson [--min-area M2]`.

Co-registers the two orthomosaics, compares their structure and writes the changed areas as a GeoJSON
FeatureCollection in WGS84, each feature with `area_m2`. Needs no database.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from processing.core.detection._common import DetectionError
from processing.core.detection.change import ChangeDetector


class Command(BaseCommand):
    help = "Changed areas between two orthomosaics of one site, as WGS84 GeoJSON polygons with their area in m²."
    requires_system_checks: tuple[str, ...] = ()
    requires_migrations_checks = False

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("before", type=Path, metavar="BEFORE")
        parser.add_argument("after", type=Path, metavar="AFTER")
        parser.add_argument("--out", required=True, type=Path, metavar="FILE")
        parser.add_argument("--min-area", type=float, default=25.0, metavar="M2")

    def handle(self, *args: Any, **opts: Any) -> None:
        for p in (opts["before"], opts["after"]):
            if not p.is_file():
                raise CommandError(f"not a file: {p}")
        try:
            result = ChangeDetector(min_area_m2=opts["min_area"])(opts["before"], opts["after"])
        except DetectionError as exc:
            raise CommandError(str(exc)) from exc
        collection = result.feature_collection()
        collection["properties"] = {"shift_m": [round(v, 2) for v in result.shift_m],
                                    "rotation_deg": round(result.rotation_deg, 3), "inliers": result.inliers,
                                    "min_area_m2": opts["min_area"]}
        opts["out"].parent.mkdir(parents=True, exist_ok=True)
        opts["out"].write_text(json.dumps(collection), encoding="utf-8")
        self.stdout.write(f"{len(result.changes)} changed area(s) written to {opts['out']} (second raster moved "
                          f"{result.shift_m[0]:+.2f} m E, {result.shift_m[1]:+.2f} m N by co-registration)")
