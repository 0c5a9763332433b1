"""Reads: what each user may see (anything else is a 404) and lookups for the workflow."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from accounts.roles import OFFICER_ROLES, organisation_id_of, role_of, supplier_id_of
from policy.models import PolicyCheck

from .models import (
    AuditEvent,
    CallOffOrder,
    Flight,
    FlightRequest,
    FlightStatus,
    Framework,
    Lot,
    Quote,
    Role,
    Supplier,
)
from .transitions import APPROVED_ON

#: What a planner (read-only viewer) may see: requests once approved (derived from the transition table).
PLANNER_STATES = APPROVED_ON


def _flights_awaiting_signoff() -> QuerySet[Flight]:
    """Scheduled flights with findings no officer has signed off (as `Flight.awaits_signoff`)."""
    return Flight.objects.filter(
        status=FlightStatus.SCHEDULED, signed_off_by__isnull=True
    ).exclude(signoff_rules=[])


def visible_requests(user: Any) -> QuerySet[FlightRequest]:
    """The requests `user` may see: requesters their organisation's, contractors those their supplier
    has (or had) an order on, planners the approved ones, officers and administrators all. Each carries
    `cost_shown`, the cost this user may read (see `shown_cost`)."""
    qs = FlightRequest.objects.select_related(
        "organisation", "requester", "budget_code", "lot"
    ).annotate(awaiting_signoff=Exists(_flights_awaiting_signoff().filter(flight_request=OuterRef("pk"))))
    role = role_of(user)
    if role == Role.CONTRACTOR:
        qs = qs.annotate(cost_shown=Subquery(_own_order_values(supplier_id_of(user))[:1]))
    else:
        qs = qs.annotate(cost_shown=F("estimated_cost"))
    if role in OFFICER_ROLES:
        return qs
    if role == Role.PLANNER:
        return qs.filter(status__in=PLANNER_STATES)
    if role == Role.REQUESTER:
        org_id = organisation_id_of(user)
        return qs.filter(organisation_id=org_id) if org_id else qs.none()
    if role == Role.CONTRACTOR:
        supplier_id = supplier_id_of(user)
        if not supplier_id:
            return qs.none()
        return qs.filter(
            id__in=CallOffOrder.objects.filter(supplier_id=supplier_id).values("flight_request_id")
        )
    return qs.none()


def visible_orders(user: Any) -> QuerySet[CallOffOrder]:
    qs = CallOffOrder.objects.select_related("flight_request", "supplier", "lot", "budget_code")
    role = role_of(user)
    if role in OFFICER_ROLES:
        return qs
    if role == Role.CONTRACTOR:
        supplier_id = supplier_id_of(user)
        return qs.filter(supplier_id=supplier_id) if supplier_id else qs.none()
    return qs.filter(flight_request__in=visible_requests(user).values("id"))


def visible_flights(user: Any) -> QuerySet[Flight]:
    qs = Flight.objects.select_related(
        "flight_request", "supplier", "pilot", "aircraft", "order", "signed_off_by"
    )
    role = role_of(user)
    if role in OFFICER_ROLES:
        return qs
    if role == Role.CONTRACTOR:
        supplier_id = supplier_id_of(user)
        return qs.filter(supplier_id=supplier_id) if supplier_id else qs.none()
    return qs.filter(flight_request__in=visible_requests(user).values("id"))


def calendar_flights(user: Any) -> QuerySet[Flight]:
    """Scheduled flights the user is involved in, for the iCalendar feed."""
    qs = visible_flights(user).filter(status=FlightStatus.SCHEDULED)
    if role_of(user) == Role.REQUESTER:
        # A requester's calendar holds their own requests, not their whole service's.
        qs = qs.filter(Q(flight_request__requester=user) | Q(pilot__user=user))
    return qs


def current_framework(*, now) -> Framework | None:
    today = now.date()
    return (
        Framework.objects.filter(start_date__lte=today, end_date__gte=today)
        .order_by("-start_date")
        .first()
    )


def lot_suppliers_in_order(*, lot: Lot) -> list[Supplier]:
    return [
        ls.supplier
        for ls in lot.lot_suppliers.select_related("supplier").order_by("rank")
        if ls.supplier.active
    ]


def audit_trail(*, flight_request: FlightRequest):
    """The whole trail, as officers read it; `audit_trail_for` is what one user may read of it."""
    return flight_request.audit_events.select_related("actor").order_by("created_at", "id")


# ---- what one user may read of one request: suppliers see only their own ---------------------------
#
# A contractor reads, of a request its supplier holds or held an order on, its own orders, quotes,
# flights and the audit events tagged with its supplier (AuditEvent.supplier) or with none; never a
# rival's name with a price, pilot, operator, authorisation, insurance, or a rate-card figure. Quote
# amounts are for procurement, administrators and the quoting supplier only.

#: Audit actions about one supplier's work. An event of these without a supplier tag (written before
#: events were tagged) is not shown to any contractor: it may name another supplier.
SUPPLIER_EVENT_ACTIONS = frozenset(
    {"quote", "order", "offer", "offer_failed", "accept", "decline", "schedule", "reschedule",
     "approve_flight", "refuse_flight", "preflight_check", "record_flight", "deliver",
     "accept_delivery", "return_delivery"}
)  # fmt: skip
#: Keys of untagged events a contractor must not read: a figure from some supplier's rate card.
RATE_CARD_KEYS = frozenset({"estimated_cost"})
#: Who reads quote amounts (besides the quoting supplier).
QUOTE_READERS = frozenset({Role.PROCUREMENT, Role.ADMIN})


def _own_order_values(supplier_id: int | None) -> QuerySet[CallOffOrder]:
    return (
        CallOffOrder.objects.filter(flight_request=OuterRef("pk"), supplier_id=supplier_id)
        .order_by("-created_at", "-id")
        .values("value")
    )


def shown_cost(*, user: Any, flight_request: FlightRequest) -> Decimal | None:
    """The cost of the request this user may read: a contractor its own (latest) order's value, never
    the estimate (that comes from the first-ranked supplier's rate card); everyone else the estimate."""
    if role_of(user) != Role.CONTRACTOR:
        return flight_request.estimated_cost
    if hasattr(flight_request, "cost_shown"):  # annotated by visible_requests
        return flight_request.cost_shown
    return (
        flight_request.orders.filter(supplier_id=supplier_id_of(user))
        .order_by("-created_at", "-id")
        .values_list("value", flat=True)
        .first()
    )


def request_orders(*, user: Any, flight_request: FlightRequest) -> QuerySet[CallOffOrder]:
    """The request's orders this user may read: a contractor only its supplier's (also a declined one)."""
    qs = flight_request.orders.select_related("flight_request", "supplier", "lot", "budget_code")
    if role_of(user) == Role.CONTRACTOR:
        return qs.filter(supplier_id=supplier_id_of(user))
    return qs


def request_flights(*, user: Any, flight_request: FlightRequest) -> QuerySet[Flight]:
    """The request's flights this user may read: a contractor only its supplier's."""
    qs = flight_request.flights.select_related(
        "flight_request", "pilot", "aircraft", "supplier", "signed_off_by"
    )
    if role_of(user) == Role.CONTRACTOR:
        return qs.filter(supplier_id=supplier_id_of(user))
    return qs


def request_quotes(*, user: Any, flight_request: FlightRequest) -> QuerySet[Quote]:
    """Quotes: procurement and administrators read all, a contractor its own, nobody else any."""
    qs = flight_request.quotes.select_related("supplier").order_by("amount", "id")
    role = role_of(user)
    if role in QUOTE_READERS:
        return qs
    if role == Role.CONTRACTOR:
        return qs.filter(supplier_id=supplier_id_of(user))
    return qs.none()


def shown_event_data(
    data: dict, *, action: str, tagged: bool, contractor: bool, reads_quotes: bool
) -> dict:
    """What of an event's data the reader may see (pure): a contractor no rate-card figure in an event
    not tagged with its supplier; a quote's amount only its supplier and the quote readers."""
    out = dict(data or {})
    if contractor and not tagged:
        out = {k: v for k, v in out.items() if k not in RATE_CARD_KEYS}
    if action == "quote" and not (reads_quotes or (contractor and tagged)):
        out.pop("amount", None)
    return out


def audit_trail_for(*, user: Any, flight_request: FlightRequest) -> list[AuditEvent]:
    """The audit events this user may read, oldest first, with `data` cut to what they may see (the
    instances are for reading only: audit events are never saved twice)."""
    events = audit_trail(flight_request=flight_request)
    role = role_of(user)
    supplier_id = supplier_id_of(user)
    contractor = role == Role.CONTRACTOR
    if contractor:
        events = events.filter(
            Q(supplier_id=supplier_id)
            | (Q(supplier__isnull=True) & ~Q(action__in=SUPPLIER_EVENT_ACTIONS))
        )
    out = list(events)
    for event in out:
        event.data = shown_event_data(
            event.data,
            action=event.action,
            tagged=contractor and event.supplier_id == supplier_id,
            contractor=contractor,
            reads_quotes=role in QUOTE_READERS,
        )
    return out


#: Plan keys holding a supplier's records (operator and authorisation, insurance, aircraft).
SUPPLIER_PLAN_KEYS = ("operator", "insurance", "aircraft")


def visible_checks(user: Any) -> QuerySet[PolicyCheck]:
    """The stored checks `user` may read: those of the requests they may see (booking's rule) and, for a
    contractor, only checks whose plan holds no supplier's records (submission) or its own supplier's (a
    stored plan names the pilot, Flyer ID, operator ID, authorisation and insurance policy). A check
    without `supplier_id` whose plan holds a supplier's records (stored before checks named their
    supplier) is shown to no contractor."""
    qs = PolicyCheck.objects.filter(
        flight_request__in=visible_requests(user).values("id")
    ).select_related("policy_version", "flight_request")
    if role_of(user) != Role.CONTRACTOR:
        return qs
    no_supplier = Q(supplier_id__isnull=True)
    for key in SUPPLIER_PLAN_KEYS:
        no_supplier &= ~Q(plan__has_key=key)
    return qs.filter(Q(supplier_id=supplier_id_of(user)) | no_supplier)
