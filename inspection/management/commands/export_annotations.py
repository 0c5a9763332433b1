"""Export a survey's annotations: GeoJSON, GeoPackage, CSV (eastings/northings) or COCO JSON (photo marks)."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from inspection.core.formats import to_coco, to_csv, to_geojson, to_gpkg
from inspection.core.schema import parse_schema
from inspection.selectors import annotation_records, schema_for_survey, survey_photos
from surveys.models import Survey


class Command(BaseCommand):
    help = "Write a survey's annotations to a file (geojson, gpkg, csv or coco)."

    def add_arguments(self, parser):
        parser.add_argument("survey_id", type=int)
        parser.add_argument("--format", choices=["geojson", "gpkg", "csv", "coco"], required=True)
        parser.add_argument("--out", type=Path, required=True)

    def handle(self, *args, survey_id, format, out, **options):
        survey = Survey.objects.filter(pk=survey_id).first()
        if survey is None:
            raise CommandError(f"no survey {survey_id}")
        records = annotation_records(survey=survey)
        if format == "gpkg":
            out.write_bytes(to_gpkg(records))
            self.stdout.write(f"{len(records)} annotations written to {out}")
            return
        if format == "geojson":
            text = json.dumps(to_geojson(records), indent=1)
        elif format == "csv":
            text = to_csv(records)
        else:
            schema = schema_for_survey(survey=survey)
            cats = [c.code for c in parse_schema(schema.document).categories] if schema else []
            photos = [{"file_name": a.original_name, "width": a.metadata.get("width"),
                       "height": a.metadata.get("height")}
                      for a in survey_photos(survey=survey)]
            text = json.dumps(to_coco(records, photos, cats), indent=1)
        out.write_text(text)
        self.stdout.write(f"{len(records)} annotations written to {out}")
