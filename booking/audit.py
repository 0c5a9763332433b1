"""The one way to append to a request's audit trail outside a state transition (uploads, downloads,
conformance, map builds, refused attempts). Transitions write theirs in `transitions.apply_transition`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .models import AuditEvent, FlightRequest, Supplier


def audit_record(
    *,
    flight_request: FlightRequest | int,
    action: str,
    actor: Any = None,
    now: datetime,
    data: dict | None = None,
    reason: str = "",
    supplier: Supplier | int | None = None,
) -> AuditEvent:
    """Append one event that does not move the request. `supplier` limits who of the suppliers may
    read it (a quote, an order, a refused attempt by that supplier); None means every party."""
    request_id = flight_request if isinstance(flight_request, int) else flight_request.pk
    state = FlightRequest.objects.values_list("status", flat=True).get(pk=request_id)
    return AuditEvent.objects.create(
        flight_request_id=request_id,
        actor=actor if getattr(actor, "pk", None) else None,
        created_at=now,
        action=action[:32],
        from_state=state,
        to_state=state,
        reason=(reason or "").strip(),
        data=data or {},
        supplier_id=supplier if isinstance(supplier, int) or supplier is None else supplier.pk,
    )
