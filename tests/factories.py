"""A fixed cast for tests of every app: `make_cast()` creates (idempotently within a test database)
users per role, two organisations, a framework with a lot, two suppliers with full compliance records,
rate cards and budget codes. Use inside a test with database access."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone

from booking.models import (
    Aircraft,
    BudgetCode,
    Framework,
    Lot,
    Organisation,
    OrganisationKind,
    Pilot,
    Profile,
    Role,
    Supplier,
)
from demo.records import GOOD_OPERATION, add_supplier, deliver_through_survey, flight_log_gpx  # noqa: F401

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


