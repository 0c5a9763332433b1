"""The workflow through the real services and the real policy engine: every transition allowed, and
refused from the wrong state or by the wrong person, with the audit trail and emails."""

from __future__ import annotations

from datetime import timedelta

import pytest

from booking import services
from booking.errors import FieldError, NotAllowedError, PolicyBlockedError, TransitionError
from booking.models import (
    AuditEvent,
    CallOffOrder,
    FlightStatus,
    OrderStatus,
    PolicyOutcome,
    RequestStatus,
)
from booking.transitions import TRANSITIONS
from tests.factories import deliver_through_survey

from .conftest import ORDER, WEATHER_OK, advance, new_request

pytestmark = pytest.mark.django_db
S = RequestStatus


def test_happy_path_to_completed_writes_an_audit_event_per_step(cast, now, make_request):
    fr = make_request(S.COMPLETED)
    actions = list(fr.audit_events.values_list("action", flat=True))
    assert actions == [
        "create",
        "submit",
        "policy_check",
        "approve",
        "order",
        "accept",
        "schedule",
        "record_flight",
        "delivery_declared",  # on the survey of the flown flight, with its stored file
        "conformance_checked",
        "deliver",
        "accept_delivery",
    ]
    trail = list(fr.audit_events.values_list("from_state", "to_state"))
    assert trail[2] == (S.SUBMITTED, S.REFERRED) and trail[-1] == (S.DELIVERED, S.COMPLETED)
    order = fr.orders.get()
    assert order.status == OrderStatus.COMPLETED and order.po_number.startswith("PO-")
    assert fr.flights.get().status == FlightStatus.FLOWN


def test_submission_defers_supplier_evidence_and_refers_for_sign_off(cast, now, make_request):
    fr = make_request(S.REFERRED)
    check = fr.audit_events.get(action="policy_check")
    assert (
        check.data["engine_outcome"] == PolicyOutcome.BLOCKED
    )  # no supplier yet: credentials missing
    assert "REG-01" in check.data["deferred"] and "INS-01" in check.data["deferred"]
    assert (
        fr.policy_outcome == PolicyOutcome.NEEDS_APPROVAL
    )  # GOV-04 sign-off, LGT-01 night in the window
    stored = fr.policy_checks.get()  # the policy app stored the check the audit event refers to
    assert stored.stage == "submission" and check.data["policy_check_id"] == stored.pk


def test_missing_rams_blocks_and_the_requester_revises(cast, now):
    documents = {"dpia": "DPIA-1", "landowner_consent": "LC-1"}
    fr = new_request(cast, now, documents=documents)
    services.flight_request_submit(actor=cast.requester, flight_request=fr, now=now)
    fr.refresh_from_db()
    assert fr.status == S.BLOCKED
    assert any(
        f["rule"] == "GOV-02" for f in fr.audit_events.get(action="policy_check").data["findings"]
    )
    services.flight_request_revise(actor=cast.requester, flight_request=fr, now=now)
    services.flight_request_update(
        actor=cast.requester, flight_request=fr, now=now, documents={**documents, "rams": "RAMS-9"}
    )
    services.flight_request_submit(actor=cast.requester, flight_request=fr, now=now)
    fr.refresh_from_db()
    assert fr.status == S.REFERRED


@pytest.mark.parametrize("action", sorted(a for a in TRANSITIONS if a != "policy_check"))
def test_every_action_is_refused_from_a_state_it_does_not_start_from(
    cast, now, make_request, action
):
    source = next(s for s in ORDER if s not in TRANSITIONS[action].sources)
    fr = make_request(source)
    before = (fr.status, AuditEvent.objects.count(), CallOffOrder.objects.count())
    call = {
        "submit": lambda: services.flight_request_submit(
            actor=cast.requester, flight_request=fr, now=now
        ),
        "approve": lambda: services.flight_request_approve(
            actor=cast.policy_officer, flight_request=fr, now=now
        ),
        "refuse": lambda: services.flight_request_refuse(
            actor=cast.policy_officer, flight_request=fr, now=now, reason="x"
        ),
        "revise": lambda: services.flight_request_revise(
            actor=cast.requester, flight_request=fr, now=now
        ),
        "order": lambda: services.flight_request_order(
            actor=cast.procurement, flight_request=fr, now=now
        ),
        "accept": lambda: services.order_accept(actor=cast.contractor, flight_request=fr, now=now),
        "decline": lambda: services.order_decline(
            actor=cast.contractor, flight_request=fr, now=now, reason="x"
        ),
        "schedule": lambda: services.flight_schedule(
            actor=cast.contractor,
            flight_request=fr,
            now=now,
            scheduled_start=fr.window_start,
            scheduled_end=fr.window_end,
            pilot=cast.pilot,
            aircraft=cast.aircraft,
        ),
        "reschedule": lambda: services.flight_reschedule(
            actor=cast.contractor,
            flight_request=fr,
            now=now,
            scheduled_start=fr.window_start,
            scheduled_end=fr.window_end,
            reason="wind",
        ),
        "approve_flight": lambda: services.flight_approve(
            actor=cast.policy_officer, flight_request=fr, now=now
        ),
        "refuse_flight": lambda: services.flight_refuse(
            actor=cast.policy_officer, flight_request=fr, now=now, reason="x"
        ),
        "preflight_check": lambda: services.flight_preflight_check(
            actor=cast.contractor, flight_request=fr, now=now, weather=WEATHER_OK
        ),
        "record_flight": lambda: services.flight_record(
            actor=cast.contractor, flight_request=fr, now=now, flight_log={"a": 1}
        ),
        "deliver": lambda: services.flight_request_deliver(
            actor=cast.contractor, flight_request=fr, now=now
        ),
        "accept_delivery": lambda: services.flight_request_accept_delivery(
            actor=cast.requester, flight_request=fr, now=now
        ),
        "return_delivery": lambda: services.flight_request_return_delivery(
            actor=cast.requester, flight_request=fr, now=now, reason="x"
        ),
        "cancel": lambda: services.flight_request_cancel(
            actor=cast.requester, flight_request=fr, now=now, reason="x"
        ),
    }[action]
    with pytest.raises(TransitionError, match=f"it is {source}"):
        call()
    fr.refresh_from_db()
    assert (fr.status, AuditEvent.objects.count(), CallOffOrder.objects.count()) == before


@pytest.mark.parametrize(
    "state, who, call",
    [
        (
            S.REFERRED,
            "requester",
            lambda c, fr, now: services.flight_request_approve(
                actor=c.requester, flight_request=fr, now=now
            ),
        ),
        (
            S.REFERRED,
            "contractor",
            lambda c, fr, now: services.flight_request_refuse(
                actor=c.contractor, flight_request=fr, now=now, reason="no"
            ),
        ),
        (
            S.APPROVED,
            "requester",
            lambda c, fr, now: services.flight_request_order(
                actor=c.requester, flight_request=fr, now=now
            ),
        ),
        (
            S.ORDERED,
            "other supplier",
            lambda c, fr, now: services.order_accept(
                actor=c.other_contractor, flight_request=fr, now=now
            ),
        ),
        (
            S.ORDERED,
            "procurement",
            lambda c, fr, now: services.order_accept(
                actor=c.procurement, flight_request=fr, now=now
            ),
        ),
        (
            S.CONFIRMED,
            "requester",
            lambda c, fr, now: services.flight_schedule(
                actor=c.requester,
                flight_request=fr,
                now=now,
                scheduled_start=fr.window_start,
                scheduled_end=fr.window_end,
                pilot=c.pilot,
                aircraft=c.aircraft,
            ),
        ),
        (
            S.DELIVERED,
            "outsider",
            lambda c, fr, now: services.flight_request_accept_delivery(
                actor=c.outsider, flight_request=fr, now=now
            ),
        ),
        (
            S.DELIVERED,
            "contractor",
            lambda c, fr, now: services.flight_request_accept_delivery(
                actor=c.contractor, flight_request=fr, now=now
            ),
        ),
        (
            S.DRAFT,
            "outsider",
            lambda c, fr, now: services.flight_request_submit(
                actor=c.outsider, flight_request=fr, now=now
            ),
        ),
        (
            S.SCHEDULED,
            "planner",
            lambda c, fr, now: services.flight_request_cancel(
                actor=c.planner, flight_request=fr, now=now, reason="x"
            ),
        ),
    ],
)
def test_the_wrong_person_is_refused(cast, now, make_request, state, who, call):
    fr = make_request(state)
    with pytest.raises(NotAllowedError):
        call(cast, fr, now)
    fr.refresh_from_db()
    assert fr.status == state


def test_an_officer_never_approves_their_own_request(cast, now):
    fields = cast.request_fields(now=now)
    fr = services.flight_request_create(
        actor=cast.admin, now=now, organisation=cast.organisation, **fields
    )
    services.flight_request_submit(actor=cast.admin, flight_request=fr, now=now)
    with pytest.raises(NotAllowedError, match="own request"):
        services.flight_request_approve(actor=cast.admin, flight_request=fr, now=now)
    services.flight_request_approve(actor=cast.policy_officer, flight_request=fr, now=now)


def test_refuse_needs_a_reason_and_is_recorded(cast, now, make_request):
    fr = make_request(S.REFERRED)
    with pytest.raises(FieldError) as err:
        services.flight_request_refuse(
            actor=cast.policy_officer, flight_request=fr, now=now, reason="  "
        )
    assert err.value.field == "reason"
    services.flight_request_refuse(
        actor=cast.policy_officer, flight_request=fr, now=now, reason="Too close to school"
    )
    event = fr.audit_events.latest("id")
    assert (event.action, event.to_state, event.reason, event.actor) == (
        "refuse",
        S.REFUSED,
        "Too close to school",
        cast.policy_officer,
    )


def test_decline_passes_to_the_next_supplier_then_back_to_procurement(cast, now, make_request):
    fr = make_request(S.ORDERED)
    assert fr.current_order.supplier == cast.supplier  # rank 1
    new = services.order_decline(
        actor=cast.contractor, flight_request=fr, now=now, reason="No pilot free"
    )
    fr.refresh_from_db()
    assert fr.status == S.ORDERED and new.supplier == cast.other_supplier
    assert fr.orders.get(supplier=cast.supplier).status == OrderStatus.DECLINED
    services.order_decline(actor=cast.other_contractor, flight_request=fr, now=now, reason="Busy")
    fr.refresh_from_db()
    assert fr.status == S.APPROVED and fr.current_order is None
    assert "no supplier left" in fr.audit_events.latest("id").data["note"]


def test_rotation_picks_the_supplier_after_the_last_order(cast, now, make_request):
    cast.lot.selection = "rotation"
    cast.lot.save()
    first = make_request(S.ORDERED)
    second = make_request(S.ORDERED)
    assert first.current_order.supplier == cast.supplier
    assert second.current_order.supplier == cast.other_supplier


def test_order_from_a_quote_or_a_chosen_supplier(cast, now, make_request):
    fr = make_request(S.APPROVED)
    quote = services.quote_add(
        actor=cast.procurement, flight_request=fr, now=now, supplier=cast.other_supplier, amount=700
    )
    order = services.flight_request_order(
        actor=cast.procurement, flight_request=fr, now=now, quote=quote
    )
    assert (order.supplier, order.value) == (cast.other_supplier, 700)


def test_scheduling_checks_pilot_aircraft_and_times(cast, now, make_request):
    fr = make_request(S.CONFIRMED)
    start = fr.window_start
    bad = [
        ({"pilot": cast.other_pilot}, "pilot"),
        ({"aircraft": cast.other_aircraft}, "aircraft"),
        ({"scheduled_end": start - timedelta(hours=1)}, "scheduled_end"),
        ({"scheduled_start": now - timedelta(days=1)}, "scheduled_start"),
    ]
    for override, field in bad:
        kwargs = {
            "scheduled_start": start,
            "scheduled_end": start + timedelta(hours=2),
            "pilot": cast.pilot,
            "aircraft": cast.aircraft,
            **override,
        }
        with pytest.raises(FieldError) as err:
            services.flight_schedule(actor=cast.contractor, flight_request=fr, now=now, **kwargs)
        assert err.value.field == field
    fr.refresh_from_db()
    assert fr.status == S.CONFIRMED and not fr.flights.exists()


def test_scheduling_blocked_by_the_policy_changes_nothing(cast, now, make_request):
    fr = make_request(S.CONFIRMED)
    cast.supplier.insurance_certificates.update(expires_on=now.date() + timedelta(days=1))  # INS-01
    with pytest.raises(PolicyBlockedError) as err:
        services.flight_schedule(
            actor=cast.contractor,
            flight_request=fr,
            now=now,
            scheduled_start=fr.window_start,
            scheduled_end=fr.window_start + timedelta(hours=2),
            pilot=cast.pilot,
            aircraft=cast.aircraft,
            operation={"vlos": True},
        )
    assert "INS-01" in str(err.value)
    fr.refresh_from_db()
    assert fr.status == S.CONFIRMED and not fr.flights.exists()


def test_reschedule_for_weather_keeps_the_old_flight_as_cancelled(cast, now, make_request):
    fr = make_request(S.SCHEDULED)
    old = fr.flights.get()
    new_start = old.scheduled_start + timedelta(days=1)
    flight = services.flight_reschedule(
        actor=cast.contractor,
        flight_request=fr,
        now=now,
        reason="Gale forecast",
        scheduled_start=new_start,
        scheduled_end=new_start + timedelta(hours=2),
    )
    old.refresh_from_db()
    assert old.status == FlightStatus.CANCELLED and old.cancel_reason == "Gale forecast"
    assert flight.scheduled_start == new_start and flight.operation == old.operation
    assert fr.audit_events.latest("id").action == "reschedule"


def test_day_of_flight_weather_over_the_limit_blocks_the_record(cast, now, make_request):
    fr = make_request(S.SCHEDULED)
    windy = {**WEATHER_OK, "mean_wind_ms": 14.0, "gust_ms": 19.0}
    summary = services.flight_preflight_check(
        actor=cast.contractor, flight_request=fr, now=now, weather=windy
    )
    assert summary["outcome"] == PolicyOutcome.BLOCKED
    assert {"WX-01", "WX-02"} <= {f["rule"] for f in summary["findings"]}
    flight = fr.flights.get(status=FlightStatus.SCHEDULED)
    with pytest.raises(PolicyBlockedError):
        services.flight_record(
            actor=cast.contractor,
            flight_request=fr,
            now=flight.scheduled_end,
            flight_log={
                "takeoff": flight.scheduled_start.isoformat(),
                "landing": (flight.scheduled_start + timedelta(minutes=30)).isoformat(),
            },
        )
    fr.refresh_from_db()
    assert fr.status == S.SCHEDULED
    with pytest.raises(FieldError) as err:
        services.flight_preflight_check(
            actor=cast.contractor, flight_request=fr, now=now, weather={"wind": 3}
        )
    assert err.value.field == "weather"


def test_return_for_rework_then_deliver_again(cast, now, make_request):
    fr = make_request(S.DELIVERED)
    services.flight_request_return_delivery(
        actor=cast.requester, flight_request=fr, now=now, reason="Blurred"
    )
    fr.refresh_from_db()
    assert fr.status == S.REWORK
    deliver_through_survey(flight_request=fr, actor=cast.contractor, now=now)
    fr.refresh_from_db()
    assert fr.status == S.DELIVERED
    assert fr.surveys.count() == 1  # delivered again through the same survey of the flown flight


@pytest.mark.parametrize(
    "state", [S.DRAFT, S.REFERRED, S.APPROVED, S.ORDERED, S.CONFIRMED, S.SCHEDULED]
)
def test_cancel_before_the_flight_releases_order_and_flight(cast, now, make_request, state):
    fr = make_request(state)
    services.flight_request_cancel(
        actor=cast.requester, flight_request=fr, now=now, reason="Project dropped"
    )
    fr.refresh_from_db()
    assert fr.status == S.CANCELLED
    assert not fr.orders.filter(status__in=OrderStatus.committed()).exists()
    assert not fr.flights.filter(status=FlightStatus.SCHEDULED).exists()


def test_emails_go_to_whoever_acts_next(cast, now, mailoutbox, send_outbox):
    fr = new_request(cast, now)
    services.flight_request_submit(actor=cast.requester, flight_request=fr, now=now)
    assert mailoutbox == []  # queued in the outbox, sent by the job runner
    send_outbox()
    assert mailoutbox[-1].to == [cast.policy_officer.email] and "Referred" in mailoutbox[-1].subject
    advance(cast, fr, S.ORDERED, now)
    send_outbox()
    assert cast.contractor.email in mailoutbox[-1].to and cast.supplier.email in mailoutbox[-1].to


def test_audit_events_are_append_only(cast, now, make_request):
    fr = make_request(S.DRAFT)
    event = fr.audit_events.get()
    event.reason = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def test_scheduling_without_operation_uses_the_suppliers_standard_operation(
    cast, now, make_request
):
    fr = make_request(S.CONFIRMED)
    flight = services.flight_schedule(
        actor=cast.contractor,
        flight_request=fr,
        now=now,
        scheduled_start=fr.window_start,
        scheduled_end=fr.window_start + timedelta(hours=1),
        pilot=cast.pilot,
        aircraft=cast.aircraft,
    )
    assert flight.operation == cast.supplier.standard_operation != {}
    assert fr.audit_events.latest("id").data["policy"]["outcome"] == PolicyOutcome.PASS


def test_the_state_groups_are_derived_from_the_transition_table():
    from booking.transitions import APPROVED_ON, OPEN_STATES, reachable_from

    assert S.COMPLETED not in OPEN_STATES and S.CANCELLED not in OPEN_STATES
    assert {S.DRAFT, S.REFUSED, S.REWORK} <= OPEN_STATES
    assert {S.APPROVED, S.ORDERED, S.CONFIRMED, S.SCHEDULED, S.FLOWN, S.DELIVERED, S.REWORK,
                           S.COMPLETED} == APPROVED_ON
    assert S.DRAFT not in reachable_from(S.FLOWN) and S.COMPLETED in reachable_from(S.DRAFT)


def test_the_happy_path_is_derived_from_the_transition_table():
    from booking.transitions import happy_path

    assert happy_path() == [S.DRAFT, S.APPROVED, S.ORDERED, S.CONFIRMED, S.SCHEDULED, S.FLOWN, S.DELIVERED,
                            S.COMPLETED]
    assert happy_path(via=(S.REFERRED,))[:3] == [S.DRAFT, S.REFERRED, S.APPROVED]
    assert happy_path(via=(S.REWORK,))[-3:] == [S.REWORK, S.DELIVERED, S.COMPLETED]
