"""The survey's events in the audit trail of its request (booking's `AuditEvent`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from booking.audit import audit_record

from .models import Survey


def survey_audit_record(survey: Survey, action: str, *, by: Any, now: datetime, data: dict[str, Any],
                        reason: str = "") -> None:
    """Append an event to the survey's request's audit trail (surveys of no request keep none), tagged with
    the survey's supplier: what a supplier delivered is that supplier's."""
    if survey.flight_request_id is None:
        return
    audit_record(flight_request=survey.flight_request_id, action=action, actor=by, now=now, reason=reason,
                 data={"survey": survey.pk, **data}, supplier=survey.supplier_id)
