"""What every rule family receives: the plan, the context and the facts derived once per evaluation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..catalogue import source_of
from ..daylight import night_periods
from ..settings import PolicySettings
from ..types import Finding, Plan, Severity
from ..zones import ZoneHit, ZoneIndex

if TYPE_CHECKING:  # only named in annotations; importing shapely at load time is slow
    from shapely.geometry.base import BaseGeometry


OPEN = ("A1", "A2", "A3")
SPECIFIC = "SPECIFIC"


@dataclass(frozen=True)
class Context:
    """Everything the engine needs besides the plan. The caller supplies `now`; the core never reads the
    clock, settings or database."""

    now: datetime
    settings: PolicySettings = field(default_factory=PolicySettings)
    zones: ZoneIndex = field(default_factory=lambda: ZoneIndex([]))
    airspace_data_date: date | None = None
    stage: str = "submission"

    @property
    def aerodromes(self) -> tuple[Any, ...]:
        return self.zones.aerodromes


def max_buffer(s: PolicySettings) -> float:
    """The furthest any zone rule looks beyond the area."""
    return max(s.notam_radius_m, s.prison_buffer_m, s.seal_buffer_m, s.seal_pupping_buffer_m,
               s.bird_nest_buffer_m, s.seabird_buffer_m, s.road_park_buffer_m, s.a3_built_up_separation_m)


class Assessment:
    """Facts derived once and shared by the rule families."""

    def __init__(self, plan: Plan, ctx: Context, area_m: BaseGeometry) -> None:
        self.plan = plan
        self.ctx = ctx
        self.s = ctx.settings
        self.area_m = area_m
        self.category = ""  # set by the engine from cat.derive_category
        self.findings: list[Finding] = []
        self.checked: list[str] = []

    # ---- findings
    def add(self, rule: str, severity: Severity, message: str, **evidence: Any) -> None:
        self.findings.append(Finding(rule, severity, message, _jsonable(evidence), source_of(rule)))

    def check(self, *rules: str) -> None:
        self.checked.extend(r for r in rules if r not in self.checked)

    # ---- derived facts
    @property
    def flight_date(self) -> date:
        return self.plan.start.date()

    @property
    def end_date(self) -> date:
        return self.plan.end.date()

    @property
    def mass(self) -> float | None:
        return self.plan.aircraft.mass_g if self.plan.aircraft else None

    @property
    def class_mark(self) -> str:
        return self.plan.aircraft.class_mark if self.plan.aircraft else ""

    @cached_property
    def centroid(self) -> tuple[float, float]:
        c = self.plan.area.centroid
        return (c.y, c.x)

    @cached_property
    def night(self) -> list[tuple[datetime, datetime]]:
        lat, lon = self.centroid
        return night_periods(lat, lon, self.plan.start, self.plan.end, self.s.night_depression_deg,
                             definition=self.s.night_definition, ano_offset_min=self.s.ano_night_offset_min)

    @cached_property
    def hits(self) -> list[ZoneHit]:
        """Zones near the area that are active in the window and reach down to the flight."""
        ceiling = self.plan.max_height_m + self.s.vertical_buffer_m
        out = []
        for h in self.ctx.zones.query(self.area_m, max_buffer(self.s)):
            if not h.zone.active_during(self.plan.start, self.plan.end):
                continue
            if h.zone.lower_m is not None and h.zone.lower_m > ceiling:
                continue
            out.append(h)
        return sorted(out, key=lambda h: (h.distance_m, h.zone.name))

    def hits_of(self, kind: str, within_m: float = 0.0) -> list[ZoneHit]:
        return [h for h in self.hits if h.zone.kind == kind and h.distance_m <= within_m]

    def months(self) -> set[int]:
        """The calendar months the window touches (at most 13 steps, whatever the window)."""
        out: set[int] = set()
        y, m = self.flight_date.year, self.flight_date.month
        while (y, m) <= (self.end_date.year, self.end_date.month) and len(out) < 12:
            out.add(m)
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


def expired(expiry: date | None, on: date) -> bool:
    return expiry is not None and expiry < on


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items() if x is not None}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, (date, datetime)):
        return v.isoformat()
    if isinstance(v, float):
        return round(v, 3)
    return v
