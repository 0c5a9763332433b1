"""Writes for the flight itself: scheduling (policy check at "scheduling"), rescheduling, the
day-of-flight check with the pilot's recorded weather, and the flight record."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .audit import audit_record
from .errors import BookingError, FieldError, NotAllowedError, PolicyBlockedError, TransitionError
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
from .notifications import notify_policy_officers
from .signoff import Seen, unseen
from .transitions import (
    SUPPLIER_EVIDENCE_RULES,
    apply_transition,
    ensure_allowed,
    run_policy_check,
    scheduled_flight,
)


def _when(value: datetime) -> str:
    return f"{timezone.localtime(value):%a %d %b %Y, %H:%M}"


def _flight_inputs(
    *,
    flight_request: FlightRequest,
    order: CallOffOrder,
    scheduled_start: Any,
    scheduled_end: Any,
    pilot: Any,
    aircraft: Any,
    now: datetime,
) -> tuple[Pilot, Aircraft]:
    """Check the slot and the crew. The slot must lie inside the approved window: the officer
    approved that window (the area and height are the request's own; a flight cannot change them)."""
    for name, value in (("scheduled_start", scheduled_start), ("scheduled_end", scheduled_end)):
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise FieldError(name, "a date and time with a time zone is required")
    if scheduled_start < now:
        raise FieldError("scheduled_start", "the flight cannot be scheduled in the past")
    if scheduled_end <= scheduled_start:
        raise FieldError("scheduled_end", "the flight must end after it starts")
    window = f"{_when(flight_request.window_start)} to {_when(flight_request.window_end)}"
    if scheduled_start < flight_request.window_start or scheduled_start >= flight_request.window_end:
        raise FieldError(
            "scheduled_start",
            f"the flight starts {_when(scheduled_start)}, outside the approved window ({window}): "
            "choose a time inside it, or ask the requester to revise the request for a new window",
        )
    if scheduled_end > flight_request.window_end:
        raise FieldError(
            "scheduled_end",
            f"the flight ends {_when(scheduled_end)}, after the approved window ends ({window}): "
            "choose a time inside it, or ask the requester to revise the request for a new window",
        )
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


def signed_off(flight_request: FlightRequest, *, exclude: Flight | None = None) -> Seen:
    """Everything officers have signed off for this request: the approval-level findings of the
    submission check an officer approved (not the supplier's evidence, which was not decided then,
    and never night: approving a window is not approving a night flight), and the findings of every
    flight slot an officer signed off."""
    seen = Seen()
    check = flight_request.audit_events.filter(action="policy_check").order_by("-id").first()
    if check is not None and flight_request.audit_events.filter(
        action="approve", id__gt=check.id
    ).exists():
        seen.add_request_approval(
            f
            for f in check.data.get("findings", [])
            if f.get("severity") == "approval" and f.get("rule") not in SUPPLIER_EVIDENCE_RULES
        )
    flights = flight_request.flights.filter(signed_off_by__isnull=False)
    if exclude is not None:
        flights = flights.exclude(pk=exclude.pk)
    for earlier in flights:
        seen.add_flight_signoff(earlier.signoff_findings or [])
    return seen


def _scheduling_check(*, flight_request: FlightRequest, flight: Flight, now: datetime) -> dict:
    """Check the flight on its own slot at stage "scheduling": a block refuses it
    (PolicyBlockedError); approval-level findings that no earlier sign-off covers (rule and facts,
    booking/signoff.py) are kept on the flight (`signoff_findings`, `signoff_rules`): it cannot be
    recorded as flown until a policy officer signs them off."""
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
    items = unseen(summary.get("findings", []), signed_off(flight_request, exclude=flight))
    flight.signoff_findings = items
    flight.signoff_rules = sorted({item["rule"] for item in items})
    flight.save(update_fields=["signoff_findings", "signoff_rules"])
    summary["signoff_rules"] = flight.signoff_rules
    return summary


def _record_refusal(
    *, exc: BookingError, flight_request: FlightRequest, actor: Any, now: datetime, action: str,
    attempt: dict,
) -> None:
    """A refused scheduling attempt is on the record, with what refused it (written after the
    refused transaction rolled back, so nothing else of the attempt remains)."""
    if isinstance(exc, (NotAllowedError, TransitionError)):
        return  # not an attempt this actor could make: nothing to record on the request
    if isinstance(exc, FieldError) and exc.field not in {"scheduled_start", "scheduled_end"}:
        return
    order = flight_request.current_order
    audit_record(
        flight_request=flight_request,
        action=f"{action}_refused",
        actor=actor,
        now=now,
        reason=exc.message,
        data={"attempt": attempt, "findings": exc.data.get("findings", []), "field": exc.field},
        supplier=order.supplier_id if order is not None else None,
    )


def _on_the_record(write: Any, *, action: str, **kwargs: Any) -> Flight:
    """Run a scheduling write; when it is refused, record the attempt (after its rollback) and re-raise."""
    try:
        return write(**kwargs)
    except BookingError as exc:
        _record_refusal(
            exc=exc, flight_request=kwargs["flight_request"], actor=kwargs["actor"], now=kwargs["now"],
            action=action, attempt=_attempt(kwargs["scheduled_start"], kwargs["scheduled_end"],
                                            kwargs.get("pilot"), kwargs.get("aircraft")),
        )  # fmt: skip
        raise


def _attempt(scheduled_start: Any, scheduled_end: Any, pilot: Any, aircraft: Any) -> dict:
    def iso(value: Any) -> Any:
        return value.isoformat() if isinstance(value, datetime) else str(value)

    return {
        "start": iso(scheduled_start),
        "end": iso(scheduled_end),
        "pilot": getattr(pilot, "name", None),
        "aircraft": getattr(aircraft, "name", None),
    }


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
    """Schedule the flight with a named pilot and aircraft of the supplier inside the approved window
    and re-run the whole policy check on the slot (stage "scheduling"); a blocked outcome or a slot
    outside the window refuses the schedule, changes nothing and is recorded as a refused attempt."""
    return _on_the_record(
        _schedule, action="schedule", actor=actor, flight_request=flight_request, now=now,
        scheduled_start=scheduled_start, scheduled_end=scheduled_end, pilot=pilot, aircraft=aircraft,
        operation=operation,
    )  # fmt: skip


def _schedule(
    *,
    actor: Any,
    flight_request: FlightRequest,
    now: datetime,
    scheduled_start: datetime,
    scheduled_end: datetime,
    pilot: Pilot,
    aircraft: Aircraft,
    operation: dict | None,
) -> Flight:
    with transaction.atomic():
        flight_request = _locked(flight_request)
        ensure_allowed(flight_request=flight_request, action="schedule", actor=actor)
        order = _current_order(flight_request, [OrderStatus.ACCEPTED])
        pilot, aircraft = _flight_inputs(
            flight_request=flight_request,
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
            message=_slot_message(flight),
        )
    return flight


def _slot_message(flight: Flight, previous: Flight | None = None) -> str:
    """The e-mail's words about the slot (and the old one, on a reschedule)."""
    lines = []
    if previous is not None:
        lines.append(
            f"Moved from {_when(previous.scheduled_start)}–{timezone.localtime(previous.scheduled_end):%H:%M}"
            f" to {_when(flight.scheduled_start)}–{timezone.localtime(flight.scheduled_end):%H:%M}."
        )
    else:
        lines.append(
            f"Flight: {_when(flight.scheduled_start)}–{timezone.localtime(flight.scheduled_end):%H:%M}."
        )
    if flight.signoff_findings:
        lines.append("Awaiting a policy officer's sign-off before it may be flown:")
        lines += [f"- {item['rule']}: {item.get('message', '')}" for item in flight.signoff_findings]
    return "\n".join(lines)


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
    new one is checked again, on its own slot, at the scheduling stage; what no earlier sign-off
    covers awaits a fresh one. Refusals are recorded as for scheduling."""
    return _on_the_record(
        _reschedule, action="reschedule", actor=actor, flight_request=flight_request, now=now,
        scheduled_start=scheduled_start, scheduled_end=scheduled_end, reason=reason, pilot=pilot,
        aircraft=aircraft, operation=operation,
    )  # fmt: skip


def _reschedule(
    *,
    actor: Any,
    flight_request: FlightRequest,
    now: datetime,
    scheduled_start: datetime,
    scheduled_end: datetime,
    reason: str,
    pilot: Pilot | None,
    aircraft: Aircraft | None,
    operation: dict | None,
) -> Flight:
    with transaction.atomic():
        flight_request = _locked(flight_request)
        ensure_allowed(flight_request=flight_request, action="reschedule", actor=actor)
        if not (reason or "").strip():
            raise FieldError("reason", "a reason is required to reschedule")
        old = _scheduled_flight(flight_request)
        pilot, aircraft = _flight_inputs(
            flight_request=flight_request,
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
                "previous_flight": old.pk,
                "previous_start": old.scheduled_start.isoformat(),
                "previous_end": old.scheduled_end.isoformat(),
                "start": scheduled_start.isoformat(),
                "end": scheduled_end.isoformat(),
                "pilot": pilot.name,
                "aircraft": aircraft.name,
                "policy": summary,
            },
            message=_slot_message(flight, previous=old),
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


TAKEOFF_KEYS = ("took_off_at", "takeoff")
LANDING_KEYS = ("landed_at", "landing")


def _log_time(flight_log: dict, keys: tuple[str, ...], label: str) -> datetime:
    raw = next((flight_log[k] for k in keys if flight_log.get(k)), None)
    if raw is None:
        raise FieldError("flight_log", f"the {label} time is required ({keys[0]}, ISO 8601 with a time zone)")
    try:
        value = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    except ValueError:
        raise FieldError("flight_log", f"the {label} time {str(raw)[:40]!r} is not an ISO 8601 date and time") from None
    if value.tzinfo is None:
        raise FieldError("flight_log", f"the {label} time needs a time zone (e.g. +00:00)")
    return value


def _clean_flight_log(flight_log: Any, *, flight: Flight, now: datetime, time_reason: str) -> tuple[dict, int]:
    """The log with its take-off and landing times checked against the clock and the slot. Returns the
    log (times under `took_off_at` / `landed_at`) and the minutes outside the slot beyond the tolerance."""
    if not isinstance(flight_log, dict) or not flight_log:
        raise FieldError("flight_log", "the flight log is required (take-off and landing times)")
    took_off = _log_time(flight_log, TAKEOFF_KEYS, "take-off")
    landed = _log_time(flight_log, LANDING_KEYS, "landing")
    if landed <= took_off:
        raise FieldError("flight_log", "the landing time must come after the take-off time")
    if landed > now + timedelta(minutes=1):
        raise FieldError(
            "flight_log",
            f"the landing time {_when(landed)} is in the future: record the flight after it has landed",
        )
    tolerance = timedelta(minutes=settings.FLIGHT_TIME_TOLERANCE_MINUTES)
    early = flight.scheduled_start - took_off
    late = landed - flight.scheduled_end
    outside = max(early, late, timedelta(0))
    outside_minutes = round(outside.total_seconds() / 60) if outside > tolerance else 0
    if outside_minutes and not time_reason.strip():
        raise FieldError(
            "time_reason",
            f"the flight was flown {outside_minutes} minutes outside its scheduled slot "
            f"({_when(flight.scheduled_start)}–{timezone.localtime(flight.scheduled_end):%H:%M}; tolerance "
            f"{settings.FLIGHT_TIME_TOLERANCE_MINUTES} minutes): give the reason, which is sent to the policy officers",
        )
    log = {k: v for k, v in flight_log.items() if k not in (*TAKEOFF_KEYS, *LANDING_KEYS)}
    log.update(took_off_at=took_off.isoformat(), landed_at=landed.isoformat())
    if outside_minutes:
        log.update(time_reason=time_reason.strip(), minutes_outside_slot=outside_minutes)
    return log, outside_minutes


def flight_record(
    *,
    actor: Any,
    flight_request: FlightRequest,
    now: datetime,
    flight_log: dict,
    weather: dict | None = None,
    time_reason: str = "",
) -> Flight:
    """Record that the flight happened, with its log. Not before the slot starts, not with times in
    the future; times outside the slot by more than FLIGHT_TIME_TOLERANCE_MINUTES need a reason and
    are flagged to the policy officers. The day-of-flight check runs on the recorded weather; a blocked
    outcome refuses the record (the pilot must not have flown)."""
    with transaction.atomic():
        flight_request = _locked(flight_request)
        ensure_allowed(flight_request=flight_request, action="record_flight", actor=actor)
        flight = _scheduled_flight(flight_request)
        if flight.awaits_signoff:
            raise TransitionError(
                f"the flight awaits a policy officer's sign-off ({', '.join(flight.signoff_rules)}); "
                "nothing was recorded",
                data={"status": flight_request.status, "action": "record_flight"},
            )
        if now < flight.scheduled_start:
            raise TransitionError(
                f"the flight is scheduled for {_when(flight.scheduled_start)}: it cannot be recorded as "
                "flown before it starts; nothing was recorded",
                data={"status": flight_request.status, "action": "record_flight"},
            )
        flight_log, outside_minutes = _clean_flight_log(
            flight_log, flight=flight, now=now, time_reason=time_reason or ""
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
            reason=flight_log.get("time_reason", ""),
            data={
                "flight": flight.pk,
                "took_off_at": flight_log["took_off_at"],
                "landed_at": flight_log["landed_at"],
                "minutes_outside_slot": outside_minutes,
                "policy": summary,
            },
        )
        if outside_minutes:
            notify_policy_officers(
                flight_request=flight_request,
                subject="flown outside its scheduled slot",
                body=(
                    f"The flight was recorded as flown {outside_minutes} minutes outside its scheduled "
                    f"slot ({_when(flight.scheduled_start)}–{timezone.localtime(flight.scheduled_end):%H:%M}): "
                    f"took off {_when(datetime.fromisoformat(flight_log['took_off_at']))}, landed "
                    f"{_when(datetime.fromisoformat(flight_log['landed_at']))}.\n"
                    f"Reason given: {flight_log['time_reason']}"
                ),
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
