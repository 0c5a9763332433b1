"""Pre-render an XYZ tile pyramid (DIR/{z}/{x}/{y}.{ext}) from a GeoTIFF/COG, for offline use or a CDN."""

from __future__ import annotations

import re
import sys
import threading
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
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
        "Write the XYZ tiles of SRC.tif as DIR/{z}/{x}/{y}.{ext}: the tile set gdal2tiles --xyz writes, each tile "
        "byte-identical to what the tile endpoint serves for that file (a survey's map: export_survey_tiles)."
    )
    #: the command name as typed, for the fork check below (a subclass under another name sets its own)
    command_name = "export_tiles"

    def add_arguments(self, parser: Any) -> None:
        self.add_source_argument(parser)
        parser.add_argument("--zoom", help="MIN-MAX (default: the raster's own range)")
        parser.add_argument("--out", type=Path, required=True)
        parser.add_argument("--processes", type=int, default=1)
        parser.add_argument("--format", choices=sorted(FORMATS), default="png")

    def handle(self, *args: Any, **opts: Any) -> None:
        src = self.source(opts)
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
            fresh = sys.argv[1:2] == [self.command_name] and threading.active_count() == 1
            count = export_tiles(
                src, opts["out"], zooms=zooms, processes=opts["processes"], fmt=opts["format"], progress=progress,
                start_method="fork" if fresh else "forkserver",
            )
            bar.close()
        except ProcessingError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{count} tiles, zoom {zooms.start}-{zooms.stop - 1}, written to {opts['out']}")

    def add_source_argument(self, parser: Any) -> None:
        parser.add_argument("src", type=Path, help="a GeoTIFF/COG")

    def source(self, opts: dict[str, Any]) -> Path | str:
        """The raster to tile (a path GDAL opens)."""
        src: Path = opts["src"]
        if not src.is_file():
            raise CommandError(f"{src}: no such file")
        return src
