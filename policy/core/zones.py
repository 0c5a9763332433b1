"""Zones and the spatial index the rules query.

Geometry arrives as GeoJSON in WGS84; the index works in metres on the British National Grid
(EPSG:27700), which is accurate to a few metres across Great Britain, so buffers and distances
are plain metres.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

# numpy, shapely and pyproj are imported in the functions that use them: the policy app's models import this
# module (ZoneKind), and every command and web process would otherwise pay for loading them.
if TYPE_CHECKING:
    import numpy as np
    from pyproj import Transformer
    from shapely.geometry.base import BaseGeometry


@cache
def _to_bng() -> Transformer:
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


def _project_coords(coords: np.ndarray) -> np.ndarray:
    import numpy as np

    x, y = _to_bng().transform(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


def to_metres(geom: BaseGeometry) -> BaseGeometry:
    """WGS84 lon/lat geometry -> British National Grid metres."""
    import shapely

    return shapely.transform(geom, _project_coords)


class ZoneKind:
    """Zone kinds and the rule each maps to (see docs/policy.md)."""

    FRZ = "frz"
    PROHIBITED = "prohibited"
    RESTRICTED = "restricted"
    DANGER = "danger"
    TEMPORARY = "temporary"
    NOTAM = "notam"
    PRISON = "prison"
    CONTROLLED = "controlled"
    PROTECTED_SITE = "protected_site"
    SEAL_HAULOUT = "seal_haulout"
    BIRD_NEST = "bird_nest"
    SEABIRD_COLONY = "seabird_colony"
    HES_PROPERTY = "hes_property"
    PARK = "park"
    ROAD = "road"
    BUILT_UP = "built_up"
    SCHOOL = "school"
    SPACE_SITE = "space_site"

    RULES: ClassVar[dict[str, str]] = {
        FRZ: "AIR-01", PROHIBITED: "AIR-02", RESTRICTED: "AIR-03", DANGER: "AIR-04",
        TEMPORARY: "AIR-05", NOTAM: "AIR-06", PRISON: "AIR-07", CONTROLLED: "AIR-08",
        PROTECTED_SITE: "ENV-01", SEAL_HAULOUT: "ENV-02", BIRD_NEST: "ENV-03",
        SEABIRD_COLONY: "ENV-04", HES_PROPERTY: "ENV-06", PARK: "GOV-05", ROAD: "GOV-05",
        BUILT_UP: "CAT-08", SCHOOL: "PRIV-01", SPACE_SITE: "AIR-09",
    }
    LABELS: ClassVar[dict[str, str]] = {
        FRZ: "Flight Restriction Zone", PROHIBITED: "Prohibited area", RESTRICTED: "Restricted area",
        DANGER: "Danger area", TEMPORARY: "Temporary restriction", NOTAM: "NOTAM",
        PRISON: "Prison", CONTROLLED: "Controlled airspace", PROTECTED_SITE: "Protected site",
        SEAL_HAULOUT: "Seal haul-out", BIRD_NEST: "Schedule 1 nest site",
        SEABIRD_COLONY: "Seabird colony", HES_PROPERTY: "Historic Environment Scotland property",
        PARK: "Park", ROAD: "Road", BUILT_UP: "Built-up area", SCHOOL: "School",
        SPACE_SITE: "Space-site restriction zone",
    }


@dataclass(frozen=True)
class ZoneRecord:
    id: int
    kind: str
    name: str
    geometry: Mapping[str, Any]  # GeoJSON, WGS84
    lower_m: float | None = None  # None = surface
    upper_m: float | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    source: str = ""
    data_date: date | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)

    def active_during(self, start: datetime, end: datetime) -> bool:
        starts_after = self.valid_from is not None and self.valid_from >= end
        ended_before = self.valid_to is not None and self.valid_to <= start
        return not (starts_after or ended_before)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "kind": self.kind, "name": self.name, "geometry": dict(self.geometry),
            "lower_m": self.lower_m, "upper_m": self.upper_m,
            "valid_from": self.valid_from.isoformat() if self.valid_from else None,
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "source": self.source,
            "data_date": self.data_date.isoformat() if self.data_date else None,
            "attributes": dict(self.attributes),
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> ZoneRecord:
        return cls(
            id=int(d["id"]), kind=d["kind"], name=d["name"], geometry=d["geometry"],
            lower_m=d.get("lower_m"), upper_m=d.get("upper_m"),
            valid_from=datetime.fromisoformat(d["valid_from"]) if d.get("valid_from") else None,
            valid_to=datetime.fromisoformat(d["valid_to"]) if d.get("valid_to") else None,
            source=d.get("source", ""),
            data_date=date.fromisoformat(d["data_date"]) if d.get("data_date") else None,
            attributes=d.get("attributes") or {},
        )


@dataclass(frozen=True)
class ZoneHit:
    zone: ZoneRecord
    distance_m: float
    overlap_m2: float

    def evidence(self) -> dict[str, Any]:
        ev: dict[str, Any] = {
            "zone": self.zone.name,
            "zone_id": self.zone.id,
            "kind": self.zone.kind,
            "distance_m": round(self.distance_m, 1),
            "overlap_m2": round(self.overlap_m2, 1),
        }
        if self.zone.source:
            ev["zone_source"] = self.zone.source
        return ev


@dataclass(frozen=True)
class Aerodrome:
    ident: str
    name: str
    lat: float
    lon: float
    longest_runway_m: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {"ident": self.ident, "name": self.name, "lat": self.lat, "lon": self.lon,
                "longest_runway_m": self.longest_runway_m}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Aerodrome:
        return cls(d["ident"], d.get("name", ""), float(d["lat"]), float(d["lon"]),
                   d.get("longest_runway_m"))


class ZoneIndex:
    """An STRtree over zone geometries in metres; build once, query many times."""

    def __init__(self, zones: Iterable[ZoneRecord], aerodromes: Iterable[Aerodrome] = ()) -> None:
        from shapely.geometry import Point, shape
        from shapely.strtree import STRtree

        self.zones: tuple[ZoneRecord, ...] = tuple(zones)
        geoms = [shape(z.geometry) for z in self.zones]
        projected = [to_metres(g) for g in geoms]
        self._geoms = [g if g.is_valid else g.buffer(0) for g in projected]
        self._position = {z.id: i for i, z in enumerate(self.zones)}
        self._tree = STRtree(self._geoms) if self._geoms else None
        self.aerodromes: tuple[Aerodrome, ...] = tuple(aerodromes)
        self._aero_points = [to_metres(Point(a.lon, a.lat)) for a in self.aerodromes]
        self._aero_tree = STRtree(self._aero_points) if self._aero_points else None

    def __len__(self) -> int:
        return len(self.zones)

    def query(self, area_m: BaseGeometry, max_buffer_m: float) -> list[ZoneHit]:
        """Zones within `max_buffer_m` of the (projected) area, with distance and overlap."""
        if self._tree is None:
            return []
        import shapely

        # dwithin on the tree: no buffered probe polygon to build; the area is prepared for the predicates.
        shapely.prepare(area_m)

        hits = []
        for i in self._tree.query(area_m, predicate="dwithin", distance=max_buffer_m):
            geom = self._geoms[int(i)]
            inside = area_m.intersects(geom)
            distance = 0.0 if inside else float(area_m.distance(geom))
            overlap = float(area_m.intersection(geom).area) if inside else 0.0
            hits.append(ZoneHit(self.zones[int(i)], distance, overlap))
        return hits

    def aerodromes_near(self, area_m: BaseGeometry, within_m: float) -> list[tuple[Aerodrome, float]]:
        if self._aero_tree is None:
            return []
        out = []
        for i in self._aero_tree.query(area_m, predicate="dwithin", distance=within_m):
            out.append((self.aerodromes[int(i)], float(area_m.distance(self._aero_points[int(i)]))))
        return sorted(out, key=lambda t: t[1])

    def aerodrome_of(self, zone: ZoneRecord) -> Aerodrome | None:
        """The aerodrome a Flight Restriction Zone part belongs to: the one its `aerodrome` attribute names
        (zones derived from runways), else the aerodrome whose reference point lies inside it (an ATZ circle
        from the airspace data, a NATS boundary polygon)."""
        ident = str(zone.attributes.get("aerodrome") or "")
        for aero in self.aerodromes:
            if ident and aero.ident == ident:
                return aero
        i = self._position.get(zone.id)
        if i is None or self._aero_tree is None:
            return None
        geom = self._geoms[i]
        inside = [int(j) for j in self._aero_tree.query(geom, predicate="contains")]
        nearest = min(inside, key=lambda j: geom.centroid.distance(self._aero_points[j]), default=None)
        return None if nearest is None else self.aerodromes[nearest]

    def snapshot(self, area_m: BaseGeometry, max_buffer_m: float, aerodrome_m: float) -> dict[str, Any]:
        """The zones and aerodromes that can affect this area: enough to re-run a decision later (including
        the aerodromes the Flight Restriction Zones belong to, which group the AIR-01 findings)."""
        hits = self.query(area_m, max_buffer_m)
        aerodromes = {a.ident: a for a, _ in self.aerodromes_near(area_m, aerodrome_m)}
        for h in hits:
            owner = self.aerodrome_of(h.zone) if h.zone.kind == ZoneKind.FRZ else None
            if owner is not None:
                aerodromes.setdefault(owner.ident, owner)
        return {"zones": [h.zone.to_json() for h in hits],
                "aerodromes": [a.to_json() for a in aerodromes.values()]}

    @classmethod
    def from_snapshot(cls, snap: Mapping[str, Any]) -> ZoneIndex:
        return cls(
            [ZoneRecord.from_json(z) for z in snap.get("zones", [])],
            [Aerodrome.from_json(a) for a in snap.get("aerodromes", [])],
        )

