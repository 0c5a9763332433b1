"""Reads: what each user may see (anything else is a 404) and lookups for the workflow."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from .models import (
    CallOffOrder,
    Flight,
    FlightRequest,
    FlightStatus,
    Framework,
    Lot,
    RequestStatus,
    Role,
    Supplier,
)
from .permissions import OFFICER_ROLES, organisation_id_of, role_of, supplier_id_of

#: What a planner (read-only viewer) may see: requests once approved.
PLANNER_STATES = frozenset(
    {
        RequestStatus.APPROVED,
        RequestStatus.ORDERED,
        RequestStatus.CONFIRMED,
        RequestStatus.SCHEDULED,
        RequestStatus.FLOWN,
        RequestStatus.DELIVERED,
        RequestStatus.REWORK,
        RequestStatus.COMPLETED,
    }
)


def visible_requests(user: Any) -> QuerySet[FlightRequest]:
    """The requests `user` may see: requesters their organisation's, contractors those their supplier
    has an order on, planners the approved ones, officers and administrators all."""
    qs = FlightRequest.objects.select_related("organisation", "requester", "budget_code", "lot")
    role = role_of(user)
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
    qs = Flight.objects.select_related("flight_request", "supplier", "pilot", "aircraft", "order")
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
    return flight_request.audit_events.select_related("actor").order_by("created_at", "id")
