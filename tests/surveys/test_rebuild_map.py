"""Building a survey's map again (e.g. after the contractor adds ground control): who may, and when."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from processing.models import Job, JobState
from surveys.models import SurveyStatus

from .helpers import tus_upload

pytestmark = pytest.mark.django_db

PHOTOS = ["IMG_9374.jpg", "IMG_9375.jpg", "IMG_9376.jpg"]
GCP_LIST = "WGS84 UTM 14N\n587650.0 3338130.0 300 1000 750 IMG_9375.jpg mark-1\n"


def delivered_survey(client, cast, survey, shared_data):
    client.force_login(cast.contractor)
    for name in PHOTOS:
        data = (shared_data / "drone" / "caliterra-half" / name).read_bytes()
        assert tus_upload(client, survey.pk, name, data)["Upload-State"] == "stored"
    response = client.post(f"/api/v1/surveys/{survey.pk}/deliver/", {"flying_height_m": 48},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    call_command("run_jobs", "--burst", "--quiet")
    survey.refresh_from_db()
    assert survey.orthophoto and survey.ortho_report["position_basis"] == "gps"
    return survey


def test_the_contractor_adds_ground_control_and_rebuilds_the_map(client, cast, survey, shared_data) -> None:
    survey = delivered_survey(client, cast, survey, shared_data)
    assert tus_upload(client, survey.pk, "gcp_list.txt", GCP_LIST.encode())["Upload-State"] == "stored"
    response = client.post(f"/api/v1/surveys/{survey.pk}/rebuild-map/")
    assert response.status_code == 202, response.content
    assert response.json()["kind"] == "orthomosaic" and response.json()["state"] == "pending"
    # a second request while the first is queued is refused, naming the job
    again = client.post(f"/api/v1/surveys/{survey.pk}/rebuild-map/")
    assert again.status_code == 400 and f"job {response.json()['id']}" in again.json()["detail"]
    call_command("run_jobs", "--burst", "--quiet")
    survey.refresh_from_db()
    assert Job.objects.get(pk=response.json()["id"]).state == JobState.SUCCEEDED
    assert survey.ortho_report["position_basis"] == "gcps" and survey.ortho_report["gcp_rms_m"] < 0.1


def test_the_page_button_queues_a_build_for_an_officer(client, cast, survey, shared_data) -> None:
    survey = delivered_survey(client, cast, survey, shared_data)
    client.force_login(cast.policy_officer)
    page = client.get(f"/surveys/{survey.pk}/")
    assert b'id="rebuild-map"' in page.content
    response = client.post(f"/surveys/{survey.pk}/rebuild-map/", follow=True)
    assert b"The map is being built again" in response.content
    assert Job.objects.filter(survey=survey, state=JobState.PENDING).count() == 1


def test_planners_and_other_contractors_may_not(client, cast, survey, shared_data) -> None:
    survey = delivered_survey(client, cast, survey, shared_data)
    client.force_login(cast.planner)
    assert b'id="rebuild-map"' not in client.get(f"/surveys/{survey.pk}/").content
    assert client.post(f"/api/v1/surveys/{survey.pk}/rebuild-map/").status_code == 403
    assert client.post(f"/surveys/{survey.pk}/rebuild-map/").status_code == 403
    client.force_login(cast.other_contractor)
    assert client.post(f"/api/v1/surveys/{survey.pk}/rebuild-map/").status_code == 404
    assert not Job.objects.filter(survey=survey, state=JobState.PENDING).exists()


def test_not_before_delivery(client, cast, survey) -> None:
    client.force_login(cast.contractor)
    assert survey.status == SurveyStatus.RECEIVING
    response = client.post(f"/api/v1/surveys/{survey.pk}/rebuild-map/")
    assert response.status_code == 400 and "deliver it first" in response.json()["detail"]
    assert not Job.objects.exists()
