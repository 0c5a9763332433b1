"""The request page for procurement's quotes, a policy officer's sign-off of a flight the scheduling
check referred, and the documents and permissions the request form records."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from booking import services
from booking.models import FlightRequest, OrderStatus, Quote, RequestStatus

from .conftest import (
    OPERATION,
    actions_offered,
    approved_request,
    as_user,
    draft_request,
    messages_of,
)
from .test_booking_pages import _form_data

pytestmark = pytest.mark.django_db


def test_procurement_records_quotes_and_orders_on_one(client, cast, airspace_data):
    fr = approved_request(cast)
    officer = as_user(client, cast.procurement)
    assert {"quote", "order"} <= actions_offered(officer, fr)
    response = officer.post(
        f"/requests/{fr.pk}/actions/quote/",
        {"supplier": cast.other_supplier.pk, "amount": "12345.5", "notes": "two days on site"},
        follow=True,
    )
    text = response.content.decode()
    assert "£12,345.50" in messages_of(text)
    assert "£12,345.50" in text.split('id="quotes"')[1] and "two days on site" in text
    quote = Quote.objects.get(flight_request=fr)
    response = officer.post(
        f"/requests/{fr.pk}/actions/order/", {"quote": quote.pk, "override_reason": ""}, follow=True
    )
    order = fr.orders.get()
    assert order.supplier == cast.other_supplier and order.value == quote.amount
    assert order.status == OrderStatus.OFFERED and "£12,345.50" in messages_of(
        response.content.decode()
    )
    assert "action-quote" not in officer.get(f"/requests/{fr.pk}/").content.decode()


def test_only_procurement_records_a_quote(client, cast, airspace_data):
    fr = approved_request(cast)
    requester = as_user(client, cast.requester)
    assert "quote" not in actions_offered(requester, fr)
    body = {"supplier": cast.supplier.pk, "amount": "900"}
    response = requester.post(f"/requests/{fr.pk}/actions/quote/", body, follow=True)
    assert "only procurement records quotes" in messages_of(response.content.decode())
    response = as_user(client, cast.procurement).post(
        f"/requests/{fr.pk}/actions/quote/", {"supplier": cast.supplier.pk, "amount": "-5"},
        follow=True,
    )  # fmt: skip
    assert "Quoted amount (£, excluding VAT): Ensure" in messages_of(response.content.decode())
    assert not Quote.objects.exists()


def test_an_officer_signs_off_a_flight_the_scheduling_check_referred(client, cast, airspace_data):
    now = timezone.now()
    day = (now + timedelta(days=3)).date()
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    fr = draft_request(
        cast, people_in_view=True, window_start=noon, window_end=noon + timedelta(days=1)
    )
    services.flight_request_submit(actor=cast.requester, flight_request=fr, now=now)
    services.flight_request_approve(actor=cast.policy_officer, flight_request=fr, now=now)
    services.flight_request_order(actor=cast.procurement, flight_request=fr, now=now)
    services.order_accept(actor=cast.contractor, flight_request=fr, now=now)
    midnight = noon + timedelta(hours=11)
    flight = services.flight_schedule(
        actor=cast.contractor, flight_request=fr, now=now, scheduled_start=midnight,
        scheduled_end=midnight + timedelta(minutes=30), pilot=cast.pilot, aircraft=cast.aircraft,
        operation={**OPERATION, "night_procedures": False},
    )  # fmt: skip
    assert "LGT-01" in flight.signoff_rules
    officer = as_user(client, cast.policy_officer)
    dashboard = officer.get("/").content.decode().split('id="flights-to-sign-off"')[1]
    assert fr.reference in dashboard.split("</section>")[0]
    assert {"approve_flight", "refuse_flight"} <= actions_offered(officer, fr)
    contractor_offers = actions_offered(as_user(client, cast.contractor), fr)
    assert "record_flight" not in contractor_offers and "preflight_check" in contractor_offers
    text = client.get(f"/requests/{fr.pk}/").content.decode()
    assert "Awaits a policy officer" in text
    as_user(client, cast.requester).post(f"/requests/{fr.pk}/actions/approve_flight/", {})
    flight.refresh_from_db()
    assert flight.awaits_signoff
    response = as_user(client, cast.policy_officer).post(
        f"/requests/{fr.pk}/actions/approve_flight/", {"reason": "lit and briefed"}, follow=True
    )
    assert "Flight signed off" in messages_of(response.content.decode())
    flight.refresh_from_db()
    assert flight.signed_off_by == cast.policy_officer
    assert "record_flight" in actions_offered(as_user(client, cast.contractor), fr)


def test_the_form_records_every_document_and_permission_and_the_page_reads_them(client, cast):
    data = _form_data(
        cast, doc_rams="RAMS-7", doc_roads_consent="RD-22", retention_days="30", doc_blurring="on",
        doc_notify_police="on", restricted_permission="MOD-R-1", restricted_zone="EG R610",
        frz_permission="CBT-FRZ-9",
    )  # fmt: skip
    client = as_user(client, cast.requester)
    response = client.post("/requests/new/", data, follow=True)
    fr = FlightRequest.objects.get(site_name="Kerrera ferry slip")
    assert fr.documents == {
        "rams": "RAMS-7", "roads_consent": "RD-22", "retention_days": 30, "blurring": True,
        "flight_log_commitment": False,
        "notifications": {"police": True, "residents": False, "aerodrome": False},
    }  # fmt: skip
    assert fr.permissions == [
        {"kind": "frz", "zone": "", "reference": "CBT-FRZ-9"},
        {"kind": "restricted", "zone": "EG R610", "reference": "MOD-R-1"},
    ]
    details = response.content.decode().split('id="documents"')[1].split("</dd>")[0]
    assert "Roads team consent: RD-22" in details and "Told before the flight: police" in details
    assert "{" not in details and "True" not in details
    edit = client.get(f"/requests/{fr.pk}/edit/").content.decode()
    assert 'value="MOD-R-1"' in edit and 'value="EG R610"' in edit and 'value="RD-22"' in edit
    assert client.post(f"/requests/{fr.pk}/edit/", {**data, "max_height_m": "70"}).status_code == 302
    fr.refresh_from_db()
    assert fr.max_height_m == 70 and fr.documents["notifications"]["police"]
    assert json.dumps(fr.permissions).count("MOD-R-1") == 1 and fr.status == RequestStatus.DRAFT
