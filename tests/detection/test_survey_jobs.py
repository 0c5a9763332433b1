"""The hotspot and change detectors as jobs on a survey, asked for through the API: real H20T frames and two
real orthophoto crops of one site; refusals for the wrong input, the wrong role and a detector already queued."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files import File
from django.core.management import call_command
from rasterio.windows import Window
from rest_framework.test import APIClient

from detection.models import Candidate
from processing.models import Job
from surveys.services import asset_ingest_file
from tests.detection.conftest import write_crop
from tests.factories import make_cast
from tests.surveys.helpers import CALITERRA_AREA, make_delivery

pytestmark = pytest.mark.django_db

HOT_FRAME = "DJI_20220602143539_0195_T.JPG"  # a hot object on the ground (docs/benchmarks.md, "Hotspots")


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def run_jobs() -> None:
    call_command("run_jobs", "--burst", "--quiet", stdout=io.StringIO())


def test_hotspot_job_proposes_the_hot_object_with_relative_figures(shared_data: Path):
    cast = make_cast()
    survey = make_delivery(cast, area=CALITERRA_AREA)
    for name in (HOT_FRAME, "DJI_20220602143532_0191_T.JPG"):
        path = shared_data / "thermal" / "h20t" / name
        asset_ingest_file(survey=survey, path=path, original_name=path.name)
    answer = api(cast.contractor).post(f"/api/v1/surveys/{survey.pk}/candidates/", {"kind": "hotspot"},
                                       format="json")
    assert answer.status_code == 202, answer.content
    run_jobs()
    job = Job.objects.get(pk=answer.json()["job"])
    assert job.state == "succeeded", job.error
    found = list(Candidate.objects.filter(survey=survey, kind="hotspot"))
    assert len(found) == 1 and found[0].asset.original_name == HOT_FRAME
    facts = found[0].facts
    assert facts["units"] == "raw" and facts["relative"] is True
    assert facts["peak_excess"] > facts["margin"] > 0 and facts["area_px"] > 50
    xs = [p[0] for p in found[0].pixel_geometry["coordinates"][0]]
    assert 320 < min(xs) < max(xs) < 360  # the object near the top edge at x ≈ 341 (640 px frame)
    listed = api(cast.requester).get(f"/api/v1/surveys/{survey.pk}/candidates/").json()
    assert [c["kind"] for c in listed] == ["hotspot"]


def test_hotspots_on_rgb_photos_fail_with_a_clear_reason(shared_data: Path):
    cast = make_cast()
    survey = make_delivery(cast, area=CALITERRA_AREA)
    path = shared_data / "drone" / "caliterra-half" / "IMG_9354.jpg"
    asset_ingest_file(survey=survey, path=path, original_name=path.name)
    job_id = api(cast.contractor).post(f"/api/v1/surveys/{survey.pk}/candidates/", {"kind": "hotspot"},
                                       format="json").json()["job"]
    run_jobs()
    job = Job.objects.get(pk=job_id)
    assert job.state == "failed" and "none of the survey's 1 photo(s) is a thermal frame" in job.error
    assert not Candidate.objects.filter(survey=survey).exists()


def _with_orthophoto(survey, path: Path) -> None:
    with open(path, "rb") as fh:
        survey.orthophoto.save(f"change-{survey.pk}.tif", File(fh, name=path.name))
    survey.map_state = "ready"
    survey.save(update_fields=["map_state"])


def test_change_job_finds_the_new_roof_since_the_previous_survey_of_the_site(shared_data: Path, tmp_path):
    bali = shared_data / "orthophotos" / "pix4d-bali.tif"
    window = Window(200, 200, 260, 260)
    write_crop(bali, tmp_path / "before.tif", window)
    write_crop(bali, tmp_path / "after.tif", window, content_shift_px=(4.6, 3.4), gain=1.2,
               patch=(100, 100, 40, 50))
    cast = make_cast()
    before = make_delivery(cast)
    after = make_delivery(cast)
    after.site = before.site
    after.save(update_fields=["site"])
    officer = api(cast.procurement)
    url = f"/api/v1/surveys/{after.pk}/candidates/"
    no_map = officer.post(url, {"kind": "change"}, format="json")
    assert no_map.status_code == 400 and "no map yet" in no_map.json()["detail"]
    _with_orthophoto(before, tmp_path / "before.tif")
    _with_orthophoto(after, tmp_path / "after.tif")

    assert officer.post(url, {"kind": "change", "min_area_m2": "-3"}, format="json").status_code == 400
    assert officer.post(url, {"kind": "rust"}, format="json").status_code == 400
    assert api(cast.planner).post(url, {"kind": "change"}, format="json").status_code in (403, 404)
    queued = officer.post(url, {"kind": "change"}, format="json")
    assert queued.status_code == 202, queued.content
    again = officer.post(url, {"kind": "change"}, format="json")
    assert again.status_code == 409 and "already pending" in again.json()["detail"]
    run_jobs()
    job = Job.objects.get(pk=queued.json()["job"])
    assert job.state == "succeeded", job.error
    changes = list(Candidate.objects.filter(survey=after, kind="change"))
    assert len(changes) == 1
    assert changes[0].facts["before_survey"] == before.pk
    assert changes[0].facts["area_m2"] == pytest.approx(40 * 50 * 0.35**2, rel=0.25)
    ring = changes[0].geometry["coordinates"][0]
    assert all(114 < lon < 116 and -9 < lat < -8 for lon, lat in ring)

    # A rerun replaces its own unreviewed proposals instead of adding a second set.
    assert officer.post(url, {"kind": "change"}, format="json").status_code == 202
    run_jobs()
    assert Candidate.objects.filter(survey=after, kind="change").count() == 1

