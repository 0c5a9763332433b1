"""The workflow actions offered on the request page and taken through it, by role; refusals are
messages on the page (never a 500) and change nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from booking import services
from booking.models import OrderStatus, RequestStatus
from tests.factories import OBAN_SEAFRONT
from tests.surveys.helpers import tus_upload

from .conftest import (
    OPERATION,
    actions_offered,
    approved_request,
    as_user,
    confirmed_request,
    draft_request,
    messages_of,
)

pytestmark = pytest.mark.django_db


def test_actions_offered_are_exactly_the_allowed_ones(client, cast, airspace_data):
    fr = draft_request(cast)
    assert actions_offered(as_user(client, cast.requester), fr) == {"submit", "cancel"}
    assert actions_offered(as_user(client, cast.procurement), fr) == {"cancel"}
    assert actions_offered(as_user(client, cast.policy_officer), fr) == set()
    fr = confirmed_request(cast)
    assert actions_offered(as_user(client, cast.contractor), fr) == {"schedule"}
    assert actions_offered(as_user(client, cast.requester), fr) == {"cancel"}
    assert actions_offered(as_user(client, cast.planner), fr) == set()


def test_submit_and_refuse_with_reason_through_the_page(client, cast, airspace_data):
    fr = draft_request(cast, people_in_view=True)
    response = as_user(client, cast.requester).post(
        f"/requests/{fr.pk}/actions/submit/", follow=True
    )
    assert response.status_code == 200
    fr.refresh_from_db()
    assert fr.status == RequestStatus.REFERRED, "people in view need a policy officer's approval"
    # A refusal needs a reason: without one nothing changes and the page says why.
    client = as_user(client, cast.policy_officer)
    response = client.post(f"/requests/{fr.pk}/actions/refuse/", {"reason": ""}, follow=True)
    assert "Refuse: Reason: This field is required." in response.content.decode()
    fr.refresh_from_db()
    assert fr.status == RequestStatus.REFERRED
    response = client.post(
        f"/requests/{fr.pk}/actions/refuse/", {"reason": "No DPIA for the gardens"}, follow=True
    )
    fr.refresh_from_db()
    assert fr.status == RequestStatus.REFUSED
    text = response.content.decode()
    assert "No DPIA for the gardens" in text.split('id="timeline"')[1] and "Refused" in text


def test_illegal_or_forbidden_action_is_a_message_not_a_500(client, cast):
    fr = draft_request(cast)
    response = as_user(client, cast.procurement).post(
        f"/requests/{fr.pk}/actions/approve/", follow=True
    )
    assert (
        response.status_code == 200
        and "Approve refused: cannot approve" in response.content.decode()
    )
    response = as_user(client, cast.requester).post(
        f"/requests/{fr.pk}/actions/accept/", follow=True
    )
    assert response.status_code == 200 and "Accept order refused" in response.content.decode()
    assert (
        as_user(client, cast.requester)
        .post(f"/requests/{fr.pk}/actions/fly-to-the-moon/")
        .status_code
        == 404
    )
    assert (
        as_user(client, cast.requester).get(f"/requests/{fr.pk}/actions/submit/").status_code == 405
    )
    fr.refresh_from_db()
    assert fr.status == RequestStatus.DRAFT


def test_requester_cannot_approve_own_request_even_as_officer_role(client, cast, airspace_data):
    fr = draft_request(cast, people_in_view=True)
    services.flight_request_submit(actor=cast.requester, flight_request=fr, now=timezone.now())
    response = as_user(client, cast.requester).post(
        f"/requests/{fr.pk}/actions/approve/", follow=True
    )
    assert "refused" in response.content.decode()
    fr.refresh_from_db()
    assert fr.status == RequestStatus.REFERRED


def test_order_accept_schedule_through_the_page(client, cast, airspace_data):
    fr = approved_request(cast)
    response = as_user(client, cast.procurement).post(
        f"/requests/{fr.pk}/actions/order/", {"supplier": str(cast.supplier.pk)}, follow=True
    )
    order = fr.orders.get()
    assert order.status == OrderStatus.OFFERED and order.po_number in response.content.decode()
    client = as_user(client, cast.contractor)
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
    assert fr.status == RequestStatus.SCHEDULED, messages_of(text)
    assert cast.pilot.name in text.split('id="flights"')[1]


def test_spend_limit_needs_override_reason(client, cast, airspace_data):
    cast.budget_code.annual_budget = Decimal("100.00")
    cast.budget_code.save()
    fr = approved_request(cast)
    client = as_user(client, cast.procurement)
    response = client.post(f"/requests/{fr.pk}/actions/order/", {}, follow=True)
    assert (
        "Place order refused" in response.content.decode()
        and "EST-001" in response.content.decode()
    )
    assert not fr.orders.exists()
    client.post(
        f"/requests/{fr.pk}/actions/order/", {"override_reason": "Urgent sea wall inspection"}
    )
    order = fr.orders.get()
    assert order.override_reason == "Urgent sea wall inspection"


def test_decline_passes_order_to_next_supplier(client, cast, airspace_data):
    fr = approved_request(cast)
    services.flight_request_order(
        actor=cast.procurement, flight_request=fr, now=timezone.now(), supplier=cast.supplier
    )
    response = as_user(client, cast.contractor).post(
        f"/requests/{fr.pk}/actions/decline/", {"reason": "No pilot free that week"}, follow=True
    )
    assert response.status_code == 200
    fr.refresh_from_db()
    assert fr.current_order.supplier == cast.other_supplier
    text = as_user(client, cast.other_contractor).get("/").content.decode()
    assert fr.reference in text.split('id="orders-to-accept"')[1].split("</section>")[0]


def test_survey_link_when_a_survey_exists(client, cast, airspace_data):
    from surveys.models import Site, Survey

    fr = approved_request(cast)
    site = Site.objects.create(
        name="Oban seafront", geometry=OBAN_SEAFRONT, organisation=cast.organisation
    )
    survey = Survey.objects.create(site=site, flight_request=fr)
    text = as_user(client, cast.requester).get(f"/requests/{fr.pk}/").content.decode()
    assert f'href="/surveys/{survey.pk}/"' in text


def test_fly_deliver_return_and_accept_through_the_page(client, cast, airspace_data, shared_data):
    fr = confirmed_request(cast)
    start = fr.window_start + timedelta(days=1, hours=1)  # in daylight: no night sign-off to wait for
    services.flight_schedule(actor=cast.contractor, flight_request=fr, now=timezone.now(), scheduled_start=start,
                             scheduled_end=start + timedelta(hours=2), pilot=cast.pilot, aircraft=cast.aircraft,
                             operation=OPERATION)  # fmt: skip
    contractor = as_user(client, cast.contractor)
    assert {"preflight_check", "reschedule"} <= actions_offered(contractor, fr)
    # The day-of-flight check needs at least one observation; with them, it is recorded.
    response = contractor.post(f"/requests/{fr.pk}/actions/preflight_check/", {}, follow=True)
    assert "Day-of-flight check refused" in response.content.decode()
    response = contractor.post(f"/requests/{fr.pk}/actions/preflight_check/",
                               {"mean_wind_ms": "4.5", "gust_ms": "7", "visibility_km": "20"}, follow=True)  # fmt: skip
    assert "Day-of-flight check recorded" in response.content.decode(), messages_of(
        response.content.decode()
    )
    # The page records a flight only once it has started (not 8 days ahead): record it as of after the flight.
    flown = timezone.localtime(start)
    services.flight_record(actor=cast.contractor, flight_request=fr, now=start + timedelta(hours=3),
                           flight_log={"took_off_at": flown.isoformat(),
                                       "landed_at": (flown + timedelta(minutes=40)).isoformat(),
                                       "notes": "Two batteries"})  # fmt: skip
    fr.refresh_from_db()
    assert fr.status == RequestStatus.FLOWN
    page = contractor.get(f"/requests/{fr.pk}/").content.decode()
    assert "Two batteries" in page.split('id="flights"')[1]
    assert f'action="/requests/{fr.pk}/survey/"' in page.split('id="delivery"')[1]
    # No bare "Mark delivered": the request page leads to the flown flight's survey, where the files go.
    assert "deliver" not in actions_offered(contractor, fr)
    assert contractor.post(f"/requests/{fr.pk}/actions/deliver/", {"reason": "x"}).status_code == 404
    opened = contractor.post(f"/requests/{fr.pk}/survey/")
    survey = fr.surveys.get()
    assert opened.status_code == 302 and opened["Location"] == f"/surveys/{survey.pk}/#upload"
    assert survey.flight.status == "flown" and survey.supplier_id == cast.supplier.pk
    # Declaring the delivery before any file is stored is refused; the request stays flown.
    contractor.post(f"/surveys/{survey.pk}/deliver/")
    fr.refresh_from_db()
    assert fr.status == RequestStatus.FLOWN and fr.orders.get().status == OrderStatus.ACCEPTED
    photo = (shared_data / "drone" / "caliterra-half" / "IMG_9354.jpg").read_bytes()
    assert tus_upload(contractor, survey.pk, "IMG_9354.jpg", photo).status_code == 204
    contractor.post(f"/surveys/{survey.pk}/deliver/")
    fr.refresh_from_db()
    assert fr.status == RequestStatus.DELIVERED and fr.orders.get().status == OrderStatus.DELIVERED
    requester = as_user(client, cast.requester)
    assert actions_offered(requester, fr) == {"accept_delivery", "return_delivery"}
    response = requester.post(
        f"/requests/{fr.pk}/actions/return_delivery/", {"reason": "North end missing"}, follow=True
    )
    fr.refresh_from_db()
    assert fr.status == RequestStatus.REWORK and "North end missing" in response.content.decode()
    # Rework: the same button leads back to the same survey; delivered again from there.
    contractor = as_user(client, cast.contractor)
    assert contractor.post(f"/requests/{fr.pk}/survey/")["Location"] == f"/surveys/{survey.pk}/#upload"
    contractor.post(f"/surveys/{survey.pk}/deliver/")
    fr.refresh_from_db()
    assert fr.status == RequestStatus.DELIVERED
    # The Caliterra photo is not of Oban: the conformance check fails, so accepting needs a reason.
    requester = as_user(client, cast.requester)
    response = requester.post(f"/requests/{fr.pk}/actions/accept_delivery/", {}, follow=True)
    assert "give a reason for accepting it" in response.content.decode()
    fr.refresh_from_db()
    assert fr.status == RequestStatus.DELIVERED
    requester.post(f"/requests/{fr.pk}/actions/accept_delivery/", {"reason": "Checked by eye; fine"})
    fr.refresh_from_db()
    assert fr.status == RequestStatus.COMPLETED
    assert fr.orders.get().status == OrderStatus.COMPLETED
    accepted = fr.audit_events.get(action="accept_delivery")
    assert accepted.reason == "Checked by eye; fine" and accepted.data["conformance"] == "needs_review"


def test_reschedule_and_cancel_need_a_reason(client, cast, airspace_data):
    fr = confirmed_request(cast)
    start = timezone.now() + timedelta(days=8)
    services.flight_schedule(actor=cast.contractor, flight_request=fr, now=timezone.now(), scheduled_start=start,
                             scheduled_end=start + timedelta(hours=2), pilot=cast.pilot, aircraft=cast.aircraft,
                             operation=OPERATION)  # fmt: skip
    later = timezone.localtime(start + timedelta(days=2))
    data = {"scheduled_start": later.strftime("%Y-%m-%dT%H:%M"),
            "scheduled_end": (later + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")}  # fmt: skip
    contractor = as_user(client, cast.contractor)
    response = contractor.post(f"/requests/{fr.pk}/actions/reschedule/", data, follow=True)
    assert "Reschedule: Reason (e.g. weather): This field is required." in response.content.decode()
    response = contractor.post(
        f"/requests/{fr.pk}/actions/reschedule/", dict(data, reason="Gales forecast"), follow=True
    )
    assert "Flight moved to" in response.content.decode(), messages_of(response.content.decode())
    flights = list(fr.flights.order_by("created_at"))
    assert [f.status for f in flights] == ["cancelled", "scheduled"] and flights[
        0
    ].cancel_reason == "Gales forecast"
    requester = as_user(client, cast.requester)
    requester.post(f"/requests/{fr.pk}/actions/cancel/", {"reason": ""})
    fr.refresh_from_db()
    assert fr.status == RequestStatus.SCHEDULED
    response = requester.post(
        f"/requests/{fr.pk}/actions/cancel/", {"reason": "Budget withdrawn"}, follow=True
    )
    fr.refresh_from_db()
    assert fr.status == RequestStatus.CANCELLED
    timeline = response.content.decode().split('id="timeline"')[1]
    assert (
        "Rescheduled" in timeline
        and "Gales forecast" in timeline
        and "Budget withdrawn" in timeline
    )
