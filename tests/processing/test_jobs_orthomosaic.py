"""The "orthomosaic" job kind end to end on five real Caliterra photos (about 2 s)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import rasterio
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from processing import services
from processing.models import JobState
from surveys.models import Asset, Blob, Site, Survey


def add_photo(survey: Survey, data: bytes, name: str) -> Asset:
    sha = hashlib.sha256(data).hexdigest()
    stored = default_storage.save(f"blobs/{sha[:2]}/{sha}.jpg", ContentFile(data))
    blob = Blob.objects.create(sha256=sha, file=stored, size=len(data))
    return Asset.objects.create(survey=survey, kind="photo", blob=blob, file=stored, original_name=name,
                                sha256=sha, size=len(data))


@pytest.mark.django_db
def test_orthomosaic_job_publishes_a_cog_and_its_report(shared_data: Path, settings):
    site = Site.objects.create(name="Caliterra", geometry={})
    survey = Survey.objects.create(site=site, status="delivered")
    photos = sorted((shared_data / "drone" / "caliterra-half").glob("*.jpg"))[:5]
    for photo in photos:
        add_photo(survey, photo.read_bytes(), photo.name)
    add_photo(survey, b"\xff\xd8\xff\xe0 this is not really a JPEG" * 40, "broken.jpg")
    job = services.enqueue_job(kind="orthomosaic", survey=survey, params={"options": {"feature_side": 800}})
    call_command("run_jobs", "--burst", "--quiet")
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, job.error or job.log
    assert job.finished_stages == ["fetch", "mosaic", "publish"]
    survey.refresh_from_db()
    assert survey.map_state == "ready" and survey.status == "delivered"
    report = survey.ortho_report
    assert sorted(p["name"] for p in report["photos_used"]) == [p.name for p in photos]
    assert [d["name"] for d in report["photos_dropped"]] == ["broken.jpg"]  # dropped and reported, not fatal
    with rasterio.open(survey.orthophoto.path) as ds:
        assert ds.crs.is_projected and ds.overviews(1) and ds.count == 4
    assert not (Path(settings.MEDIA_ROOT) / "_jobs").exists() or not any((Path(settings.MEDIA_ROOT) / "_jobs").iterdir())


@pytest.mark.django_db
def test_orthomosaic_job_without_enough_photos_fails_clearly():
    site = Site.objects.create(name="Empty", geometry={})
    survey = Survey.objects.create(site=site, status="delivered")
    job = services.enqueue_job(kind="orthomosaic", survey=survey)
    call_command("run_jobs", "--burst", "--quiet")
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.attempts == 1
    assert "needs at least 2" in job.error
