"""Give files stored before stored names came from the detected format (a JPEG sent as `report.html` was kept
as `….html`) their content name `blobs/ab/<sha256>.<detected suffix>`. Safe to run again: a file already named
so is left alone."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from surveys.models import Blob
from surveys.services import SurveyError, blob_rename_to_detected_format


class Command(BaseCommand):
    help = "Rename stored files whose suffix came from the sender's name to the detected format's suffix."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only list what would be renamed")

    def handle(self, *args, **options):
        renamed = 0
        for blob in Blob.objects.order_by("pk").iterator():
            old = blob.file.name
            try:
                new = blob_rename_to_detected_format(blob=blob, dry_run=options["dry_run"])
            except (SurveyError, OSError) as exc:
                self.stderr.write(f"{old}: not renamed: {exc}")
                continue
            if new:
                renamed += 1
                self.stdout.write(f"{old} -> {new}")
        verb = "would be renamed" if options["dry_run"] else "renamed"
        self.stdout.write(f"{renamed} stored file(s) {verb}.")
