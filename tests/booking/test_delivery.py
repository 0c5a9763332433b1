"""Delivery goes only through a survey of the flown flight with stored, validated files: the booking
service, the request API's `deliver`, survey creation on the flown flight (never a cancelled one),
accepting a delivery whose conformance did not pass (a reason is required), and the audit trail of every
step (uploads, delivery, conformance, map builds)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from booking import services
from booking.errors import FieldError
from booking.models import BudgetCode, FlightStatus, OrderStatus, RequestStatus
from booking.money import spend_summary
from processing.models import Job, JobState
from surveys import services as surveys
from surveys.models import Survey
from tests.factories import GOOD_OPERATION
from tests.surveys.helpers import tus_create, tus_upload

from .conftest import WEATHER_OK, advance, new_request

pytestmark = pytest.mark.django_db
S = RequestStatus
API = "/api/v1"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def photo(shared_data, name: str = "IMG_9354.jpg") -> bytes:
    return (shared_data / "drone" / "caliterra-half" / name).read_bytes()


def actual_spend(fr) -> Decimal:
    codes = BudgetCode.objects.filter(pk=fr.budget_code_id)
    row = spend_summary(budget_codes=codes, frameworks=[], now=fr.window_start)["budgets"][0]
    return Decimal(row["actual"])


def events(fr, action: str):
    return list(fr.audit_events.filter(action=action).order_by("id"))


# ---------------------------------------------------------------- no delivery without a survey with files


def test_deliver_without_a_survey_is_refused(cast, now, make_request):
    fr = make_request(S.FLOWN)
    with pytest.raises(FieldError) as err:
        services.flight_request_deliver(actor=cast.contractor, flight_request=fr, now=now)
    assert err.value.field == "survey" and "deliver through the survey" in err.value.message
    response = client_for(cast.contractor).post(f"{API}/requests/{fr.reference}/deliver/", {"note": "done"})
    assert response.status_code == 400
    assert "/api/v1/surveys/<id>/deliver/" in response.json()["survey"][0]
    fr.refresh_from_db()
    assert fr.status == S.FLOWN and fr.orders.get().status == OrderStatus.ACCEPTED
    assert not events(fr, "deliver") and actual_spend(fr) == 0


def test_deliver_with_a_survey_without_stored_files_is_refused(cast, now, make_request):
    fr = make_request(S.FLOWN)
    survey, created = surveys.survey_open(flight_request=fr, by=cast.contractor)
    assert created and survey.assets.count() == 0
    with pytest.raises(FieldError, match="no stored files"):
        services.flight_request_deliver(actor=cast.contractor, flight_request=fr, now=now, survey=survey)
    contractor = client_for(cast.contractor)
    response = contractor.post(f"{API}/requests/{fr.reference}/deliver/")
    assert response.status_code == 400 and "deliver through the survey" in response.json()["survey"][0]
    response = contractor.post(f"{API}/surveys/{survey.pk}/deliver/")
    assert response.status_code == 400 and "assets" in response.json()
    fr.refresh_from_db()
    assert fr.status == S.FLOWN and fr.orders.get().status == OrderStatus.ACCEPTED


def test_a_survey_with_files_but_not_declared_delivered_does_not_deliver(cast, now, make_request, shared_data):
    """Only survey_deliver (which stores the conformance report first) moves the request."""
    fr = make_request(S.FLOWN)
    survey, _ = surveys.survey_open(flight_request=fr, by=cast.contractor)
    path = shared_data / "drone" / "caliterra-half" / "IMG_9354.jpg"
    surveys.asset_ingest_file(survey=survey, path=path, original_name=path.name, uploaded_by=cast.contractor)
    with pytest.raises(FieldError, match="deliver through the survey"):
        services.flight_request_deliver(actor=cast.contractor, flight_request=fr, now=now, survey=survey)
    fr.refresh_from_db()
    assert fr.status == S.FLOWN


def test_delivery_through_the_survey_makes_the_order_actual_spend_only_then(cast, now, make_request,
                                                                           shared_data):
    fr = make_request(S.FLOWN)
    contractor = client_for(cast.contractor)
    created = contractor.post(f"{API}/surveys/", {"flight_request": fr.pk}, format="json")
    assert created.status_code == 201, created.content
    survey = Survey.objects.get(pk=created.json()["id"])
    assert survey.flight == fr.flights.get(status=FlightStatus.FLOWN)
    assert tus_upload(contractor, survey.pk, "IMG_9354.jpg", photo(shared_data)).status_code == 204
    fr.refresh_from_db()
    assert fr.orders.get().status == OrderStatus.ACCEPTED and actual_spend(fr) == 0  # stored, not delivered
    response = contractor.post(f"{API}/surveys/{survey.pk}/deliver/", {"flying_height_m": 48}, format="json")
    assert response.status_code == 200, response.content
    fr.refresh_from_db()
    order = fr.orders.get()
    assert fr.status == S.DELIVERED and order.status == OrderStatus.DELIVERED
    assert actual_spend(fr) == order.value > 0
    delivered = events(fr, "deliver")[-1]
    assert delivered.data["survey"] == survey.pk and delivered.data["files"] == 1
    assert delivered.data["conformance"] == "needs_review"  # a Texas photo is not of Oban


def test_the_request_api_deliver_points_to_the_survey_even_with_stored_files(cast, now, make_request,
                                                                             shared_data, send_outbox):
    """Booking does not deliver on a survey's behalf: the delivery is declared on the survey, where the
    files and the conformance check are (the request's own deliver answers 400 with that address)."""
    fr = make_request(S.FLOWN)
    survey, _ = surveys.survey_open(flight_request=fr, by=cast.contractor)
    contractor = client_for(cast.contractor)
    assert tus_upload(contractor, survey.pk, "IMG_9354.jpg", photo(shared_data)).status_code == 204
    response = contractor.post(f"{API}/requests/{fr.reference}/deliver/", {"note": "All photos"},
                               format="json")
    assert response.status_code == 400 and "/api/v1/surveys/<id>/deliver/" in response.json()["survey"][0]
    fr.refresh_from_db()
    assert fr.status == S.FLOWN
    response = contractor.post(f"{API}/surveys/{survey.pk}/deliver/")
    assert response.status_code == 200, response.content
    fr.refresh_from_db()
    assert fr.status == S.DELIVERED
    delivered = events(fr, "deliver")[-1]
    assert delivered.data["survey"] == survey.pk
    assert any(cast.requester.email in m.to for m in send_outbox())
    # Someone else's contractor cannot deliver it (404: they do not see the request).
    assert client_for(cast.other_contractor).post(f"{API}/requests/{fr.reference}/deliver/").status_code == 404


# ---------------------------------------------------------------- the survey attaches to the flown flight


def _flown_after_a_reschedule(cast, now):
    """Scheduled late in the window, moved earlier (the first flight is cancelled), then flown."""
    fr = advance(cast, new_request(cast, now), S.CONFIRMED, now)
    late = fr.window_start + timedelta(days=2)
    services.flight_schedule(actor=cast.contractor, flight_request=fr, now=now, scheduled_start=late,
                             scheduled_end=late + timedelta(hours=2), pilot=cast.pilot, aircraft=cast.aircraft,
                             operation=dict(GOOD_OPERATION))
    early = fr.window_start
    services.flight_reschedule(actor=cast.contractor, flight_request=fr, now=now, scheduled_start=early,
                               scheduled_end=early + timedelta(hours=2), reason="Better forecast")
    services.flight_record(actor=cast.contractor, flight_request=fr, now=early + timedelta(hours=3),
                           flight_log={"takeoff": early.isoformat(),
                                       "landing": (early + timedelta(minutes=40)).isoformat()},
                           weather=dict(WEATHER_OK))
    fr.refresh_from_db()
    assert fr.status == S.FLOWN
    cancelled = fr.flights.get(status=FlightStatus.CANCELLED)
    flown = fr.flights.get(status=FlightStatus.FLOWN)
    assert cancelled.scheduled_start > flown.scheduled_start  # the latest flight is the cancelled one
    return fr, flown, cancelled


def test_survey_create_takes_the_flown_flight_never_a_cancelled_one(cast, now):
    fr, flown, cancelled = _flown_after_a_reschedule(cast, now)
    survey = surveys.survey_create(flight_request=fr, by=cast.contractor)
    assert survey.flight == flown and survey.supplier_id == flown.supplier_id
    with pytest.raises(surveys.SurveyError) as err:
        surveys.survey_create(flight_request=fr, by=cast.contractor, flight=cancelled)
    assert err.value.field == "flight" and "cancelled" in err.value.message
    response = client_for(cast.contractor).post(
        f"{API}/surveys/", {"flight_request": fr.pk, "flight": cancelled.pk}, format="json")
    assert response.status_code == 400 and "cancelled" in response.json()["flight"][0]
    # The request page's button reuses the survey rather than opening another.
    again, created = surveys.survey_open(flight_request=fr, by=cast.contractor)
    assert again == survey and not created


def test_survey_create_is_refused_when_no_flight_is_flown(cast, now, make_request):
    fr = make_request(S.SCHEDULED)
    response = client_for(cast.contractor).post(f"{API}/surveys/", {"flight_request": fr.pk}, format="json")
    assert response.status_code == 400
    assert "no flown flight" in response.json()["flight"][0]
    assert not fr.surveys.exists()


# ---------------------------------------------------------------- accepting a delivery that did not pass


def _delivered_with_a_failed_check(cast, make_request, shared_data) -> tuple:
    fr = make_request(S.FLOWN)
    survey, _ = surveys.survey_open(flight_request=fr, by=cast.contractor)
    contractor = client_for(cast.contractor)
    assert tus_upload(contractor, survey.pk, "IMG_9354.jpg", photo(shared_data)).status_code == 204
    assert contractor.post(f"{API}/surveys/{survey.pk}/deliver/").status_code == 200
    survey.refresh_from_db()
    assert survey.conformance_passed is False and survey.flagged_for_review
    return fr, survey


def test_accepting_a_failed_conformance_delivery_needs_a_reason(cast, make_request, shared_data):
    fr, survey = _delivered_with_a_failed_check(cast, make_request, shared_data)
    requester = client_for(cast.requester)
    refused = requester.post(f"{API}/requests/{fr.reference}/accept_delivery/", {}, format="json")
    assert refused.status_code == 400
    assert f"survey {survey.pk}" in refused.json()["reason"][0]
    fr.refresh_from_db()
    assert fr.status == S.DELIVERED and fr.orders.get().status == OrderStatus.DELIVERED
    accepted = requester.post(f"{API}/requests/{fr.reference}/accept_delivery/",
                              {"reason": "Outside the area by design: test photos"}, format="json")
    assert accepted.status_code == 200, accepted.content
    fr.refresh_from_db()
    assert fr.status == S.COMPLETED and fr.orders.get().status == OrderStatus.COMPLETED
    event = events(fr, "accept_delivery")[-1]
    assert event.reason == "Outside the area by design: test photos"
    assert event.data == {"survey": survey.pk, "conformance": "needs_review", "accepted_despite_conformance": True}


def test_the_request_page_shows_the_conformance_result(client, cast, make_request, shared_data):
    fr, survey = _delivered_with_a_failed_check(cast, make_request, shared_data)
    client.force_login(cast.requester)
    page = client.get(f"/requests/{fr.pk}/").content.decode()
    section = page.split('id="delivery"')[1].split("</section>")[0]
    assert "Needs review" in section and f'href="/surveys/{survey.pk}/"' in section
    for check in survey.conformance["checks"]:
        assert check["message"] in section or check["message"].replace("'", "&#x27;") in section
    timeline = page.split('id="timeline"')[1]
    assert "Delivery declared" in timeline and "Conformance checked" in timeline and "Upload finished" in timeline


# ---------------------------------------------------------------- the audit trail covers every step


def test_upload_steps_are_audited_with_the_supplier(cast, make_request, shared_data, tmp_path):
    fr = make_request(S.FLOWN)
    survey, _ = surveys.survey_open(flight_request=fr, by=cast.contractor)
    contractor = client_for(cast.contractor)
    assert tus_upload(contractor, survey.pk, "IMG_9354.jpg", photo(shared_data)).status_code == 204
    # Refused at the start (no declared checksum) and at the end (a truncated photo).
    refused_start = contractor.post(f"{API}/surveys/{survey.pk}/uploads/", {"filename": "x.jpg", "size": 0,
                                                                             "sha256": "ab" * 32}, format="json")
    assert refused_start.status_code == 400 and "size" in refused_start.json()
    assert contractor.post(f"{API}/surveys/{survey.pk}/uploads/", [1, 2], format="json").status_code == 400
    refused_start = tus_create(contractor, survey.pk, "IMG_9355.jpg", photo(shared_data, "IMG_9355.jpg"),
                               sha="nothex")
    assert refused_start.status_code == 400
    broken = photo(shared_data, "IMG_9356.jpg")[:50_000]
    assert tus_upload(contractor, survey.pk, "IMG_9356.jpg", broken).status_code == 400
    started = events(fr, "upload_started")
    finished = events(fr, "upload_finished")
    refused = events(fr, "upload_refused")
    assert [e.data["filename"] for e in started] == ["IMG_9354.jpg", "IMG_9356.jpg"]
    assert [(e.data["filename"], e.data["state"]) for e in finished] == [("IMG_9354.jpg", "stored")]
    assert finished[0].data["asset"] == survey.assets.get().pk
    assert [(e.data["filename"], e.data["field"]) for e in refused] == [("x.jpg", "size"),
                                                                         ("", "non_field_errors"),
                                                                         ("IMG_9355.jpg", "sha256"),
                                                                         ("IMG_9356.jpg", "file")]
    for event in started + finished + refused:
        assert event.supplier_id == cast.supplier.pk and event.actor == cast.contractor
        assert event.data["survey"] == survey.pk
        assert (event.from_state, event.to_state) == (S.FLOWN, S.FLOWN)  # nothing moved


def test_delivery_conformance_and_map_steps_are_audited(cast, make_request, shared_data):
    fr = make_request(S.FLOWN)
    survey, _ = surveys.survey_open(flight_request=fr, by=cast.contractor)
    contractor = client_for(cast.contractor)
    assert tus_upload(contractor, survey.pk, "IMG_9354.jpg", photo(shared_data)).status_code == 204
    assert contractor.post(f"{API}/surveys/{survey.pk}/deliver/").status_code == 200
    (declared,) = events(fr, "delivery_declared")
    (checked,) = events(fr, "conformance_checked")
    (queued,) = events(fr, "map_queued")
    assert declared.data == {"survey": survey.pk, "files": 1}
    survey.refresh_from_db()
    assert checked.data["outcome"] == "needs_review" and checked.data["passed"] is False
    assert checked.data["summary"] == survey.conformance["summary"]
    assert {c["name"] for c in checked.data["checks"]} == {c["name"] for c in survey.conformance["checks"]}
    job = Job.objects.get(pk=queued.data["job"])
    assert job.kind == "orthomosaic" and queued.data["kind"] == "orthomosaic"
    # One photo is not enough for an orthomosaic: the job fails and that is in the trail too.
    call_command("run_jobs", "--burst", "--quiet")
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    (failed,) = events(fr, "map_failed")
    assert failed.data["job"] == job.pk and "at least 2" in failed.data["error"]
    # Rebuilding the map (e.g. after more photos) is recorded with who asked.
    assert tus_upload(contractor, survey.pk, "IMG_9355.jpg", photo(shared_data, "IMG_9355.jpg")).status_code == 204
    assert client_for(cast.procurement).post(f"{API}/surveys/{survey.pk}/rebuild-map/").status_code == 202
    (rebuild,) = events(fr, "map_rebuild_queued")
    assert rebuild.actor == cast.procurement and rebuild.data["kind"] == "orthomosaic"
    for event in (declared, checked, queued, failed, rebuild):
        assert event.supplier_id == cast.supplier.pk and event.data["survey"] == survey.pk


def test_a_built_map_is_audited(cast, shared_data):
    from tests.surveys.helpers import make_delivery

    # Around the pix4d Bali orthophoto (lon 115.1597..115.1619, lat -8.5862..-8.5838).
    bali = {"type": "Polygon", "coordinates": [[[115.158, -8.588], [115.163, -8.588], [115.163, -8.582],
                                                [115.158, -8.582], [115.158, -8.588]]]}
    survey = make_delivery(cast, area=bali, deliverables=("orthomosaic",))
    fr = survey.flight_request
    contractor = client_for(cast.contractor)
    tif = (shared_data / "orthophotos" / "pix4d-bali.tif").read_bytes()
    assert tus_upload(contractor, survey.pk, "bali-ortho.tif", tif).status_code == 204
    assert contractor.post(f"{API}/surveys/{survey.pk}/deliver/").status_code == 200
    call_command("run_jobs", "--burst", "--quiet")
    survey.refresh_from_db()
    (built,) = events(fr, "map_built")
    assert built.data["kind"] == "cog" and built.data["orthophoto"] == survey.orthophoto.name
    assert built.data["rebuilt"] is False and built.supplier_id == cast.supplier.pk


def _delivered_survey(cast, shared_data, *, thermal: bool):
    """A delivery whose every check passes (DJI H20T frames inside their own footprints), or one where no check
    fails but height and coverage cannot be made (Caliterra on its day, inside its area): needs review."""
    from shapely.geometry import mapping, shape
    from shapely.ops import unary_union

    from processing.core.metadata import read_imagery_info
    from tests.surveys.helpers import CALITERRA_AREA, CALITERRA_DAY, make_delivery

    if thermal:
        paths = sorted((shared_data / "thermal" / "h20t").glob("*.JPG"))[:4]
        footprints = [shape(read_imagery_info(p).footprint) for p in paths]
        area = mapping(unary_union(footprints).convex_hull.buffer(-2e-5))
        first = read_imagery_info(paths[0]).captured_at
        survey = make_delivery(cast, area=area, start=first - timedelta(minutes=30), hours=2,
                               deliverables=["thermal"])
    else:
        paths = sorted((shared_data / "drone" / "caliterra-half").glob("*.jpg"))[:3]
        survey = make_delivery(cast, area=CALITERRA_AREA, start=CALITERRA_DAY, hours=3)
    for path in paths:
        surveys.asset_ingest_file(survey=survey, path=path, original_name=path.name, uploaded_by=cast.contractor)
    return surveys.survey_deliver(survey=survey, by=cast.contractor, now=survey.flight.scheduled_end)


def test_a_delivery_that_passes_is_accepted_without_a_reason(cast, shared_data):
    survey = _delivered_survey(cast, shared_data, thermal=True)
    assert survey.conformance_passed and not survey.conformance.get("needs_review")
    fr = survey.flight_request
    response = client_for(cast.requester).post(f"{API}/requests/{fr.reference}/accept_delivery/", {}, format="json")
    assert response.status_code == 200, response.content
    event = events(fr, "accept_delivery")[-1]
    assert event.reason == "" and event.data["conformance"] == "pass"
    assert event.data["accepted_despite_conformance"] is False


def test_a_delivery_that_needs_review_needs_a_reason_too(cast, shared_data):
    survey = _delivered_survey(cast, shared_data, thermal=False)
    assert survey.conformance_passed and survey.conformance["needs_review"]  # no check failed
    fr = survey.flight_request
    requester = client_for(cast.requester)
    refused = requester.post(f"{API}/requests/{fr.reference}/accept_delivery/", {"reason": "  "}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()
    accepted = requester.post(f"{API}/requests/{fr.reference}/accept_delivery/", {"reason": "Heights checked"},
                              format="json")
    assert accepted.status_code == 200
    assert events(fr, "accept_delivery")[-1].reason == "Heights checked"
