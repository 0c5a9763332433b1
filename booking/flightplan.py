"""The flight-plan JSON the policy engine evaluates (schema in docs/policy.md), built from a request,
its supplier's compliance records and, once scheduled, the flight."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from .models import (
    Aircraft,
    AuthorisationType,
    Flight,
    FlightRequest,
    FlightStatus,
    OrderStatus,
    Pilot,
    Supplier,
)


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _aircraft(aircraft: Aircraft) -> dict[str, Any]:
    return {
        "model": aircraft.name,
        "serial_number": aircraft.serial_number,
        "class_mark": aircraft.class_mark,
        "mass_g": aircraft.takeoff_mass_g,
        "placed_on_market": _iso(aircraft.placed_on_market),
        "camera": aircraft.camera,
        "remote_id": aircraft.remote_id,
        "green_light": aircraft.green_light,
        "low_speed_mode": aircraft.low_speed_mode,
        "max_wind_ms": aircraft.max_wind_ms,
        "max_gust_ms": aircraft.max_gust_ms
        if aircraft.max_gust_ms is not None
        else aircraft.max_wind_ms,
        "min_temp_c": aircraft.min_temp_c,
        "max_temp_c": aircraft.max_temp_c,
        "ip_rating": aircraft.ip_rating or None,
    }


def _pilot(pilot: Pilot) -> dict[str, Any]:
    return {
        "name": pilot.name,
        "flyer_id": pilot.flyer_id,
        "flyer_id_expiry": _iso(pilot.flyer_id_expires_on),
        "a2_cofc": pilot.a2_cofc_reference or bool(pilot.a2_cofc_expires_on),
        "a2_cofc_expiry": _iso(pilot.a2_cofc_expires_on),
        "gvc": pilot.gvc_reference or bool(pilot.gvc_expires_on),
        "gvc_expiry": _iso(pilot.gvc_expires_on),
    }


def _operator(supplier: Supplier) -> dict[str, Any]:
    registration = supplier.operator_registrations.order_by("-expires_on").first()
    operator: dict[str, Any] = {"name": supplier.name}
    if registration is not None:
        operator["name"] = registration.holder_name or supplier.name
        operator["operator_id"] = registration.operator_id
        operator["operator_id_expiry"] = _iso(registration.expires_on)
    authorisation = (
        supplier.authorisations.exclude(kind=AuthorisationType.PFCO).order_by("-expires_on").first()
    )
    if authorisation is not None:
        operator["authorisation"] = {
            **authorisation.limits,
            "type": authorisation.kind
            if authorisation.kind == AuthorisationType.PDRA01
            else "bespoke",
            "reference": authorisation.reference,
            "expiry": _iso(authorisation.expires_on),
        }
    pfco = supplier.authorisations.filter(kind=AuthorisationType.PFCO).first()
    if pfco is not None:
        operator["pfco_reference"] = pfco.reference
    return operator


def _insurance(supplier: Supplier) -> dict[str, Any] | None:
    certificate = supplier.insurance_certificates.order_by("-expires_on").first()
    if certificate is None:
        return None
    return {
        "insurer": certificate.insurer,
        "policy_number": certificate.policy_number,
        "named_operator": certificate.named_operator,
        "third_party_cover_gbp": float(certificate.cover_amount),
        "public_liability_gbp": float(certificate.public_liability_amount),
        "commercial_use": certificate.commercial_use,
        "start": _iso(certificate.starts_on),
        "expiry": _iso(certificate.expires_on),
    }


def plan_supplier(*, flight_request: FlightRequest, flight: Flight | None) -> Supplier | None:
    if flight is not None:
        return flight.supplier
    order = (
        flight_request.orders.filter(status__in=OrderStatus.live()).order_by("-created_at").first()
    )
    return order.supplier if order is not None else None


def build_flight_plan(*, flight_request: FlightRequest, flight: Flight | None = None) -> dict:
    """The plan for the policy engine. Before a supplier is known it carries the request only, so the
    credential rules report what is missing; with a flight it uses that flight's times, pilot, aircraft
    and recorded weather."""
    if flight is None:
        flight = (
            flight_request.flights.filter(status=FlightStatus.SCHEDULED)
            .order_by("-created_at")
            .first()
        )
    start = flight.scheduled_start if flight is not None else flight_request.window_start
    end = flight.scheduled_end if flight is not None else flight_request.window_end
    plan: dict[str, Any] = {
        "reference": flight_request.reference,
        "area": flight_request.area,
        "max_height_m": flight_request.max_height_m,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "purpose": flight_request.purpose,
        "people_in_view": flight_request.people_in_view,
        "submitted_at": _iso(flight_request.created_at),
        "requester": flight_request.requester.get_username(),
        # PRIV-02/03: no organisation record holds a programme DPIA or privacy notice yet, so they are
        # "not stated" (advice); add "programme_dpia" / "privacy_notice" here once one does.
        "organisation": {"name": flight_request.organisation.name},
        "deliverables": list(flight_request.deliverables),
        "documents": dict(flight_request.documents or {}),
        "permissions": list(flight_request.permissions or []),
        "site": dict(flight_request.site_context or {}),
        "takeoff_points": list(flight_request.takeoff_points or []),
        "pilots": [],
    }
    if flight_request.contingency_buffer_m is not None:
        plan["contingency_buffer_m"] = flight_request.contingency_buffer_m
    approval = flight_request.audit_events.filter(action="approve").order_by("-created_at").first()
    if approval is not None and approval.actor is not None:
        plan["approver"] = approval.actor.get_username()
    supplier = plan_supplier(flight_request=flight_request, flight=flight)
    if supplier is not None:
        plan["operator"] = _operator(supplier)
        insurance = _insurance(supplier)
        if insurance is not None:
            plan["insurance"] = insurance
    if flight is not None:
        plan["aircraft"] = _aircraft(flight.aircraft)
        plan["pilots"] = [_pilot(flight.pilot)]
        if flight.operation:
            plan["operation"] = dict(flight.operation)
        if flight.weather:
            plan["weather"] = dict(flight.weather)
    return plan
