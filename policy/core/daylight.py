"""Daylight and night by civil twilight (sun more than `depression` degrees below the horizon).

Night follows the rule catalogue (LGT-01): the sun more than 6 degrees below the horizon, the
stricter of the UK's two definitions (the other being half an hour after sunset to half an hour
before sunrise). At 56 N in June the sun barely sets, so everything is computed for the place and date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # astral is imported where used: loading the policy app should not import it
    from astral import Observer


@dataclass(frozen=True)
class DaylightWindow:
    day: date
    dawn: datetime | None  # start of civil twilight; None when the sun never gets that low
    sunrise: datetime | None
    sunset: datetime | None
    dusk: datetime | None
    all_day_light: bool = False  # twilight all night (high summer)
    all_day_dark: bool = False

    def to_json(self) -> dict[str, Any]:
        def iso(v: datetime | None) -> str | None:
            return v.isoformat() if v else None

        return {
            "date": self.day.isoformat(), "dawn": iso(self.dawn), "sunrise": iso(self.sunrise),
            "sunset": iso(self.sunset), "dusk": iso(self.dusk),
            "all_day_light": self.all_day_light, "all_day_dark": self.all_day_dark,
            "light_hours": round(self.light_hours(), 2),
        }

    def light_hours(self) -> float:
        if self.all_day_light:
            return 24.0
        if self.all_day_dark or not self.dawn or not self.dusk:
            return 0.0
        return (self.dusk - self.dawn).total_seconds() / 3600


def daylight_window(lat: float, lon: float, day: date, depression: float = 6.0) -> DaylightWindow:
    """Civil dawn/dusk and sunrise/sunset for one UTC date at a place."""
    from astral import Observer
    from astral.sun import sunrise, sunset

    obs = Observer(latitude=lat, longitude=lon)
    rise, set_ = _safe(sunrise, obs, day), _safe(sunset, obs, day)
    d0, d1, light = _twilight(round(lat, 3), round(lon, 3), day, depression)
    if d0 is None or d1 is None:
        return DaylightWindow(day, None, rise, set_, None, all_day_light=light, all_day_dark=not light)
    return DaylightWindow(day, d0, rise, set_, d1)


def _safe(fn: Any, obs: Observer, day: date) -> datetime | None:
    try:
        return fn(obs, day, tzinfo=UTC)  # type: ignore[no-any-return]
    except ValueError:
        return None


def civil_light(lat: float, lon: float, day: date, depression: float = 6.0) -> tuple[datetime, datetime] | None:
    """[dawn, dusk] of one UTC date; the whole day when twilight lasts all night; None when it stays dark."""
    d0, d1, light = _twilight(round(lat, 3), round(lon, 3), day, depression)
    if d0 is not None and d1 is not None:
        return (d0, d1)
    midnight = datetime.combine(day, time(0), tzinfo=UTC)
    return (midnight, midnight + timedelta(days=1)) if light else None


@lru_cache(maxsize=4096)
def _twilight(lat: float, lon: float, day: date, depression: float) -> tuple[datetime | None, datetime | None, bool]:
    """(dawn, dusk, light at noon) for one UTC date; dawn and dusk are None when the sun never crosses
    `depression` degrees below the horizon that day (then it is light, or dark, all day).

    Cached per place (callers round to 0.001 degree, about 100 m, where twilight moves by well under a second)
    and date: the same sites are checked again and again, and astral is the costliest part of an evaluation."""
    from astral import Observer
    from astral.sun import dawn, dusk, elevation

    obs = Observer(latitude=lat, longitude=lon)

    try:
        d0 = dawn(obs, day, depression=depression, tzinfo=UTC)
        d1 = dusk(obs, day, depression=depression, tzinfo=UTC)
    except ValueError:
        noon = datetime.combine(day, time(12), tzinfo=UTC) - timedelta(hours=lon / 15)
        return (None, None, elevation(obs, noon) > -depression)
    if d1 < d0:  # astral can return the next day's dusk wrapped; keep the same day's order
        d1 += timedelta(days=1)
    return (d0, d1, True)


def daylight_windows(lat: float, lon: float, first: date, last: date,
                     depression: float = 6.0) -> list[DaylightWindow]:
    days = (last - first).days
    return [daylight_window(lat, lon, first + timedelta(days=i), depression) for i in range(days + 1)]


def night_periods(lat: float, lon: float, start: datetime, end: datetime,
                  depression: float = 6.0) -> list[tuple[datetime, datetime]]:
    """The parts of [start, end) when the sun is more than `depression` degrees below the horizon."""
    start_u, end_u = start.astimezone(UTC), end.astimezone(UTC)
    light: list[tuple[datetime, datetime]] = []
    # The previous date too: at high latitude its dusk can fall after midnight UTC.
    day = start_u.date() - timedelta(days=1)
    while day <= end_u.date():
        interval = civil_light(lat, lon, day, depression)
        if interval is not None:
            light.append(interval)
        day += timedelta(days=1)
    light.sort()
    nights: list[tuple[datetime, datetime]] = []
    cursor = start_u
    for a, b in light:
        if b <= cursor:
            continue
        if a > cursor:
            nights.append((cursor, min(a, end_u)))
        cursor = max(cursor, b)
        if cursor >= end_u:
            break
    if cursor < end_u:
        nights.append((cursor, end_u))
    return [(a, b) for a, b in nights if b > a]
