"""Finish complete uploads whose finishing was interrupted (server died mid-verification), and delete
abandoned ones: unfinished uploads untouched for settings.UPLOAD_ABANDON_HOURS, and stray partial files of
the same age in settings.UPLOAD_TEMP_DIR. Safe to run from cron at any time."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from surveys.uploads import uploads_cleanup_abandoned


class Command(BaseCommand):
    help = ("Finish complete uploads whose finishing was interrupted; delete resumable uploads abandoned for "
            "longer than UPLOAD_ABANDON_HOURS, with their partial files.")

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=None,
                            help="override settings.UPLOAD_ABANDON_HOURS (at least 1)")

    def handle(self, *args, **options):
        hours = options["hours"] if options["hours"] is not None else settings.UPLOAD_ABANDON_HOURS
        if hours < 1:
            raise CommandError("--hours must be at least 1")
        result = uploads_cleanup_abandoned(now=timezone.now(), max_age_hours=hours)
        self.stdout.write(f"{result['finished']} complete upload(s) finished, {result['refused']} refused, "
                          f"{result['busy']} being finished by a request; "
                          f"{result['expired']} abandoned upload(s) expired, "
                          f"{result['stray_files']} stray partial file(s) deleted (older than {hours} h).")
