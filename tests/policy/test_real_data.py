"""The engine on the real UK airspace and runway data (parsed once per session; no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from policy.core import evaluate
from policy.core.importers.geodesy import inverse

from .plans import FASLANE, OBAN_AIRPORT, OPEN_COUNTRY, context, good_plan, offset, square

OBAN_01 = (-5.400869, 56.458099)  # runway 01 threshold (OurAirports)
OBAN_19 = (-5.398857, 56.469395)


@pytest.fixture(scope="module")
def ctx(real_data):  # type: ignore[no-untyped-def]
    return context(index=real_data.index)


def zones_of(decision, rule: str) -> set[str]:  # type: ignore[no-untyped-def]
    return {f.evidence.get("zone", "") for f in decision.findings if f.rule == rule}


def test_open_country_with_valid_credentials_in_daylight_passes(ctx):  # type: ignore[no-untyped-def]
    decision = evaluate(good_plan(OPEN_COUNTRY), ctx)
    assert decision.outcome == "pass", decision.findings


def test_oban_airport_is_air01(ctx):  # type: ignore[no-untyped-def]
    decision = evaluate(good_plan(OBAN_AIRPORT), ctx)
    assert decision.outcome == "blocked"
    assert {"EGEO FRZ", "OBAN"} <= zones_of(decision, "AIR-01")
    with_permission = good_plan(OBAN_AIRPORT, permissions=[{"kind": "frz", "zone": "EGEO", "reference": "EGEO-ATC-7"},
                                                           {"kind": "frz", "zone": "OBAN", "reference": "EGEO-ATC-7"}])
    decision = evaluate(with_permission, ctx)
    assert decision.outcome == "needs_approval"
    assert {f.severity for f in decision.findings if f.rule == "AIR-01"} == {"approval"}


def _beyond_threshold(metres: float) -> tuple[float, float]:
    outward, _ = inverse(*OBAN_19, *OBAN_01)
    return offset(*OBAN_01, outward, metres)


def test_3km_beyond_runway_01_threshold_is_air01_from_the_runway_protection_zone(ctx):  # type: ignore[no-untyped-def]
    point = _beyond_threshold(3000)
    decision = evaluate(good_plan(point, area=square(*point, 40), takeoff_points=[list(point)]), ctx)
    assert "EGEO RPZ 01" in zones_of(decision, "AIR-01")


def test_beyond_the_circle_only_the_runway_protection_zone_applies(ctx):  # type: ignore[no-untyped-def]
    point = _beyond_threshold(4300)  # 4.9 km from the runway mid-point: outside the 2 nm circle
    decision = evaluate(good_plan(point, area=square(*point, 40), takeoff_points=[list(point)]), ctx)
    assert zones_of(decision, "AIR-01") == {"EGEO RPZ 01"}
    outward, _ = inverse(*OBAN_19, *OBAN_01)
    aside = offset(*point, outward + 90, 700)  # 700 m off the centre line: outside the 500 m half-width
    decision = evaluate(good_plan(aside, area=square(*aside, 40), takeoff_points=[list(aside)]), ctx)
    assert "AIR-01" not in decision.rules()


def test_faslane_is_blocked_by_p611(ctx):  # type: ignore[no-untyped-def]
    decision = evaluate(good_plan(FASLANE), ctx)
    assert decision.outcome == "blocked"
    assert any(z.startswith("P611") for z in zones_of(decision, "AIR-02"))


def test_150m_is_cat03_blocked(ctx):  # type: ignore[no-untyped-def]
    decision = evaluate(good_plan(max_height_m=150), ctx)
    assert decision.outcome == "blocked"
    assert [f.rule for f in decision.findings if f.severity == "block"] == ["CAT-03"]


def test_insurance_expiring_before_the_flight_is_ins01_blocked(ctx):  # type: ignore[no-untyped-def]
    decision = evaluate(good_plan(insurance={**good_plan()["insurance"], "expiry": "2026-06-14"}), ctx)
    assert decision.outcome == "blocked"
    f = next(f for f in decision.findings if f.rule == "INS-01")
    assert f.evidence["expiry"] == "2026-06-14"


def test_11pm_december_flight_at_oban_raises_lgt01(real_data):  # type: ignore[no-untyped-def]
    ctx = context(index=real_data.index, data_date=date(2026, 12, 1), now=datetime(2026, 11, 1, tzinfo=UTC))
    seafront = (-5.4728, 56.4159)
    plan = good_plan(seafront, start="2026-12-15T23:00:00+00:00", end="2026-12-15T23:30:00+00:00",
                     submitted_at="2026-11-01T09:00:00+00:00")
    decision = evaluate(plan, ctx)
    lgt = [f for f in decision.findings if f.rule == "LGT-01"]
    assert lgt and lgt[0].severity == "approval" and lgt[0].evidence["night_minutes"] == 30


def test_d601_garelochhead_needs_approval(ctx):  # type: ignore[no-untyped-def]
    garelochhead = (-4.797, 56.095)
    decision = evaluate(good_plan(garelochhead), ctx)
    assert any("D601" in z for z in zones_of(decision, "AIR-04"))


def test_cardross_is_in_glasgow_ctr(ctx):  # type: ignore[no-untyped-def]
    cardross = (-4.653, 55.963)
    decision = evaluate(good_plan(cardross), ctx)
    assert "GLASGOW CTR" in zones_of(decision, "AIR-08")
