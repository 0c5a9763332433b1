"""Typed flight plan, findings and decisions (plain dataclasses; no Django)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only named in annotations; importing shapely at load time is slow
    from shapely.geometry import Polygon



class Severity(StrEnum):
    BLOCK = "block"
    APPROVAL = "approval"
    WARN = "warn"


class Outcome(StrEnum):
    PASS = "pass"
    NEEDS_APPROVAL = "needs_approval"
    BLOCKED = "blocked"


class Stage(StrEnum):
    SUBMISSION = "submission"
    SCHEDULING = "scheduling"
    DAY_OF_FLIGHT = "day_of_flight"


@dataclass(frozen=True)
class Aircraft:
    model: str = ""
    class_mark: str = ""  # UK0..UK6, C0..C4, LEGACY, HOME_BUILT (upper-cased)
    mass_g: float | None = None
    placed_on_market: date | None = None
    camera: bool = True
    remote_id: bool = False
    green_light: bool = False
    low_speed_mode: bool = False
    max_wind_ms: float | None = None
    max_gust_ms: float | None = None
    min_temp_c: float | None = None
    max_temp_c: float | None = None
    ip_rating: int | None = None  # the two IP digits as a number, e.g. 54
    geo_awareness: bool | None = None  # None: not stated (TECH-04)
    geo_awareness_data_date: date | None = None  # date of the geo-awareness data loaded (pre-flight check)
    # TECH-05: the Operator ID loaded into the Remote ID unit: None not stated, "" stated not loaded,
    # "held" (true given: loaded, ID not stated) or the ID as broadcast
    operator_id_in_remote_id: str | None = None


@dataclass(frozen=True)
class Obstacle:
    height_m: float
    distance_m: float
    owner_request: bool = False


@dataclass(frozen=True)
class Operation:
    category: str | None = None  # A1, A2, A3, SPECIFIC
    vlos: bool = True
    max_distance_from_pilot_m: float | None = None
    min_distance_people_m: float | None = None
    min_distance_people_takeoff_m: float | None = None
    min_distance_built_up_m: float | None = None
    overflies_assemblies: bool = False
    obstacle: Obstacle | None = None
    night_procedures: bool = False
    rtk_survey: bool = False
    # PRIV-02: how people on site are told (e.g. website, signage, high_visibility); None: not stated
    public_notice: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Authorisation:
    type: str = ""  # PDRA01 or BESPOKE
    reference: str = ""
    expiry: date | None = None
    pilots: tuple[str, ...] = ()
    aircraft: tuple[str, ...] = ()
    max_height_m: float | None = None
    max_distance_m: float | None = None
    night: bool | None = None
    max_mass_g: float | None = None
    area_types: tuple[str, ...] = ()
    bvlos: bool = False


@dataclass(frozen=True)
class Operator:
    name: str = ""
    operator_id: str = ""
    operator_id_expiry: date | None = None
    holder_age: int | None = None
    authorisation: Authorisation | None = None
    pfco_reference: str = ""


@dataclass(frozen=True)
class Pilot:
    name: str = ""
    flyer_id: str = ""
    flyer_id_expiry: date | None = None
    a2_cofc: str = ""
    a2_cofc_expiry: date | None = None
    gvc: str = ""
    gvc_expiry: date | None = None
    rpc_l1: str = ""
    rpc_l1_expiry: date | None = None


@dataclass(frozen=True)
class Organisation:
    """The council service (or partner) the flight is for: organisation-level privacy records (PRIV-02/03).
    None means not stated; "" stated as not held."""

    name: str = ""
    programme_dpia: str | None = None
    privacy_notice: str | None = None


@dataclass(frozen=True)
class Insurance:
    insurer: str = ""
    policy_number: str = ""
    named_operator: str = ""
    third_party_cover_sdr: float | None = None
    third_party_cover_gbp: float | None = None
    public_liability_gbp: float | None = None
    commercial_use: bool = False
    aircraft: tuple[str, ...] = ()
    start: date | None = None
    expiry: date | None = None


@dataclass(frozen=True)
class Documents:
    rams: str = ""
    dpia: str = ""
    landowner_consent: str = ""
    roads_consent: str = ""
    parks_consent: str = ""
    hes_permission: str = ""
    naturescot_consent: str = ""
    species_licence: str = ""
    ripsa_authorisation: str = ""
    retention_days: int | None = None
    blurring: bool = False
    notify_police: bool = False
    notify_residents: bool = False
    notify_aerodrome: bool = False
    flight_log_commitment: bool = False


@dataclass(frozen=True)
class Permission:
    kind: str
    zone: str = ""
    reference: str = ""
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass(frozen=True)
class Site:
    built_up: bool = False
    residential_nearby: bool = False
    roads: bool = False
    parks: bool = False
    assembly_nearby: bool = False
    country: str = ""
    land_owner: str = ""


@dataclass(frozen=True)
class Weather:
    mean_wind_ms: float | None = None
    gust_ms: float | None = None
    precipitation_mmh: float | None = None
    temperature_c: float | None = None
    visibility_km: float | None = None
    cloud_base_m: float | None = None
    kp: float | None = None
    moisture: bool | None = None
    observed_at: datetime | None = None
    source: str = ""


@dataclass(frozen=True)
class Plan:
    area: Polygon
    max_height_m: float
    start: datetime
    end: datetime
    reference: str = ""
    takeoff_points: tuple[tuple[float, float], ...] = ()
    contingency_buffer_m: float | None = None
    purpose: str = ""
    people_in_view: bool = False
    covert_surveillance: bool = False
    submitted_at: datetime | None = None
    requester: str = ""
    approver: str = ""
    aircraft: Aircraft | None = None
    operation: Operation = field(default_factory=Operation)
    operator: Operator = field(default_factory=Operator)
    organisation: Organisation = field(default_factory=Organisation)
    pilots: tuple[Pilot, ...] = ()
    insurance: Insurance | None = None
    documents: Documents = field(default_factory=Documents)
    permissions: tuple[Permission, ...] = ()
    site: Site = field(default_factory=Site)
    weather: Weather | None = None


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": str(self.severity),
            "message": self.message,
            "evidence": self.evidence,
            "source": self.source,
        }


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    findings: tuple[Finding, ...]
    category: str
    rules_checked: tuple[str, ...]
    evaluated_at: datetime

    def rules(self) -> set[str]:
        return {f.rule for f in self.findings}

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": str(self.outcome),
            "category": self.category,
            "findings": [f.to_json() for f in self.findings],
            "rules_checked": list(self.rules_checked),
            "evaluated_at": self.evaluated_at.isoformat(),
        }
