"""Writes after approval: the call-off order (supplier selection, spend limits), the contractor's
answer, and delivery. Scheduling and the flight itself are in booking/flights.py."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from .audit import audit_record
from .errors import FieldError, NotAllowedError, SpendLimitError
from .models import (
    CallOffOrder,
    FlightRequest,
    FlightStatus,
    Lot,
    OrderStatus,
    Quote,
    RequestStatus,
    Supplier,
    SupplierSelection,
)
from .money import estimate_cost, limit_breaches
from .selectors import lot_suppliers_in_order
from .transitions import apply_transition, ensure_allowed


def _locked(flight_request: FlightRequest) -> FlightRequest:
    return FlightRequest.objects.select_for_update().get(pk=flight_request.pk)


def _po_number(now: datetime) -> str:
    stem = f"PO-{now.year}-"
    taken = CallOffOrder.objects.filter(po_number__startswith=stem).values_list(
        "po_number", flat=True
    )
    numbers = [int(p[len(stem) :]) for p in taken if p[len(stem) :].isdigit()]
    return f"{stem}{(max(numbers) + 1 if numbers else 1):05d}"


def _declined_ids(flight_request: FlightRequest) -> set[int]:
    return set(
        flight_request.orders.filter(status=OrderStatus.DECLINED).values_list(
            "supplier_id", flat=True
        )
    )


def next_supplier(*, flight_request: FlightRequest, lot: Lot) -> Supplier | None:
    """By rank (first not yet declined), or by rotation: the supplier after the one that got the
    lot's latest order, wrapping round, skipping those that declined this request."""
    candidates = [
        s for s in lot_suppliers_in_order(lot=lot) if s.id not in _declined_ids(flight_request)
    ]
    if not candidates or lot.selection == SupplierSelection.RANK:
        return candidates[0] if candidates else None
    everyone = lot_suppliers_in_order(lot=lot)
    last = lot.orders.exclude(flight_request=flight_request).order_by("-created_at").first()
    start = (
        everyone.index(last.supplier) + 1 if last is not None and last.supplier in everyone else 0
    )
    for supplier in everyone[start:] + everyone[:start]:
        if supplier in candidates:
            return supplier
    return None


def _order_value(
    *, flight_request: FlightRequest, supplier: Supplier, lot: Lot, quote: Quote | None
) -> Decimal:
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
    *,
    flight_request: FlightRequest,
    supplier: Supplier,
    lot: Lot,
    value: Decimal,
    actor: Any,
    override_reason: str,
    overridden_by: Any,
    now: datetime,
) -> CallOffOrder:
    breaches = limit_breaches(
        budget_code=flight_request.budget_code, framework=lot.framework, value=value, now=now
    )
    if breaches and not override_reason:
        raise SpendLimitError(
            "the order would exceed "
            + "; ".join(breaches)
            + ". A procurement officer may override with a reason.",
            data={"breaches": breaches},
        )
    return CallOffOrder.objects.create(
        po_number=_po_number(now),
        flight_request=flight_request,
        supplier=supplier,
        lot=lot,
        budget_code=flight_request.budget_code,
        value=value,
        status=OrderStatus.OFFERED,
        override_reason=override_reason if breaches else "",
        overridden_by=overridden_by if breaches else None,
        placed_by=actor,
        created_at=now,
    )


def flight_request_order(
    *,
    actor: Any,
    flight_request: FlightRequest,
    now: datetime,
    supplier: Supplier | None = None,
    quote: Quote | None = None,
    override_reason: str = "",
) -> CallOffOrder:
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
            flight_request=flight_request,
            supplier=supplier,
            lot=lot,
            value=value,
            actor=actor,
            override_reason=override_reason,
            overridden_by=actor,
            now=now,
        )
        apply_transition(
            flight_request=flight_request,
            action="order",
            actor=actor,
            now=now,
            reason=order.override_reason,
            data={
                "po_number": order.po_number,
                "supplier": supplier.name,
                "value": str(value),
                "override": bool(order.override_reason),
                "quote": quote.pk if quote else None,
            },
            supplier=supplier,
        )
    return order


def _current_order(flight_request: FlightRequest, statuses: list[str]) -> CallOffOrder:
    order = flight_request.orders.filter(status__in=statuses).order_by("-created_at").first()
    if order is None:  # the state machine and the one-live-order constraint make this unreachable
        raise NotAllowedError(
            f"request {flight_request.reference} has no order in {', '.join(statuses)}"
        )
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
            flight_request=flight_request,
            action="accept",
            actor=actor,
            now=now,
            data={"po_number": order.po_number},
        )
    return order


def order_decline(
    *, actor: Any, flight_request: FlightRequest, now: datetime, reason: str
) -> CallOffOrder | None:
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
        failed: Supplier | None = None
        supplier = next_supplier(flight_request=flight_request, lot=order.lot)
        if supplier is None:
            note = "no supplier left on the lot"
        else:
            try:
                value = _order_value(
                    flight_request=flight_request, supplier=supplier, lot=order.lot, quote=None
                )
                new_order = _place_order(
                    flight_request=flight_request,
                    supplier=supplier,
                    lot=order.lot,
                    value=value,
                    actor=order.placed_by,
                    override_reason=order.override_reason,
                    overridden_by=order.overridden_by,
                    now=now,
                )
            except (SpendLimitError, FieldError) as exc:
                failed, note = supplier, f"could not pass to {supplier}: {exc.message}"
        # What each supplier may read: the decline (its reason) is the declining supplier's; the new
        # offer (its PO and value), or why it could not be made, is the next supplier's.
        data = {"declined_po": order.po_number, "declined_by": order.supplier.name,
                "passed_on": new_order is not None}  # fmt: skip
        if new_order is None and failed is None:
            data["note"] = note
        apply_transition(
            flight_request=flight_request,
            action="decline",
            actor=actor,
            now=now,
            reason=reason,
            data=data,
            target=RequestStatus.ORDERED if new_order is not None else RequestStatus.APPROVED,
            check=False,
            supplier=order.supplier,
        )
        if new_order is not None:
            audit_record(
                flight_request=flight_request,
                action="offer",
                actor=order.placed_by,
                now=now,
                data={
                    "po_number": new_order.po_number,
                    "supplier": new_order.supplier.name,
                    "value": str(new_order.value),
                    "after_decline": True,
                },
                supplier=new_order.supplier,
            )
        elif failed is not None:
            audit_record(
                flight_request=flight_request,
                action="offer_failed",
                actor=None,
                now=now,
                data={"supplier": failed.name, "note": note},
                supplier=failed,
            )
    return new_order


DELIVER_THROUGH_SURVEY = (
    "deliver through the survey: upload the files to the survey of the flown flight and declare it delivered "
    "there (POST /api/v1/surveys/<id>/deliver/, or the survey page)"
)


def _check_delivery_survey(flight_request: FlightRequest, survey: Any, order: CallOffOrder) -> None:
    """A delivery is a survey of this request's flown flight, by the order's supplier, holding stored files,
    whose delivery `surveys.services.survey_deliver` is recording (its conformance report is stored)."""
    if survey is None:
        raise FieldError("survey", DELIVER_THROUGH_SURVEY)
    if survey.flight_request_id != flight_request.pk:
        raise FieldError("survey", f"survey {survey.pk} belongs to another request")
    flight = survey.flight
    if flight is None or flight.flight_request_id != flight_request.pk or flight.status != FlightStatus.FLOWN:
        raise FieldError("survey", f"survey {survey.pk} is not of this request's flown flight")
    if survey.supplier_id != order.supplier_id:
        raise FieldError("survey", f"survey {survey.pk} is not delivered by the supplier holding the order")
    if not survey.assets.exists():
        raise FieldError("survey", f"survey {survey.pk} holds no stored files: upload them first")
    if survey.delivered_at is None or survey.conformance is None:
        raise FieldError("survey", DELIVER_THROUGH_SURVEY)


def conformance_outcome(conformance: dict | None) -> str:
    """"pass" when every check passed and none needs review; "needs_review" otherwise (also with no report)."""
    report = conformance or {}
    return "pass" if report.get("passed") and not report.get("needs_review") else "needs_review"


def flight_request_deliver(
    *, actor: Any, flight_request: FlightRequest, now: datetime, note: str = "", survey: Any = None
) -> FlightRequest:
    """Record the delivery the contractor declared on `survey` (only `surveys.services.survey_deliver` calls
    this, after storing the conformance report): the order's value becomes actual spend and the requester is
    told. Refused (400 naming `survey`) without a survey of the request's flown flight holding stored files."""
    with transaction.atomic():
        flight_request = _locked(flight_request)
        ensure_allowed(flight_request=flight_request, action="deliver", actor=actor)
        order = _current_order(flight_request, [OrderStatus.ACCEPTED, OrderStatus.DELIVERED])
        _check_delivery_survey(flight_request, survey, order)
        order.status = OrderStatus.DELIVERED
        order.delivered_at = now
        order.save(update_fields=["status", "delivered_at"])
        report = survey.conformance or {}
        apply_transition(
            flight_request=flight_request, action="deliver", actor=actor, now=now, reason=note,
            data={"survey": survey.pk, "files": survey.assets.count(),
                  "conformance": conformance_outcome(report), "summary": str(report.get("summary", ""))[:300]},
        )  # fmt: skip
    return flight_request


def delivered_survey(flight_request: FlightRequest) -> Any | None:
    """The survey whose delivery last moved the request to delivered (its `deliver` event names it)."""
    event = flight_request.audit_events.filter(action="deliver").order_by("-created_at", "-id").first()
    survey_id = (event.data or {}).get("survey") if event is not None else None
    if survey_id is None:
        return None
    return flight_request.surveys.filter(pk=survey_id).first()


def flight_request_accept_delivery(
    *, actor: Any, flight_request: FlightRequest, now: datetime, reason: str = ""
) -> FlightRequest:
    """Accept the delivery. When its conformance check failed or needs review (or no survey delivery is
    recorded), accepting it needs a reason, kept in the audit event with the outcome."""
    reason = (reason or "").strip()
    with transaction.atomic():
        flight_request = _locked(flight_request)
        ensure_allowed(flight_request=flight_request, action="accept_delivery", actor=actor)
        order = _current_order(flight_request, [OrderStatus.DELIVERED])
        survey = delivered_survey(flight_request)
        outcome = conformance_outcome(survey.conformance) if survey is not None else "no_survey"
        if outcome != "pass" and not reason:
            why = ("no survey delivery is recorded" if survey is None
                   else f"the conformance check of survey {survey.pk} did not pass (needs review)")
            raise FieldError("reason", f"{why}: give a reason for accepting it anyway")
        order.status = OrderStatus.COMPLETED
        order.save(update_fields=["status"])
        apply_transition(
            flight_request=flight_request,
            action="accept_delivery",
            actor=actor,
            now=now,
            reason=reason,
            data={"survey": survey.pk if survey is not None else None, "conformance": outcome,
                  "accepted_despite_conformance": outcome != "pass"},
        )
    return flight_request


def flight_request_return_delivery(
    *, actor: Any, flight_request: FlightRequest, now: datetime, reason: str
) -> FlightRequest:
    """Return the delivery for rework (the reason says what is wrong); the contractor delivers again."""
    with transaction.atomic():
        flight_request = _locked(flight_request)
        apply_transition(
            flight_request=flight_request,
            action="return_delivery",
            actor=actor,
            now=now,
            reason=reason,
        )
    return flight_request
