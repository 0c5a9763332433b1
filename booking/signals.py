"""What booking tells apps after it in the dependency order (surveys) without importing them."""

from __future__ import annotations

from django.dispatch import Signal

#: Sent inside the transaction after every request transition, with `flight_request`, `action`,
#: `actor`, `now` and `event` (the AuditEvent). A receiver that raises rolls the transition back.
request_transitioned = Signal()
