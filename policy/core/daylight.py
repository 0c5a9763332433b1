"""Daylight and night for a place and date, by the UK's two definitions of night (rule LGT-01).

- ``"ano"``: the Air Navigation Order 2016, Schedule 1: night is "the time from half an hour after sunset until
  half an hour before sunrise (both times inclusive), sunset and sunrise being determined at surface level".
- ``"civil"``: UK SERA (retained Regulation (EU) No 923/2012, art. 2): night is "the hours between the end of
  evening civil twilight and the beginning of morning civil twilight", civil twilight ending (and beginning)
  when the centre of the sun's disc is 6 degrees below the horizon.
- ``"stricter"`` (the policy's default): at the site on that date, whichever definition starts night earlier and
  whichever ends it later, i.e. the **union** of both nights. Which definition the CAA applies to Open-category
  drones is unverified, and the two disagree by minutes every evening and morning; a flight that is night by
  either reading needs the night precautions (green light, night procedures), so the union is the reading under
  which no flight is treated as day when one of the two laws calls it night. Civil twilight lasts more than
  30 minutes everywhere in the UK (about 37 minutes at 50 N, 43 minutes or more at 56 N), so in practice the
  union is the ANO night; it is still computed from both, for the place and date, rather than assumed.

North of about 60.5 N (Shetland) around midsummer the sun never gets 6 degrees below the horizon, so there is
no civil night at all while the ANO still has one: computing both for the place and date matters there.

All times are UTC. Sun positions come from astral; a place's results are cached per 0.001 degree (about 100 m,
where the times move by well under a second) and date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

ANO, CIVIL, STRICTER = "ano", "civil", "stricter"
DEFINITIONS: dict[str, str] = {
    ANO: "ANO 2016 Schedule 1: from 30 minutes after sunset until 30 minutes before sunrise",
    CIVIL: ("UK SERA: from the end of evening civil twilight to the beginning of morning civil twilight "
            "(the sun's centre 6 degrees below the horizon)"),
    STRICTER: ("The stricter of the two: night by the ANO 2016 (30 minutes after sunset to 30 minutes before "
               "sunrise) or by UK SERA (civil twilight, sun 6 degrees below the horizon), whichever starts "
               "earlier and ends later"),
}
SHORT_LABELS: dict[str, str] = {
    ANO: "ANO 2016: from 30 minutes after sunset to 30 minutes before sunrise",
    CIVIL: "UK SERA: the sun more than 6 degrees below the horizon",
    STRICTER: "the stricter of the ANO 2016 and UK SERA definitions",
}
# The sun's centre at sunrise/sunset: 50' below the horizon (semi-diameter 16' + refraction 34'), astral's default.
SUNRISE_DEPRESSION = 0.833

Interval = tuple[datetime, datetime]


class DefinitionError(ValueError):
    """An unknown night definition."""


def definition_label(definition: str) -> str:
    try:
        return DEFINITIONS[definition]
    except KeyError:
        raise DefinitionError(f"night definition must be one of {', '.join(DEFINITIONS)}, not {definition!r}") \
            from None


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
    rise, set_, _ = _crossings(round(lat, 3), round(lon, 3), day, SUNRISE_DEPRESSION)
    d0, d1, light = _crossings(round(lat, 3), round(lon, 3), day, depression)
    if d0 is None or d1 is None:
        return DaylightWindow(day, None, rise, set_, None, all_day_light=light, all_day_dark=not light)
    return DaylightWindow(day, d0, rise, set_, d1)


@lru_cache(maxsize=8192)
def _crossings(lat: float, lon: float, day: date, depression: float) -> tuple[datetime | None, datetime | None, bool]:
    """(morning, evening, light at noon) for one UTC date: when the sun's centre crosses `depression` degrees
    below the horizon, rising and setting. Both are None when it does not cross that day (then it stays above
    that line all day when the flag is true, below it when false).

    Cached per place (callers round to 0.001 degree) and date: the same sites are checked again and again, and
    astral is the costliest part of an evaluation."""
    from astral import Observer  # imported here: loading the policy app should not import astral
    from astral.sun import dawn, dusk, elevation, sunrise, sunset

    obs = Observer(latitude=lat, longitude=lon)

    try:
        if depression == SUNRISE_DEPRESSION:
            d0, d1 = sunrise(obs, day, tzinfo=UTC), sunset(obs, day, tzinfo=UTC)
        else:
            d0 = dawn(obs, day, depression=depression, tzinfo=UTC)
            d1 = dusk(obs, day, depression=depression, tzinfo=UTC)
    except ValueError:
        noon = datetime.combine(day, time(12), tzinfo=UTC) - timedelta(hours=lon / 15)
        return (None, None, elevation(obs, noon) > -depression)
    if d1 < d0:  # astral can return the next day's evening wrapped; keep the same day's order
        d1 += timedelta(days=1)
    return (d0, d1, True)


def _whole_day(day: date) -> Interval:
    midnight = datetime.combine(day, time(0), tzinfo=UTC)
    return (midnight, midnight + timedelta(days=1))


def civil_light(lat: float, lon: float, day: date, depression: float = 6.0) -> Interval | None:
    """[dawn, dusk] of one UTC date; the whole day when twilight lasts all night; None when it stays dark."""
    d0, d1, light = _crossings(round(lat, 3), round(lon, 3), day, depression)
    if d0 is not None and d1 is not None:
        return (d0, d1)
    return _whole_day(day) if light else None


def ano_light(lat: float, lon: float, day: date, offset_min: float = 30.0) -> Interval | None:
    """[sunrise - offset, sunset + offset] of one UTC date (ANO 2016 Schedule 1); the whole day when the sun does
    not set; None when it does not rise."""
    rise, set_, light = _crossings(round(lat, 3), round(lon, 3), day, SUNRISE_DEPRESSION)
    if rise is not None and set_ is not None:
        offset = timedelta(minutes=offset_min)
        return (rise - offset, set_ + offset)
    return _whole_day(day) if light else None


def _light(lat: float, lon: float, day: date, definition: str, depression: float,
           offset_min: float) -> Interval | None:
    if definition == ANO:
        return ano_light(lat, lon, day, offset_min)
    return civil_light(lat, lon, day, depression)


def _nights_by(lat: float, lon: float, start: datetime, end: datetime, definition: str, depression: float,
               offset_min: float) -> list[Interval]:
    """The parts of [start, end) outside every day's light by one definition ("ano" or "civil")."""
    light: list[Interval] = []
    # The previous date too: at high latitude its dusk can fall after midnight UTC. One date per day of the
    # window: callers bound the window (PolicySettings.max_window_days), so this never loops over years.
    day = start.date() - timedelta(days=1)
    while day <= end.date():
        interval = _light(lat, lon, day, definition, depression, offset_min)
        if interval is not None:
            light.append(interval)
        day += timedelta(days=1)
    light.sort()
    nights: list[Interval] = []
    cursor = start
    for a, b in light:
        if b <= cursor:
            continue
        if a > cursor:
            nights.append((cursor, min(a, end)))
        cursor = max(cursor, b)
        if cursor >= end:
            break
    if cursor < end:
        nights.append((cursor, end))
    return [(a, b) for a, b in nights if b > a]


def _union(intervals: list[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def night_periods(lat: float, lon: float, start: datetime, end: datetime, depression: float = 6.0, *,
                  definition: str = STRICTER, ano_offset_min: float = 30.0) -> list[Interval]:
    """The parts of [start, end) that are night by `definition` ("ano", "civil" or "stricter": the union of
    both), as UTC intervals in time order. `depression` is the civil-twilight angle, `ano_offset_min` the ANO's
    half hour."""
    definition_label(definition)
    start_u, end_u = start.astimezone(UTC), end.astimezone(UTC)
    if end_u <= start_u:
        return []
    kinds = (ANO, CIVIL) if definition == STRICTER else (definition,)
    found: list[Interval] = []
    for kind in kinds:
        found += _nights_by(lat, lon, start_u, end_u, kind, depression, ano_offset_min)
    return _union(found)


def night_minutes(nights: list[Interval]) -> float:
    return sum((b - a).total_seconds() for a, b in nights) / 60


def daylight_windows(lat: float, lon: float, first: date, last: date,
                     depression: float = 6.0) -> list[DaylightWindow]:
    days = (last - first).days
    return [daylight_window(lat, lon, first + timedelta(days=i), depression) for i in range(days + 1)]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def day_summary(lat: float, lon: float, day: date, definition: str = STRICTER, *, depression: float = 6.0,
                ano_offset_min: float = 30.0) -> dict[str, Any]:
    """Sun and night times of one UTC date at a place, for scheduling (all ISO 8601 strings in UTC, or None):

    - ``sunrise``, ``sunset``; ``civil_dawn``, ``civil_dusk`` (the sun's centre `depression` degrees below);
    - ``night_ends``: when the night before this date's daylight ends (the morning), ``night_starts``: when the
      next night begins (the evening), by `definition`. ``night_starts`` is None when there is no night that
      evening by that definition (civil twilight all night in the far north at midsummer), ``night_ends`` None
      when there was none that morning; both None and ``all_day_night`` true when it is night all day;
    - ``definition`` and its ``label``; ``night_minutes``: minutes of night within this UTC date by `definition`.
    """
    label = definition_label(definition)
    w = daylight_window(lat, lon, day, depression)
    ano = ano_light(lat, lon, day, ano_offset_min)
    civil = civil_light(lat, lon, day, depression)
    whole = _whole_day(day)

    def edges(interval: Interval | None) -> tuple[datetime | None, datetime | None]:
        if interval is None:
            return (None, None)  # night all day
        # light all day: no night boundary on this date
        return (None if interval[0] <= whole[0] else interval[0], None if interval[1] >= whole[1] else interval[1])

    ano_ends, ano_starts = edges(ano)
    civil_ends, civil_starts = edges(civil)
    if definition == ANO:
        ends, starts, light = ano_ends, ano_starts, ano
    elif definition == CIVIL:
        ends, starts, light = civil_ends, civil_starts, civil
    else:  # stricter: night ends at the later morning time and starts at the earlier evening time
        ends = max((t for t in (ano_ends, civil_ends) if t is not None), default=None)
        starts = min((t for t in (ano_starts, civil_starts) if t is not None), default=None)
        light = None if ano is None or civil is None else (max(ano[0], civil[0]), min(ano[1], civil[1]))
    nights = night_periods(lat, lon, whole[0], whole[1], depression, definition=definition,
                           ano_offset_min=ano_offset_min)
    return {
        "date": day.isoformat(), "lat": lat, "lon": lon, "definition": definition, "label": label,
        "sunrise": _iso(w.sunrise), "sunset": _iso(w.sunset),
        "civil_dawn": _iso(w.dawn), "civil_dusk": _iso(w.dusk),
        "night_ends": _iso(ends), "night_starts": _iso(starts),
        "all_day_night": light is None, "night_minutes": round(night_minutes(nights)),
    }
