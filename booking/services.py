"""Writes of the booking workflow: flight requests from draft to approval, quotes and cancellation.
Ordering and delivery are in booking/fulfilment.py, scheduling and flights in booking/flights.py;
every public service is importable from here. Every service takes `now` (views pass timezone.now())."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from accounts.roles import organisation_id_of, role_of

from .errors import FieldError, NotAllowedError, TransitionError
from .flightplan import build_flight_plan as build_flight_plan  # contract: booking.services
from .flights import flight_approve as flight_approve
from .flights import flight_preflight_check as flight_preflight_check
from .flights import flight_record as flight_record
from .flights import flight_refuse as flight_refuse
from .flights import flight_reschedule as flight_reschedule
from .flights import flight_schedule as flight_schedule
from .fulfilment import flight_request_accept_delivery as flight_request_accept_delivery
from .fulfilment import flight_request_deliver as flight_request_deliver
from .fulfilment import flight_request_order as flight_request_order
from .fulfilment import flight_request_return_delivery as flight_request_return_delivery
from .fulfilment import order_accept as order_accept
from .fulfilment import order_decline as order_decline
from .geometry import GeometryError, area_hectares, parse_area
from .models import (
    AuditEvent,
    BudgetCode,
    Deliverable,
    FlightRequest,
    FlightStatus,
    Lot,
    OrderStatus,
    PolicyOutcome,
    Profile,
    Purpose,
    Quote,
    RequestStatus,
    Role,
    new_calendar_token,
)
from .money import estimate_cost
from .selectors import current_framework
from .transitions import apply_transition, run_policy_check

#: Which lot of the framework covers a purpose (lot numbers as in the seed framework).
PURPOSE_LOT_NUMBER = {
    Purpose.PLANNING_FOOTAGE: 1,
    Purpose.ESTATES_MARKETING: 1,
    Purpose.PROGRESS_PHOTOGRAPHY: 1,
    Purpose.MAPPING: 2,
    Purpose.SURVEY_3D: 2,
    Purpose.COASTAL_SURVEY: 2,
    Purpose.STRUCTURE_INSPECTION: 3,
    Purpose.THERMAL_SURVEY: 3,
}
security_log = logging.getLogger("security")  # account-level events (accounts/signals.py logs lock-outs there)
MAX_HEIGHT_LIMIT_M = 1000  # input sanity only; the policy engine applies the legal 120 m

EDITABLE_FIELDS = (
    "site_name",
    "area",
    "purpose",
    "description",
    "deliverables",
    "window_start",
    "window_end",
    "max_height_m",
    "people_in_view",
    "documents",
    "permissions",
    "takeoff_points",
    "contingency_buffer_m",
    "site_context",
    "sessions",
    "budget_code",
    "lot",
)


def _locked(flight_request: FlightRequest) -> FlightRequest:
    return FlightRequest.objects.select_for_update().get(pk=flight_request.pk)


def _resolve_budget_code(value: Any, *, organisation_id: int | None) -> BudgetCode:
    if isinstance(value, BudgetCode):
        budget_code = value
    else:
        budget_code = BudgetCode.objects.filter(code=str(value or "").strip()).first()
        if budget_code is None:
            raise FieldError("budget_code", f"budget code {value!r} does not exist")
    if not budget_code.active:
        raise FieldError("budget_code", f"budget code {budget_code.code} is closed")
    if organisation_id is not None and budget_code.organisation_id != organisation_id:
        raise FieldError(
            "budget_code", f"budget code {budget_code.code} belongs to another organisation"
        )
    return budget_code


def _validated(
    fields: dict[str, Any], *, organisation_id: int | None, now: datetime
) -> dict[str, Any]:
    """Check and normalise request fields; raise FieldError naming the first bad one."""
    out = dict(fields)
    if "site_name" in out:
        out["site_name"] = str(out["site_name"] or "").strip()
        if not out["site_name"]:
            raise FieldError("site_name", "a site name is required")
    if "area" in out:
        try:
            out["area"] = parse_area(out["area"])
        except GeometryError as exc:
            raise FieldError("area", str(exc)) from exc
    if "purpose" in out and out["purpose"] not in Purpose.values:
        raise FieldError("purpose", f"unknown purpose {out['purpose']!r}")
    if "deliverables" in out:
        deliverables = out["deliverables"]
        if not isinstance(deliverables, list) or not deliverables:
            raise FieldError("deliverables", "choose at least one deliverable")
        unknown = [d for d in deliverables if d not in Deliverable.values]
        if unknown:
            raise FieldError(
                "deliverables", f"unknown deliverable(s): {', '.join(map(str, unknown))}"
            )
        out["deliverables"] = list(dict.fromkeys(deliverables))
    for name in ("window_start", "window_end"):
        if name in out and (not isinstance(out[name], datetime) or out[name].tzinfo is None):
            raise FieldError(name, "a date and time with a time zone is required")
    if "window_start" in out and out["window_start"] < now:
        raise FieldError("window_start", "the window starts in the past")
    if "window_start" in out and "window_end" in out and out["window_end"] <= out["window_start"]:
        raise FieldError("window_end", "the window must end after it starts")
    if "max_height_m" in out:
        height = out["max_height_m"]
        if (
            not isinstance(height, int)
            or isinstance(height, bool)
            or not 0 < height <= MAX_HEIGHT_LIMIT_M
        ):
            raise FieldError(
                "max_height_m", f"a whole number of metres from 1 to {MAX_HEIGHT_LIMIT_M}"
            )
    if "sessions" in out and (not isinstance(out["sessions"], int) or out["sessions"] < 1):
        raise FieldError("sessions", "at least one session")
    if "budget_code" in out:
        out["budget_code"] = _resolve_budget_code(
            out["budget_code"], organisation_id=organisation_id
        )
    if "lot" in out and out["lot"] is not None and not isinstance(out["lot"], Lot):
        raise FieldError("lot", "unknown lot")
    if out.get("lot") is not None:
        _check_lot_in_force(out["lot"], now=now)
    for name, kind in (
        ("documents", dict),
        ("site_context", dict),
        ("permissions", list),
        ("takeoff_points", list),
    ):
        if name in out and out[name] is not None and not isinstance(out[name], kind):
            raise FieldError(name, f"must be a JSON {'object' if kind is dict else 'list'}")
    return out


def _check_lot_in_force(lot: Lot, *, now: datetime) -> None:
    """A request is bought under the framework in force: a lot of another framework (an expired one, or one not
    yet started) is refused, naming both frameworks."""
    framework = current_framework(now=now)
    if framework is None:
        raise FieldError("lot", "no framework is in force today: a lot cannot be chosen")
    if lot.framework_id != framework.pk:
        raise FieldError(
            "lot",
            f"{lot} belongs to framework {lot.framework.reference}, not to {framework.reference}, the "
            f"framework in force: choose one of its lots",
        )


def _default_lot(*, purpose: str, now: datetime) -> Lot | None:
    framework = current_framework(now=now)
    if framework is None:
        return None
    return framework.lots.filter(number=PURPOSE_LOT_NUMBER.get(purpose, 1)).first()


def _refresh_estimate(flight_request: FlightRequest) -> None:
    """Area in hectares and a cost estimate from the lot's first-ranked supplier's rate card."""
    flight_request.area_hectares = Decimal(str(round(area_hectares(flight_request.area), 3)))
    rate_card = None
    if flight_request.lot is not None:
        first = (
            flight_request.lot.lot_suppliers.filter(supplier__active=True).order_by("rank").first()
        )
        if first is not None:
            rate_card = first.supplier.rate_cards.filter(lot=flight_request.lot).first()
    flight_request.estimated_cost = estimate_cost(
        rate_card=rate_card,
        sessions=flight_request.sessions,
        hectares=flight_request.area_hectares,
        deliverables=list(flight_request.deliverables),
    )


def _next_reference(prefix: str, model, field: str, now: datetime, width: int) -> str:
    stem = f"{prefix}-{now.year}-"
    taken = model.objects.filter(**{f"{field}__startswith": stem}).values_list(field, flat=True)
    numbers = [int(r[len(stem) :]) for r in taken if r[len(stem) :].isdigit()]
    return f"{stem}{(max(numbers) + 1 if numbers else 1):0{width}d}"


def flight_request_create(*, actor: Any, now: datetime, **fields: Any) -> FlightRequest:
    """A new draft for the actor's organisation. Required: site_name, area, purpose, deliverables,
    window_start, window_end, max_height_m, budget_code."""
    role = role_of(actor)
    if role not in {Role.REQUESTER, Role.ADMIN}:
        raise NotAllowedError("only requesters create flight requests")
    unknown = set(fields) - set(EDITABLE_FIELDS) - {"organisation"}
    if unknown:
        raise FieldError(sorted(unknown)[0], "unknown field")
    required = (
        "site_name",
        "area",
        "purpose",
        "deliverables",
        "window_start",
        "window_end",
        "max_height_m",
        "budget_code",
    )
    for name in required:
        if fields.get(name) in (None, "", [], {}):
            raise FieldError(name, "this field is required")
    organisation_id = organisation_id_of(actor)
    if organisation_id is None:
        organisation = fields.pop("organisation", None)
        organisation_id = organisation.pk if organisation is not None else None
    fields.pop("organisation", None)
    if organisation_id is None:
        raise FieldError("organisation", "the request needs an organisation")
    data = _validated(fields, organisation_id=organisation_id, now=now)
    with transaction.atomic():
        flight_request = FlightRequest(
            **data,
            organisation_id=organisation_id,
            requester=actor,
            status=RequestStatus.DRAFT,
            created_at=now,
            updated_at=now,
            reference=_next_reference("FR", FlightRequest, "reference", now, 4),
        )
        if flight_request.lot is None:
            flight_request.lot = _default_lot(purpose=flight_request.purpose, now=now)
        _refresh_estimate(flight_request)
        flight_request.save()
        AuditEvent.objects.create(
            flight_request=flight_request,
            actor=actor,
            created_at=now,
            action="create",
            from_state="",
            to_state=RequestStatus.DRAFT,
            data={"estimated_cost": str(flight_request.estimated_cost)},
        )
    return flight_request


def flight_request_update(
    *, actor: Any, flight_request: FlightRequest, now: datetime, **fields: Any
) -> FlightRequest:
    """Edit a draft (only drafts change; a blocked or refused request is revised back to draft first)."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise FieldError(sorted(unknown)[0], "this field cannot be changed")
    with transaction.atomic():
        flight_request = _locked(flight_request)
        if flight_request.status != RequestStatus.DRAFT:
            raise TransitionError(
                f"request {flight_request.reference} is {flight_request.status}: only drafts can be edited",
                data={"status": flight_request.status, "action": "update"},
            )
        if role_of(actor) != Role.ADMIN and (
            role_of(actor) != Role.REQUESTER
            or organisation_id_of(actor) != flight_request.organisation_id
        ):
            raise NotAllowedError("only the requesting organisation can edit the request")
        merged = {
            "window_start": flight_request.window_start,
            "window_end": flight_request.window_end,
            **fields,
        }
        data = _validated(merged, organisation_id=flight_request.organisation_id, now=now)
        for name in fields:
            setattr(flight_request, name, data[name])
        if "purpose" in fields and "lot" not in fields:
            flight_request.lot = _default_lot(purpose=flight_request.purpose, now=now)
        _refresh_estimate(flight_request)
        flight_request.updated_at = now
        flight_request.save()
        AuditEvent.objects.create(
            flight_request=flight_request,
            actor=actor,
            created_at=now,
            action="update",
            from_state=RequestStatus.DRAFT,
            to_state=RequestStatus.DRAFT,
            data={"fields": sorted(fields)},
        )
    return flight_request


OUTCOME_STATE = {
    PolicyOutcome.PASS: RequestStatus.APPROVED,
    PolicyOutcome.NEEDS_APPROVAL: RequestStatus.REFERRED,
    PolicyOutcome.BLOCKED: RequestStatus.BLOCKED,
}


def flight_request_submit(
    *, actor: Any, flight_request: FlightRequest, now: datetime
) -> FlightRequest:
    """Submit a draft and run the policy check: pass → approved; needs approval
    → referred to a policy officer; blocked → blocked (the requester may revise)."""
    with transaction.atomic():
        flight_request = _locked(flight_request)
        if flight_request.status == RequestStatus.DRAFT and flight_request.window_start < now:
            raise FieldError(
                "window_start", "the window starts in the past: revise it before submitting"
            )
        if flight_request.status == RequestStatus.DRAFT and flight_request.lot is not None:
            _check_lot_in_force(flight_request.lot, now=now)  # e.g. drafted before its framework ended
        apply_transition(flight_request=flight_request, action="submit", actor=actor, now=now)
        outcome, summary = run_policy_check(
            flight_request=flight_request, stage="submission", now=now
        )
        flight_request.policy_outcome = outcome
        apply_transition(
            flight_request=flight_request,
            action="policy_check",
            actor=None,
            now=now,
            target=OUTCOME_STATE[outcome],
            data=summary,
            check=False,
        )
    return flight_request


def flight_request_approve(
    *, actor: Any, flight_request: FlightRequest, now: datetime, reason: str = ""
) -> FlightRequest:
    with transaction.atomic():
        flight_request = _locked(flight_request)
        apply_transition(
            flight_request=flight_request, action="approve", actor=actor, now=now, reason=reason
        )
    return flight_request


def flight_request_refuse(
    *, actor: Any, flight_request: FlightRequest, now: datetime, reason: str
) -> FlightRequest:
    with transaction.atomic():
        flight_request = _locked(flight_request)
        apply_transition(
            flight_request=flight_request, action="refuse", actor=actor, now=now, reason=reason
        )
    return flight_request


def flight_request_revise(
    *, actor: Any, flight_request: FlightRequest, now: datetime, reason: str = ""
) -> FlightRequest:
    """Back to draft after a block or a refusal, so the requester can change and resubmit it."""
    with transaction.atomic():
        flight_request = _locked(flight_request)
        flight_request.policy_outcome = PolicyOutcome.NOT_CHECKED
        apply_transition(
            flight_request=flight_request, action="revise", actor=actor, now=now, reason=reason
        )
    return flight_request


def flight_request_cancel(
    *, actor: Any, flight_request: FlightRequest, now: datetime, reason: str
) -> FlightRequest:
    """Cancel before the flight: the live order is cancelled (releasing committed spend) and any
    scheduled flight too."""
    with transaction.atomic():
        flight_request = _locked(flight_request)
        apply_transition(
            flight_request=flight_request, action="cancel", actor=actor, now=now, reason=reason
        )
        flight_request.orders.filter(status__in=OrderStatus.committed()).update(
            status=OrderStatus.CANCELLED, decided_at=now
        )
        flight_request.flights.filter(status=FlightStatus.SCHEDULED).update(
            status=FlightStatus.CANCELLED, cancel_reason=reason
        )
    return flight_request


def quote_add(
    *,
    actor: Any,
    flight_request: FlightRequest,
    now: datetime,
    supplier,
    amount: Decimal,
    notes: str = "",
) -> Quote:
    """Procurement records a supplier's quote on an approved request (the order may then use it)."""
    if role_of(actor) not in {Role.PROCUREMENT, Role.ADMIN}:
        raise NotAllowedError("only procurement records quotes")
    if flight_request.status != RequestStatus.APPROVED:
        raise TransitionError(
            f"quotes are taken while the request is approved, not {flight_request.status}"
        )
    if (
        flight_request.lot is None
        or not flight_request.lot.lot_suppliers.filter(supplier=supplier).exists()
    ):
        raise FieldError("supplier", f"{supplier} is not on the request's lot")
    with transaction.atomic():
        quote, _ = Quote.objects.update_or_create(
            flight_request=flight_request,
            supplier=supplier,
            defaults={"amount": amount, "notes": notes, "created_at": now},
        )
        AuditEvent.objects.create(
            flight_request=flight_request,
            actor=actor,
            created_at=now,
            action="quote",
            from_state=flight_request.status,
            to_state=flight_request.status,
            data={"supplier": supplier.name, "amount": str(amount)},
            supplier=supplier,  # only this supplier, of the suppliers, reads its quote
        )
    return quote


def calendar_token_rotate(*, actor: Any, now: datetime) -> Profile:
    """A new secret for the user's own calendar feed: the old URL stops working at once (every calendar app
    subscribed to it gets 404 from then on), the new one works. Recorded in the `security` log."""
    with transaction.atomic():
        profile = Profile.objects.select_for_update().filter(user=actor).first()
        if profile is None:
            raise NotAllowedError("only users with a role have a calendar feed")
        old = profile.calendar_token
        profile.calendar_token = new_calendar_token()
        profile.save(update_fields=["calendar_token"])
    # The old token's first characters only: enough to match a support call, not enough to use.
    security_log.info(
        "calendar feed token rotated: user=%s old_token_prefix=%s at=%s",
        actor.username, old[:4], now.isoformat(),
    )  # fmt: skip
    return profile
