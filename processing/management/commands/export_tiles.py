"""Pre-render an XYZ tile pyramid (DIR/{z}/{x}/{y}.{ext}) from a GeoTIFF/COG, for offline use or a CDN."""

from __future__ import annotations

import re
import sys
import threading
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from tqdm import tqdm

from processing.core.errors import ProcessingError
from processing.core.pyramid import export_tiles
from processing.core.tile_encode import FORMATS
from processing.core.tiles import open_source


def parse_zoom(value: str) -> range:
    match = re.fullmatch(r"\s*(\d{1,2})\s*(?:-\s*(\d{1,2})\s*)?", value or "")
    if not match:
        raise CommandError(f"--zoom {value!r}: use MIN-MAX (e.g. 14-20) or a single zoom")
    low = int(match.group(1))
    high = int(match.group(2) or low)
    if low > high or high > 24:
        raise CommandError(f"--zoom {value!r}: MIN must not exceed MAX, and MAX is at most 24")
    return range(low, high + 1)


class Command(BaseCommand):
    help = (
        "Write the XYZ tiles of SRC.tif, or of a survey's orthophoto (--survey ID), as DIR/{z}/{x}/{y}.{ext}: the "
        "tile set gdal2tiles --xyz writes, each tile byte-identical to /tiles/surveys/ID/{z}/{x}/{y}.{ext}."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("src", type=Path, nargs="?", help="a GeoTIFF/COG (or use --survey)")
        parser.add_argument("--survey", type=int, help="the orthophoto of this survey (as its tile endpoint serves)")
        parser.add_argument("--zoom", help="MIN-MAX (default: the raster's own range)")
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--processes", type=int, default=1)
        parser.add_argument("--format", choices=sorted(FORMATS), default="png")

    def handle(self, *args: Any, **opts: Any) -> None:
        src = self.source(opts["src"], opts["survey"])
        if opts["processes"] < 1:
            raise CommandError("--processes must be at least 1")
        try:
            if opts["zoom"]:
                zooms = parse_zoom(opts["zoom"])
            else:
                with open_source(src) as source:
                    zooms = range(source.minzoom, source.maxzoom + 1)
            bar = tqdm(total=100, unit="%", file=sys.stderr, disable=None, bar_format="{l_bar}{bar}| {desc}")

            def progress(fraction: float, message: str) -> None:
                bar.n = round(100 * fraction, 1)
                bar.set_description_str(message, refresh=False)
                bar.refresh()

            # Fork workers only when this process was started for this command (nothing else ran in it).
            fresh = sys.argv[1:2] == ["export_tiles"] and threading.active_count() == 1
            count = export_tiles(
                src, opts["out"], zooms=zooms, processes=opts["processes"], fmt=opts["format"], progress=progress,
                start_method="fork" if fresh else "forkserver",
            )
            bar.close()
        except ProcessingError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{count} tiles, zoom {zooms.start}-{zooms.stop - 1}, written to {opts['out']}")

    @staticmethod
    def source(src: Path | None, survey_id: int | None) -> Path | str:
        """The raster to tile: a file, or the stored COG of a survey (a path GDAL opens, local or /vsicurl/)."""
        if (src is None) == (survey_id is None):
            raise CommandError("give either SRC.tif or --survey ID (not both)")
        if src is not None:
            if not src.is_file():
                raise CommandError(f"{src}: no such file")
            return src
        from processing.selectors import storage_raster_path
        from surveys.models import Survey

        name = Survey.objects.filter(pk=survey_id).values_list("orthophoto", flat=True).first()
        if name is None:
            raise CommandError(f"--survey {survey_id}: no such survey")
        if not name:
            raise CommandError(f"--survey {survey_id}: the survey has no orthophoto yet (its processing job has not "
                               "succeeded)")
        if not connection.in_atomic_block:
            connection.close()  # the export may fork workers: they must not inherit this connection
        return storage_raster_path(name)
