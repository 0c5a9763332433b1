"""Suppliers see only their own: which supplier each audit event and stored policy check concerns, what a
contractor reads of them, and the cost a contractor is shown. (The end-to-end content check of every page
and endpoint over a request passed between suppliers is in tests/test_visibility_matrix.py.)"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from booking import services
from booking.models import AuditEvent, RateCard, RequestStatus
from booking.selectors import SUPPLIER_EVENT_ACTIONS, shown_event_data
from policy.models import PolicyCheck
from tests.factories import GOOD_OPERATION

pytestmark = pytest.mark.django_db
S = RequestStatus
API = "/api/v1"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def audit_of(user, fr) -> list[dict]:
    response = client_for(user).get(f"{API}/requests/{fr.reference}/audit/")
    assert response.status_code == 200, response.content
    return response.json()


def test_every_event_about_a_suppliers_work_names_that_supplier(cast, make_request):
    fr = make_request(S.COMPLETED)
    events = list(fr.audit_events.all())
    about_work = [e for e in events if e.action in SUPPLIER_EVENT_ACTIONS]
    assert {e.action for e in about_work} >= {"order", "accept", "schedule", "record_flight", "deliver",
                                              "accept_delivery"}  # fmt: skip
    assert all(e.supplier_id == cast.supplier.pk for e in about_work), [
        (e.action, e.supplier_id) for e in about_work
    ]
    for_everyone = [e for e in events if e.action in {"create", "submit", "policy_check", "approve"}]
    assert for_everyone and all(e.supplier_id is None for e in for_everyone)
    # The stored checks of the scheduled and flown flight hold the supplier's records and name it.
    checks = PolicyCheck.objects.filter(flight_request=fr)
    assert {c.stage for c in checks} >= {"submission", "scheduling", "day_of_flight"}
    for check in checks:
        expected = None if check.stage == "submission" else cast.supplier.pk
        assert check.supplier_id == expected, (check.stage, check.supplier_id)
        assert ("operator" in check.plan) == (expected is not None)


def test_a_quote_is_read_by_procurement_and_its_supplier_only(cast, make_request, now):
    fr = make_request(S.APPROVED)
    services.quote_add(actor=cast.procurement, flight_request=fr, now=now, supplier=cast.other_supplier,
                       amount=Decimal("4321.09"))  # fmt: skip
    services.flight_request_order(actor=cast.procurement, flight_request=fr, now=now)
    event = fr.audit_events.get(action="quote")
    assert event.supplier_id == cast.other_supplier.pk
    # Skyview holds the order: it reads the request but not Hebridean's quote.
    assert not [e for e in audit_of(cast.contractor, fr) if e["action"] == "quote"]
    # Council readers other than procurement see that a quote was recorded, not its amount.
    for reader in (cast.requester, cast.policy_officer):
        (quote,) = [e for e in audit_of(reader, fr) if e["action"] == "quote"]
        assert "amount" not in quote["data"] and quote["data"]["supplier"] == cast.other_supplier.name
    (quote,) = [e for e in audit_of(cast.procurement, fr) if e["action"] == "quote"]
    assert quote["data"]["amount"] == "4321.09"


def test_a_decline_is_the_decliners_and_the_new_offer_the_next_suppliers(cast, make_request, now):
    fr = make_request(S.ORDERED)
    first = fr.current_order
    new = services.order_decline(actor=cast.contractor, flight_request=fr, now=now, reason="no pilot free")
    assert new is not None and new.supplier == cast.other_supplier
    decline = fr.audit_events.get(action="decline")
    offer = fr.audit_events.get(action="offer")
    assert decline.supplier_id == cast.supplier.pk and offer.supplier_id == cast.other_supplier.pk
    assert cast.other_supplier.name not in str(decline.data) and str(new.value) not in str(decline.data)
    assert offer.data["po_number"] == new.po_number and offer.data["value"] == str(new.value)
    declined_reads = str(audit_of(cast.contractor, fr))
    assert "no pilot free" in declined_reads and first.po_number in declined_reads
    assert new.po_number not in declined_reads and cast.other_supplier.name not in declined_reads
    winner_reads = str(audit_of(cast.other_contractor, fr))
    assert new.po_number in winner_reads
    assert "no pilot free" not in winner_reads and cast.supplier.name not in winner_reads
    assert first.po_number not in winner_reads
    # The request's cost as each reads it: its own order's value.
    for user, order in ((cast.contractor, first), (cast.other_contractor, new)):
        body = client_for(user).get(f"{API}/requests/{fr.reference}/").json()
        assert Decimal(body["estimated_cost"]) == order.value
        assert [o["po_number"] for o in body["orders"]] == [order.po_number]
        listed = client_for(user).get(f"{API}/requests/").json()
        rows = listed.get("results", listed)
        assert [Decimal(r["estimated_cost"]) for r in rows if r["reference"] == fr.reference] == [order.value]
    body = client_for(cast.requester).get(f"{API}/requests/{fr.reference}/").json()
    assert Decimal(body["estimated_cost"]) == fr.estimated_cost and len(body["orders"]) == 2


def test_an_offer_the_next_supplier_could_not_take_is_that_suppliers(cast, make_request, now):
    RateCard.objects.filter(supplier=cast.other_supplier).update(per_session=Decimal("90000.00"))
    fr = make_request(S.ORDERED)
    assert services.order_decline(actor=cast.contractor, flight_request=fr, now=now, reason="busy") is None
    fr.refresh_from_db()
    assert fr.status == S.APPROVED
    failed = fr.audit_events.get(action="offer_failed")
    assert failed.supplier_id == cast.other_supplier.pk and "exceed" in failed.data["note"]
    assert cast.other_supplier.name not in str(fr.audit_events.get(action="decline").data)
    assert cast.other_supplier.name not in str(audit_of(cast.contractor, fr))
    assert [e["action"] for e in audit_of(cast.admin, fr)].count("offer_failed") == 1


def test_untagged_events_about_a_suppliers_work_are_shown_to_no_contractor(cast, make_request, now):
    """Events written before events named their supplier may name any supplier: no contractor reads them."""
    fr = make_request(S.CONFIRMED)
    AuditEvent.objects.create(
        flight_request=fr, created_at=now, action="order", from_state=S.APPROVED, to_state=S.ORDERED,
        data={"supplier": cast.other_supplier.name, "value": "777.77"},
    )  # fmt: skip
    assert "777.77" not in str(audit_of(cast.contractor, fr))
    assert "777.77" in str(audit_of(cast.procurement, fr))
    # An untagged event of any other kind is read, less any rate-card figure.
    (create,) = [e for e in audit_of(cast.contractor, fr) if e["action"] == "create"]
    assert "estimated_cost" not in create["data"]
    (create,) = [e for e in audit_of(cast.requester, fr) if e["action"] == "create"]
    assert "estimated_cost" in create["data"]


def test_a_stored_check_of_a_suppliers_plan_is_that_suppliers(cast, make_request):
    fr = make_request(S.SCHEDULED)
    scheduling = PolicyCheck.objects.get(flight_request=fr, stage="scheduling")
    submission = PolicyCheck.objects.get(flight_request=fr, stage="submission")

    def listed(user) -> set[int]:
        body = client_for(user).get(f"{API}/policy/checks/?flight_request={fr.pk}").json()
        return {c["id"] for c in body.get("results", body)}

    assert listed(cast.contractor) == {scheduling.pk, submission.pk}
    assert client_for(cast.contractor).get(f"{API}/policy/checks/{scheduling.pk}/").status_code == 200
    # A check stored before checks named their supplier, whose plan holds a supplier's records: no
    # contractor reads it (it could be anyone's); officers still do.
    PolicyCheck.objects.filter(pk=scheduling.pk).update(supplier_id=None)
    assert listed(cast.contractor) == {submission.pk}
    assert client_for(cast.contractor).get(f"{API}/policy/checks/{scheduling.pk}/").status_code == 404
    assert listed(cast.policy_officer) == {scheduling.pk, submission.pk}
    # Another supplier's check is not read by a contractor of this one, and the page shows the latest
    # check the reader may read.
    PolicyCheck.objects.filter(pk=scheduling.pk).update(supplier_id=cast.other_supplier.pk)
    assert listed(cast.contractor) == {submission.pk}
    client = client_for(cast.contractor)
    client.force_login(cast.contractor)
    page = client.get(f"/requests/{fr.pk}/").content.decode()
    assert f"policy-check-{submission.pk}" in page and f"policy-check-{scheduling.pk}" not in page


ALL_KEYS = {"fields", "estimated_cost", "supplier", "amount"}


@pytest.mark.parametrize(
    ("action", "tagged", "contractor", "reads_quotes", "dropped"),
    [
        ("create", False, True, False, {"estimated_cost"}),  # a rate-card figure, to a contractor
        ("create", False, False, False, set()),
        ("quote", True, True, False, set()),  # the quoting supplier's own quote
        ("quote", False, False, False, {"amount"}),  # a requester, planner or policy officer
        ("quote", False, False, True, set()),  # procurement, administrators
        ("order", True, True, False, set()),  # the supplier's own event
    ],
)
def test_shown_event_data(action, tagged, contractor, reads_quotes, dropped):
    data = {"fields": ["x"], "estimated_cost": "1.00", "supplier": "S", "amount": "2.00"}
    shown = shown_event_data(
        data, action=action, tagged=tagged, contractor=contractor, reads_quotes=reads_quotes
    )
    assert set(shown) == ALL_KEYS - dropped and set(data) == ALL_KEYS  # the input is left as it was


def test_declining_on_the_page_tells_the_decliner_nothing_of_the_next_supplier(client, cast, make_request):
    RateCard.objects.filter(supplier=cast.other_supplier).update(per_session=Decimal("587.00"))
    fr = make_request(S.ORDERED)
    client.force_login(cast.contractor)
    response = client.post(f"/requests/{fr.pk}/actions/decline/", {"reason": "no pilot free"}, follow=True)
    assert response.status_code == 200
    new = fr.current_order
    assert new is not None and new.supplier == cast.other_supplier
    text = response.content.decode()
    assert "Order declined; it passes to the next supplier on the lot." in text and "no pilot free" in text
    for needle in (new.po_number, cast.other_supplier.name, str(new.value)):
        assert needle not in text, needle


def test_checks_stored_before_they_named_their_supplier_are_given_it_by_the_migration(cast, make_request):
    from importlib import import_module

    from django.apps import apps

    backfill = import_module("policy.migrations.0004_policycheck_supplier_backfill")
    fr = make_request(S.SCHEDULED)
    PolicyCheck.objects.filter(flight_request=fr).update(supplier_id=None)
    backfill.name_suppliers(apps, None)
    named = dict(PolicyCheck.objects.filter(flight_request=fr).values_list("stage", "supplier_id"))
    assert named == {"submission": None, "scheduling": cast.supplier.pk}


def test_a_flight_awaiting_sign_off_is_the_holders_to_read(client, cast, make_request, now):
    """The winner's flight referred at scheduling (night): its findings are not the decliner's to read."""
    fr = make_request(S.ORDERED)
    services.order_decline(actor=cast.contractor, flight_request=fr, now=now, reason="no pilot free")
    services.order_accept(actor=cast.other_contractor, flight_request=fr, now=now)
    fr.refresh_from_db()
    night = fr.window_start + timedelta(hours=12)
    flight = services.flight_schedule(
        actor=cast.other_contractor, flight_request=fr, now=now, scheduled_start=night,
        scheduled_end=night + timedelta(minutes=30), pilot=cast.other_pilot, aircraft=cast.other_aircraft,
        operation={**GOOD_OPERATION, "night_procedures": False},
    )  # fmt: skip
    assert flight.awaits_signoff, flight.signoff_rules
    winner = client_for(cast.other_contractor).get(f"{API}/requests/{fr.reference}/").json()
    assert winner["awaiting_signoff"] and winner["signoff_findings"]
    decliner = client_for(cast.contractor).get(f"{API}/requests/{fr.reference}/").json()
    assert not decliner["awaiting_signoff"] and decliner["signoff_findings"] == []
    assert decliner["flights"] == [] and cast.other_pilot.name not in str(decliner)
    client.force_login(cast.contractor)
    page = client.get(f"/requests/{fr.pk}/").content.decode()
    assert cast.other_pilot.name not in page and cast.other_pilot.flyer_id not in page
    assert "Awaits a policy officer" not in page
