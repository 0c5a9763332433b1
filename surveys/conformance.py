"""Builds the approved flight from booking's request and flight, and runs the pure conformance check
(processing.core.conformance) over a survey's assets. The scheduled flight's start/end is the window; the
request's window is the fall-back. A check that the flight had a named pilot is added here."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from processing.core.conformance import ApprovedFlight, check_conformance

from .errors import SurveyError
from .models import Survey


def approved_flight(*, survey: Survey) -> tuple[Any, dict[str, Any]]:
    """The ApprovedFlight for the survey and a note of where each part came from."""
    fr = survey.flight_request
    if fr is None:
        raise SurveyError("flight_request", "This survey is not attached to an approved request: nothing to check.")
    flight = survey.flight
    if flight is not None and flight.scheduled_start and flight.scheduled_end:
        start, end, window_source = flight.scheduled_start, flight.scheduled_end, "scheduled flight"
    else:
        start, end, window_source = fr.window_start, fr.window_end, "request window"
    approved = ApprovedFlight(
        area=fr.area,
        window_start=start,
        window_end=end,
        max_height_m=float(fr.max_height_m) if fr.max_height_m is not None else None,
        deliverables=list(fr.deliverables or []),
        timezone=settings.TIME_ZONE,
        ground_elevation_m=None,
    )
    return approved, {"window_source": window_source, "request": fr.reference,
                      "flight": flight.pk if flight is not None else None}


def _pilot_check(survey: Survey) -> dict[str, Any]:
    flight = survey.flight
    pilot = getattr(flight, "pilot", None) if flight is not None else None
    if pilot is None:
        return {"name": "pilot", "status": "fail", "message": "no named pilot is recorded for this flight",
                "numbers": {}}
    return {"name": "pilot", "status": "pass",
            "message": f"flown by {pilot.name} (Flyer ID {pilot.flyer_id})",
            "numbers": {"pilot": pilot.name, "flyer_id": pilot.flyer_id}}


def conformance_report(*, survey: Survey) -> dict[str, Any]:
    """The stored report: the core's checks plus the pilot check, `passed`, `needs_review`, `summary`."""
    approved, sources = approved_flight(survey=survey)
    captures = [asset.metadata for asset in survey.assets.all().only("metadata")]
    try:
        report = check_conformance(captures, approved, stated_height_m=survey.flying_height_m).to_json()
    except ValueError as exc:
        field, _, message = str(exc).partition(": ")
        raise SurveyError(field if message else "flight_request", message or str(exc)) from exc
    pilot = _pilot_check(survey)
    report["checks"].append(pilot)
    if pilot["status"] == "fail":
        report["passed"] = False
        report["needs_review"] = True
        failed = [c["name"] for c in report["checks"] if c["status"] == "fail"]
        report["summary"] = "flag for review: failed " + ", ".join(failed)
    report["approved"] = {
        **sources,
        "window_start": approved.window_start.isoformat(),
        "window_end": approved.window_end.isoformat(),
        "max_height_m": approved.max_height_m,
        "deliverables": list(approved.deliverables),
        "timezone": approved.timezone,
        "stated_flying_height_m": survey.flying_height_m,
    }
    return report
