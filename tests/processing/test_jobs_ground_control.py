"""A delivered gcp_list.txt takes part in the "orthomosaic" job: the map follows the ground control."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from processing import services
from processing.core.orthomosaic.exif import read_photo_exif
from processing.models import JobState
from surveys.models import Asset, Blob, Site, Survey

from .test_jobs_orthomosaic import add_photo

SHIFT_EAST_M = 30.0


def add_control(survey: Survey, text: str, name: str = "gcp_list.txt") -> Asset:
    data = text.encode()
    sha = hashlib.sha256(data).hexdigest()
    stored = default_storage.save(f"blobs/{sha[:2]}/{sha}.txt", ContentFile(data))
    blob = Blob.objects.create(sha256=sha, file=stored, size=len(data))
    return Asset.objects.create(survey=survey, kind="ground_control", blob=blob, file=stored, original_name=name,
                                sha256=sha, size=len(data))


def survey_with_photos(shared_data: Path) -> tuple[Survey, list[Path]]:
    survey = Survey.objects.create(site=Site.objects.create(name="Caliterra", geometry={}), status="delivered")
    photos = sorted((shared_data / "drone" / "caliterra-half").glob("*.jpg"))[20:25]
    for photo in photos:
        add_photo(survey, photo.read_bytes(), photo.name)
    return survey, photos


def run(survey: Survey):
    job = services.enqueue_job(kind="orthomosaic", survey=survey, params={"options": {"feature_side": 800}})
    call_command("run_jobs", "--burst", "--quiet")
    job.refresh_from_db()
    survey.refresh_from_db()
    return job


@pytest.mark.django_db
def test_the_map_follows_delivered_ground_control(shared_data: Path) -> None:
    """One mark, given in WGS84 (the file's own CRS), 30 m east of where the camera GPS puts the photo centre:
    the job reads the file, converts it, and the whole block moves onto the mark."""
    survey, photos = survey_with_photos(shared_data)
    exif = read_photo_exif(photos[2], max_pixels=10**8)
    metres_per_degree_lon = 111_320 * np.cos(np.radians(exif.lat))
    lon = exif.lon + SHIFT_EAST_M / metres_per_degree_lon
    add_control(survey, f"EPSG:4326\n{lon:.8f} {exif.lat:.8f} 300 1000 750 {photos[2].name} wall-mark\n")
    job = run(survey)
    assert job.state == JobState.SUCCEEDED, job.error or job.log
    report = survey.ortho_report
    assert report["position_basis"] == "gcps" and report["gcp_rms_m"] < 0.1
    assert report["options"]["gcp_crs"] == "EPSG:4326" and len(report["options"]["gcps"]) == 1
    east = np.mean([p["placed_easting"] - p["gps_easting"] for p in report["photos_used"]])
    north = np.mean([p["placed_northing"] - p["gps_northing"] for p in report["photos_used"]])
    # the camera sits a few metres from its photo's centre (these photos tilt 5-12 degrees at ~50 m)
    assert 22 < east < 38 and abs(north) < 8, (east, north)
    assert not [w for w in report["warnings"] if "camera GPS" in w]  # the GCPs, not the GPS, place this map


@pytest.mark.django_db
def test_a_sighting_in_a_photo_that_was_not_delivered_fails_the_job_naming_the_line(shared_data: Path) -> None:
    survey, photos = survey_with_photos(shared_data)
    add_control(survey, f"WGS84 UTM 14N\n587600 3338100 300 1000 750 {photos[0].name} a\n"
                        "587640 3338120 300 900 700 IMG_9999.jpg b\n")
    job = run(survey)
    assert job.state == JobState.FAILED
    assert "gcp_list.txt line 3: photo IMG_9999.jpg is not among this survey's photos" in job.error
    assert not survey.orthophoto
