"""Crack candidates on a real survey photo: the job proposes them, the API lists them to whoever sees the survey,
an inspector accepts one (an annotation with the detector as its source) and rejects one (kept); planners and
outsiders cannot review; a reviewed candidate cannot be reviewed again."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from booking.models import AuditEvent
from detection.models import Candidate, CandidateStatus
from inspection.models import Annotation
from inspection.selectors import schema_for_survey
from processing import services as processing
from processing.models import Job
from surveys.services import asset_ingest_file
from tests.factories import make_cast
from tests.inspection.helpers import valid_marking
from tests.surveys.helpers import CALITERRA_AREA, make_delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(shared_data):
    cast = make_cast()
    survey = make_delivery(cast, area=CALITERRA_AREA)
    path = shared_data / "drone" / "caliterra-half" / "IMG_9354.jpg"
    asset = asset_ingest_file(survey=survey, path=path, original_name=path.name).asset
    job = processing.enqueue_job(kind="detect_cracks", survey=survey)
    call_command("run_jobs", "--burst", "--quiet", stdout=io.StringIO())
    job.refresh_from_db()
    assert job.state == "succeeded", (job.state, job.error)
    return cast, survey, asset


def test_job_proposes_candidates_once(world):
    _cast, survey, asset = world
    rows = list(Candidate.objects.filter(survey=survey))
    assert rows and all(r.asset_id == asset.pk and r.status == CandidateStatus.PROPOSED for r in rows)
    assert all(r.pixel_geometry["type"] == "Polygon" for r in rows)
    processing.enqueue_job(kind="detect_cracks", survey=survey)
    call_command("run_jobs", "--burst", "--quiet", stdout=io.StringIO())
    assert Candidate.objects.filter(survey=survey).count() == len(rows)  # a rerun does not propose twice
    assert Job.objects.filter(kind="detect_cracks", state="succeeded").count() == 2


def test_review_through_the_api(world, client):
    cast, survey, asset = world
    first, second = Candidate.objects.filter(survey=survey).order_by("-score")[:2]
    url = f"/api/v1/surveys/{survey.pk}/candidates/?asset={asset.pk}&status=proposed"
    client.force_login(cast.planner)
    listed = client.get(url)
    assert listed.status_code == 200 and listed.json()[0]["id"] == first.pk
    marking = valid_marking(schema_for_survey(survey=survey).document)
    assert client.post(f"/api/v1/candidates/{first.pk}/accept/", marking,
                       content_type="application/json").status_code == 403
    client.force_login(cast.contractor)
    bad = client.post(f"/api/v1/candidates/{first.pk}/accept/", {"category": "no-such"},
                      content_type="application/json")
    assert bad.status_code == 400 and not Annotation.objects.exists()
    got = client.post(f"/api/v1/candidates/{first.pk}/accept/", marking, content_type="application/json")
    assert got.status_code == 201, got.json()
    annotation = Annotation.objects.get(pk=got.json()["annotation"])
    assert annotation.source == "crack-blackhat v1" and annotation.pixel_geometry == first.pixel_geometry
    again = client.post(f"/api/v1/candidates/{first.pk}/accept/", marking, content_type="application/json")
    assert again.status_code == 409
    assert client.post(f"/api/v1/candidates/{second.pk}/reject/").status_code == 200
    second.refresh_from_db()
    assert second.status == CandidateStatus.REJECTED and second.reviewed_by == cast.contractor
    remaining = client.get(url).json()
    assert first.pk not in [r["id"] for r in remaining] and second.pk not in [r["id"] for r in remaining]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"candidate_accepted", "candidate_rejected"} <= actions
    assert client.get(f"/api/v1/surveys/{survey.pk}/candidates/?status=maybe").status_code == 400
