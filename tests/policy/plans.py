"""Flight plans for the policy tests: one complete, valid plan and small helpers to vary it."""

from __future__ import annotations

import copy
import math
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from policy.core import Context, PolicySettings, ZoneIndex, ZoneRecord, evaluate
from policy.core.importers.geodesy import forward

BST = timezone(timedelta(hours=1))
NOW = datetime(2026, 5, 25, 9, 0, tzinfo=UTC)
DATA_DATE = date(2026, 6, 1)
# Open moorland east of Loch Awe, far from any airspace in the shared data.
OPEN_COUNTRY = (-5.02, 56.38)
OBAN_AIRPORT = (-5.3999, 56.4637)
FASLANE = (-4.8183, 56.0661)


_LON, _LAT = OPEN_COUNTRY
BOWTIE = {"type": "Polygon", "coordinates": [[[_LON, _LAT], [_LON + 0.01, _LAT + 0.01], [_LON + 0.01, _LAT],
                                               [_LON, _LAT + 0.01], [_LON, _LAT]]]}
SWAPPED = {"type": "Polygon", "coordinates": [[[_LAT, _LON], [_LAT + 0.01, _LON], [_LAT + 0.01, _LON + 0.01],
                                                [_LAT, _LON]]]}


def square(lon: float, lat: float, half_m: float = 100.0) -> dict[str, Any]:
    """A square area of 2*half_m metres about a point, as GeoJSON."""
    dlat = half_m / 111_320
    dlon = half_m / (111_320 * math.cos(math.radians(lat)))
    ring = [[lon - dlon, lat - dlat], [lon + dlon, lat - dlat], [lon + dlon, lat + dlat],
            [lon - dlon, lat + dlat], [lon - dlon, lat - dlat]]
    return {"type": "Polygon", "coordinates": [ring]}


def offset(lon: float, lat: float, azimuth: float, metres: float) -> tuple[float, float]:
    return forward(lon, lat, azimuth, metres)


def good_plan(at: tuple[float, float] = OPEN_COUNTRY, **changes: Any) -> dict[str, Any]:
    """A complete plan that passes every rule in open country in daylight in June 2026."""
    lon, lat = at
    plan: dict[str, Any] = {
        "reference": "FR-TEST-1",
        "area": square(lon, lat),
        "takeoff_points": [[lon, lat]],
        "contingency_buffer_m": 20,
        "max_height_m": 90,
        "start": "2026-06-15T10:00:00+01:00",
        "end": "2026-06-15T12:00:00+01:00",
        "purpose": "progress_photography",
        "people_in_view": False,
        "submitted_at": "2026-05-25T09:00:00+00:00",
        "requester": "rita",
        "approver": "owen",
        "aircraft": {"model": "Skyview One", "class_mark": "UK1", "mass_g": 600, "camera": True,
                     "remote_id": True, "green_light": True, "low_speed_mode": False, "max_wind_ms": 12,
                     "max_gust_ms": 12, "min_temp_c": -10, "max_temp_c": 40, "ip_rating": "IP54",
                     "geo_awareness": True, "geo_awareness_data_date": "2026-06-01",
                     "operator_id_in_remote_id": "GBR-OP-1234"},
        "operation": {"vlos": True, "max_distance_from_pilot_m": 300, "min_distance_people_m": 60,
                      "min_distance_built_up_m": 200},
        "operator": {"name": "Highland Aerial Ltd", "operator_id": "GBR-OP-1234",
                     "operator_id_expiry": "2027-03-31"},
        "organisation": {"name": "Estates", "programme_dpia": "DPIA-PROG-1",
                         "privacy_notice": "https://council.example/drones/privacy"},
        "pilots": [{"name": "Pat Pilot", "flyer_id": "GBR-RP-5678", "flyer_id_expiry": "2030-01-01",
                    "a2_cofc": "A2-99", "a2_cofc_expiry": "2030-01-01", "gvc": "GVC-12",
                    "gvc_expiry": "2030-01-01"}],
        "insurance": {"insurer": "Aviva", "policy_number": "AV-1", "named_operator": "Highland Aerial Ltd",
                      "third_party_cover_sdr": 1_000_000, "public_liability_gbp": 5_000_000,
                      "commercial_use": True, "start": "2026-01-01", "expiry": "2026-12-31"},
        "documents": {"rams": "RAMS-1", "dpia": "DPIA-1", "landowner_consent": "LC-1", "retention_days": 30,
                      "blurring": True, "flight_log_commitment": True,
                      "notifications": {"police": True, "residents": True, "aerodrome": True}},
        "permissions": [],
        "site": {"country": "scotland"},
    }
    for key, value in changes.items():
        set_path(plan, key, value)
    return plan


def malformed() -> list[tuple[str, dict[str, Any], str, str]]:
    """The issue's malformed plans, for every interface: (case, plan changes, field named, message text)."""
    return [
        ("not-a-polygon", {"area": {"type": "LineString", "coordinates": [[-5, 56], [-5.1, 56.1]]}}, "area",
         "must be a GeoJSON Polygon"),
        ("self-intersecting", {"area": BOWTIE}, "area", "edges cross"),
        ("swapped", {"area": SWAPPED}, "area", "swapped"),
        ("no-start", {"start": DELETE}, "start", "is required"),
        ("no-end", {"end": None}, "end", "is required"),
        ("end-before-start", {"end": "2026-06-15T09:00:00+01:00"}, "end", "must be after start"),
        ("bad-mass", {"aircraft.mass_g": "lots"}, "aircraft.mass_g", "must be a number"),
    ]


def set_path(plan: dict[str, Any], dotted: str, value: Any) -> None:
    """set_path(plan, 'aircraft.mass_g', 300); a value of DELETE removes the key."""
    node = plan
    parts = dotted.split(".")
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    if value is DELETE:
        node.pop(parts[-1], None)
    else:
        node[parts[-1]] = copy.deepcopy(value)


DELETE = object()


def zone(kind: str, geometry: dict[str, Any], name: str = "Test zone", zid: int = 1, **kw: Any) -> ZoneRecord:
    return ZoneRecord(id=zid, kind=kind, name=name, geometry=geometry, source="test", **kw)


def context(zones: list[ZoneRecord] | None = None, *, settings: dict[str, Any] | None = None,
            stage: str = "submission", now: datetime = NOW, data_date: date | None = DATA_DATE,
            index: ZoneIndex | None = None) -> Context:
    return Context(now=now, settings=PolicySettings.from_dict(settings or {}),
                   zones=index if index is not None else ZoneIndex(zones or []),
                   airspace_data_date=data_date, stage=stage)


def rules_of(plan: dict[str, Any], ctx: Context | None = None) -> dict[str, str]:
    """{rule: most severe severity} of the decision."""
    decision = evaluate(plan, ctx or context())
    order = {"block": 0, "approval": 1, "warn": 2}
    out: dict[str, str] = {}
    for f in decision.findings:
        if f.rule not in out or order[str(f.severity)] < order[out[f.rule]]:
            out[f.rule] = str(f.severity)
    return out
