"""Writes after approval: the call-off order (supplier selection, spend limits), the contractor's
answer, scheduling, the day-of-flight check, the flight record and delivery."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from .errors import FieldError, NotAllowedError, PolicyBlockedError, SpendLimitError
from .models import (
    AuditEvent,
    Aircraft,
    CallOffOrder,
    Flight,
    FlightRequest,
    FlightStatus,
    Lot,
    OrderStatus,
    Pilot,
    PolicyOutcome,
    Quote,
    RequestStatus,
    Role,
    Supplier,
    SupplierSelection,
)
from .money import estimate_cost, limit_breaches
from .permissions import role_of
from .selectors import lot_suppliers_in_order
from .transitions import apply_transition, ensure_allowed, run_policy_check


def _locked(flight_request: FlightRequest) -> FlightRequest:
    return FlightRequest.objects.select_for_update().get(pk=flight_request.pk)


def _po_number(now: datetime) -> str:
    stem = f"PO-{now.year}-"
    taken = CallOffOrder.objects.filter(po_number__startswith=stem).values_list("po_number", flat=True)
    numbers = [int(p[len(stem):]) for p in taken if p[len(stem):].isdigit()]
    return f"{stem}{(max(numbers) + 1 if numbers else 1):05d}"


def _declined_ids(flight_request: FlightRequest) -> set[int]:
    return set(
        flight_request.orders.filter(status=OrderStatus.DECLINED).values_list("supplier_id", flat=True)
    )


def next_supplier(*, flight_request: FlightRequest, lot: Lot) -> Supplier | None:
    """By rank (first not yet declined), or by rotation: the supplier after the one that got the
    lot's latest order, wrapping round, skipping those that declined this request."""
    candidates = [s for s in lot_suppliers_in_order(lot=lot) if s.id not in _declined_ids(flight_request)]
    if not candidates or lot.selection == SupplierSelection.RANK:
        return candidates[0] if candidates else None
    everyone = lot_suppliers_in_order(lot=lot)
    last = lot.orders.exclude(flight_request=flight_request).order_by("-created_at").first()
    start = everyone.index(last.supplier) + 1 if last is not None and last.supplier in everyone else 0
    for supplier in everyone[start:] + everyone[:start]:
        if supplier in candidates:
            return supplier
    return None


def _order_value(*, flight_request: FlightRequest, supplier: Supplier, lot: Lot, quote: Quote | None) -> Decimal:
    if quote is not None:
        return quote.amount
    rate_card = supplier.rate_cards.filter(lot=lot).first()
    if rate_card is None:
        raise FieldError("supplier", f"{supplier} has no rate card on {lot}")
    return estimate_cost(
        rate_card=rate_card,
        sessions=flight_request.sessions,
        hectares=flight_request.area_hectares,
        deliverables=list(flight_request.deliverables),
    )


def _place_order(
    *, flight_request: FlightRequest, supplier: Supplier, lot: Lot, value: Decimal, actor: Any,
    override_reason: str, overridden_by: Any, now: datetime,
) -> CallOffOrder:  # fmt: skip
    breaches = limit_breaches(budget_code=flight_request.budget_code, framework=lot.framework, value=value, now=now)
    if breaches and not override_reason:
        raise SpendLimitError(
            "the order would exceed " + "; ".join(breaches) + ". A procurement officer may override with a reason.",
            data={"breaches": breaches},
        )
    return CallOffOrder.objects.create(
        po_number=_po_number(now), flight_request=flight_request, supplier=supplier, lot=lot,
        budget_code=flight_request.budget_code, value=value, status=OrderStatus.OFFERED,
        override_reason=override_reason if breaches else "", overridden_by=overridden_by if breaches else None,
        placed_by=actor, created_at=now,
    )  # fmt: skip


def _audit(flight_request: FlightRequest, *, actor: Any, now: datetime, action: str, reason: str = "",
           data: dict | None = None) -> None:  # fmt: skip
    """An audit event that does not move the request (details of an order, a preflight check)."""
    AuditEvent.objects.create(
        flight_request=flight_request, actor=actor, created_at=now, action=action,
        from_state=flight_request.status, to_state=flight_request.status, reason=reason, data=data or {},
    )  # fmt: skip


def flight_request_order(
    *, actor: Any, flight_request: FlightRequest, now: datetime, supplier: Supplier | None = None,
    quote: Quote | None = None, override_reason: str = "",
) -> CallOffOrder:  # fmt: skip
    """Place the call-off order: with the quoted or chosen supplier (who must be on the lot), else the
    lot's next supplier by rank or rotation. Over budget or over the framework ceiling is refused
    unless a procurement officer gives an override reason (kept on the order and in the audit trail)."""
    override_reason = (override_reason or "").strip()
    with transaction.atomic():
        flight_request = _locked(flight_request)
        ensure_allowed(flight_request=flight_request, action="order", actor=actor)
        lot = flight_request.lot
        if lot is None:
            raise FieldError("lot", "the request has no framework lot to order under")
        if quote is not None:
            if quote.flight_request_id != flight_request.pk:
                raise FieldError("quote", "that quote is for another request")
            supplier = quote.supplier
        if supplier is not None and supplier not in lot_suppliers_in_order(lot=lot):
            raise FieldError("supplier", f"{supplier} is not an active supplier on {lot}")
        if supplier is None:
            supplier = next_supplier(flight_request=flight_request, lot=lot)
            if supplier is None:
                raise FieldError("supplier", f"no supplier on {lot} is left to order from")
        value = _order_value(flight_request=flight_request, supplier=supplier, lot=lot, quote=quote)
        order = _place_order(
            flight_request=flight_request, supplier=supplier, lot=lot, value=value, actor=actor,
            override_reason=override_reason, overridden_by=actor, now=now,
        )  # fmt: skip
        apply_transition(
            flight_request=flight_request, action="order", actor=actor, now=now, reason=order.override_reason,
            data={"po_number": order.po_number, "supplier": supplier.name, "value": str(value),
                  "override": bool(order.override_reason), "quote": quote.pk if quote else None},
        )  # fmt: skip
    return order


def _current_order(flight_request: FlightRequest, statuses: list[str]) -> CallOffOrder:
    order = flight_request.orders.filter(status__in=statuses).order_by("-created_at").first()
    if order is None:  # the state machine and the one-live-order constraint make this unreachable
        raise NotAllowedError(f"request {flight_request.reference} has no order in {', '.join(statuses)}")
    return order


def order_accept(*, actor: Any, flight_request: FlightRequest, now: datetime) -> CallOffOrder:
    with transaction.atomic():
        flight_request = _locked(flight_request)
        ensure_allowed(flight_request=flight_request, action="accept", actor=actor)
        order = _current_order(flight_request, [OrderStatus.OFFERED])
        order.status = OrderStatus.ACCEPTED
        order.decided_at = now
        order.save(update_fields=["status", "decided_at"])
        apply_transition(
            flight_request=flight_request, action="accept", actor=actor, now=now,
            data={"po_number": order.po_number},
        )  # fmt: skip
    return order


def order_decline(*, actor: Any, flight_request: FlightRequest, now: datetime, reason: str) -> CallOffOrder | None:
    """The supplier declines; the order goes to the lot's next supplier (keeping an earlier
    procurement override). With no supplier left, or over a limit without an override, the request
    goes back to approved for procurement to decide. Returns the new order or None."""
    with transaction.atomic():
        flight_request = _locked(flight_request)
        ensure_allowed(flight_request=flight_request, action="decline", actor=actor)
        if not (reason or "").strip():
            raise FieldError("reason", "a reason is required to decline")
        order = _current_order(flight_request, [OrderStatus.OFFERED])
        order.status = OrderStatus.DECLINED
        order.decided_at = now
        order.decline_reason = reason.strip()
        order.save(update_fields=["status", "decided_at", "decline_reason"])
        new_order: CallOffOrder | None = None
        note = ""
        supplier = next_supplier(flight_request=flight_request, lot=order.lot)
        if supplier is None:
            note = "no supplier left on the lot"
        else:
            try:
                value = _order_value(flight_request=flight_request, supplier=supplier, lot=order.lot, quote=None)
                new_order = _place_order(
                    flight_request=flight_request, supplier=supplier, lot=order.lot, value=value,
                    actor=order.placed_by, override_reason=order.override_reason,
                    overridden_by=order.overridden_by, now=now,
                )  # fmt: skip
            except (SpendLimitError, FieldError) as exc:
                note = f"could not pass to {supplier}: {exc.message}"
        data = {"declined_po": order.po_number, "declined_by": order.supplier.name}
        if new_order is not None:
            data.update(po_number=new_order.po_number, supplier=new_order.supplier.name, value=str(new_order.value))
        else:
            data["note"] = note
        apply_transition(
            flight_request=flight_request, action="decline", actor=actor, now=now, reason=reason, data=data,
            target=RequestStatus.ORDERED if new_order is not None else RequestStatus.APPROVED, check=False,
        )  # fmt: skip
    return new_order


def _flight_inputs(
    *, order: CallOffOrder, scheduled_start: Any, scheduled_end: Any, pilot: Any, aircraft: Any, now: datetime
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


def _scheduling_check(*, flight_request: FlightRequest, flight: Flight, now: datetime) -> dict:
    outcome, summary = run_policy_check(flight_request=flight_request, stage="scheduling", now=now, flight=flight)
    if outcome == PolicyOutcome.BLOCKED:
        rules = ", ".join(sorted({f["rule"] for f in summary.get("findings", []) if f.get("severity") == "block"}))
        raise PolicyBlockedError(
            f"the policy check at scheduling blocks this flight ({rules}); nothing was scheduled",
            data={"findings": summary.get("findings", [])},
        )
    return summary


def flight_schedule(
    *, actor: Any, flight_request: FlightRequest, now: datetime, scheduled_start: datetime,
    scheduled_end: datetime, pilot: Pilot, aircraft: Aircraft, operation: dict | None = None,
) -> Flight:  # fmt: skip
    """Schedule the flight with a named pilot and aircraft of the supplier and re-run the policy check
    (stage "scheduling"); a blocked outcome refuses the schedule and changes nothing."""
    with transaction.atomic():
        flight_request = _locked(flight_request)
        ensure_allowed(flight_request=flight_request, action="schedule", actor=actor)
        order = _current_order(flight_request, [OrderStatus.ACCEPTED])
        pilot, aircraft = _flight_inputs(
            order=order, scheduled_start=scheduled_start, scheduled_end=scheduled_end, pilot=pilot,
            aircraft=aircraft, now=now,
        )  # fmt: skip
        flight = Flight.objects.create(
            flight_request=flight_request, order=order, supplier=order.supplier, pilot=pilot, aircraft=aircraft,
            scheduled_start=scheduled_start, scheduled_end=scheduled_end, created_at=now,
            operation=_clean_operation(operation),
        )  # fmt: skip
        summary = _scheduling_check(flight_request=flight_request, flight=flight, now=now)
        flight_request.policy_outcome = summary["outcome"]
        apply_transition(
            flight_request=flight_request, action="schedule", actor=actor, now=now,
            data={"flight": flight.pk, "start": scheduled_start.isoformat(), "end": scheduled_end.isoformat(),
                  "pilot": pilot.name, "aircraft": aircraft.name, "policy": summary},
        )  # fmt: skip
    return flight


def _scheduled_flight(flight_request: FlightRequest) -> Flight:
    flight = flight_request.flights.filter(status=FlightStatus.SCHEDULED).order_by("-created_at").first()
    if flight is None:
        raise NotAllowedError(f"request {flight_request.reference} has no scheduled flight")
    return flight


def flight_reschedule(
    *, actor: Any, flight_request: FlightRequest, now: datetime, scheduled_start: datetime,
    scheduled_end: datetime, reason: str, pilot: Pilot | None = None, aircraft: Aircraft | None = None,
    operation: dict | None = None,
) -> Flight:  # fmt: skip
    """Move a scheduled flight (e.g. for weather): the old flight is cancelled with the reason and a
    new one is checked again at the scheduling stage."""
    with transaction.atomic():
        flight_request = _locked(flight_request)
        ensure_allowed(flight_request=flight_request, action="reschedule", actor=actor)
        if not (reason or "").strip():
            raise FieldError("reason", "a reason is required to reschedule")
        old = _scheduled_flight(flight_request)
        pilot, aircraft = _flight_inputs(
            order=old.order, scheduled_start=scheduled_start, scheduled_end=scheduled_end,
            pilot=pilot or old.pilot, aircraft=aircraft or old.aircraft, now=now,
        )  # fmt: skip
        old.status = FlightStatus.CANCELLED
        old.cancel_reason = reason.strip()
        old.save(update_fields=["status", "cancel_reason"])
        flight = Flight.objects.create(
            flight_request=flight_request, order=old.order, supplier=old.supplier, pilot=pilot, aircraft=aircraft,
            scheduled_start=scheduled_start, scheduled_end=scheduled_end, created_at=now,
            operation=_clean_operation(operation) if operation is not None else dict(old.operation),
        )  # fmt: skip
        summary = _scheduling_check(flight_request=flight_request, flight=flight, now=now)
        flight_request.policy_outcome = summary["outcome"]
        apply_transition(
            flight_request=flight_request, action="reschedule", actor=actor, now=now, reason=reason,
            data={"flight": flight.pk, "previous_start": old.scheduled_start.isoformat(),
                  "start": scheduled_start.isoformat(), "end": scheduled_end.isoformat(), "policy": summary},
        )  # fmt: skip
    return flight


WEATHER_KEYS = {
    "mean_wind_ms", "gust_ms", "precipitation_mmh", "temperature_c", "visibility_km", "cloud_base_m", "kp",
    "observed_at", "source",
}  # fmt: skip


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
) -> dict:  # fmt: skip
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
            flight_request=flight_request, action="preflight_check", actor=actor, now=now,
            data={"flight": flight.pk, "weather": flight.weather, "policy": summary},
        )  # fmt: skip
    return summary


def flight_record(
    *, actor: Any, flight_request: FlightRequest, now: datetime, flight_log: dict, weather: dict | None = None
) -> Flight:  # fmt: skip
    """Record that the flight happened, with its log. The day-of-flight check runs on the recorded
    weather; a blocked outcome refuses the record (the pilot must not have flown)."""
    with transaction.atomic():
        flight_request = _locked(flight_request)
        ensure_allowed(flight_request=flight_request, action="record_flight", actor=actor)
        if not isinstance(flight_log, dict) or not flight_log:
            raise FieldError("flight_log", "the flight log is required (e.g. take-off and landing times)")
        flight = _scheduled_flight(flight_request)
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
            flight_request=flight_request, action="record_flight", actor=actor, now=now,
            data={"flight": flight.pk, "policy": summary},
        )  # fmt: skip
    return flight


def flight_request_deliver(*, actor: Any, flight_request: FlightRequest, now: datetime, note: str = "") -> FlightRequest:
    """The contractor declares the deliverables delivered; the order's value becomes actual spend."""
    with transaction.atomic():
        flight_request = _locked(flight_request)
        ensure_allowed(flight_request=flight_request, action="deliver", actor=actor)
        order = _current_order(flight_request, [OrderStatus.ACCEPTED, OrderStatus.DELIVERED])
        order.status = OrderStatus.DELIVERED
        order.delivered_at = now
        order.save(update_fields=["status", "delivered_at"])
        apply_transition(flight_request=flight_request, action="deliver", actor=actor, now=now, reason=note)
    return flight_request


def flight_request_accept_delivery(
    *, actor: Any, flight_request: FlightRequest, now: datetime, reason: str = ""
) -> FlightRequest:  # fmt: skip
    with transaction.atomic():
        flight_request = _locked(flight_request)
        ensure_allowed(flight_request=flight_request, action="accept_delivery", actor=actor)
        order = _current_order(flight_request, [OrderStatus.DELIVERED])
        order.status = OrderStatus.COMPLETED
        order.save(update_fields=["status"])
        apply_transition(flight_request=flight_request, action="accept_delivery", actor=actor, now=now, reason=reason)
    return flight_request


def flight_request_return_delivery(
    *, actor: Any, flight_request: FlightRequest, now: datetime, reason: str
) -> FlightRequest:  # fmt: skip
    """Return the delivery for rework (the reason says what is wrong); the contractor delivers again."""
    with transaction.atomic():
        flight_request = _locked(flight_request)
        apply_transition(flight_request=flight_request, action="return_delivery", actor=actor, now=now, reason=reason)
    return flight_request
