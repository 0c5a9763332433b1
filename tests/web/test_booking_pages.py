"""The booking pages through Django's test client: each page for each role, the outsider's 404, and
the request form (map widget, GeoJSON/KML upload, bad input named by field, never a 500)."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from booking import services
from booking.models import AuditEvent, FlightRequest, RequestStatus
from tests.factories import OBAN_SEAFRONT, PASSWORD

from .conftest import (
    OPERATION,
    approved_request,
    as_user,
    confirmed_request,
    draft_request,
)

pytestmark = pytest.mark.django_db


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
    fr = draft_request(cast)
    for url in ("/", "/requests/", "/requests/new/", f"/requests/{fr.pk}/", "/spend/", "/profile/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_login_form_signs_in_and_lands_on_dashboard(client, cast):
    response = client.post(
        "/accounts/login/", {"username": "requester", "password": PASSWORD}, follow=True
    )
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
    response = as_user(client, getattr(cast, role)).get("/")
    assert response.status_code == 200
    text = response.content.decode()
    assert heading in text
    assert "Upcoming flights" in text
    assert ("New flight request" in text) == (role in {"requester", "admin"})


def test_dashboard_lists_what_each_role_must_act_on(client, cast, airspace_data):
    referred = services.flight_request_submit(
        actor=cast.requester,
        flight_request=draft_request(cast, people_in_view=True, site_name="Oban bay"),
        now=timezone.now(),
    )
    assert referred.status == RequestStatus.REFERRED
    awaiting = (
        as_user(client, cast.policy_officer)
        .get("/")
        .content.decode()
        .split('id="awaiting-decision"')[1]
    )
    assert referred.reference in awaiting.split("</section>")[0]
    approved = approved_request(cast)
    text = as_user(client, cast.procurement).get("/").content.decode()
    assert approved.reference in text and "Framework ceiling" in text and "EST-001" in text
    services.flight_request_order(actor=cast.procurement, flight_request=approved, now=timezone.now(),
                                  supplier=cast.supplier)  # fmt: skip
    text = as_user(client, cast.contractor).get("/").content.decode()
    assert approved.reference in text.split('id="orders-to-accept"')[1].split("</section>")[0]
    # The other supplier's contractor sees none of it.
    assert (
        approved.reference not in as_user(client, cast.other_contractor).get("/").content.decode()
    )


def test_dashboard_shows_upcoming_flight(client, cast, airspace_data):
    fr = confirmed_request(cast)
    start = timezone.now() + timedelta(days=8)
    services.flight_schedule(actor=cast.contractor, flight_request=fr, now=timezone.now(), scheduled_start=start,
                             scheduled_end=start + timedelta(hours=2), pilot=cast.pilot, aircraft=cast.aircraft,
                             operation=OPERATION)  # fmt: skip
    for user in (cast.requester, cast.contractor, cast.procurement):
        text = as_user(client, user).get("/").content.decode()
        upcoming = text.split('id="upcoming"')[1]
        assert fr.reference in upcoming and cast.pilot.name in upcoming, user.username
    assert fr.reference not in as_user(client, cast.outsider).get("/").content.decode()


def test_request_list_is_scoped_and_filterable(client, cast):
    mine = draft_request(cast, site_name="Campbeltown harbour")
    other = services.flight_request_create(
        actor=cast.outsider, now=timezone.now(),
        **cast.request_fields(site_name="Kerrera", budget_code=cast.other_budget_code),
    )  # fmt: skip
    text = as_user(client, cast.requester).get("/requests/").content.decode()
    assert mine.reference in text and other.reference not in text
    text = (
        as_user(client, cast.procurement).get("/requests/?status=draft&q=Kerrera").content.decode()
    )
    assert other.reference in text and mine.reference not in text
    text = as_user(client, cast.procurement).get("/requests/?status=approved").content.decode()
    assert mine.reference not in text and other.reference not in text
    assert as_user(client, cast.planner).get("/requests/").content.decode().count("FR-") == 0


@pytest.mark.parametrize("role", ["requester", "policy_officer", "procurement", "admin"])
def test_request_page_visible_to_roles(client, cast, role):
    fr = draft_request(cast)
    response = as_user(client, getattr(cast, role)).get(f"/requests/{fr.pk}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert fr.reference in text and "Timeline" in text and "Created" in text
    assert f"£{fr.estimated_cost}" in text and fr.estimated_cost > 0


@pytest.mark.parametrize("role", ["outsider", "other_contractor", "contractor", "planner"])
def test_request_page_is_404_for_those_who_may_not_see_it(client, cast, role):
    fr = draft_request(cast)
    client = as_user(client, getattr(cast, role))
    assert client.get(f"/requests/{fr.pk}/").status_code == 404
    assert client.post(f"/requests/{fr.pk}/actions/submit/").status_code == 404
    assert client.get(f"/requests/{fr.pk}/edit/").status_code == 404
    assert FlightRequest.objects.get(pk=fr.pk).status == RequestStatus.DRAFT


def test_contractor_sees_only_requests_ordered_from_their_supplier(client, cast, airspace_data):
    fr = approved_request(cast)
    services.flight_request_order(
        actor=cast.procurement, flight_request=fr, now=timezone.now(), supplier=cast.supplier
    )
    assert as_user(client, cast.contractor).get(f"/requests/{fr.pk}/").status_code == 200
    assert as_user(client, cast.other_contractor).get(f"/requests/{fr.pk}/").status_code == 404


@pytest.mark.parametrize("role, status", [("procurement", 200), ("admin", 200), ("requester", 404),
                                          ("contractor", 404), ("planner", 404), ("policy_officer", 404)])  # fmt: skip
def test_spend_page_is_for_procurement(client, cast, role, status):
    response = as_user(client, getattr(cast, role)).get("/spend/")
    assert response.status_code == status
    if status == 200:
        text = response.content.decode()
        assert "TEST-FW-1" in text and "EST-001" in text and "NHS Highland" in text


def test_spend_page_shows_committed_order(client, cast, airspace_data):
    fr = approved_request(cast)
    order = services.flight_request_order(actor=cast.procurement, flight_request=fr, now=timezone.now(),
                                          supplier=cast.supplier)  # fmt: skip
    text = as_user(client, cast.procurement).get("/spend/").content.decode()
    assert order.po_number in text
    budgets = text.split('class="spend-budgets"')[1]
    est_row = budgets.split("EST-001")[1].split("</tr>")[0]
    assert f"£{order.value}" in est_row


def test_profile_shows_secret_calendar_feed(client, cast):
    response = as_user(client, cast.contractor).get("/profile/")
    text = response.content.decode()
    token = cast.contractor.profile.calendar_token
    assert response.status_code == 200 and token in text and ".ics" in text
    feed = client.get(reverse("booking-calendar", kwargs={"token": token}))
    assert feed.status_code == 200 and b"BEGIN:VCALENDAR" in feed.content
    # Another user's page never shows this user's token.
    assert token not in as_user(client, cast.requester).get("/profile/").content.decode()


# ---- the request form ----------------------------------------------------------------------------


def test_request_form_renders_map_widget(client, cast):
    text = as_user(client, cast.requester).get("/requests/new/").content.decode()
    assert "data-map-editor" in text and 'name="area"' in text and 'name="area_file"' in text
    assert (
        "EST-001" in text and "RDS-001" not in text
    )  # only the requester's own service's budget codes


def test_request_form_creates_draft_and_shows_estimate(client, cast):
    response = as_user(client, cast.requester).post(
        "/requests/new/", _form_data(cast, people_in_view="on"), follow=True
    )
    assert response.status_code == 200
    fr = FlightRequest.objects.get(site_name="Kerrera ferry slip")
    assert fr.status == RequestStatus.DRAFT and fr.people_in_view and fr.requester == cast.requester
    assert fr.deliverables == ["photos", "orthomosaic"] and fr.max_height_m == 80
    text = response.content.decode()
    assert f"Estimated cost £{fr.estimated_cost}" in text and fr.estimated_cost > Decimal(550)
    assert "Submit for the policy check" in text


def test_request_form_accepts_kml_and_geojson_files(client, cast):
    kml = (
        '<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><Polygon><outerBoundaryIs>'
        "<LinearRing><coordinates>-5.50,56.40,0 -5.49,56.40,0 -5.49,56.41,0 -5.50,56.41,0 -5.50,56.40,0"
        "</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></kml>"
    )
    data = _form_data(cast, area="", site_name="From KML")
    data["area_file"] = SimpleUploadedFile(
        "site.kml", kml.encode(), content_type="application/vnd.google-earth.kml+xml"
    )
    assert as_user(client, cast.requester).post("/requests/new/", data).status_code == 302
    assert FlightRequest.objects.get(site_name="From KML").area["coordinates"][0][0] == [-5.5, 56.4]
    feature = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": OBAN_SEAFRONT}],
    }
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
def test_request_form_bad_input_names_the_field_and_saves_nothing(
    client, cast, overrides, field, words
):
    data = _form_data(cast, **overrides)
    if not overrides.get("deliverables", True):
        data.pop("deliverables")
    response = as_user(client, cast.requester).post("/requests/new/", data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and words in " ".join(errors[field]), errors
    assert not FlightRequest.objects.exists() and not AuditEvent.objects.exists()


def test_request_form_end_before_start(client, cast):
    data = _form_data(cast)
    data["window_end"], data["window_start"] = data["window_start"], data["window_end"]
    response = as_user(client, cast.requester).post("/requests/new/", data)
    assert response.status_code == 400 and "window_end" in response.context["form"].errors


def test_request_form_refuses_another_services_budget_code(client, cast):
    response = as_user(client, cast.requester).post(
        "/requests/new/", _form_data(cast, budget_code=str(cast.other_budget_code.pk))
    )
    assert response.status_code == 400 and "budget_code" in response.context["form"].errors
    assert not FlightRequest.objects.exists()


def test_request_form_is_404_for_roles_that_do_not_request(client, cast):
    for user in (cast.contractor, cast.planner, cast.policy_officer, cast.procurement):
        assert as_user(client, user).get("/requests/new/").status_code == 404


def test_editdraft_request(client, cast):
    fr = draft_request(cast)
    client = as_user(client, cast.requester)
    page = client.get(f"/requests/{fr.pk}/edit/").content.decode()
    assert "Oban seafront" in page and "-5.4745" in page
    data = _form_data(cast, site_name="Oban seafront (north)", max_height_m="60")
    assert client.post(f"/requests/{fr.pk}/edit/", data).status_code == 302
    fr.refresh_from_db()
    assert fr.site_name == "Oban seafront (north)" and fr.max_height_m == 60
    assert fr.audit_events.filter(action="update").exists()


def test_spend_page_recharge_form_downloads_the_partner_statement(client, cast):
    text = as_user(client, cast.procurement).get("/spend/").content.decode()
    section = text.split('id="recharge"')[1].split("</section>")[0]
    action = section.split('action="')[1].split('"')[0]
    assert action == reverse("booking-recharge", kwargs={"organisation_id": cast.partner.pk})
    today = timezone.localdate()
    response = client.get(
        action, {"start": f"{today.year - 1}-04-01", "end": today.isoformat(), "output": "csv"}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
