"""The booking pages through Django's test client: each page for each role, the outsider's 404, the
workflow actions offered and taken from the request page, and bad input shown as errors (never a 500)."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from booking import services
from booking.models import AuditEvent, FlightRequest, OrderStatus, RequestStatus
from booking.testing import OBAN_SEAFRONT, PASSWORD, make_cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    return make_cast()


def _as(client, user):
    client.force_login(user)
    return client


#: What a complete application carries besides the basics (take-off point, buffer, documents held).
COMPLETE = {
    "takeoff_points": [[-5.4730, 56.4158]],
    "contingency_buffer_m": 15,
    "documents": {"rams": "RAMS-OBN-17", "dpia": "DPIA-2026-03", "landowner_consent": "ABC-EST-LO-4"},
    "site_context": {"built_up": True, "country": "scotland", "land_owner": "council"},
}

#: The operating inputs a contractor gives when scheduling (PDRA01 distances, docs/policy.md `operation`).
OPERATION = {"max_distance_from_pilot_m": 300, "min_distance_people_m": 50, "min_distance_people_takeoff_m": 50}


def _draft(cast, **overrides) -> FlightRequest:
    fields = cast.request_fields(**{**COMPLETE, **overrides})
    return services.flight_request_create(actor=cast.requester, now=timezone.now(), **fields)


def _approved(cast) -> FlightRequest:
    fr = _draft(cast, people_in_view=True)
    fr = services.flight_request_submit(actor=cast.requester, flight_request=fr, now=timezone.now())
    if fr.status == RequestStatus.REFERRED:
        fr = services.flight_request_approve(actor=cast.policy_officer, flight_request=fr, now=timezone.now())
    assert fr.status == RequestStatus.APPROVED, fr.status
    return fr


def _confirmed(cast) -> FlightRequest:
    fr = _approved(cast)
    services.flight_request_order(actor=cast.procurement, flight_request=fr, now=timezone.now(), supplier=cast.supplier)
    services.order_accept(actor=cast.contractor, flight_request=fr, now=timezone.now())
    fr.refresh_from_db()
    return fr


def _form_data(cast, **overrides) -> dict:
    start = (timezone.localtime() + timedelta(days=10)).replace(hour=10, minute=0)
    data = {
        "site_name": "Kerrera ferry slip",
        "area": json.dumps(OBAN_SEAFRONT),
        "purpose": "mapping",
        "description": "Slipway condition",
        "deliverables": ["photos", "orthomosaic"],
        "window_start": start.strftime("%Y-%m-%dT%H:%M"),
        "window_end": (start + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        "max_height_m": "80",
        "sessions": "1",
        "budget_code": str(cast.budget_code.pk),
    }
    data.update(overrides)
    return data


# ---- pages per role ------------------------------------------------------------------------------


def test_pages_need_login(client, cast):
    fr = _draft(cast)
    for url in ("/", "/requests/", "/requests/new/", f"/requests/{fr.pk}/", "/spend/", "/profile/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_login_form_signs_in_and_lands_on_dashboard(client, cast):
    response = client.post("/accounts/login/", {"username": "requester", "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert b"My service's requests" in response.content


@pytest.mark.parametrize(
    "role, heading",
    [
        ("requester", "My service's requests"),
        ("policy_officer", "Awaiting my decision"),
        ("procurement", "Approved, awaiting an order"),
        ("contractor", "Orders to accept"),
        ("planner", "Approved and under way"),
        ("admin", "Django admin"),
    ],
)
def test_dashboard_per_role(client, cast, role, heading):
    response = _as(client, getattr(cast, role)).get("/")
    assert response.status_code == 200
    text = response.content.decode()
    assert heading in text
    assert "Upcoming flights" in text
    assert ("New flight request" in text) == (role in {"requester", "admin"})


def test_dashboard_lists_what_each_role_must_act_on(client, cast, airspace_data):
    referred = services.flight_request_submit(
        actor=cast.requester, flight_request=_draft(cast, people_in_view=True, site_name="Oban bay"), now=timezone.now()
    )
    assert referred.status == RequestStatus.REFERRED
    awaiting = _as(client, cast.policy_officer).get("/").content.decode().split('id="awaiting-decision"')[1]
    assert referred.reference in awaiting.split("</section>")[0]
    approved = _approved(cast)
    text = _as(client, cast.procurement).get("/").content.decode()
    assert approved.reference in text and "Framework ceiling" in text and "EST-001" in text
    services.flight_request_order(actor=cast.procurement, flight_request=approved, now=timezone.now(),
                                  supplier=cast.supplier)  # fmt: skip
    text = _as(client, cast.contractor).get("/").content.decode()
    assert approved.reference in text.split('id="orders-to-accept"')[1].split("</section>")[0]
    # The other supplier's contractor sees none of it.
    assert approved.reference not in _as(client, cast.other_contractor).get("/").content.decode()


def test_dashboard_shows_upcoming_flight(client, cast, airspace_data):
    fr = _confirmed(cast)
    start = timezone.now() + timedelta(days=8)
    services.flight_schedule(actor=cast.contractor, flight_request=fr, now=timezone.now(), scheduled_start=start,
                             scheduled_end=start + timedelta(hours=2), pilot=cast.pilot, aircraft=cast.aircraft,
                             operation=OPERATION)  # fmt: skip
    for user in (cast.requester, cast.contractor, cast.procurement):
        text = _as(client, user).get("/").content.decode()
        upcoming = text.split('id="upcoming"')[1]
        assert fr.reference in upcoming and cast.pilot.name in upcoming, user.username
    assert fr.reference not in _as(client, cast.outsider).get("/").content.decode()


def test_request_list_is_scoped_and_filterable(client, cast):
    mine = _draft(cast, site_name="Campbeltown harbour")
    other = services.flight_request_create(
        actor=cast.outsider, now=timezone.now(),
        **cast.request_fields(site_name="Kerrera", budget_code=cast.other_budget_code),
    )  # fmt: skip
    text = _as(client, cast.requester).get("/requests/").content.decode()
    assert mine.reference in text and other.reference not in text
    text = _as(client, cast.procurement).get("/requests/?status=draft&q=Kerrera").content.decode()
    assert other.reference in text and mine.reference not in text
    text = _as(client, cast.procurement).get("/requests/?status=approved").content.decode()
    assert mine.reference not in text and other.reference not in text
    assert _as(client, cast.planner).get("/requests/").content.decode().count("FR-") == 0


@pytest.mark.parametrize("role", ["requester", "policy_officer", "procurement", "admin"])
def test_request_page_visible_to_roles(client, cast, role):
    fr = _draft(cast)
    response = _as(client, getattr(cast, role)).get(f"/requests/{fr.pk}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert fr.reference in text and "Timeline" in text and "Created" in text
    assert f"£{fr.estimated_cost}" in text and fr.estimated_cost > 0


@pytest.mark.parametrize("role", ["outsider", "other_contractor", "contractor", "planner"])
def test_request_page_is_404_for_those_who_may_not_see_it(client, cast, role):
    fr = _draft(cast)
    client = _as(client, getattr(cast, role))
    assert client.get(f"/requests/{fr.pk}/").status_code == 404
    assert client.post(f"/requests/{fr.pk}/actions/submit/").status_code == 404
    assert client.get(f"/requests/{fr.pk}/edit/").status_code == 404
    assert FlightRequest.objects.get(pk=fr.pk).status == RequestStatus.DRAFT


def test_contractor_sees_only_requests_ordered_from_their_supplier(client, cast, airspace_data):
    fr = _approved(cast)
    services.flight_request_order(actor=cast.procurement, flight_request=fr, now=timezone.now(), supplier=cast.supplier)
    assert _as(client, cast.contractor).get(f"/requests/{fr.pk}/").status_code == 200
    assert _as(client, cast.other_contractor).get(f"/requests/{fr.pk}/").status_code == 404


@pytest.mark.parametrize("role, status", [("procurement", 200), ("admin", 200), ("requester", 404),
                                          ("contractor", 404), ("planner", 404), ("policy_officer", 404)])  # fmt: skip
def test_spend_page_is_for_procurement(client, cast, role, status):
    response = _as(client, getattr(cast, role)).get("/spend/")
    assert response.status_code == status
    if status == 200:
        text = response.content.decode()
        assert "TEST-FW-1" in text and "EST-001" in text and "NHS Highland" in text


def test_spend_page_shows_committed_order(client, cast, airspace_data):
    fr = _approved(cast)
    order = services.flight_request_order(actor=cast.procurement, flight_request=fr, now=timezone.now(),
                                          supplier=cast.supplier)  # fmt: skip
    text = _as(client, cast.procurement).get("/spend/").content.decode()
    assert order.po_number in text
    budgets = text.split('class="spend-budgets"')[1]
    est_row = budgets.split("EST-001")[1].split("</tr>")[0]
    assert f"£{order.value}" in est_row


def test_profile_shows_secret_calendar_feed(client, cast):
    response = _as(client, cast.contractor).get("/profile/")
    text = response.content.decode()
    token = cast.contractor.profile.calendar_token
    assert response.status_code == 200 and token in text and ".ics" in text
    feed = client.get(reverse("booking-calendar", kwargs={"token": token}))
    assert feed.status_code == 200 and b"BEGIN:VCALENDAR" in feed.content
    # Another user's page never shows this user's token.
    assert token not in _as(client, cast.requester).get("/profile/").content.decode()


# ---- the request form ----------------------------------------------------------------------------


def test_request_form_renders_map_widget(client, cast):
    text = _as(client, cast.requester).get("/requests/new/").content.decode()
    assert "data-map-editor" in text and 'name="area"' in text and 'name="area_file"' in text
    assert "EST-001" in text and "RDS-001" not in text  # only the requester's own service's budget codes


def test_request_form_creates_draft_and_shows_estimate(client, cast):
    response = _as(client, cast.requester).post("/requests/new/", _form_data(cast, people_in_view="on"), follow=True)
    assert response.status_code == 200
    fr = FlightRequest.objects.get(site_name="Kerrera ferry slip")
    assert fr.status == RequestStatus.DRAFT and fr.people_in_view and fr.requester == cast.requester
    assert fr.deliverables == ["photos", "orthomosaic"] and fr.max_height_m == 80
    text = response.content.decode()
    assert f"Estimated cost £{fr.estimated_cost}" in text and fr.estimated_cost > Decimal("550")
    assert "Submit for the policy check" in text


def test_request_form_accepts_kml_and_geojson_files(client, cast):
    kml = (
        '<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><Polygon><outerBoundaryIs>'
        "<LinearRing><coordinates>-5.50,56.40,0 -5.49,56.40,0 -5.49,56.41,0 -5.50,56.41,0 -5.50,56.40,0"
        "</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></kml>"
    )
    data = _form_data(cast, area="", site_name="From KML")
    data["area_file"] = SimpleUploadedFile("site.kml", kml.encode(), content_type="application/vnd.google-earth.kml+xml")
    assert _as(client, cast.requester).post("/requests/new/", data).status_code == 302
    assert FlightRequest.objects.get(site_name="From KML").area["coordinates"][0][0] == [-5.5, 56.4]
    feature = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": OBAN_SEAFRONT}]}
    data = _form_data(cast, area="", site_name="From GeoJSON")
    data["area_file"] = SimpleUploadedFile("site.geojson", json.dumps(feature).encode())
    assert client.post("/requests/new/", data).status_code == 302
    assert FlightRequest.objects.get(site_name="From GeoJSON").area["type"] == "Polygon"


@pytest.mark.parametrize(
    "overrides, field, words",
    [
        ({"area": ""}, "area", "Draw the site"),
        ({"area": json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]})},
         "area", "not valid"),
        ({"area": json.dumps({"type": "Polygon", "coordinates": []})}, "area", "empty"),
        ({"window_start": "2020-01-01T10:00", "window_end": "2020-01-02T10:00"}, "window_start", "past"),
        ({"budget_code": "999999"}, "budget_code", "valid choice"),
        ({"max_height_m": "0"}, "max_height_m", "greater than or equal to 1"),
        ({"deliverables": []}, "deliverables", "required"),
    ],
)  # fmt: skip
def test_request_form_bad_input_names_the_field_and_saves_nothing(client, cast, overrides, field, words):
    data = _form_data(cast, **overrides)
    if not overrides.get("deliverables", True):
        data.pop("deliverables")
    response = _as(client, cast.requester).post("/requests/new/", data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and words in " ".join(errors[field]), errors
    assert not FlightRequest.objects.exists() and not AuditEvent.objects.exists()


def test_request_form_end_before_start(client, cast):
    data = _form_data(cast)
    data["window_end"], data["window_start"] = data["window_start"], data["window_end"]
    response = _as(client, cast.requester).post("/requests/new/", data)
    assert response.status_code == 400 and "window_end" in response.context["form"].errors


def test_request_form_refuses_another_services_budget_code(client, cast):
    response = _as(client, cast.requester).post("/requests/new/", _form_data(cast, budget_code=str(cast.other_budget_code.pk)))
    assert response.status_code == 400 and "budget_code" in response.context["form"].errors
    assert not FlightRequest.objects.exists()


def test_request_form_is_404_for_roles_that_do_not_request(client, cast):
    for user in (cast.contractor, cast.planner, cast.policy_officer, cast.procurement):
        assert _as(client, user).get("/requests/new/").status_code == 404


def test_edit_draft(client, cast):
    fr = _draft(cast)
    client = _as(client, cast.requester)
    page = client.get(f"/requests/{fr.pk}/edit/").content.decode()
    assert "Oban seafront" in page and "-5.4745" in page
    data = _form_data(cast, site_name="Oban seafront (north)", max_height_m="60")
    assert client.post(f"/requests/{fr.pk}/edit/", data).status_code == 302
    fr.refresh_from_db()
    assert fr.site_name == "Oban seafront (north)" and fr.max_height_m == 60
    assert fr.audit_events.filter(action="update").exists()


# ---- actions from the request page ---------------------------------------------------------------


def _messages(text: str) -> str:
    return text.split('class="messages"')[1].split("</ul>")[0] if 'class="messages"' in text else ""


def _actions_offered(client, fr) -> set[str]:
    text = client.get(f"/requests/{fr.pk}/").content.decode()
    return {chunk.split('"')[0] for chunk in text.split('id="action-')[1:]}


def test_actions_offered_are_exactly_the_allowed_ones(client, cast, airspace_data):
    fr = _draft(cast)
    assert _actions_offered(_as(client, cast.requester), fr) == {"submit", "cancel"}
    assert _actions_offered(_as(client, cast.procurement), fr) == {"cancel"}
    assert _actions_offered(_as(client, cast.policy_officer), fr) == set()
    fr = _confirmed(cast)
    assert _actions_offered(_as(client, cast.contractor), fr) == {"schedule"}
    assert _actions_offered(_as(client, cast.requester), fr) == {"cancel"}
    assert _actions_offered(_as(client, cast.planner), fr) == set()


def test_submit_and_refuse_with_reason_through_the_page(client, cast, airspace_data):
    fr = _draft(cast, people_in_view=True)
    response = _as(client, cast.requester).post(f"/requests/{fr.pk}/actions/submit/", follow=True)
    assert response.status_code == 200
    fr.refresh_from_db()
    assert fr.status == RequestStatus.REFERRED, "people in view need a policy officer's approval"
    # A refusal needs a reason: without one nothing changes and the page says why.
    client = _as(client, cast.policy_officer)
    response = client.post(f"/requests/{fr.pk}/actions/refuse/", {"reason": ""}, follow=True)
    assert "Refuse: Reason: This field is required." in response.content.decode()
    fr.refresh_from_db()
    assert fr.status == RequestStatus.REFERRED
    response = client.post(f"/requests/{fr.pk}/actions/refuse/", {"reason": "No DPIA for the gardens"}, follow=True)
    fr.refresh_from_db()
    assert fr.status == RequestStatus.REFUSED
    text = response.content.decode()
    assert "No DPIA for the gardens" in text.split('id="timeline"')[1] and "Refused" in text


def test_illegal_or_forbidden_action_is_a_message_not_a_500(client, cast):
    fr = _draft(cast)
    response = _as(client, cast.procurement).post(f"/requests/{fr.pk}/actions/approve/", follow=True)
    assert response.status_code == 200 and "Approve refused: cannot approve" in response.content.decode()
    response = _as(client, cast.requester).post(f"/requests/{fr.pk}/actions/accept/", follow=True)
    assert response.status_code == 200 and "Accept order refused" in response.content.decode()
    assert _as(client, cast.requester).post(f"/requests/{fr.pk}/actions/fly-to-the-moon/").status_code == 404
    assert _as(client, cast.requester).get(f"/requests/{fr.pk}/actions/submit/").status_code == 405
    fr.refresh_from_db()
    assert fr.status == RequestStatus.DRAFT


def test_requester_cannot_approve_own_request_even_as_officer_role(client, cast, airspace_data):
    fr = _draft(cast, people_in_view=True)
    services.flight_request_submit(actor=cast.requester, flight_request=fr, now=timezone.now())
    response = _as(client, cast.requester).post(f"/requests/{fr.pk}/actions/approve/", follow=True)
    assert "refused" in response.content.decode()
    fr.refresh_from_db()
    assert fr.status == RequestStatus.REFERRED


def test_order_accept_schedule_through_the_page(client, cast, airspace_data):
    fr = _approved(cast)
    response = _as(client, cast.procurement).post(
        f"/requests/{fr.pk}/actions/order/", {"supplier": str(cast.supplier.pk)}, follow=True
    )
    order = fr.orders.get()
    assert order.status == OrderStatus.OFFERED and order.po_number in response.content.decode()
    client = _as(client, cast.contractor)
    client.post(f"/requests/{fr.pk}/actions/accept/")
    fr.refresh_from_db()
    assert fr.status == RequestStatus.CONFIRMED
    start = (timezone.localtime() + timedelta(days=9)).replace(hour=11, minute=0)
    data = {"pilot": cast.pilot.pk, "aircraft": cast.aircraft.pk, "scheduled_start": start.strftime("%Y-%m-%dT%H:%M"),
            "scheduled_end": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), **OPERATION}  # fmt: skip
    # Another supplier's pilot is not offered and is refused.
    bad = dict(data, pilot=cast.other_pilot.pk)
    response = client.post(f"/requests/{fr.pk}/actions/schedule/", bad, follow=True)
    assert "Select a valid choice" in response.content.decode()
    response = client.post(f"/requests/{fr.pk}/actions/schedule/", data, follow=True)
    fr.refresh_from_db()
    text = response.content.decode()
    assert fr.status == RequestStatus.SCHEDULED, _messages(text)
    assert cast.pilot.name in text.split('id="flights"')[1]


def test_spend_limit_needs_override_reason(client, cast, airspace_data):
    cast.budget_code.annual_budget = Decimal("100.00")
    cast.budget_code.save()
    fr = _approved(cast)
    client = _as(client, cast.procurement)
    response = client.post(f"/requests/{fr.pk}/actions/order/", {}, follow=True)
    assert "Place order refused" in response.content.decode() and "EST-001" in response.content.decode()
    assert not fr.orders.exists()
    client.post(f"/requests/{fr.pk}/actions/order/", {"override_reason": "Urgent sea wall inspection"})
    order = fr.orders.get()
    assert order.override_reason == "Urgent sea wall inspection"


def test_decline_passes_order_to_next_supplier(client, cast, airspace_data):
    fr = _approved(cast)
    services.flight_request_order(actor=cast.procurement, flight_request=fr, now=timezone.now(), supplier=cast.supplier)
    response = _as(client, cast.contractor).post(
        f"/requests/{fr.pk}/actions/decline/", {"reason": "No pilot free that week"}, follow=True
    )
    assert response.status_code == 200
    fr.refresh_from_db()
    assert fr.current_order.supplier == cast.other_supplier
    text = _as(client, cast.other_contractor).get("/").content.decode()
    assert fr.reference in text.split('id="orders-to-accept"')[1].split("</section>")[0]


def test_survey_link_when_a_survey_exists(client, cast, airspace_data):
    from surveys.models import Site, Survey

    fr = _approved(cast)
    site = Site.objects.create(name="Oban seafront", geometry=OBAN_SEAFRONT, organisation=cast.organisation)
    survey = Survey.objects.create(site=site, flight_request=fr)
    text = _as(client, cast.requester).get(f"/requests/{fr.pk}/").content.decode()
    assert f'href="/surveys/{survey.pk}/"' in text


def test_fly_deliver_return_and_accept_through_the_page(client, cast, airspace_data):
    fr = _confirmed(cast)
    start = timezone.now() + timedelta(days=8)
    services.flight_schedule(actor=cast.contractor, flight_request=fr, now=timezone.now(), scheduled_start=start,
                             scheduled_end=start + timedelta(hours=2), pilot=cast.pilot, aircraft=cast.aircraft,
                             operation=OPERATION)  # fmt: skip
    contractor = _as(client, cast.contractor)
    assert {"preflight_check", "record_flight", "reschedule"} <= _actions_offered(contractor, fr)
    # The day-of-flight check needs at least one observation; with them, it is recorded.
    response = contractor.post(f"/requests/{fr.pk}/actions/preflight_check/", {}, follow=True)
    assert "Day-of-flight check refused" in response.content.decode()
    response = contractor.post(f"/requests/{fr.pk}/actions/preflight_check/",
                               {"mean_wind_ms": "4.5", "gust_ms": "7", "visibility_km": "20"}, follow=True)  # fmt: skip
    assert "Day-of-flight check recorded" in response.content.decode(), _messages(response.content.decode())
    flown = timezone.localtime(start)
    log = {"took_off_at": flown.strftime("%Y-%m-%dT%H:%M"),
           "landed_at": (flown + timedelta(minutes=40)).strftime("%Y-%m-%dT%H:%M"), "notes": "Two batteries"}  # fmt: skip
    response = contractor.post(f"/requests/{fr.pk}/actions/record_flight/", log, follow=True)
    fr.refresh_from_db()
    assert fr.status == RequestStatus.FLOWN, _messages(response.content.decode())
    assert "Two batteries" in response.content.decode().split('id="flights"')[1]
    contractor.post(f"/requests/{fr.pk}/actions/deliver/", {"reason": "Photos uploaded"})
    fr.refresh_from_db()
    assert fr.status == RequestStatus.DELIVERED
    requester = _as(client, cast.requester)
    assert _actions_offered(requester, fr) == {"accept_delivery", "return_delivery"}
    response = requester.post(f"/requests/{fr.pk}/actions/return_delivery/", {"reason": "North end missing"}, follow=True)
    fr.refresh_from_db()
    assert fr.status == RequestStatus.REWORK and "North end missing" in response.content.decode()
    _as(client, cast.contractor).post(f"/requests/{fr.pk}/actions/deliver/", {"reason": "North end added"})
    _as(client, cast.requester).post(f"/requests/{fr.pk}/actions/accept_delivery/", {})
    fr.refresh_from_db()
    assert fr.status == RequestStatus.COMPLETED
    assert fr.orders.get().status == OrderStatus.COMPLETED


def test_reschedule_and_cancel_need_a_reason(client, cast, airspace_data):
    fr = _confirmed(cast)
    start = timezone.now() + timedelta(days=8)
    services.flight_schedule(actor=cast.contractor, flight_request=fr, now=timezone.now(), scheduled_start=start,
                             scheduled_end=start + timedelta(hours=2), pilot=cast.pilot, aircraft=cast.aircraft,
                             operation=OPERATION)  # fmt: skip
    later = timezone.localtime(start + timedelta(days=2))
    data = {"scheduled_start": later.strftime("%Y-%m-%dT%H:%M"),
            "scheduled_end": (later + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")}  # fmt: skip
    contractor = _as(client, cast.contractor)
    response = contractor.post(f"/requests/{fr.pk}/actions/reschedule/", data, follow=True)
    assert "Reschedule: Reason (e.g. weather): This field is required." in response.content.decode()
    response = contractor.post(f"/requests/{fr.pk}/actions/reschedule/", dict(data, reason="Gales forecast"), follow=True)
    assert "Flight moved to" in response.content.decode(), _messages(response.content.decode())
    flights = list(fr.flights.order_by("created_at"))
    assert [f.status for f in flights] == ["cancelled", "scheduled"] and flights[0].cancel_reason == "Gales forecast"
    requester = _as(client, cast.requester)
    requester.post(f"/requests/{fr.pk}/actions/cancel/", {"reason": ""})
    fr.refresh_from_db()
    assert fr.status == RequestStatus.SCHEDULED
    response = requester.post(f"/requests/{fr.pk}/actions/cancel/", {"reason": "Budget withdrawn"}, follow=True)
    fr.refresh_from_db()
    assert fr.status == RequestStatus.CANCELLED
    timeline = response.content.decode().split('id="timeline"')[1]
    assert "Rescheduled" in timeline and "Gales forecast" in timeline and "Budget withdrawn" in timeline
