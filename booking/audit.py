"""The one way to append to a request's audit trail outside a state transition (uploads, downloads,
conformance, map builds, refused attempts). Transitions write theirs in `transitions.apply_transition`."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from .models import AuditEvent, FlightRequest, Supplier

#: Control characters (a NUL cannot even be stored in PostgreSQL's JSON) in what users sent, e.g. a refused
#: file name: kept visible as U+FFFD, never stored raw.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def printable(value: Any) -> Any:
    """`value` with control characters in every string replaced (dicts and lists walked)."""
    if isinstance(value, str):
        return _CONTROL.sub("\ufffd", value)
    if isinstance(value, dict):
        return {printable(k): printable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [printable(v) for v in value]
    return value


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
        reason=printable((reason or "").strip()),
        data=printable(data or {}),
        supplier_id=supplier if isinstance(supplier, int) or supplier is None else supplier.pk,
    )
