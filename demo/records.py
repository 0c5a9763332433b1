"""Sample records shared by the demo seed and the tests: a supplier with complete compliance records,
the operating inputs of a well-planned flight, and a delivery made the way a contractor makes one."""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from booking.models import (
    Aircraft,
    AuthorisationType,
    ClassMark,
    InsuranceCertificate,
    Lot,
    LotSupplier,
    OperationalAuthorisation,
    OperatorRegistration,
    Pilot,
    RateCard,
    Supplier,
)
from surveys.services import asset_ingest_file, survey_deliver, survey_open

#: The demo survey's site (`manage.py load_demo_survey`): its photos are a public test set from abroad, and the
#: survey page says so (demo/templatetags/demo_notes.py).
DEMO_SURVEY_SITE = "Caliterra construction site, Texas (demo photos; not in Argyll and Bute)"

#: Operating-category inputs a contractor gives when scheduling (flight plan `operation`).
GOOD_OPERATION = {
    "vlos": True,
    "max_distance_from_pilot_m": 300,
    "min_distance_people_m": 50,
    "min_distance_people_takeoff_m": 30,
    "min_distance_built_up_m": 150,
    "overflies_assemblies": False,
    "night_procedures": True,
}



#: The aircraft a supplier gets when no crew is given (the tests' suppliers). The demo's crews name real models
#: with their makers' figures (demo/seed.py CREWS).
DEFAULT_AIRCRAFT: dict[str, Any] = {
    "name": "DJI Mavic 3 Enterprise",
    "class_mark": ClassMark.UK2,
    "takeoff_mass_g": 915,
    "camera": True,
    "thermal_camera": True,
    "remote_id": True,
    "green_light": True,
    "low_speed_mode": True,
    "max_wind_ms": 12.0,
    "max_gust_ms": 12.0,
    "ip_rating": "IP43",
    "min_temp_c": -10,
    "max_temp_c": 40,
}


def add_supplier(
    *, name: str, email: str, lot: Lot, rank: int, today: date, insurance_days: int = 300,
    crew: dict[str, Any] | None = None,
) -> Supplier:
    """A supplier with complete compliance records, one pilot, one aircraft and a rate card on `lot`.

    `crew` (the demo's named crews, demo/seed.py CREWS) gives the CAA operator ID, the pilots (name, Flyer ID,
    A2 CofC and GVC references) and the aircraft by model; the first pilot and aircraft are the usual ones."""
    supplier, _ = Supplier.objects.get_or_create(
        name=name, defaults={"email": email, "standard_operation": dict(GOOD_OPERATION)}
    )
    slug = "".join(c for c in name.upper() if c.isalnum())[:8]
    crew = crew or {}
    OperatorRegistration.objects.get_or_create(
        operator_id=crew.get("operator_id", f"GBR-OP-{slug}"),
        defaults={
            "supplier": supplier,
            "holder_name": name,
            "expires_on": today + timedelta(days=330),
        },
    )
    OperationalAuthorisation.objects.get_or_create(
        reference=f"UK-OA-{slug}",
        defaults={
            "supplier": supplier,
            "kind": AuthorisationType.PDRA01,
            "expires_on": today + timedelta(days=250),
            "limits": {
                "max_height_m": 120,
                "max_distance_m": 500,
                "night": True,
                "max_mass_g": 25000,
            },
        },
    )
    if not supplier.insurance_certificates.exists():
        InsuranceCertificate.objects.create(
            supplier=supplier,
            insurer="Coverdrone (UK) Ltd",
            policy_number=f"CD-{slug}",
            cover_amount=Decimal(5000000),
            public_liability_amount=Decimal(10000000),
            starts_on=today - timedelta(days=30),
            expires_on=today + timedelta(days=insurance_days),
            named_operator=name,
        )
    if not supplier.pilots.exists():
        for pilot in crew.get("pilots") or [
            {"name": f"{name} pilot", "flyer_id": f"GBR-RP-{slug}", "a2_cofc": f"A2-{slug}", "gvc": f"GVC-{slug}"}
        ]:
            Pilot.objects.create(
                supplier=supplier,
                name=pilot["name"],
                flyer_id=pilot["flyer_id"],
                flyer_id_expires_on=today + timedelta(days=pilot.get("flyer_days", 1500)),
                a2_cofc_reference=pilot.get("a2_cofc", ""),
                a2_cofc_expires_on=today + timedelta(days=1500) if pilot.get("a2_cofc") else None,
                gvc_reference=pilot.get("gvc", ""),
                gvc_expires_on=today + timedelta(days=pilot.get("gvc_days", 1200)) if pilot.get("gvc") else None,
            )
    for n, aircraft in enumerate(crew.get("aircraft") or [{}], start=1):
        spec = {**DEFAULT_AIRCRAFT, **aircraft}
        Aircraft.objects.get_or_create(
            supplier=supplier, serial_number=spec.pop("serial_number", f"SN-{slug}-{n}"), defaults=spec
        )
    LotSupplier.objects.get_or_create(lot=lot, supplier=supplier, defaults={"rank": rank})
    RateCard.objects.get_or_create(
        supplier=supplier,
        lot=lot,
        defaults={
            "per_session": Decimal("550.00"),
            "per_hectare": Decimal("40.00"),
            "per_extra_deliverable": Decimal("120.00"),
            "included_deliverables": ["photos"],
        },
    )
    return supplier


def flight_log_gpx(flight: Any) -> bytes:
    """The flight's GPS track as a GPX flight log: round the request's area, during the recorded flight."""
    ring = (flight.flight_request.area or {}).get("coordinates", [[]])[0] or [[0.0, 0.0]]
    start = flight.scheduled_start
    points = "".join(
        f'<trkpt lat="{lat:.6f}" lon="{lon:.6f}"><ele>60</ele>'
        f"<time>{(start + timedelta(minutes=i)).astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}</time></trkpt>"
        for i, (lon, lat) in enumerate(ring)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="skysurvey" '
        'xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>Flight {flight.pk}</name><trkseg>{points}</trkseg></trk></gpx>\n"
    ).encode()


def deliver_through_survey(
    *, flight_request: Any, actor: Any, now: datetime, files: list[Any] | None = None
) -> Any:
    """Deliver the way a contractor does: open the survey of the flown flight, store real files in it
    through the same ingestion as uploads, and declare it delivered (`surveys.services.survey_deliver`,
    which moves the request to delivered). `files`: paths of real files; by default the flight's GPX log.
    Returns the survey."""
    survey, _ = survey_open(flight_request=flight_request, by=actor)
    with tempfile.TemporaryDirectory() as folder:
        paths = [Path(p) for p in files or []]
        if not paths:
            log = Path(folder) / f"flight-{survey.flight_id}.gpx"
            log.write_bytes(flight_log_gpx(survey.flight))
            paths = [log]
        for path in paths:
            asset_ingest_file(survey=survey, path=path, original_name=path.name, uploaded_by=actor)
    return survey_deliver(survey=survey, by=actor, now=now)
