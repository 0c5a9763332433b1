"""Malformed plans get a PlanError naming the field; missing credentials are findings, not errors."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policy.core import PlanError, PolicySettings, evaluate, parse_plan
from policy.core.plan import MAX_AREA_VERTICES, parse_area

from .plans import BOWTIE, DELETE, OPEN_COUNTRY, SWAPPED, context, good_plan

LON, LAT = OPEN_COUNTRY
BAD = [
    ("not-an-object", "plan", "plan", "JSON object"),
    ("no-area", "area", {"area": DELETE}, "required"),
    ("point", "area", {"area": {"type": "Point", "coordinates": [LON, LAT]}}, "Polygon"),
    ("self-intersecting", "area", {"area": BOWTIE}, "not valid"),
    ("swapped", "area", {"area": SWAPPED}, "swapped"),
    ("outside-uk", "area", {"area": {"type": "Polygon", "coordinates": [[[2.3, 48.8], [2.4, 48.8], [2.4, 48.9],
                                                                           [2.3, 48.8]]]}}, "outside the UK"),
    ("empty", "area", {"area": {"type": "Polygon", "coordinates": [[[LON, LAT], [LON, LAT], [LON, LAT],
                                                                      [LON, LAT]]]}}, "empty"),
    ("flat", "area", {"area": {"type": "Polygon", "coordinates": [[[LON, LAT], [LON + 0.01, LAT], [LON + 0.02, LAT],
                                                                     [LON, LAT]]]}}, "empty"),
    ("hole-outside", "area", {"area": {"type": "Polygon", "coordinates": [
        [[LON, LAT], [LON + 0.01, LAT], [LON + 0.01, LAT + 0.01], [LON, LAT]],
        [[LON + 0.02, LAT], [LON + 0.03, LAT], [LON + 0.03, LAT + 0.01], [LON + 0.02, LAT]]]}}, "Hole lies outside"),
    ("text-coords", "area", {"area": {"type": "Polygon", "coordinates": [[["a", "b"]]]}}, "longitude"),
    ("no-start", "start", {"start": DELETE}, "required"),
    ("no-end", "end", {"end": None}, "required"),
    ("naive-start", "start", {"start": "2026-06-15T10:00:00"}, "UTC offset"),
    ("bad-start", "start", {"start": "tomorrow"}, "not an ISO 8601"),
    ("end-before-start", "end", {"end": "2026-06-15T09:00:00+01:00"}, "after start"),
    ("end-equals-start", "end", {"end": "2026-06-15T10:00:00+01:00"}, "after start"),
    ("no-height", "max_height_m", {"max_height_m": DELETE}, "required"),
    ("negative-height", "max_height_m", {"max_height_m": -5}, "at least 0"),
    ("text-height", "max_height_m", {"max_height_m": "high"}, "number"),
    ("bad-mass", "aircraft.mass_g", {"aircraft.mass_g": "heavy"}, "number"),
    ("bad-expiry", "insurance.expiry", {"insurance.expiry": "31/12/2026"}, "date"),
    ("bad-pilot", "pilots[0].flyer_id_expiry", {"pilots": [{"flyer_id_expiry": "soon"}]}, "date"),
    ("bad-bool", "people_in_view", {"people_in_view": "yes"}, "true or false"),
    ("takeoff-outside", "takeoff_points[0]", {"takeoff_points": [[LON + 1, LAT]]}, "inside the area"),
    ("bad-category", "operation.category", {"operation.category": "B7"}, "A1, A2"),
    ("bad-permission", "permissions[0].kind", {"permissions": [{"reference": "X"}]}, "required"),
    ("bad-weather", "weather.mean_wind_ms", {"weather": {"mean_wind_ms": "breezy"}}, "number"),
    # the window's bounds: a window ending in year 9999 once cost 126 s of CPU in the night computation
    ("window-9999", "window_end", {"end": "9999-12-31T23:59:59+00:00"}, "at most 90 days"),
    ("window-91-days", "window_end", {"end": "2026-09-14T10:00:01+01:00"}, "at most 90 days"),
    ("year-9999-slot", "start", {"start": "9999-12-31T10:00:00+00:00", "end": "9999-12-31T11:00:00+00:00"},
     "not a plausible flight time"),
    ("year-1-slot", "start", {"start": "0001-01-01T10:00:00+01:00", "end": "0001-01-01T11:00:00+01:00"},
     "not a plausible flight time"),
    # the new plan fields of the 2026-12 catalogue revision
    ("bad-geo-awareness", "aircraft.geo_awareness", {"aircraft.geo_awareness": "yes"}, "true or false"),
    ("bad-geo-date", "aircraft.geo_awareness_data_date", {"aircraft.geo_awareness_data_date": "May"}, "date"),
    ("bad-rid-operator-id", "aircraft.operator_id_in_remote_id", {"aircraft.operator_id_in_remote_id": [1]},
     "string"),
    ("bad-public-notice", "operation.public_notice", {"operation.public_notice": {"signage": 1}}, "list of strings"),
    ("bad-organisation", "organisation", {"organisation": "Estates"}, "object"),
    ("bad-programme-dpia", "organisation.programme_dpia", {"organisation.programme_dpia": {"ref": 1}}, "string"),
    ("bad-rpc-l1-expiry", "pilots[0].rpc_l1_expiry", {"pilots": [{"rpc_l1": "R", "rpc_l1_expiry": "later"}]},
     "date"),
]


@pytest.mark.parametrize("case,field,changes,text", BAD, ids=[b[0] for b in BAD])
def test_malformed_plan_names_the_field(case, field, changes, text):  # type: ignore[no-untyped-def]
    data = ["a list"] if changes == "plan" else good_plan(**changes)
    with pytest.raises(PlanError) as err:
        parse_plan(data)
    assert err.value.field == field
    assert text in err.value.message


def test_window_of_exactly_the_limit_is_accepted_and_the_limit_is_a_setting():
    plan = good_plan(start="2026-06-15T10:00:00+01:00", end="2026-09-13T10:00:00+01:00")  # 90 days
    assert parse_plan(plan).end.month == 9
    with pytest.raises(PlanError) as err:
        parse_plan(plan, PolicySettings.from_dict({"max_window_days": 30}))
    assert err.value.field == "window_end" and "at most 30 days" in err.value.message
    longer = good_plan(end="2026-12-01T10:00:00+00:00")
    assert parse_plan(longer, PolicySettings.from_dict({"max_window_days": 180})).end.month == 12


def test_evaluate_refuses_a_long_window_before_any_rule_runs():
    plan = parse_plan(good_plan(end="2026-12-01T10:00:00+00:00"), PolicySettings.from_dict({"max_window_days": 180}))
    with pytest.raises(PlanError) as err:  # a parsed Plan with the default 90-day policy
        evaluate(plan, context())
    assert err.value.field == "window_end"
    with pytest.raises(PlanError):
        evaluate(good_plan(end="9999-12-31T23:59:59+00:00"), context())


def _ring(n: int) -> list[list[float]]:
    """A valid n-gon (n + 1 positions with the closing one) about the open-country point."""
    ring = [[LON + 0.01 * math.cos(2 * math.pi * i / n), LAT + 0.005 * math.sin(2 * math.pi * i / n)]
            for i in range(n)]
    return [*ring, ring[0]]


def test_area_vertex_cap_is_the_booking_forms():
    from booking.geometry import MAX_VERTICES

    assert MAX_VERTICES == MAX_AREA_VERTICES == 5000
    assert parse_area({"type": "Polygon", "coordinates": [_ring(MAX_AREA_VERTICES - 1)]}).is_valid
    with pytest.raises(PlanError) as err:
        parse_area({"type": "Polygon", "coordinates": [_ring(MAX_AREA_VERTICES)]})
    assert err.value.field == "area" and "at most 5,000" in err.value.message
    # all rings count, holes too
    hole = [[LON + 0.001 * x, LAT + 0.001 * y] for x, y in ((0, 0), (1, 0), (1, 1), (0, 0))]
    with pytest.raises(PlanError):
        parse_area({"type": "Polygon", "coordinates": [_ring(MAX_AREA_VERTICES - 3), hole]})


def test_new_fields_not_stated_are_none():
    bare = parse_plan({k: v for k, v in good_plan().items() if k in ("area", "max_height_m", "start", "end")})
    assert bare.organisation.programme_dpia is None and bare.organisation.privacy_notice is None
    assert bare.operation.public_notice is None
    full = parse_plan(good_plan(**{"organisation.programme_dpia": False, "operation.public_notice": "signage",
                                   "aircraft.operator_id_in_remote_id": True, "aircraft.geo_awareness": False}))
    assert full.organisation.programme_dpia == "" and full.operation.public_notice == ("signage",)
    assert full.aircraft is not None and full.aircraft.operator_id_in_remote_id == "held"
    assert full.aircraft.geo_awareness is False


def test_missing_credentials_are_findings_not_errors():
    bare = {k: v for k, v in good_plan().items() if k in ("area", "max_height_m", "start", "end")}
    decision = evaluate(bare, context())
    assert decision.outcome == "blocked"
    assert {"INS-01", "REG-01", "GOV-02"} <= decision.rules()


def test_feature_wrapped_polygon_and_ip_rating_number():
    plan = good_plan(**{"aircraft.ip_rating": 55})
    plan["area"] = {"type": "Feature", "properties": {}, "geometry": plan["area"]}
    parsed = parse_plan(plan)
    assert parsed.aircraft is not None and parsed.aircraft.ip_rating == 55


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8)
PATHS = ["area", "area.coordinates", "area.type", "max_height_m", "start", "end", "takeoff_points", "aircraft",
         "aircraft.mass_g", "aircraft.class_mark", "aircraft.ip_rating", "operation", "operation.obstacle",
         "operator.authorisation", "pilots", "insurance", "insurance.expiry", "documents",
         "documents.notifications", "permissions", "site", "weather", "submitted_at", "organisation",
         "organisation.programme_dpia", "organisation.privacy_notice", "operation.public_notice",
         "aircraft.geo_awareness", "aircraft.geo_awareness_data_date", "aircraft.operator_id_in_remote_id"]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(PATHS), JSON_VALUES)
def test_any_json_value_anywhere_is_a_decision_or_a_plan_error(path, value):  # type: ignore[no-untyped-def]
    """Never an unexpected exception (a 500 in the API): either a decision or an error naming a field."""
    try:
        plan = parse_plan(good_plan(**{path: value}))
    except PlanError as exc:
        assert exc.field and exc.message
        return
    assert evaluate(plan, context()).outcome in ("pass", "needs_approval", "blocked")
