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
    """Every zone named in the findings of `rule` (a merged AIR-01 finding names all its pieces)."""
    out: set[str] = set()
    for f in decision.findings:
        if f.rule == rule:
            out |= set(f.evidence.get("zones") or [f.evidence.get("zone", "")])
    return out


def air01(decision):  # type: ignore[no-untyped-def]
    return [f for f in decision.findings if f.rule == "AIR-01"]


def test_open_country_with_valid_credentials_in_daylight_passes(ctx):  # type: ignore[no-untyped-def]
    decision = evaluate(good_plan(OPEN_COUNTRY), ctx)
    assert decision.outcome == "pass", decision.findings


def test_oban_airport_is_one_air01_finding_with_both_pieces_of_evidence(ctx):  # type: ignore[no-untyped-def]
    decision = evaluate(good_plan(OBAN_AIRPORT), ctx)
    assert decision.outcome == "blocked"
    [finding] = air01(decision)  # the ATZ circle and the runway-derived FRZ are one restriction
    assert finding.severity == "block" and finding.evidence["aerodrome"] == "EGEO"
    assert set(finding.evidence["zones"]) == {"EGEO FRZ", "OBAN"}
    assert len(finding.evidence["zone_ids"]) == 2
    assert "aerodrome traffic zone OBAN" in finding.message and "2.0 nm circle" in finding.message
    with_permission = good_plan(OBAN_AIRPORT, permissions=[{"kind": "frz", "zone": "OBAN", "reference": "EGEO-ATC-7"}])
    [finding] = air01(evaluate(with_permission, ctx))
    assert finding.severity == "approval" and finding.evidence["permission"] == "EGEO-ATC-7"
    other = good_plan(OBAN_AIRPORT, permissions=[{"kind": "frz", "zone": "TIREE", "reference": "EGPU-1"}])
    assert air01(evaluate(other, ctx))[0].severity == "block"


def _beyond_threshold(metres: float) -> tuple[float, float]:
    outward, _ = inverse(*OBAN_19, *OBAN_01)
    return offset(*OBAN_01, outward, metres)


def test_3km_beyond_runway_01_threshold_is_air01(ctx, real_data):  # type: ignore[no-untyped-def]
    # With the real runway (EGEO 01/19, 1,264 m between the thresholds in runways-EG.csv) a point 3 km beyond
    # threshold 01 is 3.63 km from the runway mid-point: still inside the 3,704 m circle, and inside the
    # runway protection zone too. Both pieces are reported as the one EGEO restriction.
    point = _beyond_threshold(3000)
    assert 3600 < centre_distance(real_data, point) < 3704
    decision = evaluate(good_plan(point, area=square(*point, 40), takeoff_points=[list(point)]), ctx)
    [finding] = air01(decision)
    assert {"EGEO FRZ", "EGEO RPZ 01"} <= set(finding.evidence["zones"])


def test_outside_the_circle_the_runway_protection_zone_alone_is_air01(ctx, real_data):  # type: ignore[no-untyped-def]
    # From about 3.1 km beyond the threshold the extended centre line leaves the 2 nm circle (and the ATZ);
    # the runway protection zone reaches 5 km from the (displaced) threshold.
    for metres in (3300, 4300):
        point = _beyond_threshold(metres)
        assert centre_distance(real_data, point) > 3704 + 40 * 1.5  # the whole 80 m square is outside
        decision = evaluate(good_plan(point, area=square(*point, 40), takeoff_points=[list(point)]), ctx)
        assert zones_of(decision, "AIR-01") == {"EGEO RPZ 01"}, metres
        assert decision.outcome == "blocked"
    outward, _ = inverse(*OBAN_19, *OBAN_01)
    aside = offset(*_beyond_threshold(4300), outward + 90, 700)  # 700 m off the centre line: outside the 500 m
    decision = evaluate(good_plan(aside, area=square(*aside, 40), takeoff_points=[list(aside)]), ctx)
    assert "AIR-01" not in decision.rules()
    beyond = _beyond_threshold(5300)  # past the end of the runway protection zone
    decision = evaluate(good_plan(beyond, area=square(*beyond, 40), takeoff_points=[list(beyond)]), ctx)
    assert "AIR-01" not in decision.rules()


def centre_distance(real_data, point: tuple[float, float]) -> float:  # type: ignore[no-untyped-def]
    [circle] = [z for z in real_data.zones if z["name"] == "EGEO FRZ"]
    return inverse(*circle["attributes"]["centre"], *point)[1]


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


def test_rat_validity_dates_from_rat_yaml(ctx):  # type: ignore[no-untyped-def]
    # rat.yaml carries its dates in the names only: "SILVERSTONE (3-5 JUL)", read in the data date's year.
    silverstone = (-1.0156, 52.0642)
    times = {"submitted_at": "2026-05-01T09:00:00+00:00"}
    during = good_plan(silverstone, start="2026-07-04T10:00:00+01:00", end="2026-07-04T11:00:00+01:00", **times)
    assert zones_of(evaluate(during, ctx), "AIR-05") == {"SILVERSTONE (3-5 JUL)"}
    after = good_plan(silverstone, start="2026-07-06T10:00:00+01:00", end="2026-07-06T11:00:00+01:00", **times)
    assert "AIR-05" not in evaluate(after, ctx).rules()
