"""A fixed cast for tests of every app: `make_cast()` creates (idempotently within a test database)
users per role, two organisations, a framework with a lot, two suppliers with full compliance records,
rate cards and budget codes. Use inside a test with database access."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from .models import (
    Aircraft,
    AuthorisationType,
    BudgetCode,
    ClassMark,
    Framework,
    InsuranceCertificate,
    Lot,
    LotSupplier,
    OperationalAuthorisation,
    OperatorRegistration,
    Organisation,
    OrganisationKind,
    Pilot,
    Profile,
    RateCard,
    Role,
    Supplier,
)

PASSWORD = "test-pass-123"
#: A small real polygon: the Oban North Pier / seafront area (WGS84, drawn from OpenStreetMap tiles).
OBAN_SEAFRONT = {
    "type": "Polygon",
    "coordinates": [
        [
            [-5.4745, 56.4148],
            [-5.4712, 56.4148],
            [-5.4712, 56.4170],
            [-5.4745, 56.4170],
            [-5.4745, 56.4148],
        ]
    ],
}


GOOD_DOCUMENTS = {
    "rams": "RAMS-T-1",
    "dpia": "DPIA-T-1",
    "landowner_consent": "LC-T-1",
    "retention_days": 30,
    "blurring": True,
    "flight_log_commitment": True,
    "notifications": {"police": True, "residents": True, "aerodrome": True},
}
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


def load_test_airspace(*, today: date) -> None:
    """One real airspace zone (the Oban aerodrome 2 nm FRZ circle about its reference point, 56.46361 N
    5.40000 W, per NATS data quoted in the policy rules) so the policy engine has current airspace data
    (AIR-10) without importing the whole UK file. Idempotent."""
    import math

    from policy.services import zones_replace_source

    # A 2 nm (3,704 m) circle as a 64-gon on the local sphere approximation (enough for a test zone).
    lat0, lon0, radius = 56.46361, -5.40000, 3704.0
    ring = []
    for i in range(64):
        angle = 2 * math.pi * i / 64
        dlat = radius * math.cos(angle) / 111_320.0
        dlon = radius * math.sin(angle) / (111_320.0 * math.cos(math.radians(lat0)))
        ring.append([lon0 + dlon, lat0 + dlat])
    ring.append(ring[0])
    circle = {"type": "Polygon", "coordinates": [ring]}
    zones_replace_source(
        source="booking-test",
        data_date=today,
        zones=[
            {
                "external_id": "EGEO-FRZ",
                "kind": "frz",
                "name": "OBAN FRZ",
                "geometry": circle,
                "lower_m": 0,
                "upper_m": 610,
            }
        ],
    )


@dataclass
class Cast:
    requester: Any
    policy_officer: Any
    procurement: Any
    contractor: Any
    planner: Any
    admin: Any
    outsider: Any  # a requester from another service
    other_contractor: Any  # a contractor of another supplier
    organisation: Organisation
    other_organisation: Organisation
    partner: Organisation
    supplier: Supplier
    other_supplier: Supplier
    framework: Framework
    lot: Lot
    budget_code: BudgetCode
    other_budget_code: BudgetCode
    pilot: Pilot
    aircraft: Aircraft
    other_pilot: Pilot
    other_aircraft: Aircraft

    def request_fields(self, *, now: datetime | None = None, **overrides: Any) -> dict:
        """Valid fields for `booking.services.flight_request_create`, a week after `now`."""
        now = now or timezone.now()
        start = (now + timedelta(days=7)).replace(hour=10, minute=0, second=0, microsecond=0)
        fields = {
            "site_name": "Oban seafront",
            "area": OBAN_SEAFRONT,
            "purpose": "mapping",
            "deliverables": ["photos", "orthomosaic"],
            "window_start": start,
            "window_end": start + timedelta(days=5, hours=6),
            "max_height_m": 90,
            "budget_code": self.budget_code,
            "documents": dict(GOOD_DOCUMENTS),
            "takeoff_points": [[-5.4730, 56.4160]],
            "contingency_buffer_m": 20,
            "site_context": {"country": "scotland", "land_owner": "council"},
        }
        fields.update(overrides)
        return fields


def add_supplier(
    *, name: str, email: str, lot: Lot, rank: int, today: date, insurance_days: int = 300
) -> Supplier:
    """A supplier with complete compliance records, one pilot, one aircraft and a rate card on `lot`."""
    supplier, _ = Supplier.objects.get_or_create(
        name=name, defaults={"email": email, "standard_operation": dict(GOOD_OPERATION)}
    )
    slug = "".join(c for c in name.upper() if c.isalnum())[:8]
    OperatorRegistration.objects.get_or_create(
        operator_id=f"GBR-OP-{slug}",
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
        Pilot.objects.create(
            supplier=supplier,
            name=f"{name} pilot",
            flyer_id=f"GBR-RP-{slug}",
            flyer_id_expires_on=today + timedelta(days=1500),
            a2_cofc_reference=f"A2-{slug}",
            a2_cofc_expires_on=today + timedelta(days=1500),
            gvc_reference=f"GVC-{slug}",
            gvc_expires_on=today + timedelta(days=1200),
        )
    Aircraft.objects.get_or_create(
        supplier=supplier,
        serial_number=f"SN-{slug}-1",
        defaults={
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
        },
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


_HASHES: dict[str, str] = {}


def password_hash(password: str) -> str:
    """Hash once per process: the password hasher is slow by design, and a cast has eight users."""
    if password not in _HASHES:
        _HASHES[password] = make_password(password)
    return _HASHES[password]


def _user(username: str, *, role: str, organisation=None, supplier=None, superuser: bool = False):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "email": f"{username}@example.org",
            "is_superuser": superuser,
            "is_staff": superuser,
        },
    )
    if created:
        user.password = password_hash(PASSWORD)
        user.save(update_fields=["password"])
    Profile.objects.get_or_create(
        user=user, defaults={"role": role, "organisation": organisation, "supplier": supplier}
    )
    return user


def make_cast(*, today: date | None = None, airspace: bool = True) -> Cast:
    """The cast; with `airspace` also one current airspace zone (see load_test_airspace), without
    which the policy engine blocks every request for AIR-10."""
    today = today or timezone.localdate()
    if airspace:
        load_test_airspace(today=today)
    org, _ = Organisation.objects.get_or_create(
        name="Estates", defaults={"kind": OrganisationKind.SERVICE}
    )
    other, _ = Organisation.objects.get_or_create(
        name="Roads", defaults={"kind": OrganisationKind.SERVICE}
    )
    partner, _ = Organisation.objects.get_or_create(
        name="NHS Highland", defaults={"kind": OrganisationKind.PARTNER}
    )
    budget, _ = BudgetCode.objects.get_or_create(
        code="EST-001",
        defaults={"name": "Estates surveys", "organisation": org, "annual_budget": Decimal(20000)},
    )
    other_budget, _ = BudgetCode.objects.get_or_create(
        code="RDS-001",
        defaults={"name": "Roads surveys", "organisation": other, "annual_budget": Decimal(20000)},
    )
    BudgetCode.objects.get_or_create(
        code="NHS-001",
        defaults={"name": "NHS estates", "organisation": partner, "annual_budget": Decimal(10000)},
    )
    framework, _ = Framework.objects.get_or_create(
        reference="TEST-FW-1",
        defaults={
            "title": "Drone services (test)",
            "start_date": today - timedelta(days=100),
            "end_date": today + timedelta(days=900),
            "ceiling_value": Decimal(500000),
        },
    )
    lots = [
        Lot.objects.get_or_create(framework=framework, number=n, defaults={"title": t})[0]
        for n, t in (
            (1, "Aerial photography and video"),
            (2, "Mapping and orthomosaic"),
            (3, "Inspection"),
        )
    ]
    lot = lots[1]
    supplier = other_supplier = None
    for each in lots:
        supplier = add_supplier(
            name="Skyview Surveys Ltd", email="ops@skyview.example", lot=each, rank=1, today=today
        )
        other_supplier = add_supplier(
            name="Hebridean Drones Ltd",
            email="ops@hebdrones.example",
            lot=each,
            rank=2,
            today=today,
        )
    assert supplier is not None and other_supplier is not None
    return Cast(
        requester=_user("requester", role=Role.REQUESTER, organisation=org),
        policy_officer=_user("policy", role=Role.POLICY_OFFICER),
        procurement=_user("procurement", role=Role.PROCUREMENT),
        contractor=_user("contractor", role=Role.CONTRACTOR, supplier=supplier),
        planner=_user("planner", role=Role.PLANNER),
        admin=_user("admin", role=Role.ADMIN, superuser=True),
        outsider=_user("outsider", role=Role.REQUESTER, organisation=other),
        other_contractor=_user("other_contractor", role=Role.CONTRACTOR, supplier=other_supplier),
        organisation=org,
        other_organisation=other,
        partner=partner,
        supplier=supplier,
        other_supplier=other_supplier,
        framework=framework,
        lot=lot,
        budget_code=budget,
        other_budget_code=other_budget,
        pilot=supplier.pilots.first(),
        aircraft=supplier.aircraft.first(),
        other_pilot=other_supplier.pilots.first(),
        other_aircraft=other_supplier.aircraft.first(),
    )


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
    import tempfile
    from pathlib import Path

    from surveys.services import asset_ingest_file, survey_deliver, survey_open

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
