"""Recharge statements (CSV, PDF), the iCalendar feed, the OpenAPI schema and the demo seed."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from icalendar import Calendar
from rest_framework.test import APIClient

from booking.models import AuditEvent, BudgetCode, FlightRequest, Profile, RequestStatus, Role
from notify.models import OutboxEmail
from tests.factories import password_hash

from .conftest import advance, new_request

pytestmark = pytest.mark.django_db
S = RequestStatus
API = "/api/v1"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def partner_cast(cast):
    user = get_user_model().objects.create(
        username="nhs", email="nhs@example.org", password=password_hash("x")
    )
    Profile.objects.create(user=user, role=Role.REQUESTER, organisation=cast.partner)
    return dataclasses.replace(
        cast, requester=user, budget_code=BudgetCode.objects.get(code="NHS-001")
    )


def test_recharge_statement_csv_and_pdf(partner_cast, now):
    c = partner_cast
    delivered = advance(c, new_request(c, now), S.DELIVERED, now)
    advance(c, new_request(c, now), S.ORDERED, now)  # committed only: not recharged
    order = delivered.orders.get()
    day = order.delivered_at.date()
    url = f"{API}/recharge/{c.partner.pk}/?start={day - timedelta(days=1)}&end={day}"
    response = client_for(c.procurement).get(url + "&output=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:2] == ["organisation", "NHS Highland"]
    assert rows[2][0] == order.po_number and rows[2][-1] == f"{order.value:.2f}"
    assert rows[-1] == ["total", "", "", "", "", "", "", f"{order.value:.2f}"]
    pdf = client_for(c.requester).get(
        url + "&output=pdf"
    )  # the partner's own requester may read it
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and len(pdf.content) > 2000
    empty = client_for(c.procurement).get(
        f"{API}/recharge/{c.partner.pk}/?start={day + timedelta(days=1)}"
        f"&end={day + timedelta(days=30)}&output=csv"
    )
    assert list(csv.reader(io.StringIO(empty.content.decode())))[-1][-1] == "0.00"


def test_recharge_refuses_others_and_bad_dates(partner_cast, cast):
    url = f"{API}/recharge/{cast.partner.pk}/"
    assert (
        client_for(cast.requester).get(url + "?start=2026-01-01&end=2026-02-01").status_code == 404
    )
    assert (
        client_for(cast.contractor).get(url + "?start=2026-01-01&end=2026-02-01").status_code == 404
    )
    bad = client_for(cast.procurement).get(url + "?start=2026-02-01&end=2026-01-01")
    assert bad.status_code == 400 and "end" in bad.json()
    assert "start" in client_for(cast.procurement).get(url + "?start=soon&end=2026-01-01").json()


def test_calendar_feed_lists_the_scheduled_flights_of_those_involved(cast, now, make_request):
    fr = make_request(S.SCHEDULED)
    make_request(S.CONFIRMED)  # not scheduled: not in the feed
    flight = fr.flights.get()
    for user, expected in (
        (cast.requester, 1),
        (cast.contractor, 1),
        (cast.procurement, 1),
        (cast.other_contractor, 0),
        (cast.outsider, 0),
    ):
        response = APIClient().get(f"{API}/calendar/{user.profile.calendar_token}.ics")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
        events = Calendar.from_ical(response.content).walk("VEVENT")
        assert len(events) == expected, user
        if expected:
            assert events[0]["dtstart"].dt == flight.scheduled_start
            assert fr.reference in str(events[0]["summary"])
    assert APIClient().get(f"{API}/calendar/not-a-token.ics").status_code == 404
    me = client_for(cast.requester).get(f"{API}/me/").json()
    assert me["role"] == "requester" and me["calendar_url"].endswith(
        f"/calendar/{cast.requester.profile.calendar_token}.ics"
    )


def test_openapi_schema_of_the_booking_api_generates_without_warnings_or_errors():
    """The booking endpoints alone (other apps' endpoints are their owners' tests)."""
    from django.urls import include, path
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.settings import patched_settings
    from drf_spectacular.validation import validate_schema

    from booking.api import ENUM_NAME_OVERRIDES

    GENERATOR_STATS.reset()
    with patched_settings({"ENUM_NAME_OVERRIDES": ENUM_NAME_OVERRIDES}):
        generator = SchemaGenerator(patterns=[path("api/v1/", include("booking.api_urls"))])
        schema = generator.get_schema(request=None, public=True)
    validate_schema(schema)
    assert not GENERATOR_STATS._warn_cache and not GENERATOR_STATS._error_cache, dict(
        GENERATOR_STATS._warn_cache
    )
    for route in (
        "/api/v1/requests/{reference}/schedule/",
        "/api/v1/spend/",
        "/api/v1/calendar/{token}.ics",
        "/api/v1/recharge/{organisation_id}/",
    ):
        assert route in schema["paths"]


def test_seed_demo_is_idempotent_and_goes_through_the_services(capsys):
    from django.utils import timezone

    from tests.factories import load_test_airspace

    load_test_airspace(today=timezone.localdate())  # as after `import_airspace` in `make demo`
    call_command("seed_demo")
    assert not OutboxEmail.objects.exists()  # the demo's own workflow mail is dropped, not sent
    counts = (
        FlightRequest.objects.count(),
        AuditEvent.objects.count(),
        get_user_model().objects.count(),
    )
    call_command("seed_demo")
    assert (
        FlightRequest.objects.count(),
        AuditEvent.objects.count(),
        get_user_model().objects.count(),
    ) == counts
    states = dict(FlightRequest.objects.values_list("description", "status"))
    blocked = [e.data for e in AuditEvent.objects.filter(to_state=S.BLOCKED)]
    assert not blocked, blocked
    by_tag = {d.split("]")[0] + "]": s for d, s in states.items()}
    assert by_tag["[demo:moleigh-landfill]"] == S.DELIVERED
    assert by_tag["[demo:kerrera]"] == S.DRAFT
    assert len(set(states.values())) >= 4
    from demo.seed import demo_request

    moleigh = demo_request("moleigh-landfill")
    assert moleigh.flights.get().status == "flown" and moleigh.orders.get().status == "delivered"
    assert moleigh.audit_events.filter(action="deliver").exists()
    call_command("demo_logins")
    out = capsys.readouterr().out
    assert "requester" in out and "demo-drones-2026" in out
    assert get_user_model().objects.get(username="policy").check_password("demo-drones-2026")
