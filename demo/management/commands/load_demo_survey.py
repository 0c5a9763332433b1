"""Attach a demo survey with the 75 Caliterra photos to the seeded delivered (else scheduled) request.

Idempotent: the site, survey and assets are found again on a second run, files already ingested are
recognised by checksum, and delivery (the conformance check and the orthomosaic job) happens once.
The photos are of a construction site in Texas (OpenDroneMap's CC0 Caliterra set), not of Argyll and Bute:
the demo site is the photographed place and its name says so; the conformance report against the Scottish
request area therefore fails and the survey is flagged, which is what the check is for.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from shapely.geometry import MultiPoint, mapping
from tqdm import tqdm

from demo.records import DEMO_SURVEY_SITE
from surveys.models import Survey
from surveys.services import (
    SurveyError,
    _enqueue_processing,
    asset_ingest_file,
    site_get_or_create,
    survey_deliver,
)

SITE_NAME = DEMO_SURVEY_SITE
PHOTOS = Path("drone") / "caliterra-half"
DEMO_FLYING_HEIGHT_M = 48.0
REQUEST_TAGS = ("[demo:moleigh-landfill]", "[demo:oban-seafront]")


def _seeded_request():
    from booking.models import FlightRequest

    for tag in REQUEST_TAGS:
        fr = FlightRequest.objects.filter(description__startswith=tag).first()
        if fr is not None and fr.flights.exists():
            return fr
    return FlightRequest.objects.filter(status__in=["delivered", "flown", "scheduled"],
                                        flights__isnull=False).order_by("-status").first()


class Command(BaseCommand):
    help = "Load the demo survey (Caliterra photos) through the same ingestion as uploads; idempotent."

    def add_arguments(self, parser):
        parser.add_argument("shared_data_dir", type=Path, help="the shared data folder (holds drone/caliterra-half)")
        parser.add_argument("--limit", type=int, default=None, help="only the first N photos (tests)")

    def handle(self, *args, shared_data_dir: Path, limit: int | None, **options):
        folder = shared_data_dir / PHOTOS
        photos = sorted(p for p in folder.glob("*") if p.suffix.lower() in {".jpg", ".jpeg"}) if folder.is_dir() else []
        if not photos:
            raise CommandError(f"no photos in {folder}")
        survey = self._survey(photos)  # the site outline comes from every photo, even with --limit
        photos = photos[:limit] if limit else photos
        added = duplicates = 0
        for path in tqdm(photos, desc="ingesting photos", unit="photo", disable=None):
            result = asset_ingest_file(survey=survey, path=path, original_name=path.name)
            duplicates += result.duplicate
            added += not result.duplicate
        if survey.delivered_at is None:
            try:
                survey = survey_deliver(survey=survey, by=None, now=timezone.now())
                outcome = "passed" if survey.conformance_passed else "failed: flagged for review"
                self.stdout.write(f"conformance {outcome} ({survey.conformance.get('summary', '')})")
            except SurveyError as exc:  # no request to check against: still process the photos
                self.stdout.write(f"not checked: {exc.message}")
                with transaction.atomic():
                    _enqueue_processing(survey=survey)
        self.stdout.write(self.style.SUCCESS(
            f"survey {survey.pk} at {survey.site.name}: {added} photo(s) added, {duplicates} already there"))

    def _survey(self, photos: list[Path]) -> Survey:
        from processing.core.metadata import read_imagery_info

        fr = _seeded_request()
        existing = Survey.objects.filter(site__name=SITE_NAME, flight_request=fr).first()
        if existing is not None:
            return existing
        points = [(i.lon, i.lat) for i in map(read_imagery_info, photos) if i.has_location]
        if not points:
            raise CommandError("the demo photos carry no GPS positions")
        outline = mapping(MultiPoint(points).convex_hull.buffer(0.0003))  # ~30 m around the camera positions
        flight = fr.flights.order_by("-scheduled_start").first() if fr is not None else None
        with transaction.atomic():
            site = site_get_or_create(name=SITE_NAME, geometry=outline,
                                      organisation=fr.organisation if fr is not None else None)
            # The Canon records no height above ground; the contractor states it (the orthomosaic of these
            # photos solves camera heights of 47-51 m), so the photos get footprints on the map.
            return Survey.objects.create(site=site, flight_request=fr, flight=flight,
                                         supplier=flight.supplier if flight is not None else None,
                                         flying_height_m=DEMO_FLYING_HEIGHT_M)
