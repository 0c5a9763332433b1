"""A flight the scheduling check refers to an officer: it waits for a policy officer's sign-off (never
the requester's) before it can be recorded as flown; a refusal sends the request back to confirmed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from booking import services
from booking.errors import FieldError, NotAllowedError, TransitionError
from booking.models import AuditEvent, FlightStatus, PolicyOutcome, RequestStatus
from booking.transitions import allowed_actions
from tests.factories import GOOD_OPERATION

from .conftest import WEATHER_OK, advance, new_request

pytestmark = pytest.mark.django_db
S = RequestStatus


def _midday(now: datetime) -> datetime:
    day = (now + timedelta(days=3)).date()
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


def night_flight(cast, now, *, actor=None):
    """A request for a day-long window from midday (approving a window is never approving a night
    flight), then scheduled at midnight without night procedures: LGT-01 needs a sign-off of the slot."""
    noon = _midday(now)
    fr = new_request(cast, now, window_start=noon, window_end=noon + timedelta(days=1))
    advance(cast, fr, S.CONFIRMED, now)
    midnight = noon + timedelta(hours=11)
    flight = services.flight_schedule(
        actor=actor or cast.contractor,
        flight_request=fr,
        now=now,
        scheduled_start=midnight,
        scheduled_end=midnight + timedelta(minutes=40),
        pilot=cast.pilot,
        aircraft=cast.aircraft,
        operation={**GOOD_OPERATION, "night_procedures": False},
    )
    fr.refresh_from_db()
    return fr, flight


def record(cast, fr, flight):
    return services.flight_record(
        actor=cast.contractor,
        flight_request=fr,
        now=flight.scheduled_end + timedelta(minutes=5),
        flight_log={
            "takeoff": flight.scheduled_start.isoformat(),
            "landing": (flight.scheduled_start + timedelta(minutes=30)).isoformat(),
        },
        weather=dict(WEATHER_OK),
    )


def test_a_referred_flight_waits_for_an_officers_sign_off(
    cast, now, send_outbox
):
    fr, flight = night_flight(cast, now)
    assert flight.signoff_rules == ["LGT-01"] and flight.awaits_signoff
    assert fr.status == S.SCHEDULED and fr.policy_outcome == PolicyOutcome.NEEDS_APPROVAL
    assert cast.policy_officer.email in send_outbox()[-1].to  # whoever must act next
    assert "record_flight" not in allowed_actions(flight_request=fr, user=cast.contractor)
    assert {"approve_flight", "refuse_flight"} <= set(
        allowed_actions(flight_request=fr, user=cast.policy_officer)
    )
    events = AuditEvent.objects.count()
    with pytest.raises(TransitionError, match="sign-off"):
        record(cast, fr, flight)
    flight.refresh_from_db()
    assert flight.status == FlightStatus.SCHEDULED and AuditEvent.objects.count() == events

    for outsider in (cast.requester, cast.contractor, cast.procurement):
        with pytest.raises(NotAllowedError):
            services.flight_approve(actor=outsider, flight_request=fr, now=now)
    services.flight_approve(actor=cast.policy_officer, flight_request=fr, now=now, reason="lit")
    flight.refresh_from_db()
    assert flight.signed_off_by == cast.policy_officer and not flight.awaits_signoff
    assert fr.audit_events.last().data["rules"] == ["LGT-01"]
    assert "record_flight" in allowed_actions(flight_request=fr, user=cast.contractor)
    with pytest.raises(TransitionError, match="does not await"):
        services.flight_approve(actor=cast.policy_officer, flight_request=fr, now=now)
    record(cast, fr, flight)
    fr.refresh_from_db()
    assert fr.status == S.FLOWN


def test_the_requester_never_signs_off_their_own_flight(cast, now):
    fields = cast.request_fields(now=now)
    noon = _midday(now)
    fields.update(window_start=noon, window_end=noon + timedelta(days=1))
    fr = services.flight_request_create(
        actor=cast.admin, now=now, organisation=cast.organisation, **fields
    )
    services.flight_request_submit(actor=cast.admin, flight_request=fr, now=now)
    advance(cast, fr, S.CONFIRMED, now)
    services.flight_schedule(
        actor=cast.contractor, flight_request=fr, now=now,
        scheduled_start=noon + timedelta(hours=11), scheduled_end=noon + timedelta(hours=12),
        pilot=cast.pilot, aircraft=cast.aircraft,
        operation={**GOOD_OPERATION, "night_procedures": False},
    )  # fmt: skip
    with pytest.raises(NotAllowedError, match="own request"):
        services.flight_approve(actor=cast.admin, flight_request=fr, now=now)


def test_the_officer_refuses_the_flight_and_the_contractor_schedules_again(cast, now):
    fr, flight = night_flight(cast, now)
    with pytest.raises(FieldError) as exc:
        services.flight_refuse(actor=cast.policy_officer, flight_request=fr, now=now, reason=" ")
    assert exc.value.field == "reason"
    flight.refresh_from_db()
    assert flight.status == FlightStatus.SCHEDULED
    services.flight_refuse(
        actor=cast.policy_officer, flight_request=fr, now=now, reason="fly in daylight"
    )
    fr.refresh_from_db()
    flight.refresh_from_db()
    assert fr.status == S.CONFIRMED and flight.status == FlightStatus.CANCELLED
    assert "fly in daylight" in flight.cancel_reason
    again = services.flight_schedule(
        actor=cast.contractor, flight_request=fr, now=now, scheduled_start=fr.window_start,
        scheduled_end=fr.window_start + timedelta(hours=1), pilot=cast.pilot,
        aircraft=cast.aircraft, operation=dict(GOOD_OPERATION),
    )  # fmt: skip
    assert again.signoff_rules == [] and not again.awaits_signoff


def test_rules_signed_off_at_submission_are_not_asked_again(cast, now, make_request):
    fr = make_request(S.SCHEDULED)  # referred at submission for GOV-04 and LGT-01, approved
    flight = fr.flights.get()
    assert flight.signoff_rules == [] and "record_flight" in allowed_actions(
        flight_request=fr, user=cast.contractor
    )
    with pytest.raises(TransitionError, match="does not await"):
        services.flight_refuse(actor=cast.policy_officer, flight_request=fr, now=now, reason="x")


def test_sign_off_through_the_api(cast, now):
    fr, _flight = night_flight(cast, now)
    url = f"/api/v1/requests/{fr.reference}"
    officer, requester = APIClient(), APIClient()
    officer.force_authenticate(cast.policy_officer)
    requester.force_authenticate(cast.requester)
    detail = officer.get(f"{url}/").json()
    assert detail["flights"][0]["awaits_signoff"] and "approve_flight" in detail["allowed_actions"]
    assert requester.post(f"{url}/approve_flight/", {}).status_code == 403
    assert officer.post(f"{url}/refuse_flight/", {}).status_code == 400
    response = officer.post(f"{url}/approve_flight/", {"reason": "ok"})
    assert response.status_code == 200, response.json()
    assert response.json()["flights"][0]["signed_off_by"] == cast.policy_officer.username
    assert officer.post(f"{url}/approve_flight/", {}).status_code == 409
