"""Flight plan JSON -> Plan, with errors that name the field (schema in docs/policy.md).

Missing credentials are not errors (the rules report them); a plan is malformed only when the engine
cannot tell where, when or how high the flight is, or a value has the wrong type.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from .settings import DEFAULT_SETTINGS, PolicySettings
from .types import (
    Aircraft,
    Authorisation,
    Documents,
    Insurance,
    Obstacle,
    Operation,
    Operator,
    Organisation,
    Permission,
    Pilot,
    Plan,
    Site,
    Weather,
)

if TYPE_CHECKING:
    from shapely.geometry import Polygon

# Generous bounds of the UK and its waters (WGS84 lon/lat) for catching swapped coordinates.
UK_BOUNDS = (-10.0, 49.0, 3.0, 61.5)
# The most positions (all rings together) an area may have: the booking form's limit too
# (booking.geometry imports it from here). A site drawn by hand or traced from a map has tens to hundreds.
MAX_AREA_VERTICES = 5000
# The largest plan document accepted (the API refuses a bigger request body unread): a plan with an area at
# the vertex limit is about 0.2 MB.
MAX_PLAN_BYTES = 2 * 1024 * 1024
# Flight times outside these years are typing mistakes, and near datetime's limits (years 1 and 9999) the
# date arithmetic of the rules would overflow.
PLAN_YEARS = (1970, 2199)

T = TypeVar("T")


class PlanError(ValueError):
    """A malformed flight plan; `field` is the dotted path of the offending key."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def to_json(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


def _obj(data: Any, path: str) -> Mapping[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise PlanError(path, "must be an object")
    return data


def _str(data: Mapping[str, Any], key: str, path: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise PlanError(f"{path}{key}", "must be a string")
    return str(value).strip()


def _ref(data: Mapping[str, Any], key: str, path: str) -> str:
    """A document/qualification reference: a string, or true meaning 'held, no reference given'."""
    value = data.get(key)
    if value is True:
        return "held"
    if value is False:
        return ""
    return _str(data, key, path)


def _opt_ref(data: Mapping[str, Any], key: str, path: str) -> str | None:
    """Like _ref, but None when not stated (absent, null or blank) and "" when stated as not held (false)."""
    value = data.get(key)
    if value is None:
        return None
    if value is False:
        return ""
    return _ref(data, key, path) or None


def _opt_bool(data: Mapping[str, Any], key: str, path: str) -> bool | None:
    return None if data.get(key) is None else _bool(data, key, path)


def _bool(data: Mapping[str, Any], key: str, path: str, default: bool = False) -> bool:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise PlanError(f"{path}{key}", "must be true or false")
    return value


def _num(data: Mapping[str, Any], key: str, path: str, *, minimum: float | None = None) -> float | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise PlanError(f"{path}{key}", "must be a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise PlanError(f"{path}{key}", "must be a number") from None
    if not math.isfinite(number):
        raise PlanError(f"{path}{key}", "must be a finite number")
    if minimum is not None and number < minimum:
        raise PlanError(f"{path}{key}", f"must be at least {minimum:g}")
    return number


def _date(data: Mapping[str, Any], key: str, path: str) -> date | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise PlanError(f"{path}{key}", "must be a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise PlanError(f"{path}{key}", f"{value!r} is not a date (YYYY-MM-DD)") from None


def _datetime(data: Mapping[str, Any], key: str, path: str, *, required: bool = False) -> datetime | None:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise PlanError(f"{path}{key}", "is required (ISO 8601 date and time with a UTC offset)")
        return None
    if not isinstance(value, str):
        raise PlanError(f"{path}{key}", "must be an ISO 8601 date and time with a UTC offset")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise PlanError(f"{path}{key}", f"{value!r} is not an ISO 8601 date and time") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise PlanError(f"{path}{key}", "needs a UTC offset, e.g. 2026-06-01T10:00:00+01:00")
    return parsed


def _strs(data: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise PlanError(f"{path}{key}", "must be a list of strings")
    return tuple(str(v).strip() for v in value)


def _list(data: Mapping[str, Any], key: str, path: str, parse: Callable[[Any, str], T]) -> tuple[T, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise PlanError(f"{path}{key}", "must be a list")
    return tuple(parse(item, f"{path}{key}[{i}].") for i, item in enumerate(value))


def parse_area(value: Any, path: str = "area") -> Polygon:
    """A GeoJSON Polygon (WGS84 [lon, lat]) that is valid and lies in the UK."""
    # shapely is imported where used so that loading the policy app does not import it (and numpy).
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    if value is None:
        raise PlanError(path, "is required (a GeoJSON Polygon in WGS84)")
    if not isinstance(value, Mapping):
        raise PlanError(path, "must be a GeoJSON Polygon object")
    if value.get("type") == "Feature":
        value = value.get("geometry") or {}
        if not isinstance(value, Mapping):
            raise PlanError(path, "the Feature has no geometry")
    if value.get("type") != "Polygon":
        raise PlanError(path, f"must be a GeoJSON Polygon, not {value.get('type')!r}")
    coords = value.get("coordinates")
    if not isinstance(coords, list) or not coords or not isinstance(coords[0], list):
        raise PlanError(path, "coordinates must be a list of linear rings")
    positions = sum(len(ring) if isinstance(ring, list) else 1 for ring in coords)
    if positions > MAX_AREA_VERTICES:
        raise PlanError(path, f"the polygon has {positions:,} positions; at most {MAX_AREA_VERTICES:,} are accepted")
    try:
        for ring in coords:
            for pos in ring:
                if len(pos) < 2 or not all(isinstance(c, (int, float)) for c in pos[:2]):
                    raise ValueError
        polygon = shape(value)
    except (ValueError, TypeError, AttributeError, IndexError):
        raise PlanError(path, "coordinates must be [longitude, latitude] number pairs") from None
    if len(coords[0]) < 4 or polygon.is_empty or polygon.convex_hull.area == 0:
        raise PlanError(path, "the polygon is empty: it needs at least three distinct corners")
    reason = "" if polygon.is_valid else explain_validity(polygon)
    if "Self-intersection" in reason:
        raise PlanError(path, f"the polygon is not valid: its edges cross ({reason})")
    if reason:
        raise PlanError(path, f"the polygon is not valid ({reason})")
    minx, miny, maxx, maxy = polygon.bounds
    if not (UK_BOUNDS[0] <= minx and maxx <= UK_BOUNDS[2] and UK_BOUNDS[1] <= miny and maxy <= UK_BOUNDS[3]):
        hint = ""
        if UK_BOUNDS[1] <= minx <= UK_BOUNDS[3] and UK_BOUNDS[0] <= miny <= UK_BOUNDS[2]:
            hint = " (longitude and latitude look swapped: GeoJSON is [longitude, latitude])"
        raise PlanError(path, f"the area lies outside the UK{hint}")
    return polygon


def _aircraft(data: Any, path: str) -> Aircraft | None:
    if data is None:
        return None
    d = _obj(data, path.rstrip("."))
    ip = _str(d, "ip_rating", path).upper().replace("IP", "")
    ip_rating = None
    if ip:
        if not ip[:2].isdigit():
            raise PlanError(f"{path}ip_rating", "must look like IP54")
        ip_rating = int(ip[:2])
    return Aircraft(
        model=_str(d, "model", path),
        class_mark=_str(d, "class_mark", path).upper().replace("-", "_").replace(" ", "_"),
        mass_g=_num(d, "mass_g", path, minimum=0),
        placed_on_market=_date(d, "placed_on_market", path),
        camera=_bool(d, "camera", path, default=True),
        remote_id=_bool(d, "remote_id", path),
        green_light=_bool(d, "green_light", path),
        low_speed_mode=_bool(d, "low_speed_mode", path),
        max_wind_ms=_num(d, "max_wind_ms", path, minimum=0),
        max_gust_ms=_num(d, "max_gust_ms", path, minimum=0),
        min_temp_c=_num(d, "min_temp_c", path),
        max_temp_c=_num(d, "max_temp_c", path),
        ip_rating=ip_rating,
        geo_awareness=_opt_bool(d, "geo_awareness", path),
        geo_awareness_data_date=_date(d, "geo_awareness_data_date", path),
        operator_id_in_remote_id=_opt_ref(d, "operator_id_in_remote_id", path),
    )


def _operation(data: Any, path: str) -> Operation:
    d = _obj(data, path.rstrip("."))
    category = _str(d, "category", path).upper() or None
    if category not in (None, "A1", "A2", "A3", "SPECIFIC"):
        raise PlanError(f"{path}category", "must be A1, A2, A3 or specific")
    obstacle = None
    if d.get("obstacle") is not None:
        o = _obj(d.get("obstacle"), f"{path}obstacle")
        height = _num(o, "height_m", f"{path}obstacle.", minimum=0)
        distance = _num(o, "distance_m", f"{path}obstacle.", minimum=0)
        if height is None or distance is None:
            raise PlanError(f"{path}obstacle", "needs height_m and distance_m")
        obstacle = Obstacle(height, distance, _bool(o, "owner_request", f"{path}obstacle."))
    return Operation(
        category=category,
        vlos=_bool(d, "vlos", path, default=True),
        max_distance_from_pilot_m=_num(d, "max_distance_from_pilot_m", path, minimum=0),
        min_distance_people_m=_num(d, "min_distance_people_m", path, minimum=0),
        min_distance_people_takeoff_m=_num(d, "min_distance_people_takeoff_m", path, minimum=0),
        min_distance_built_up_m=_num(d, "min_distance_built_up_m", path, minimum=0),
        overflies_assemblies=_bool(d, "overflies_assemblies", path),
        obstacle=obstacle,
        night_procedures=_bool(d, "night_procedures", path),
        rtk_survey=_bool(d, "rtk_survey", path),
        public_notice=_public_notice(d, "public_notice", path),
    )


def _public_notice(data: Mapping[str, Any], key: str, path: str) -> tuple[str, ...] | None:
    """How people on site are told: a list of measures (website, signage, high_visibility, ...), true (told, no
    detail), false (not told) or absent (not stated)."""
    value = data.get(key)
    if value is None:
        return None
    if value is True:
        return ("stated",)
    if value is False:
        return ()
    if isinstance(value, str):
        value = [value]
    return tuple(m.lower() for m in _strs({key: value}, key, path) if m)


def _operator(data: Any, path: str) -> Operator:
    d = _obj(data, path.rstrip("."))
    auth = None
    if d.get("authorisation") is not None:
        a = _obj(d.get("authorisation"), f"{path}authorisation")
        p = f"{path}authorisation."
        night = a.get("night")
        auth = Authorisation(
            type=_str(a, "type", p).upper(),
            reference=_str(a, "reference", p),
            expiry=_date(a, "expiry", p),
            pilots=_strs(a, "pilots", p),
            aircraft=_strs(a, "aircraft", p),
            max_height_m=_num(a, "max_height_m", p, minimum=0),
            max_distance_m=_num(a, "max_distance_m", p, minimum=0),
            night=None if night is None else _bool(a, "night", p),
            max_mass_g=_num(a, "max_mass_g", p, minimum=0),
            area_types=tuple(s.lower() for s in _strs(a, "area_types", p)),
            bvlos=_bool(a, "bvlos", p),
        )
    age = _num(d, "holder_age", path, minimum=0)
    return Operator(
        name=_str(d, "name", path),
        operator_id=_str(d, "operator_id", path),
        operator_id_expiry=_date(d, "operator_id_expiry", path),
        holder_age=None if age is None else int(age),
        authorisation=auth,
        pfco_reference=_str(d, "pfco_reference", path),
    )


def _pilot(data: Any, path: str) -> Pilot:
    d = _obj(data, path.rstrip("."))
    return Pilot(
        name=_str(d, "name", path),
        flyer_id=_str(d, "flyer_id", path),
        flyer_id_expiry=_date(d, "flyer_id_expiry", path),
        a2_cofc=_ref(d, "a2_cofc", path),
        a2_cofc_expiry=_date(d, "a2_cofc_expiry", path),
        gvc=_ref(d, "gvc", path),
        gvc_expiry=_date(d, "gvc_expiry", path),
        rpc_l1=_ref(d, "rpc_l1", path),
        rpc_l1_expiry=_date(d, "rpc_l1_expiry", path),
    )


def _organisation(data: Any, path: str) -> Organisation:
    d = _obj(data, path.rstrip("."))
    return Organisation(
        name=_str(d, "name", path),
        programme_dpia=_opt_ref(d, "programme_dpia", path),
        privacy_notice=_opt_ref(d, "privacy_notice", path),
    )


def _insurance(data: Any, path: str) -> Insurance | None:
    if data is None:
        return None
    d = _obj(data, path.rstrip("."))
    return Insurance(
        insurer=_str(d, "insurer", path),
        policy_number=_str(d, "policy_number", path),
        named_operator=_str(d, "named_operator", path),
        third_party_cover_sdr=_num(d, "third_party_cover_sdr", path, minimum=0),
        third_party_cover_gbp=_num(d, "third_party_cover_gbp", path, minimum=0),
        public_liability_gbp=_num(d, "public_liability_gbp", path, minimum=0),
        commercial_use=_bool(d, "commercial_use", path),
        aircraft=_strs(d, "aircraft", path),
        start=_date(d, "start", path),
        expiry=_date(d, "expiry", path),
    )


def _documents(data: Any, path: str) -> Documents:
    d = _obj(data, path.rstrip("."))
    n = _obj(d.get("notifications"), f"{path}notifications")
    np_ = f"{path}notifications."
    retention = _num(d, "retention_days", path, minimum=0)
    return Documents(
        rams=_ref(d, "rams", path),
        dpia=_ref(d, "dpia", path),
        landowner_consent=_ref(d, "landowner_consent", path),
        roads_consent=_ref(d, "roads_consent", path),
        parks_consent=_ref(d, "parks_consent", path),
        hes_permission=_ref(d, "hes_permission", path),
        naturescot_consent=_ref(d, "naturescot_consent", path),
        species_licence=_ref(d, "species_licence", path),
        ripsa_authorisation=_ref(d, "ripsa_authorisation", path),
        retention_days=None if retention is None else int(retention),
        blurring=_bool(d, "blurring", path),
        notify_police=_bool(n, "police", np_),
        notify_residents=_bool(n, "residents", np_),
        notify_aerodrome=_bool(n, "aerodrome", np_),
        flight_log_commitment=_bool(d, "flight_log_commitment", path),
    )


def _permission(data: Any, path: str) -> Permission:
    d = _obj(data, path.rstrip("."))
    kind = _str(d, "kind", path).lower()
    if not kind:
        raise PlanError(f"{path}kind", "is required (frz, restricted, danger, controlled or other)")
    return Permission(
        kind=kind,
        zone=_str(d, "zone", path),
        reference=_str(d, "reference", path),
        valid_from=_date(d, "valid_from", path),
        valid_to=_date(d, "valid_to", path),
    )


def _site(data: Any, path: str) -> Site:
    d = _obj(data, path.rstrip("."))
    return Site(
        built_up=_bool(d, "built_up", path),
        residential_nearby=_bool(d, "residential_nearby", path),
        roads=_bool(d, "roads", path),
        parks=_bool(d, "parks", path),
        assembly_nearby=_bool(d, "assembly_nearby", path),
        country=_str(d, "country", path).lower(),
        land_owner=_str(d, "land_owner", path).lower(),
    )


def _weather(data: Any, path: str) -> Weather | None:
    if data is None:
        return None
    d = _obj(data, path.rstrip("."))
    moisture = d.get("moisture")
    return Weather(
        mean_wind_ms=_num(d, "mean_wind_ms", path, minimum=0),
        gust_ms=_num(d, "gust_ms", path, minimum=0),
        precipitation_mmh=_num(d, "precipitation_mmh", path, minimum=0),
        temperature_c=_num(d, "temperature_c", path),
        visibility_km=_num(d, "visibility_km", path, minimum=0),
        cloud_base_m=_num(d, "cloud_base_m", path, minimum=0),
        kp=_num(d, "kp", path, minimum=0),
        moisture=None if moisture is None else _bool(d, "moisture", path),
        observed_at=_datetime(d, "observed_at", path),
        source=_str(d, "source", path),
    )


def _point(data: Any, path: str) -> tuple[float, float]:
    if (not isinstance(data, list) or len(data) < 2
            or not all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in data[:2])):
        raise PlanError(path.rstrip("."), "must be a [longitude, latitude] pair")
    return (float(data[0]), float(data[1]))


def check_window(start: datetime, end: datetime, settings: PolicySettings = DEFAULT_SETTINGS) -> None:
    """The window is in order, no longer than the policy's `max_window_days` and in plausible years. Checked
    before any rule runs: night is computed day by day over the window, so a window ending in year 9999 would
    cost minutes of CPU. A window too long is PlanError("window_end"), the booking form's field for it."""
    if end <= start:
        raise PlanError("end", "must be after start")
    days = (end - start).total_seconds() / 86400
    if days > settings.max_window_days:
        raise PlanError("window_end", f"the window from start to end is {days:,.0f} days long; the policy checks "
                        f"windows of at most {settings.max_window_days} days (max_window_days): book a shorter "
                        "window or one flight at a time")
    for key, value in (("start", start), ("end", end)):
        try:
            year = value.astimezone(UTC).year
        except OverflowError:
            year = value.year
        if not PLAN_YEARS[0] <= year <= PLAN_YEARS[1]:
            raise PlanError(key, f"{value.isoformat()} is not a plausible flight time (years {PLAN_YEARS[0]} to "
                            f"{PLAN_YEARS[1]})")


def parse_plan(data: Any, settings: PolicySettings = DEFAULT_SETTINGS) -> Plan:
    """Validate and type a flight plan against the policy's input bounds; raises PlanError(field, message)."""
    if not isinstance(data, Mapping):
        raise PlanError("plan", "must be a JSON object")
    area = parse_area(data.get("area"))
    height = _num(data, "max_height_m", "", minimum=0)
    if height is None:
        raise PlanError("max_height_m", "is required (metres above the ground)")
    start = _datetime(data, "start", "", required=True)
    end = _datetime(data, "end", "", required=True)
    assert start is not None and end is not None
    check_window(start, end, settings)
    takeoff = _list(data, "takeoff_points", "", _point)
    from shapely.geometry import Point  # here, not at module level: see parse_area

    for i, (lon, lat) in enumerate(takeoff):

        if area.distance(Point(lon, lat)) > 1e-6:  # on the boundary counts as inside
            raise PlanError(f"takeoff_points[{i}]", "must lie inside the area")
    return Plan(
        area=area,
        max_height_m=height,
        start=start,
        end=end,
        reference=_str(data, "reference", ""),
        takeoff_points=takeoff,
        contingency_buffer_m=_num(data, "contingency_buffer_m", "", minimum=0),
        purpose=_str(data, "purpose", "").lower(),
        people_in_view=_bool(data, "people_in_view", ""),
        covert_surveillance=_bool(data, "covert_surveillance", ""),
        submitted_at=_datetime(data, "submitted_at", ""),
        requester=_str(data, "requester", ""),
        approver=_str(data, "approver", ""),
        aircraft=_aircraft(data.get("aircraft"), "aircraft."),
        operation=_operation(data.get("operation"), "operation."),
        operator=_operator(data.get("operator"), "operator."),
        organisation=_organisation(data.get("organisation"), "organisation."),
        pilots=_list(data, "pilots", "", _pilot),
        insurance=_insurance(data.get("insurance"), "insurance."),
        documents=_documents(data.get("documents"), "documents."),
        permissions=_list(data, "permissions", "", _permission),
        site=_site(data.get("site"), "site."),
        weather=_weather(data.get("weather"), "weather."),
    )
