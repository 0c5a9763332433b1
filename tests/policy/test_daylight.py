"""Civil twilight for the place and date (astral)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from policy.core.daylight import daylight_window, daylight_windows, night_periods

BST = timezone(timedelta(hours=1))
OBAN = (56.4636, -5.40)
TIREE = (56.4992, -6.8692)
UNST = (60.76, -0.85)  # Baltasound: the sun stays within 6 degrees of the horizon at midsummer


def test_december_evening_at_oban_is_night():
    nights = night_periods(*OBAN, datetime(2026, 12, 15, 23, 0, tzinfo=UTC),
                           datetime(2026, 12, 15, 23, 30, tzinfo=UTC))
    assert sum((b - a).total_seconds() for a, b in nights) == 1800


def test_december_noon_at_oban_is_day_and_dusk_is_before_five():
    assert night_periods(*OBAN, datetime(2026, 12, 15, 12, tzinfo=UTC),
                         datetime(2026, 12, 15, 13, tzinfo=UTC)) == []
    w = daylight_window(*OBAN, date(2026, 12, 15))
    assert w.dusk is not None and w.dusk.hour == 16
    assert 8 < w.light_hours() < 9


def test_june_late_evening_in_tiree_is_still_twilight():
    # 23:15 BST, after sunset (about 22:21 BST) but before the end of civil twilight (about 23:28 BST)
    start = datetime(2026, 6, 21, 22, 45, tzinfo=BST)
    assert night_periods(*TIREE, start, start + timedelta(minutes=30)) == []
    w = daylight_window(*TIREE, date(2026, 6, 21))
    assert w.sunset is not None and w.dusk is not None and w.sunset < start < w.dusk


def test_june_solar_midnight_in_tiree_is_night_by_six_degrees():
    start = datetime(2026, 6, 22, 1, 0, tzinfo=BST)
    assert night_periods(*TIREE, start, start + timedelta(minutes=30))


def test_shetland_midsummer_has_no_civil_night():
    w = daylight_window(*UNST, date(2026, 6, 21))
    assert w.all_day_light and w.light_hours() == 24
    start = datetime(2026, 6, 21, 23, 0, tzinfo=UTC)
    assert night_periods(*UNST, start, start + timedelta(hours=3)) == []


def test_windows_over_a_range():
    ws = daylight_windows(*OBAN, date(2026, 12, 1), date(2026, 12, 7))
    assert len(ws) == 7 and all(w.dawn and w.dusk for w in ws)
    assert ws[0].to_json()["date"] == "2026-12-01"


def test_window_spanning_two_nights():
    nights = night_periods(*OBAN, datetime(2026, 12, 15, 12, tzinfo=UTC),
                           datetime(2026, 12, 17, 12, tzinfo=UTC))
    assert len(nights) == 2
