"""Night for the place and date by the ANO 2016, UK SERA (civil twilight) or the stricter union of both.

The sun times come from astral; they are checked here against facts that do not depend on it: published
almanac times (HM Nautical Almanac Office figures for London, as printed in UK newspapers' sun tables) and the
sun's elevation by the Astronomical Almanac's low-precision solar formulae, written out below."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from policy.core.daylight import (
    DefinitionError,
    day_summary,
    daylight_window,
    daylight_windows,
    night_minutes,
    night_periods,
)

BST = timezone(timedelta(hours=1))
OBAN = (56.4636, -5.40)
TIREE = (56.4992, -6.8692)
LONDON = (51.5074, -0.1278)
UNST = (60.76, -0.85)  # Baltasound: the sun stays within 6 degrees of the horizon at midsummer


def almanac_elevation(lat: float, lon: float, when: datetime) -> float:
    """The sun's geometric elevation in degrees by the Astronomical Almanac's low-precision formulae (section C,
    "Sun: low precision", about 0.01 degree from 1950 to 2050); astral uses NOAA's, so this is independent."""
    n = (when.astimezone(UTC) - datetime(2000, 1, 1, 12, tzinfo=UTC)).total_seconds() / 86400
    mean_long = math.radians((280.460 + 0.9856474 * n) % 360)
    anomaly = math.radians((357.528 + 0.9856003 * n) % 360)
    ecl_long = mean_long + math.radians(1.915) * math.sin(anomaly) + math.radians(0.020) * math.sin(2 * anomaly)
    obliquity = math.radians(23.439 - 0.0000004 * n)
    ra = math.atan2(math.cos(obliquity) * math.sin(ecl_long), math.cos(ecl_long))
    decl = math.asin(math.sin(obliquity) * math.sin(ecl_long))
    gmst_hours = (18.697374558 + 24.06570982441908 * n) % 24
    hour_angle = math.radians(gmst_hours * 15 + lon) - ra
    phi = math.radians(lat)
    sin_alt = math.sin(phi) * math.sin(decl) + math.cos(phi) * math.cos(decl) * math.cos(hour_angle)
    return math.degrees(math.asin(sin_alt))


def at(iso: str | None) -> datetime:
    assert iso is not None
    return datetime.fromisoformat(iso)


# ---- the existing civil-twilight facts, now by name

def test_december_evening_at_oban_is_night_by_every_definition():
    for definition in ("ano", "civil", "stricter"):
        nights = night_periods(*OBAN, datetime(2026, 12, 15, 23, 0, tzinfo=UTC),
                               datetime(2026, 12, 15, 23, 30, tzinfo=UTC), definition=definition)
        assert sum((b - a).total_seconds() for a, b in nights) == 1800


def test_december_noon_at_oban_is_day_and_dusk_is_before_five():
    assert night_periods(*OBAN, datetime(2026, 12, 15, 12, tzinfo=UTC),
                         datetime(2026, 12, 15, 13, tzinfo=UTC)) == []
    w = daylight_window(*OBAN, date(2026, 12, 15))
    assert w.dusk is not None and w.dusk.hour == 16
    assert 8 < w.light_hours() < 9


def test_june_late_evening_in_tiree_is_civil_twilight_but_ano_night():
    # 22:45-23:15 BST: after sunset (about 22:21 BST) + 30 min, before the end of civil twilight (about 23:28 BST)
    start = datetime(2026, 6, 21, 22, 45, tzinfo=BST)
    end = start + timedelta(minutes=30)
    assert night_periods(*TIREE, start, end, definition="civil") == []
    w = daylight_window(*TIREE, date(2026, 6, 21))
    assert w.sunset is not None and w.dusk is not None and w.sunset < start < w.dusk
    ano = night_periods(*TIREE, start, end, definition="ano")
    assert ano and ano[0][0] == w.sunset + timedelta(minutes=30) and ano[-1][1] == end.astimezone(UTC)
    assert night_periods(*TIREE, start, end) == ano  # the default is the stricter union


def test_june_solar_midnight_in_tiree_is_night_by_six_degrees():
    start = datetime(2026, 6, 22, 1, 0, tzinfo=BST)
    assert night_periods(*TIREE, start, start + timedelta(minutes=30), definition="civil")


def test_shetland_midsummer_has_no_civil_night_but_an_ano_night():
    w = daylight_window(*UNST, date(2026, 6, 21))
    assert w.all_day_light and w.light_hours() == 24
    start = datetime(2026, 6, 21, 23, 0, tzinfo=UTC)
    assert night_periods(*UNST, start, start + timedelta(hours=3), definition="civil") == []
    ano = night_periods(*UNST, start, start + timedelta(hours=3), definition="ano")
    assert ano and night_minutes(ano) > 60
    summary = day_summary(*UNST, date(2026, 6, 21), "civil")
    assert summary["civil_dusk"] is None and summary["night_starts"] is None and summary["night_minutes"] == 0
    stricter = day_summary(*UNST, date(2026, 6, 21))
    assert at(stricter["night_starts"]) == at(stricter["sunset"]) + timedelta(minutes=30)


def test_windows_over_a_range():
    ws = daylight_windows(*OBAN, date(2026, 12, 1), date(2026, 12, 7))
    assert len(ws) == 7 and all(w.dawn and w.dusk for w in ws)
    assert ws[0].to_json()["date"] == "2026-12-01"


def test_window_spanning_two_nights():
    for definition in ("ano", "civil", "stricter"):
        nights = night_periods(*OBAN, datetime(2026, 12, 15, 12, tzinfo=UTC),
                               datetime(2026, 12, 17, 12, tzinfo=UTC), definition=definition)
        assert len(nights) == 2


# ---- day_summary for the scheduling page

@pytest.mark.parametrize("day,sunrise,sunset", [
    (date(2026, 12, 21), "08:04", "15:53"),  # London, winter solstice: sunrise 08:04 GMT, sunset 15:53 GMT
    (date(2026, 6, 21), "03:43", "20:21"),  # London, summer solstice: 04:43 and 21:21 BST
])
def test_london_sun_times_match_the_almanac(day, sunrise, sunset):
    s = day_summary(*LONDON, day)
    for key, published in (("sunrise", sunrise), ("sunset", sunset)):
        expected = datetime.combine(day, datetime.strptime(published, "%H:%M").time(), tzinfo=UTC)
        assert abs((at(s[key]) - expected).total_seconds()) <= 120, (key, s[key], published)


@pytest.mark.parametrize("place", [OBAN, TIREE, LONDON, UNST], ids=["oban", "tiree", "london", "unst"])
@pytest.mark.parametrize("day", [date(2026, 3, 20), date(2026, 6, 21), date(2026, 9, 23), date(2026, 12, 21)])
def test_sun_times_are_where_the_almanac_formulae_put_the_sun(place, day):
    """Sunrise and sunset: the sun's centre 50' below the horizon (refraction + semi-diameter); civil dawn and
    dusk: 6 degrees below. Checked with an independent solar-position formula (0.15 degree: one to two minutes near the horizon)."""
    s = day_summary(*place, day)
    assert almanac_elevation(*place, at(s["sunrise"])) == pytest.approx(-0.833, abs=0.15)
    assert almanac_elevation(*place, at(s["sunset"])) == pytest.approx(-0.833, abs=0.15)
    for key in ("civil_dawn", "civil_dusk"):
        if s[key] is not None:
            assert almanac_elevation(*place, at(s[key])) == pytest.approx(-6, abs=0.15)
        else:  # no civil night: the sun never gets 6 degrees below (Unst at midsummer)
            midnight = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
            lowest = min(almanac_elevation(*place, midnight + timedelta(minutes=m)) for m in range(-120, 180, 5))
            assert lowest > -6.2


@pytest.mark.parametrize("day", [date(2026, 3, 20), date(2026, 6, 21), date(2026, 12, 21)])
def test_night_boundaries_follow_each_definition(day):
    ano, civil, stricter = (day_summary(*OBAN, day, d) for d in ("ano", "civil", "stricter"))
    # ANO: exactly half an hour after sunset, half an hour before sunrise
    assert at(ano["night_starts"]) == at(ano["sunset"]) + timedelta(minutes=30)
    assert at(ano["night_ends"]) == at(ano["sunrise"]) - timedelta(minutes=30)
    # UK SERA: civil dusk and dawn
    assert civil["night_starts"] == civil["civil_dusk"] and civil["night_ends"] == civil["civil_dawn"]
    # stricter: night starts at the earlier evening time and ends at the later morning time
    assert at(stricter["night_starts"]) == min(at(ano["night_starts"]), at(civil["night_starts"]))
    assert at(stricter["night_ends"]) == max(at(ano["night_ends"]), at(civil["night_ends"]))
    # civil twilight lasts more than 30 minutes in the UK, so the ANO night is the longer one
    assert stricter["night_minutes"] == ano["night_minutes"] >= civil["night_minutes"]
    assert {ano["definition"], civil["definition"], stricter["definition"]} == {"ano", "civil", "stricter"}
    assert "ANO 2016" in ano["label"] and "civil twilight" in civil["label"] and "stricter" in stricter["label"]
    for value in (stricter["sunrise"], stricter["night_starts"]):
        assert at(value).utcoffset() == timedelta(0)


def test_night_minutes_of_a_day_add_up():
    s = day_summary(*OBAN, date(2026, 12, 21), "ano")
    midnight = datetime(2026, 12, 21, tzinfo=UTC)
    expected = (at(s["night_ends"]) - midnight) + (midnight + timedelta(days=1) - at(s["night_starts"]))
    assert s["night_minutes"] == round(expected.total_seconds() / 60)
    assert s["all_day_night"] is False


def test_an_unknown_definition_is_refused():
    with pytest.raises(DefinitionError):
        day_summary(*OBAN, date(2026, 12, 21), "lunar")
    with pytest.raises(DefinitionError):
        night_periods(*OBAN, datetime(2026, 12, 21, tzinfo=UTC), datetime(2026, 12, 22, tzinfo=UTC),
                      definition="dark")
