"""The survey's life: the transition table refuses illegal moves and wrong actors; the map's state is its own, so a
flagged delivery shows whether its map was built; the requester's accept / return (booking) moves the review state;
the migration maps rows of the old single status."""

from __future__ import annotations

import importlib
import io
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from booking import services as booking
from booking.models import AuditEvent, RequestStatus
from processing import services as jobs
from processing.models import Job, JobState
from surveys import services
from surveys.errors import SurveyError
from surveys.models import MapState, Survey, SurveyStatus
from surveys.transitions import TRANSITIONS, survey_transition

from .helpers import make_delivery

pytestmark = pytest.mark.django_db

BALI = {"type": "Polygon", "coordinates": [[[115.158, -8.588], [115.163, -8.588], [115.163, -8.582],
                                            [115.158, -8.582], [115.158, -8.588]]]}
migration = importlib.import_module("surveys.migrations.0004_review_and_map_state")


def deliver(cast, shared_data: Path, files: list[Path], **delivery) -> Survey:
    survey = make_delivery(cast, **delivery)
    for path in files:
        services.asset_ingest_file(survey=survey, path=path, original_name=path.name)
    return services.survey_deliver(survey=survey, by=cast.contractor, now=timezone.now())


def run_jobs() -> None:
    call_command("run_jobs", "--burst", "--quiet", stdout=io.StringIO())


def trail(survey: Survey) -> list[str]:
    return list(AuditEvent.objects.filter(flight_request=survey.flight_request_id).order_by("created_at", "id")
                .values_list("action", flat=True))


# ---------------------------------------------------------------- the table


def test_illegal_moves_are_refused_with_the_state_named(cast, survey):
    now = timezone.now()
    with pytest.raises(SurveyError) as refused:
        survey_transition(survey=survey, action="accept", actor=cast.requester, now=now)
    assert refused.value.field == "status"
    assert "its state is 'receiving files'" in refused.value.message and "delivered, flagged for review" in (
        refused.value.message)
    with pytest.raises(SurveyError) as refused:  # a map is built only by a job that started it
        survey_transition(survey=survey, action="map_built", actor=None, now=now)
    assert refused.value.field == "map_state" and "'no map'" in refused.value.message
    with pytest.raises(SurveyError, match="before it is delivered"):
        survey_transition(survey=survey, action="rebuild_map", actor=cast.procurement, now=now)
    survey.refresh_from_db()
    assert (survey.status, survey.map_state) == (SurveyStatus.RECEIVING, MapState.NONE)
    assert not AuditEvent.objects.filter(flight_request=survey.flight_request, action__startswith="map").exists()


def test_only_the_actors_of_the_table_move_a_survey(cast, survey):
    now = timezone.now()
    survey.status, survey.map_state = SurveyStatus.DELIVERED, MapState.BUILDING  # where each action may start
    for actor, action in [(cast.other_contractor, "deliver"), (cast.requester, "rebuild_map"), (cast.planner, "deliver"),
                          (cast.contractor, "accept"), (cast.admin, "map_built"), (cast.contractor, "start_map")]:
        with pytest.raises(SurveyError) as refused:
            survey_transition(survey=survey, action=action, actor=actor, now=now, target=SurveyStatus.DELIVERED
                              if action == "deliver" else None)
        assert refused.value.field == "actor", (actor, action)
    assert Survey.objects.get(pk=survey.pk).status == SurveyStatus.RECEIVING


def test_every_action_moves_one_of_the_two_states():
    assert {t.field for t in TRANSITIONS.values()} == {"status", "map_state"}
    review = {s for t in TRANSITIONS.values() if t.field == "status" for s in t.sources | t.targets}
    maps = {s for t in TRANSITIONS.values() if t.field == "map_state" for s in t.sources | t.targets}
    assert review == set(SurveyStatus.values) and maps == set(MapState.values)


# ---------------------------------------------------------------- the map apart from the review


def test_a_flagged_delivery_whose_map_builds_shows_map_ready(cast, shared_data, client):
    survey = deliver(cast, shared_data, [shared_data / "orthophotos" / "pix4d-bali.tif"], area=BALI,
                     deliverables=("orthomosaic",))
    assert survey.status == SurveyStatus.FLAGGED and survey.map_state == MapState.BUILDING
    run_jobs()
    survey.refresh_from_db()
    assert (survey.status, survey.map_state) == (SurveyStatus.FLAGGED, MapState.READY) and survey.orthophoto
    assert trail(survey)[-4:] == ["conformance_checked", "deliver", "map_queued", "map_built"]
    client.force_login(cast.requester)
    page = client.get(f"/surveys/{survey.pk}/").content.decode()
    assert '>Flagged for review</span>' in page and 'id="survey-map-state">Map ready' in page
    listing = client.get("/surveys/").content.decode()
    assert "Flagged for review" in listing and "Map ready" in listing
    api = APIClient()
    api.force_authenticate(cast.requester)
    data = api.get(f"/api/v1/surveys/{survey.pk}/").json()
    assert (data["status"], data["map_state"]) == ("flagged", "ready")
    assert [s["id"] for s in api.get("/api/v1/surveys/?map_state=ready&status=flagged").json()["results"]] == [
        survey.pk]


def test_a_flagged_delivery_whose_map_fails_shows_map_failed_and_a_retry_is_audited(cast, shared_data, client):
    one_photo = shared_data / "drone" / "caliterra-half" / "IMG_9354.jpg"
    survey = deliver(cast, shared_data, [one_photo])  # Texas photo, Oban request: flagged; one photo: no mosaic
    run_jobs()
    survey.refresh_from_db()
    assert (survey.status, survey.map_state) == (SurveyStatus.FLAGGED, MapState.FAILED)
    client.force_login(cast.contractor)
    assert 'id="survey-map-state">Map failed' in client.get(f"/surveys/{survey.pk}/").content.decode()
    # Staff retry the failed job: the map is building again, and that change is in the trail.
    job = Job.objects.get(survey=survey)
    jobs.job_retry(job=job, now=timezone.now())
    run_jobs()
    survey.refresh_from_db()
    assert survey.map_state == MapState.FAILED and Job.objects.get(pk=job.pk).state == JobState.FAILED
    assert trail(survey)[-4:] == ["map_queued", "map_failed", "map_started", "map_failed"]
    started = AuditEvent.objects.get(flight_request=survey.flight_request, action="map_started")
    assert started.data == {"survey": survey.pk, "job": job.pk, "kind": "orthomosaic"} and started.actor is None


def test_staff_cancelling_the_build_in_hand_puts_the_map_back(cast, shared_data):
    survey = deliver(cast, shared_data, [shared_data / "drone" / "caliterra-half" / "IMG_9354.jpg"])
    assert survey.map_state == MapState.BUILDING
    job = Job.objects.get(survey=survey)
    api = APIClient()
    api.force_authenticate(cast.admin)
    assert api.post(f"/api/v1/jobs/{job.pk}/cancel/").json()["state"] == "cancelled"
    survey.refresh_from_db()
    assert survey.map_state == MapState.NONE  # it had no map before
    cancelled = AuditEvent.objects.get(flight_request=survey.flight_request, action="map_cancelled")
    assert cancelled.actor == cast.admin and cancelled.data == {"survey": survey.pk, "job": job.pk,
                                                                "kind": "orthomosaic"}


# ---------------------------------------------------------------- review by the requesting service


def test_accept_and_return_by_the_requester_move_the_review_state(cast, shared_data):
    photo = shared_data / "drone" / "caliterra-half" / "IMG_9354.jpg"
    survey = deliver(cast, shared_data, [photo])
    fr = survey.flight_request
    fr.refresh_from_db()
    assert fr.status == RequestStatus.DELIVERED
    booking.flight_request_return_delivery(actor=cast.requester, flight_request=fr, now=timezone.now(),
                                           reason="Photos of the wrong site")
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.RETURNED and survey.map_state == MapState.BUILDING  # map untouched
    services.survey_set_flying_height(survey=survey, height_m=60)  # a returned delivery may be corrected
    survey = services.survey_deliver(survey=survey, by=cast.contractor, now=timezone.now())
    assert survey.status == SurveyStatus.FLAGGED
    fr.refresh_from_db()
    booking.flight_request_accept_delivery(actor=cast.requester, flight_request=fr, now=timezone.now(),
                                           reason="Accepted for the trial")
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.ACCEPTED
    with pytest.raises(SurveyError, match="its state is 'accepted'"):
        services.survey_deliver(survey=survey, by=cast.contractor, now=timezone.now())
    with pytest.raises(SurveyError, match="flying height of a survey that is accepted is fixed"):
        services.survey_set_flying_height(survey=survey, height_m=50)
    assert trail(survey)[-3:] == ["deliver", "map_queued", "accept_delivery"]  # the request's event records the acceptance


# ---------------------------------------------------------------- the migration of the old single status


@pytest.mark.parametrize(("old", "flagged", "has_map", "latest_job", "request_status", "expected"), [
    ("receiving", False, False, None, "flown", ("receiving", "none")),
    ("delivered", False, False, "pending", "delivered", ("delivered", "building")),
    ("delivered", False, False, None, None, ("delivered", "none")),
    ("processing", False, False, "running", "delivered", ("delivered", "building")),
    ("processing", True, False, "running", "delivered", ("flagged", "building")),
    ("ready", False, True, "succeeded", "delivered", ("delivered", "ready")),
    ("ready", True, True, "succeeded", None, ("flagged", "ready")),
    ("failed", False, False, "failed", "delivered", ("delivered", "failed")),
    ("failed", True, False, "failed", "delivered", ("flagged", "failed")),
    ("flagged", True, True, "succeeded", "delivered", ("flagged", "ready")),
    ("flagged", True, False, "failed", "delivered", ("flagged", "failed")),
    ("flagged", True, False, "running", "delivered", ("flagged", "building")),
    ("ready", False, True, "succeeded", "completed", ("accepted", "ready")),
    ("failed", True, False, "failed", "rework", ("returned", "failed")),
])
def test_the_migration_maps_the_old_status(old, flagged, has_map, latest_job, request_status, expected):
    assert migration.migrated_states(status=old, flagged=flagged, has_map=has_map, latest_job=latest_job,
                                     request_status=request_status) == expected


def test_the_migration_maps_stored_rows_and_back(cast):
    rows = {}
    for old, flagged in [("processing", True), ("ready", False), ("failed", False), ("delivered", False)]:
        survey = make_delivery(cast, status="delivered")
        Survey.objects.filter(pk=survey.pk).update(status=old, flagged_for_review=flagged,
                                                   orthophoto="x.tif" if old == "ready" else "")
        rows[old] = survey.pk
    Job.objects.create(kind="cog", survey_id=rows["processing"], state="running", heartbeat_at=timezone.now())
    migration.forward(django_apps, None)
    states = dict((pk, (s, m)) for pk, s, m in Survey.objects.values_list("pk", "status", "map_state"))
    assert states[rows["processing"]] == ("flagged", "building")
    assert states[rows["ready"]] == ("delivered", "ready")
    assert states[rows["failed"]] == ("delivered", "failed")
    assert states[rows["delivered"]] == ("delivered", "none")
    migration.backward(django_apps, None)
    back = dict(Survey.objects.values_list("pk", "status"))
    assert {old: back[pk] for old, pk in rows.items()} == {"processing": "flagged", "ready": "ready",
                                                          "failed": "failed", "delivered": "delivered"}
