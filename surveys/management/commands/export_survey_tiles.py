"""Pre-render the XYZ tile pyramid of a survey's map (its stored COG), for offline use or a CDN."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.db import connection

from processing.management.commands.export_tiles import Command as ExportTiles
from processing.selectors import storage_raster_path

from ...models import Survey


class Command(ExportTiles):
    help = (
        "Write the XYZ tiles of survey ID's map as DIR/{z}/{x}/{y}.{ext}, each tile byte-identical to "
        "/tiles/surveys/ID/{z}/{x}/{y}.{ext} (the same options as export_tiles)."
    )
    command_name = "export_survey_tiles"

    def add_source_argument(self, parser: Any) -> None:
        parser.add_argument("survey", type=int, help="the survey whose map (as its tile endpoint serves) to tile")

    def source(self, opts: dict[str, Any]) -> str:
        """The stored COG of the survey, as a path GDAL opens (local or /vsicurl/)."""
        survey_id = opts["survey"]
        name = Survey.objects.filter(pk=survey_id).values_list("orthophoto", flat=True).first()
        if name is None:
            raise CommandError(f"survey {survey_id}: no such survey")
        if not name:
            raise CommandError(f"survey {survey_id}: the survey has no map yet (its processing job has not "
                               "succeeded)")
        if not connection.in_atomic_block:
            connection.close()  # the export may fork workers: they must not inherit this connection
        return storage_raster_path(name)
