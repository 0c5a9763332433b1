"""Import annotations from GeoJSON, COCO JSON or a GeoPackage (detected from the content); a bad file creates
nothing."""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from inspection.core.errors import InspectionError
from inspection.core.formats import FormatError, gpkg_document
from inspection.services import annotations_import
from surveys.models import Survey


class Command(BaseCommand):
    help = "Create annotations on a survey from a GeoJSON or COCO file; a file with any problem is refused whole."

    def add_arguments(self, parser):
        parser.add_argument("survey_id", type=int)
        parser.add_argument("file", type=Path)
        parser.add_argument("--by", help="username recorded as the author (default: the first administrator)")

    def handle(self, *args, survey_id, file, by=None, **options):
        survey = Survey.objects.filter(pk=survey_id).first()
        if survey is None:
            raise CommandError(f"no survey {survey_id}")
        users = get_user_model().objects
        user = users.filter(username=by).first() if by else users.filter(is_superuser=True).order_by("pk").first()
        if user is None:
            raise CommandError(f"no user {by!r}" if by else "no administrator: name one with --by")
        try:
            raw = file.read_bytes()
            document = gpkg_document(raw) if raw.startswith(b"SQLite format 3\0") else json.loads(raw.decode())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        except FormatError as exc:
            raise CommandError("nothing imported:\n" + "\n".join(exc.problems)) from exc
        try:
            made = annotations_import(survey=survey, by=user, now=timezone.now(), document=document)
        except PermissionError as exc:
            raise CommandError(f"{user.get_username()}: {exc}") from exc
        except FormatError as exc:
            raise CommandError("nothing imported:\n" + "\n".join(exc.problems)) from exc
        except InspectionError as exc:
            raise CommandError(f"nothing imported: {exc}") from exc
        self.stdout.write(f"{len(made)} annotations imported")
