"""Sign-off is for what was seen: a rescheduled slot is checked again on its own times, and any
approval-level finding no officer has seen (a new rule, or the same rule with new facts) waits for a
fresh sign-off. Slots outside the approved window are refused and the refusal is on the record; a
flight cannot be recorded before it starts, with times in the future, or far outside its slot without
a reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework.test import APIClient

from booking import services
from booking.errors import FieldError, TransitionError
from booking.models import AuditEvent, FlightStatus, RequestStatus
from booking.signoff import Seen, signoff_item, unseen
from tests.factories import GOOD_OPERATION

from .conftest import WEATHER_OK, advance, new_request

pytestmark = pytest.mark.django_db
S = RequestStatus


# ---------------------------------------------------------------- the pure rules of coverage


def _night(start: str, end: str) -> dict:
    return {"rule": "LGT-01", "severity": "approval", "message": "night",
            "evidence": {"night": [[start, end]], "night_minutes": 60}}


def test_a_zone_finding_is_covered_only_by_the_same_zone():
    seen = Seen()
    seen.add_request_approval([{"rule": "AIR-01", "severity": "approval", "message": "Oban FRZ",
                                "evidence": {"zone_id": 7, "zone": "Oban FRZ", "overlap_m2": 10.0}}])
    same = {"rule": "AIR-01", "severity": "approval", "message": "Oban FRZ",
            "evidence": {"zone_id": 7, "zone": "Oban FRZ", "overlap_m2": 12.5}}
    other = {"rule": "AIR-01", "severity": "approval", "message": "Tiree FRZ",
             "evidence": {"zone_id": 9, "zone": "Tiree FRZ", "overlap_m2": 10.0}}
    assert unseen([same], seen) == []
    assert [i["facts"]["zone_id"] for i in unseen([same, other], seen)] == [9]


def test_a_greater_height_is_a_new_fact():
    seen = Seen()
    seen.add_flight_signoff([signoff_item({"rule": "CAT-11", "evidence": {"max_height_m": 60}})])
    lower = {"rule": "CAT-11", "severity": "approval", "evidence": {"max_height_m": 50}}
    higher = {"rule": "CAT-11", "severity": "approval", "evidence": {"max_height_m": 90}}
    assert unseen([lower], seen) == [] and len(unseen([higher], seen)) == 1


def test_night_is_covered_only_by_a_signed_off_slot_that_contains_it():
    window_approval = Seen()
    window_approval.add_request_approval([_night("2026-12-10T16:00:00+00:00", "2026-12-11T08:00:00+00:00")])
    inside = _night("2026-12-10T18:30:00+00:00", "2026-12-10T19:30:00+00:00")
    assert len(unseen([inside], window_approval)) == 1  # approving a window is not approving a night flight

    slot = Seen()
    slot.add_flight_signoff([signoff_item(_night("2026-12-10T18:00:00+00:00", "2026-12-10T20:00:00+00:00"))])
    assert unseen([inside], slot) == []
    later = _night("2026-12-10T19:30:00+00:00", "2026-12-10T20:30:00+00:00")
    assert len(unseen([later], slot)) == 1
    assert unseen([{"rule": "LGT-01", "severity": "warn", "evidence": {}}], Seen()) == []


# ---------------------------------------------------------------- the workflow


def _midnight_after(day: datetime) -> datetime:
    """00:00 UTC after `day`: night under either UK definition at Oban in every season."""
    nxt = (day + timedelta(days=1)).date()
    return datetime(nxt.year, nxt.month, nxt.day, 0, 0, tzinfo=UTC)


def _midday(fr) -> datetime:
    day = (fr.window_start + timedelta(days=1)).date()
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


def _confirmed(cast, now):
    fr = new_request(cast, now)
    advance(cast, fr, S.CONFIRMED, now)
    fr.refresh_from_db()
    return fr


def _schedule(cast, fr, now, start, minutes=40):
    return services.flight_schedule(
        actor=cast.contractor, flight_request=fr, now=now, scheduled_start=start,
        scheduled_end=start + timedelta(minutes=minutes), pilot=cast.pilot, aircraft=cast.aircraft,
        operation=dict(GOOD_OPERATION),
    )


def _reschedule(cast, fr, now, start, minutes=40):
    return services.flight_reschedule(
        actor=cast.contractor, flight_request=fr, now=now, scheduled_start=start,
        scheduled_end=start + timedelta(minutes=minutes), reason="weather",
    )


def _log(flight, *, takeoff=None, minutes=30):
    takeoff = takeoff or flight.scheduled_start
    return {"took_off_at": takeoff.isoformat(), "landed_at": (takeoff + timedelta(minutes=minutes)).isoformat()}


def test_a_night_reschedule_of_an_approved_request_awaits_a_fresh_sign_off(cast, now, send_outbox):
    fr = _confirmed(cast, now)
    submission = fr.audit_events.filter(action="policy_check").last()
    assert "LGT-01" in {f["rule"] for f in submission.data["findings"]}  # the window holds nights
    day = _schedule(cast, fr, now, _midday(fr))
    assert not day.awaits_signoff and day.signoff_findings == []  # what the officer approved

    night_start = _midnight_after(fr.window_start)
    night = _reschedule(cast, fr, now, night_start)
    fr.refresh_from_db()
    assert fr.status == S.SCHEDULED and night.awaits_signoff and night.signoff_rules == ["LGT-01"]
    facts = night.signoff_findings[0]["facts"]
    assert facts["night"] and facts["night_minutes"] == 40
    mail = send_outbox()[-1]
    assert cast.policy_officer.email in mail.to and "awaiting a policy officer's sign-off" in mail.subject
    assert "Moved from" in mail.body and "LGT-01" in mail.body
    event = fr.audit_events.filter(action="reschedule").last()
    assert event.data["previous_start"] == day.scheduled_start.isoformat()
    assert event.data["start"] == night_start.isoformat()

    with pytest.raises(TransitionError, match="sign-off"):
        services.flight_record(actor=cast.contractor, flight_request=fr, now=night.scheduled_end,
                               flight_log=_log(night), weather=dict(WEATHER_OK))
    services.flight_approve(actor=cast.policy_officer, flight_request=fr, now=now, reason="lit, NOTAM filed")

    # Inside the night an officer signed off: no new sign-off. Another night: a new one.
    inside = _reschedule(cast, fr, now, night_start + timedelta(minutes=10), minutes=20)
    assert not inside.awaits_signoff
    other_night = _reschedule(cast, fr, now, night_start + timedelta(days=1))
    assert other_night.awaits_signoff and other_night.signoff_rules == ["LGT-01"]


def test_the_api_shows_a_flight_awaiting_sign_off(cast, now):
    fr = _confirmed(cast, now)
    _schedule(cast, fr, now, _midnight_after(fr.window_start))
    client = APIClient()
    client.force_authenticate(cast.requester)
    body = client.get(f"/api/v1/requests/{fr.reference}/").json()
    assert body["awaiting_signoff"] is True
    assert body["signoff_findings"][0]["rule"] == "LGT-01"


@pytest.mark.parametrize("where", ["after", "before", "overrun"])
def test_a_slot_outside_the_approved_window_is_refused_and_recorded(cast, now, where):
    fr = _confirmed(cast, now)
    start = {
        "after": fr.window_end + timedelta(days=6),
        "before": fr.window_start - timedelta(hours=5),
        "overrun": fr.window_end - timedelta(minutes=10),
    }[where]
    with pytest.raises(FieldError, match="approved window") as err:
        _schedule(cast, fr, now, start)
    assert err.value.field == ("scheduled_end" if where == "overrun" else "scheduled_start")
    fr.refresh_from_db()
    assert fr.status == S.CONFIRMED and not fr.flights.exists()
    refused = AuditEvent.objects.get(flight_request=fr, action="schedule_refused")
    assert refused.data["attempt"]["start"] == start.isoformat()
    assert "approved window" in refused.reason and refused.supplier_id == cast.supplier.pk


def test_a_reschedule_outside_the_window_is_refused_through_the_api(cast, now):
    fr = _confirmed(cast, now)
    flight = _schedule(cast, fr, now, _midday(fr))
    client = APIClient()
    client.force_authenticate(cast.contractor)
    late = fr.window_end + timedelta(days=8)
    response = client.post(f"/api/v1/requests/{fr.reference}/reschedule/", {
        "scheduled_start": late.isoformat(), "scheduled_end": (late + timedelta(hours=1)).isoformat(),
        "reason": "weather"}, format="json")
    assert response.status_code == 400, response.content
    assert "approved window" in response.json()["scheduled_start"][0]
    flight.refresh_from_db()
    assert flight.status == FlightStatus.SCHEDULED
    assert fr.audit_events.filter(action="reschedule_refused").count() == 1


def test_a_flight_cannot_be_recorded_before_it_starts_or_with_future_times(cast, now):
    fr = _confirmed(cast, now)
    flight = _schedule(cast, fr, now, _midday(fr))
    with pytest.raises(TransitionError, match="before it starts"):
        services.flight_record(actor=cast.contractor, flight_request=fr, now=now,
                               flight_log=_log(flight), weather=dict(WEATHER_OK))
    just_after_start = flight.scheduled_start + timedelta(minutes=5)
    with pytest.raises(FieldError, match="in the future") as err:
        services.flight_record(actor=cast.contractor, flight_request=fr, now=just_after_start,
                               flight_log=_log(flight), weather=dict(WEATHER_OK))
    assert err.value.field == "flight_log"
    with pytest.raises(FieldError, match="take-off"):
        services.flight_record(actor=cast.contractor, flight_request=fr, now=flight.scheduled_end,
                               flight_log={"notes": "fine"}, weather=dict(WEATHER_OK))
    fr.refresh_from_db()
    assert fr.status == S.SCHEDULED

    client = APIClient()
    client.force_authenticate(cast.contractor)
    response = client.post(f"/api/v1/requests/{fr.reference}/record_flight/",
                           {"flight_log": _log(flight), "weather": WEATHER_OK}, format="json")
    assert response.status_code == 409 and "before it starts" in response.json()["detail"]


def test_times_outside_the_slot_need_a_reason_and_are_flagged(cast, now, send_outbox):
    fr = _confirmed(cast, now)
    flight = _schedule(cast, fr, now, _midday(fr))
    late = flight.scheduled_start + timedelta(hours=2)
    later = late + timedelta(hours=1)
    with pytest.raises(FieldError, match="outside its scheduled slot") as err:
        services.flight_record(actor=cast.contractor, flight_request=fr, now=later,
                               flight_log=_log(flight, takeoff=late), weather=dict(WEATHER_OK))
    assert err.value.field == "time_reason"
    services.flight_record(actor=cast.contractor, flight_request=fr, now=later,
                           flight_log=_log(flight, takeoff=late), weather=dict(WEATHER_OK),
                           time_reason="fog until 14:00")
    flight.refresh_from_db()
    assert flight.status == FlightStatus.FLOWN
    assert flight.flight_log["minutes_outside_slot"] == 110
    event = fr.audit_events.get(action="record_flight")
    assert event.reason == "fog until 14:00" and event.data["minutes_outside_slot"] == 110
    flagged = [m for m in send_outbox() if "outside its scheduled slot" in m.subject]
    assert flagged and cast.policy_officer.email in flagged[0].to and "fog until 14:00" in flagged[0].body


def test_times_within_the_tolerance_need_no_reason(cast, now):
    fr = _confirmed(cast, now)
    flight = _schedule(cast, fr, now, _midday(fr))
    takeoff = flight.scheduled_start - timedelta(minutes=10)
    services.flight_record(actor=cast.contractor, flight_request=fr, now=flight.scheduled_end,
                           flight_log=_log(flight, takeoff=takeoff), weather=dict(WEATHER_OK))
    flight.refresh_from_db()
    assert flight.status == FlightStatus.FLOWN and "time_reason" not in flight.flight_log


def test_the_calendar_feed_marks_a_flight_awaiting_sign_off_as_tentative(cast, now):
    from icalendar import Calendar

    fr = _confirmed(cast, now)
    _schedule(cast, fr, now, _midnight_after(fr.window_start))
    feed = APIClient().get(f"/api/v1/calendar/{cast.contractor.profile.calendar_token}.ics")
    (event,) = [c for c in Calendar.from_ical(feed.content).walk("VEVENT")]
    assert str(event["status"]) == "TENTATIVE"
    assert str(event["summary"]).startswith("AWAITING SIGN-OFF")
    assert "LGT-01" in str(event["description"])
    services.flight_approve(actor=cast.policy_officer, flight_request=fr, now=now)
    feed = APIClient().get(f"/api/v1/calendar/{cast.contractor.profile.calendar_token}.ics")
    (event,) = [c for c in Calendar.from_ical(feed.content).walk("VEVENT")]
    assert str(event["status"]) == "CONFIRMED" and "SIGN-OFF" not in str(event["summary"])


def test_the_policy_panel_says_what_blocks_what_needs_an_officer_and_what_the_supplier_supplies():
    from booking.policy_panel import policy_panel
    from booking.transitions import SUPPLIER_EVIDENCE_RULES

    findings = [
        {"rule": "PRIV-01", "severity": "block", "message": "no DPIA"},
        {"rule": "AIR-01", "severity": "approval", "message": "Oban FRZ"},
        {"rule": "INS-01", "severity": "block", "message": "no insurance on file"},
        {"rule": "GOV-06", "severity": "warn", "message": "short notice"},
    ]
    blocked = policy_panel(status="blocked", stage="submission", findings=findings,
                           supplier_rules=SUPPLIER_EVIDENCE_RULES)
    assert blocked.heading == "Blocked by the policy"
    assert [f["rule"] for f in blocked.blocking] == ["PRIV-01"]
    assert [f["rule"] for f in blocked.officer] == ["AIR-01"]
    assert [f["rule"] for f in blocked.supplier] == ["INS-01"] and "insurance" in blocked.supplier_summary
    approved = policy_panel(status="approved", stage="submission", findings=findings[1:],
                            supplier_rules=SUPPLIER_EVIDENCE_RULES)
    assert approved.heading == "Approved" and approved.officer == [] and approved.blocking == []
    waiting = policy_panel(status="scheduled", stage="scheduling", findings=[],
                           supplier_rules=SUPPLIER_EVIDENCE_RULES,
                           awaiting=[{"rule": "LGT-01", "message": "40 minutes of night", "facts": {}}])
    assert "awaiting a policy officer's sign-off" in waiting.heading and waiting.awaiting_signoff
    assert [f["rule"] for f in waiting.officer] == ["LGT-01"]
