"""Browser: the policy cannot be walked around by rescheduling. A night reschedule of an approved
request waits for a policy officer's sign-off before it can be recorded; a slot outside the approved
window is refused with its reason; a flight cannot be recorded before it starts. The scheduling form
shows the sun and night times of the chosen day at the site."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from booking import services
from booking.models import FlightStatus, RequestStatus
from tests.factories import GOOD_OPERATION, PASSWORD, load_test_airspace, make_cast
from tests.web.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _local(value: datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def _confirmed(cast):
    now = timezone.now()
    load_test_airspace(today=timezone.localdate())
    fr = services.flight_request_create(actor=cast.requester, now=now, **cast.request_fields(now=now))
    fr = services.flight_request_submit(actor=cast.requester, flight_request=fr, now=now)
    if fr.status == RequestStatus.REFERRED:
        fr = services.flight_request_approve(actor=cast.policy_officer, flight_request=fr, now=now,
                                             reason="Daytime flying only; night flying not permitted")
    services.flight_request_order(actor=cast.procurement, flight_request=fr, now=now, supplier=cast.supplier)
    services.order_accept(actor=cast.contractor, flight_request=fr, now=now)
    fr.refresh_from_db()
    assert fr.status == RequestStatus.CONFIRMED
    return fr


def _schedule_midday(cast, fr):
    day = (fr.window_start + timedelta(days=1)).date()
    start = datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)
    return services.flight_schedule(
        actor=cast.contractor, flight_request=fr, now=timezone.now(), scheduled_start=start,
        scheduled_end=start + timedelta(minutes=40), pilot=cast.pilot, aircraft=cast.aircraft,
        operation=dict(GOOD_OPERATION),
    )


def _open(page, live_server, fr):
    page.goto(f"{live_server.url}/requests/{fr.pk}/")


@pytest.mark.django_db(transaction=True)
def test_a_night_reschedule_awaits_an_officers_sign_off_before_it_can_be_recorded(page, live_server):
    cast = make_cast()
    fr = _confirmed(cast)
    _schedule_midday(cast, fr)
    nxt = (fr.window_start + timedelta(days=1)).date()
    midnight = datetime(nxt.year, nxt.month, nxt.day, 0, 0, tzinfo=UTC)  # night at Oban in any season

    login(page, live_server.url, cast.contractor.username, PASSWORD)
    _open(page, live_server, fr)
    assert page.locator("#action-record_flight").count() == 1  # the daytime slot may be flown
    form = page.locator("#action-reschedule")
    form.locator('[name="scheduled_start"]').fill(_local(midnight))
    form.locator('[name="scheduled_end"]').fill(_local(midnight + timedelta(minutes=40)))
    form.locator('[name="reason"]').fill("Low cloud all day")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")

    heading = page.locator("#policy-heading").inner_text()
    assert "awaiting a policy officer's sign-off" in heading
    assert "LGT-01" in page.locator("#policy-officer").inner_text()
    assert "Awaits a policy officer's sign-off" in page.locator("#flights").inner_text()
    assert page.locator("#action-record_flight").count() == 0  # cannot be recorded
    assert page.locator("#action-approve_flight").count() == 0  # nor signed off by the contractor

    login(page, live_server.url, cast.requester.username, PASSWORD)
    page.goto(f"{live_server.url}/requests/")
    assert "awaiting sign-off" in page.locator(f"tr:has(a:text('{fr.reference}'))").inner_text()

    login(page, live_server.url, cast.policy_officer.username, PASSWORD)
    _open(page, live_server, fr)
    page.locator("#action-approve_flight button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    assert "Flight signed off" in page.locator(".messages").inner_text()

    login(page, live_server.url, cast.contractor.username, PASSWORD)
    _open(page, live_server, fr)
    assert page.locator("#action-record_flight").count() == 1
    assert "cleared to fly" in page.locator("#policy-heading").inner_text()
    assert page.js_errors == []


@pytest.mark.django_db(transaction=True)
def test_a_slot_outside_the_approved_window_is_refused_with_its_reason(page, live_server):
    cast = make_cast()
    fr = _confirmed(cast)
    login(page, live_server.url, cast.contractor.username, PASSWORD)
    _open(page, live_server, fr)
    form = page.locator("#action-schedule")
    form.locator('[name="pilot"]').select_option(str(cast.pilot.pk))
    form.locator('[name="aircraft"]').select_option(str(cast.aircraft.pk))

    inside = fr.window_start + timedelta(days=1, hours=2)
    form.locator('[name="scheduled_start"]').fill(_local(inside))
    form.locator('[name="scheduled_start"]').dispatch_event("change")
    chosen = page.locator("#daylight-chosen").inner_text()
    assert "sunrise" in chosen and "sunset" in chosen and "night starts" in chosen
    assert page.locator("#daylight tr.chosen").count() == 1

    late = fr.window_end + timedelta(days=6)
    form.locator('[name="scheduled_start"]').fill(_local(late))
    form.locator('[name="scheduled_start"]').dispatch_event("change")
    assert "outside the approved window" in page.locator("#daylight-chosen").inner_text()
    form.locator('[name="scheduled_end"]').fill(_local(late + timedelta(hours=1)))
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    message = page.locator(".messages").inner_text()
    assert "Schedule refused" in message and "outside the approved window" in message
    fr.refresh_from_db()
    assert fr.status == RequestStatus.CONFIRMED and not fr.flights.exists()
    assert fr.audit_events.filter(action="schedule_refused").count() == 1
    assert page.js_errors == []


@pytest.mark.django_db(transaction=True)
def test_a_flight_cannot_be_recorded_before_it_starts(page, live_server):
    cast = make_cast()
    fr = _confirmed(cast)
    flight = _schedule_midday(cast, fr)
    login(page, live_server.url, cast.contractor.username, PASSWORD)
    _open(page, live_server, fr)
    form = page.locator("#action-record_flight")
    form.locator('[name="took_off_at"]').fill(_local(flight.scheduled_start))
    form.locator('[name="landed_at"]').fill(_local(flight.scheduled_start + timedelta(minutes=30)))
    form.locator('[name="mean_wind_ms"]').fill("4")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    message = page.locator(".messages").inner_text()
    assert "Record flight refused" in message and "before it starts" in message
    flight.refresh_from_db()
    assert flight.status == FlightStatus.SCHEDULED
    assert page.js_errors == []
