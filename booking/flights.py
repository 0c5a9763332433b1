"""Writes for the flight itself: scheduling (policy check at "scheduling"), rescheduling, the
day-of-flight check with the pilot's recorded weather, and the flight record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from .errors import FieldError, NotAllowedError, PolicyBlockedError, TransitionError
from .fulfilment import _current_order, _locked
from .models import (
    Aircraft,
    CallOffOrder,
    Flight,
    FlightRequest,
    FlightStatus,
    OrderStatus,
    Pilot,
    PolicyOutcome,
)
from .transitions import (
    SUPPLIER_EVIDENCE_RULES,
    apply_transition,
    ensure_allowed,
    run_policy_check,
    scheduled_flight,
)


def _flight_inputs(
    *,
    order: CallOffOrder,
    scheduled_start: Any,
    scheduled_end: Any,
    pilot: Any,
    aircraft: Any,
    now: datetime,
) -> tuple[Pilot, Aircraft]:
    for name, value in (("scheduled_start", scheduled_start), ("scheduled_end", scheduled_end)):
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise FieldError(name, "a date and time with a time zone is required")
    if scheduled_start < now:
        raise FieldError("scheduled_start", "the flight cannot be scheduled in the past")
    if scheduled_end <= scheduled_start:
        raise FieldError("scheduled_end", "the flight must end after it starts")
    if not isinstance(pilot, Pilot) or pilot.supplier_id != order.supplier_id:
        raise FieldError("pilot", f"choose a pilot of {order.supplier}")
    if not isinstance(aircraft, Aircraft) or aircraft.supplier_id != order.supplier_id:
        raise FieldError("aircraft", f"choose an aircraft of {order.supplier}")
    return pilot, aircraft


def _clean_operation(operation: Any) -> dict:
    if operation is None:
        return {}
    if not isinstance(operation, dict):
        raise FieldError("operation", "must be a JSON object (see docs/policy.md, `operation`)")
    return dict(operation)


def _approved_at_submission(flight_request: FlightRequest) -> set[str]:
    """Rules an officer already signed off when approving the referred request (the approval-level
    findings of the submission check that decided it; deferred supplier findings were not decided)."""
    check = flight_request.audit_events.filter(action="policy_check").order_by("-id").first()
    if check is None or not flight_request.audit_events.filter(
        action="approve", id__gt=check.id
    ).exists():
        return set()
    return {
        f["rule"]
        for f in check.data.get("findings", [])
        if f.get("severity") == "approval" and f.get("rule") not in SUPPLIER_EVIDENCE_RULES
    }


def _scheduling_check(*, flight_request: FlightRequest, flight: Flight, now: datetime) -> dict:
    """Check the flight at stage "scheduling": a block refuses it (PolicyBlockedError); approval-level
    findings an officer has not signed off at submission are kept on the flight as `signoff_rules`
    (it cannot be recorded as flown until a policy officer signs it off)."""
    outcome, summary = run_policy_check(
        flight_request=flight_request, stage="scheduling", now=now, flight=flight
    )
    if outcome == PolicyOutcome.BLOCKED:
        rules = ", ".join(
            sorted({f["rule"] for f in summary.get("findings", []) if f.get("severity") == "block"})
        )
        raise PolicyBlockedError(
            f"the policy check at scheduling blocks this flight ({rules}); nothing was scheduled",
            data={"findings": summary.get("findings", [])},
        )
    referred = {f["rule"] for f in summary.get("findings", []) if f.get("severity") == "approval"}
    flight.signoff_rules = sorted(referred - _approved_at_submission(flight_request))
    flight.save(update_fields=["signoff_rules"])
    summary["signoff_rules"] = flight.signoff_rules
    return summary


def flight_schedule(
    *,
    actor: Any,
    flight_request: FlightRequest,
    now: datetime,
    scheduled_start: datetime,
    scheduled_end: datetime,
    pilot: Pilot,
    aircraft: Aircraft,
    operation: dict | None = None,
) -> Flight:
    """Schedule the flight with a named pilot and aircraft of the supplier and re-run the policy check
    (stage "scheduling"); a blocked outcome refuses the schedule and changes nothing."""
    with transaction.atomic():
        flight_request = _locked(flight_request)
        ensure_allowed(flight_request=flight_request, action="schedule", actor=actor)
        order = _current_order(flight_request, [OrderStatus.ACCEPTED])
        pilot, aircraft = _flight_inputs(
            order=order,
            scheduled_start=scheduled_start,
            scheduled_end=scheduled_end,
            pilot=pilot,
            aircraft=aircraft,
            now=now,
        )
        flight = Flight.objects.create(
            flight_request=flight_request,
            order=order,
            supplier=order.supplier,
            pilot=pilot,
            aircraft=aircraft,
            scheduled_start=scheduled_start,
            scheduled_end=scheduled_end,
            created_at=now,
            operation=_clean_operation(operation) or dict(order.supplier.standard_operation),
        )
        summary = _scheduling_check(flight_request=flight_request, flight=flight, now=now)
        flight_request.policy_outcome = summary["outcome"]
        apply_transition(
            flight_request=flight_request,
            action="schedule",
            actor=actor,
            now=now,
            data={
                "flight": flight.pk,
                "start": scheduled_start.isoformat(),
                "end": scheduled_end.isoformat(),
                "pilot": pilot.name,
                "aircraft": aircraft.name,
                "policy": summary,
            },
        )
    return flight


def _scheduled_flight(flight_request: FlightRequest) -> Flight:
    flight = scheduled_flight(flight_request)
    if flight is None:
        raise NotAllowedError(f"request {flight_request.reference} has no scheduled flight")
    return flight


def flight_reschedule(
    *,
    actor: Any,
    flight_request: FlightRequest,
    now: datetime,
    scheduled_start: datetime,
    scheduled_end: datetime,
    reason: str,
    pilot: Pilot | None = None,
    aircraft: Aircraft | None = None,
    operation: dict | None = None,
) -> Flight:
    """Move a scheduled flight (e.g. for weather): the old flight is cancelled with the reason and a
    new one is checked again at the scheduling stage."""
    with transaction.atomic():
        flight_request = _locked(flight_request)
        ensure_allowed(flight_request=flight_request, action="reschedule", actor=actor)
        if not (reason or "").strip():
            raise FieldError("reason", "a reason is required to reschedule")
        old = _scheduled_flight(flight_request)
        pilot, aircraft = _flight_inputs(
            order=old.order,
            scheduled_start=scheduled_start,
            scheduled_end=scheduled_end,
            pilot=pilot or old.pilot,
            aircraft=aircraft or old.aircraft,
            now=now,
        )
        old.status = FlightStatus.CANCELLED
        old.cancel_reason = reason.strip()
        old.save(update_fields=["status", "cancel_reason"])
        flight = Flight.objects.create(
            flight_request=flight_request,
            order=old.order,
            supplier=old.supplier,
            pilot=pilot,
            aircraft=aircraft,
            scheduled_start=scheduled_start,
            scheduled_end=scheduled_end,
            created_at=now,
            operation=_clean_operation(operation) if operation is not None else dict(old.operation),
        )
        summary = _scheduling_check(flight_request=flight_request, flight=flight, now=now)
        flight_request.policy_outcome = summary["outcome"]
        apply_transition(
            flight_request=flight_request,
            action="reschedule",
            actor=actor,
            now=now,
            reason=reason,
            data={
                "flight": flight.pk,
                "previous_start": old.scheduled_start.isoformat(),
                "start": scheduled_start.isoformat(),
                "end": scheduled_end.isoformat(),
                "policy": summary,
            },
        )
    return flight


WEATHER_KEYS = {
    "mean_wind_ms",
    "gust_ms",
    "precipitation_mmh",
    "temperature_c",
    "visibility_km",
    "cloud_base_m",
    "kp",
    "observed_at",
    "source",
}


def _clean_weather(weather: Any) -> dict:
    if not isinstance(weather, dict) or not weather:
        raise FieldError("weather", "the day-of-flight conditions are required as an object")
    unknown = set(weather) - WEATHER_KEYS
    if unknown:
        raise FieldError("weather", f"unknown weather key(s): {', '.join(sorted(unknown))}")
    for key, value in weather.items():
        if key in {"observed_at", "source"}:
            continue
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise FieldError("weather", f"{key} must be a number")
    return dict(weather)


def flight_preflight_check(
    *, actor: Any, flight_request: FlightRequest, now: datetime, weather: dict
) -> dict:
    """The pilot records the day-of-flight conditions; the policy check runs at stage "day_of_flight".
    The request does not move; the outcome is in the audit trail and returned."""
    with transaction.atomic():
        flight_request = _locked(flight_request)
        ensure_allowed(flight_request=flight_request, action="preflight_check", actor=actor)
        weather = _clean_weather(weather)
        flight = _scheduled_flight(flight_request)
        flight.weather = {**weather, "source": weather.get("source", "pilot")}
        flight.save(update_fields=["weather"])
        outcome, summary = run_policy_check(
            flight_request=flight_request, stage="day_of_flight", now=now, flight=flight
        )
        flight_request.policy_outcome = outcome
        apply_transition(
            flight_request=flight_request,
            action="preflight_check",
            actor=actor,
            now=now,
            data={"flight": flight.pk, "weather": flight.weather, "policy": summary},
        )
    return summary


def flight_record(
    *,
    actor: Any,
    flight_request: FlightRequest,
    now: datetime,
    flight_log: dict,
    weather: dict | None = None,
) -> Flight:
    """Record that the flight happened, with its log. The day-of-flight check runs on the recorded
    weather; a blocked outcome refuses the record (the pilot must not have flown)."""
    with transaction.atomic():
        flight_request = _locked(flight_request)
        ensure_allowed(flight_request=flight_request, action="record_flight", actor=actor)
        if not isinstance(flight_log, dict) or not flight_log:
            raise FieldError(
                "flight_log", "the flight log is required (e.g. take-off and landing times)"
            )
        flight = _scheduled_flight(flight_request)
        if flight.awaits_signoff:
            raise TransitionError(
                f"the flight awaits a policy officer's sign-off ({', '.join(flight.signoff_rules)}); "
                "nothing was recorded",
                data={"status": flight_request.status, "action": "record_flight"},
            )
        if weather is not None:
            flight.weather = {**_clean_weather(weather), "source": weather.get("source", "pilot")}
        summary: dict = {}
        if flight.weather:
            outcome, summary = run_policy_check(
                flight_request=flight_request, stage="day_of_flight", now=now, flight=flight
            )
            if outcome == PolicyOutcome.BLOCKED:
                raise PolicyBlockedError(
                    "the day-of-flight check blocks this flight; nothing was recorded",
                    data={"findings": summary.get("findings", [])},
                )
            flight_request.policy_outcome = outcome
        flight.flight_log = flight_log
        flight.status = FlightStatus.FLOWN
        flight.save(update_fields=["flight_log", "status", "weather"])
        apply_transition(
            flight_request=flight_request,
            action="record_flight",
            actor=actor,
            now=now,
            data={"flight": flight.pk, "policy": summary},
        )
    return flight


def _awaiting_flight(flight_request: FlightRequest, action: str) -> Flight:
    flight = _scheduled_flight(flight_request)
    if not flight.awaits_signoff:
        raise TransitionError(
            f"the scheduled flight of {flight_request.reference} does not await a sign-off",
            data={"status": flight_request.status, "action": action},
        )
    return flight


def flight_approve(
    *, actor: Any, flight_request: FlightRequest, now: datetime, reason: str = ""
) -> Flight:
    """A policy officer (never the requester) signs off the findings the scheduling check referred;
    the contractor may then fly and record the flight."""
    with transaction.atomic():
        flight_request = _locked(flight_request)
        ensure_allowed(flight_request=flight_request, action="approve_flight", actor=actor)
        flight = _awaiting_flight(flight_request, "approve_flight")
        flight.signed_off_by = actor
        flight.signed_off_at = now
        flight.save(update_fields=["signed_off_by", "signed_off_at"])
        apply_transition(
            flight_request=flight_request,
            action="approve_flight",
            actor=actor,
            now=now,
            reason=reason,
            data={"flight": flight.pk, "rules": flight.signoff_rules},
        )
    return flight


def flight_refuse(*, actor: Any, flight_request: FlightRequest, now: datetime, reason: str) -> Flight:
    """A policy officer refuses the scheduled flight with a reason: the flight is cancelled and the
    request goes back to confirmed, for the contractor to schedule another date, pilot or aircraft."""
    with transaction.atomic():
        flight_request = _locked(flight_request)
        ensure_allowed(flight_request=flight_request, action="refuse_flight", actor=actor)
        flight = _awaiting_flight(flight_request, "refuse_flight")
        event = apply_transition(
            flight_request=flight_request,
            action="refuse_flight",
            actor=actor,
            now=now,
            reason=reason,
            data={"flight": flight.pk, "rules": flight.signoff_rules},
        )
        flight.status = FlightStatus.CANCELLED
        flight.cancel_reason = f"refused by the policy officer: {event.reason}"
        flight.save(update_fields=["status", "cancel_reason"])
    return flight
