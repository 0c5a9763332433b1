"""Demo data for `manage.py seed_demo`: the council's services and partners, a framework with three lots
and three suppliers, a user per role and requests on real Argyll and Bute places taken through the real
services (so each audit trail is real). Idempotent: every object is found before it is made."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from booking import services
from booking.errors import BookingError
from booking.models import (
    BudgetCode,
    FlightRequest,
    Framework,
    Lot,
    Organisation,
    OrganisationKind,
    Profile,
    RequestStatus,
    Role,
    SupplierSelection,
)
from booking.transitions import happy_path
from surveys.services import SurveyError

from .records import GOOD_OPERATION, add_supplier, deliver_through_survey

log = logging.getLogger(__name__)

DEMO_PASSWORD = "demo-drones-2026"
SERVICES = [
    "Planning",
    "Estates",
    "Roads",
    "Infrastructure Design",
    "Coastal Protection",
    "Health & Safety",
]
PARTNERS = ["Police Scotland", "NHS Highland"]
LOTS = [
    (1, "Aerial photography and video"),
    (2, "Mapping and orthomosaic"),
    (3, "Inspection including thermal"),
]
SUPPLIERS = [
    # name, email, insurance days left, {lot number: rank}
    ("Skyline Aerial Surveys Ltd", "orders@skyline-aerial.example", 320, {1: 1, 2: 1, 3: 2}),
    ("Hebridean Drone Services Ltd", "ops@hebridean-drones.example", 20, {1: 2, 2: 2, 3: 3}),
    ("Firth Thermal Inspection Ltd", "bookings@firth-thermal.example", 200, {1: 3, 3: 1}),
]
#: The suppliers' crews: CAA operator IDs (GBR-OP- and 12 characters) and pilots' Flyer IDs (GBR-RP- and 12
#: upper-case characters without A, E, I, O, U, 1 or 0: the CAA's format, AMC2 UAS.OPEN.020(4)(b) in the CAA
#: Regulatory Library), A2 Certificates of Competency and General VLOS Certificates (GVC) from a recognised
#: assessment entity. All invented for the demo: no real person's or company's registration.
#: Aircraft by model, with the makers' published figures (DJI specification pages: enterprise.dji.com
#: /mavic-3-enterprise/specs, /matrice-30/specs, /matrice-350-rtk/specs). The first aircraft and pilot of each
#: are the usual ones (the demo schedules them).
MAVIC_3T = {"name": "DJI Mavic 3T (Mavic 3 Enterprise series, thermal)", "class_mark": "UK2", "takeoff_mass_g": 920,
            "thermal_camera": True, "max_wind_ms": 12.0, "max_gust_ms": 12.0, "ip_rating": "IP43"}
MAVIC_3E = {"name": "DJI Mavic 3 Enterprise (M3E, RTK module)", "class_mark": "UK2", "takeoff_mass_g": 915,
            "thermal_camera": False, "max_wind_ms": 12.0, "max_gust_ms": 12.0, "ip_rating": "IP43"}
M30T = {"name": "DJI Matrice 30T", "class_mark": "C2", "takeoff_mass_g": 3770, "thermal_camera": True,
        "max_wind_ms": 15.0, "max_gust_ms": 15.0, "ip_rating": "IP55", "min_temp_c": -20, "max_temp_c": 50}
M350 = {"name": "DJI Matrice 350 RTK (Zenmuse P1)", "class_mark": "legacy", "takeoff_mass_g": 6470,
        "thermal_camera": False, "max_wind_ms": 12.0, "max_gust_ms": 12.0, "ip_rating": "IP55",
        "min_temp_c": -20, "max_temp_c": 50}
CREWS = {
    "Skyline Aerial Surveys Ltd": {
        "operator_id": "GBR-OP-7KQ2M9XH4TRC",
        "pilots": [
            {"name": "Calum Macdonald", "flyer_id": "GBR-RP-6JLT4QWZK9MB", "a2_cofc": "A2CofC-HDR-24-03117",
             "gvc": "GVC-HDR-24-01842"},
            {"name": "Eilidh Robertson", "flyer_id": "GBR-RP-4HX7KPQ2NV8D", "a2_cofc": "A2CofC-HDR-23-11950",
             "gvc": "GVC-HDR-23-09311"},
        ],
        "aircraft": [{**MAVIC_3E, "serial_number": "1581F5FHD23BP00AK4"},
                     {**M350, "serial_number": "1581F6Q8D245Y00C2R"}],
    },
    "Hebridean Drone Services Ltd": {
        "operator_id": "GBR-OP-3NVD8WK5PZ2M",
        "pilots": [
            {"name": "Donald MacNeil", "flyer_id": "GBR-RP-7TZQ3MHC5KW2", "a2_cofc": "A2CofC-CPZ-22-07764",
             "gvc": "GVC-CPZ-22-05529"},
            {"name": "Seonaid MacInnes", "flyer_id": "GBR-RP-2GKW8XNB6RTF", "a2_cofc": "A2CofC-CPZ-24-02203"},
        ],
        "aircraft": [{**MAVIC_3T, "serial_number": "1581F5BKD22C700DT9"}],
    },
    "Firth Thermal Inspection Ltd": {
        "operator_id": "GBR-OP-9HCR4TXM7QW3",
        "pilots": [
            {"name": "Iona Grant", "flyer_id": "GBR-RP-5PDX9MWC3HZK", "a2_cofc": "A2CofC-HDR-23-04480",
             "gvc": "GVC-HDR-23-03307"},
            {"name": "Ruaridh Cameron", "flyer_id": "GBR-RP-8BNQ2VTK7GXW", "a2_cofc": "A2CofC-UAV-25-00612",
             "gvc": "GVC-UAV-25-00415"},
        ],
        "aircraft": [{**MAVIC_3T, "serial_number": "1581F5BKD23A400F6N"},
                     {**M30T, "serial_number": "1581F4XFD22B30017P"}],
    },
}
#: username -> (role, organisation name or None, supplier name or None, full name)
USERS = {
    "requester": (Role.REQUESTER, "Estates", None, "Rhona MacLeod"),
    "requester_coastal": (Role.REQUESTER, "Coastal Protection", None, "Ewan Campbell"),
    "requester_nhs": (Role.REQUESTER, "NHS Highland", None, "Morag Fraser"),
    "requester_roads": (Role.REQUESTER, "Roads", None, "Niall Ferguson"),
    "requester_planning": (Role.REQUESTER, "Planning", None, "Shona McPhail"),
    "requester_police": (Role.REQUESTER, "Police Scotland", None, "Lorna Black"),
    "policy": (Role.POLICY_OFFICER, None, None, "Alasdair Munro"),
    "procurement": (Role.PROCUREMENT, None, None, "Fiona Stewart"),
    "contractor": (Role.CONTRACTOR, None, "Skyline Aerial Surveys Ltd", "Calum Macdonald"),
    "contractor_hebridean": (
        Role.CONTRACTOR,
        None,
        "Hebridean Drone Services Ltd",
        "Donald MacNeil",
    ),
    "contractor_firth": (Role.CONTRACTOR, None, "Firth Thermal Inspection Ltd", "Iona Grant"),
    "planner": (Role.PLANNER, "Planning", None, "Kirsty Maclean"),
    "admin": (Role.ADMIN, None, None, "System administrator"),
}


def _ring(*points: tuple[float, float]) -> dict:
    coords = [list(p) for p in points]
    return {"type": "Polygon", "coordinates": [coords + [coords[0]]]}


# Approximate site outlines (WGS84 lon/lat) traced over OpenStreetMap for the demo.
OBAN_SEAFRONT = _ring(
    (-5.4768, 56.4152), (-5.4728, 56.4152), (-5.4722, 56.4192), (-5.4762, 56.4195)
)
KERRERA_GYLEN = _ring(
    (-5.5462, 56.3852), (-5.5392, 56.3850), (-5.5390, 56.3890), (-5.5458, 56.3893)
)
CAMPBELTOWN_HARBOUR = _ring(
    (-5.6062, 55.4236), (-5.5990, 55.4234), (-5.5988, 55.4270), (-5.6058, 55.4272)
)
MOLEIGH_LANDFILL = _ring(
    (-5.4372, 56.3962), (-5.4302, 56.3960), (-5.4298, 56.4000), (-5.4368, 56.4003)
)
HELENSBURGH_SEA_WALL = _ring(
    (-4.7420, 56.0006), (-4.7300, 56.0004), (-4.7298, 56.0030), (-4.7418, 56.0032)
)
LOCHGILPHEAD_FRONT = _ring(
    (-5.4340, 56.0365), (-5.4300, 56.0365), (-5.4300, 56.0385), (-5.4340, 56.0385)
)
# The A83 at the Rest and Be Thankful (the Roads service's debris-flow catch-pits), Dunoon's Victorian pier, and
# the grounds of Lochgilphead's police office (Police Scotland, a partner, recharged).
REST_AND_BE_THANKFUL = _ring(
    (-4.8575, 56.2262), (-4.8505, 56.2262), (-4.8503, 56.2302), (-4.8573, 56.2304)
)
DUNOON_PIER = _ring(
    (-4.9226, 55.9462), (-4.9196, 55.9462), (-4.9195, 55.9478), (-4.9225, 55.9479)
)
LOCHGILPHEAD_POLICE = _ring(
    (-5.4352, 56.0392), (-5.4334, 56.0392), (-5.4334, 56.0401), (-5.4352, 56.0401)
)

DOCUMENTS = {
    "rams": "RAMS-DEMO-01",
    "dpia": "DPIA-DEMO-01",
    "landowner_consent": "ABC-ESTATES-LC-01",
    "retention_days": 30,
    "blurring": True,
    "flight_log_commitment": True,
    "notifications": {"police": True, "residents": True, "aerodrome": True},
}

#: Permissions on file for sites inside a Flight Restriction Zone (AIR-01 needs the reference).
PERMISSIONS = {
    "campbeltown-harbour": [{"kind": "frz", "zone": "", "reference": "CBT-ATC-DEMO-014"}]
}

#: tag, site, area, purpose, deliverables, organisation's requester, budget code, target state, days ahead
DEMO_REQUESTS = [
    (
        "oban-seafront",
        "Oban seafront (Corran Esplanade)",
        OBAN_SEAFRONT,
        "planning_footage",
        ["photos", "video"],
        "requester",
        "EST-OBN",
        RequestStatus.SCHEDULED,
        6,
    ),
    (
        "kerrera",
        "Kerrera, Gylen Castle approach",
        KERRERA_GYLEN,
        "survey_3d",
        ["photos", "point_cloud"],
        "requester",
        "EST-OBN",
        RequestStatus.DRAFT,
        20,
    ),
    (
        "campbeltown-harbour",
        "Campbeltown harbour",
        CAMPBELTOWN_HARBOUR,
        "structure_inspection",
        ["photos", "report"],
        "requester_coastal",
        "CST-HBR",
        RequestStatus.REFERRED,
        12,
    ),
    (
        "moleigh-landfill",
        "Moleigh landfill site, near Oban",
        MOLEIGH_LANDFILL,
        "mapping",
        ["photos", "orthomosaic", "elevation"],
        "requester",
        "EST-OBN",
        RequestStatus.DELIVERED,
        -12,
    ),
    (
        "helensburgh-sea-wall",
        "Helensburgh sea wall",
        HELENSBURGH_SEA_WALL,
        "coastal_survey",
        ["photos", "orthomosaic"],
        "requester_coastal",
        "CST-HBR",
        RequestStatus.ORDERED,
        9,
    ),
    (
        "lochgilphead-nhs",
        "Mid Argyll Community Hospital grounds, Lochgilphead",
        LOCHGILPHEAD_FRONT,
        "estates_marketing",
        ["video"],
        "requester_nhs",
        "NHS-ARG",
        RequestStatus.COMPLETED,
        -25,
    ),
    (
        "rest-and-be-thankful",
        "A83 Rest and Be Thankful, debris-flow catch-pits",
        REST_AND_BE_THANKFUL,
        "structure_inspection",
        ["photos", "orthomosaic", "report"],
        "requester_roads",
        "RDS-001",
        RequestStatus.APPROVED,
        15,
    ),
    (
        "dunoon-pier",
        "Dunoon pier, condition record for listed building consent",
        DUNOON_PIER,
        "planning_footage",
        ["photos", "video"],
        "requester_planning",
        "PLN-001",
        RequestStatus.REFERRED,
        18,
    ),
    (
        "lochgilphead-police",
        "Lochgilphead police office, roof and grounds",
        LOCHGILPHEAD_POLICE,
        "structure_inspection",
        ["photos", "report"],
        "requester_police",
        "PSC-ARG",
        RequestStatus.DRAFT,
        30,
    ),
]
BUDGETS = [
    ("EST-OBN", "Estates: Oban and Lorn", "Estates", "25000"),
    ("PLN-001", "Planning: development management", "Planning", "12000"),
    ("RDS-001", "Roads: structures", "Roads", "15000"),
    ("CST-HBR", "Coastal protection: harbours and sea walls", "Coastal Protection", "30000"),
    ("NHS-ARG", "NHS Highland: Argyll estates (recharged)", "NHS Highland", "10000"),
    ("PSC-ARG", "Police Scotland: Argyll (recharged)", "Police Scotland", "8000"),
]


def seed_reference(*, today: date) -> dict[str, Any]:
    orgs = {}
    for name in SERVICES:
        orgs[name] = Organisation.objects.get_or_create(
            name=name, defaults={"kind": OrganisationKind.SERVICE}
        )[0]
    for name in PARTNERS:
        orgs[name] = Organisation.objects.get_or_create(
            name=name, defaults={"kind": OrganisationKind.PARTNER}
        )[0]
    for code, label, org, amount in BUDGETS:
        BudgetCode.objects.get_or_create(
            code=code,
            defaults={"name": label, "organisation": orgs[org], "annual_budget": Decimal(amount)},
        )
    framework, _ = Framework.objects.get_or_create(
        reference="ABC-DRONE-2025",
        defaults={
            "title": "Drone survey services framework (call-off)",
            "start_date": date(2025, 4, 1),
            "end_date": date(2029, 3, 31),
            "ceiling_value": Decimal(400000),
        },
    )
    lots = {
        n: Lot.objects.get_or_create(
            framework=framework,
            number=n,
            defaults={
                "title": t,
                "selection": SupplierSelection.ROTATION if n == 1 else SupplierSelection.RANK,
            },
        )[0]
        for n, t in LOTS
    }
    suppliers = {}
    for name, email, insurance_days, ranks in SUPPLIERS:
        for number, rank in ranks.items():
            suppliers[name] = add_supplier(
                name=name,
                email=email,
                lot=lots[number],
                rank=rank,
                today=today,
                insurance_days=insurance_days,
                crew=CREWS.get(name),
            )
    User = get_user_model()
    users = {}
    for username, (role, org, supplier, full_name) in USERS.items():
        first, _, last = full_name.partition(" ")
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@argyll-bute.example",
                "first_name": first,
                "last_name": last,
                "is_staff": role == Role.ADMIN,
                "is_superuser": role == Role.ADMIN,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        Profile.objects.get_or_create(
            user=user,
            defaults={
                "role": role,
                "organisation": orgs.get(org) if org else None,
                "supplier": suppliers.get(supplier) if supplier else None,
            },
        )
        users[username] = user
    return {
        "orgs": orgs,
        "framework": framework,
        "lots": lots,
        "suppliers": suppliers,
        "users": users,
    }


def _advance(
    fr: FlightRequest, target: str, users: dict, when: datetime, start: datetime
) -> FlightRequest:
    """Take a fresh draft along the workflow up to `target`, as the right people, at `when`."""
    order = happy_path(via=(RequestStatus.REFERRED,))  # booking/transitions.py
    goal = order.index(target)
    requester = fr.requester
    steps: list[Callable[[FlightRequest], Any]] = []

    def submit(f):
        return services.flight_request_submit(actor=requester, flight_request=f, now=when)

    def approve(f):
        if f.status == RequestStatus.REFERRED and goal > order.index(RequestStatus.REFERRED):
            services.flight_request_approve(
                actor=users["policy"],
                flight_request=f,
                now=when + timedelta(hours=2),
                reason="Demo: evidence checked, approved",
            )

    def place(f):
        services.flight_request_order(
            actor=users["procurement"], flight_request=f, now=when + timedelta(hours=4)
        )

    def contractor(f):
        order_ = f.current_order
        return next(
            u
            for u in users.values()
            if getattr(u.profile, "supplier_id", None) == order_.supplier_id
        )

    def accept(f):
        services.order_accept(actor=contractor(f), flight_request=f, now=when + timedelta(hours=6))

    def schedule(f):
        order_ = f.current_order
        services.flight_schedule(
            actor=contractor(f),
            flight_request=f,
            now=when + timedelta(hours=8),
            scheduled_start=start,
            scheduled_end=start + timedelta(hours=2),
            pilot=order_.supplier.pilots.order_by("pk").first(),  # each crew's usual pilot and aircraft
            aircraft=order_.supplier.aircraft.order_by("pk").first(),
            operation=dict(GOOD_OPERATION),
        )

    def fly(f):
        services.flight_record(
            actor=contractor(f),
            flight_request=f,
            now=start + timedelta(hours=3),
            flight_log={
                "takeoff": start.isoformat(),
                "landing": (start + timedelta(minutes=48)).isoformat(),
                "batteries": 3,
                "max_height_m": 80,
                "incidents": "none",
            },
            weather={
                "mean_wind_ms": 5.0,
                "gust_ms": 7.5,
                "precipitation_mmh": 0.0,
                "temperature_c": 11.0,
                "visibility_km": 20.0,
                "cloud_base_m": 900.0,
                "kp": 2.0,
                "source": "pilot",
            },
        )

    def deliver(f):
        # Through the survey of the flown flight, with a real stored file (the flight's GPX log), as the
        # contractor does on the survey page; the survey's conformance check decides what the requester sees.
        deliver_through_survey(flight_request=f, actor=contractor(f), now=start + timedelta(days=2))

    def complete(f):
        services.flight_request_accept_delivery(
            actor=requester,
            flight_request=f,
            now=start + timedelta(days=4),
            reason="Demo: flight log checked against the flight record",
        )

    steps = [submit, approve, place, accept, schedule, fly, deliver, complete]
    for index, step in enumerate(steps, start=1):
        if index > goal:
            break
        fr.refresh_from_db()
        if fr.status in {RequestStatus.BLOCKED, RequestStatus.REFUSED} or (
            step is not approve and fr.status == RequestStatus.REFERRED and goal > 1
        ):
            log.warning("demo request %s stopped at %s", fr.reference, fr.status)
            break
        step(fr)
    fr.refresh_from_db()
    return fr


def seed_requests(*, ref: dict, now: datetime) -> list[FlightRequest]:
    made = []
    for tag, site, area, purpose, deliverables, username, code, target, days in DEMO_REQUESTS:
        marker = f"[demo:{tag}]"
        existing = FlightRequest.objects.filter(description__startswith=marker).first()
        if existing is not None:
            made.append(existing)
            continue
        # Past work is created back then, so the whole trail reads in order.
        when = now - timedelta(days=-days + 10) if days < 0 else now
        start = timezone.localtime(now + timedelta(days=days)).replace(
            hour=10, minute=0, second=0, microsecond=0
        )
        requester = ref["users"][username]
        # Each service is its own transaction: a step the policy refuses leaves the request where it got.
        fr = services.flight_request_create(
            actor=requester,
            now=when,
            site_name=site,
            area=area,
            purpose=purpose,
            deliverables=deliverables,
            window_start=start,
            window_end=start + timedelta(days=4),
            max_height_m=90,
            people_in_view=purpose in {"planning_footage", "estates_marketing"},
            budget_code=BudgetCode.objects.get(code=code),
            documents=dict(DOCUMENTS),
            takeoff_points=[area["coordinates"][0][0]],
            contingency_buffer_m=20,
            site_context={"country": "scotland", "land_owner": "council"},
            permissions=list(PERMISSIONS.get(tag, [])),
            description=f"{marker} Demo request: {site}.",
        )
        try:
            _advance(fr, target, ref["users"], when, start)
        except (BookingError, SurveyError) as exc:
            fr.refresh_from_db()
            log.warning("demo request %s stopped at %s: %s", fr.reference, fr.status, exc.message)
        fr.refresh_from_db()
        made.append(fr)
    return made


def demo_request(tag: str) -> FlightRequest | None:
    """A seeded demo request by its tag (e.g. "moleigh-landfill"), for other apps' demo data."""
    return FlightRequest.objects.filter(description__startswith=f"[demo:{tag}]").first()
