"""Malformed plans get a PlanError naming the field; missing credentials are findings, not errors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policy.core import PlanError, evaluate, parse_plan

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
]


@pytest.mark.parametrize("case,field,changes,text", BAD, ids=[b[0] for b in BAD])
def test_malformed_plan_names_the_field(case, field, changes, text):  # type: ignore[no-untyped-def]
    data = ["a list"] if changes == "plan" else good_plan(**changes)
    with pytest.raises(PlanError) as err:
        parse_plan(data)
    assert err.value.field == field
    assert text in err.value.message


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
         "documents.notifications", "permissions", "site", "weather", "submitted_at"]


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
