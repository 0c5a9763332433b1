"""The pure inspection core: schema documents, geometry checks, pixel → ground projection, grid references."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inspection.core import geo
from inspection.core.defaults import COASTAL, DEFAULT_SCHEMAS, ROADS, STRUCTURES
from inspection.core.errors import InspectionError
from inspection.core.geometry import anchor, check_map_geometry, check_pixel_geometry
from inspection.core.schema import check_marking, parse_schema, select_schema

# ---------------------------------------------------------------- schemas


@pytest.mark.parametrize("document", DEFAULT_SCHEMAS, ids=lambda d: d["family"])
def test_every_default_schema_parses_with_its_source_and_meanings(document) -> None:
    schema = parse_schema(document)
    assert schema.source and schema.severity.source
    assert all(level.meaning and level.label for level in schema.severity.levels)
    assert all(c.meaning for c in schema.categories)
    assert [lv.rank for lv in sorted(schema.severity.levels, key=lambda lv: lv.rank)] == list(
        range(1, len(schema.severity.levels) + 1))


def test_the_four_families_and_their_scales() -> None:
    s = {d["family"]: parse_schema(d) for d in DEFAULT_SCHEMAS}
    assert set(s) == {"structures", "roads", "coastal", "buildings"}
    assert s["structures"].severity.codes == ("1", "2", "3", "4", "5")
    assert s["structures"].extent is not None and s["structures"].extent.codes == ("A", "B", "C", "D", "E")
    assert "CS 450" in s["structures"].source and "BD 63" in s["structures"].source
    assert s["coastal"].severity.get("1").label == "Very good" and s["coastal"].severity.get("5").label == "Very poor"
    assert "Well-managed Highway Infrastructure" in s["roads"].source
    assert {c.code for c in s["structures"].categories} >= {"corrosion", "spalling", "scour", "missing_mortar"}


@pytest.mark.parametrize(("impact", "probability", "expected"), [
    (1, 1, "cat2_low"), (1, 3, "cat2_low"), (2, 2, "cat2_medium"), (2, 3, "cat2_medium"), (2, 4, "cat2_high"),
    (3, 3, "cat2_high"), (3, 4, "cat1"), (4, 3, "cat1"), (4, 4, "emergency"),
])
def test_road_risk_scores_map_to_the_councils_categories(impact, probability, expected) -> None:
    marking = check_marking(parse_schema(ROADS), category="pothole", risk_impact=impact,
                            risk_probability=probability)
    assert marking.severity == expected and marking.risk_impact == impact


def test_risk_and_a_contradicting_severity_are_refused() -> None:
    with pytest.raises(InspectionError) as err:
        check_marking(parse_schema(ROADS), category="pothole", severity="cat1", risk_impact=1, risk_probability=1)
    assert err.value.field == "severity"


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"category": "rust"}, "category"),
    ({"category": "corrosion", "severity": 6, "extent": "B"}, "severity"),
    ({"category": "corrosion", "severity": 3, "extent": "F"}, "extent"),
    ({"category": "corrosion", "severity": 3}, "extent"),
    ({"category": "corrosion", "severity": 1, "extent": "C"}, "extent"),  # severity 1 goes with extent A only
    ({"category": "corrosion", "severity": 3, "extent": "A"}, "extent"),
    ({"category": "corrosion", "severity": 3, "extent": "B", "risk_impact": 2}, "risk_impact"),
])
def test_structures_markings_refused_name_the_field(kwargs, field) -> None:
    with pytest.raises(InspectionError) as err:
        check_marking(parse_schema(STRUCTURES), **kwargs)
    assert err.value.field == field


def test_a_good_structures_marking_and_no_extent_where_the_scale_has_none() -> None:
    m = check_marking(parse_schema(STRUCTURES), category="spalling", severity=4, extent="D")
    assert (m.category, m.severity, m.extent) == ("spalling", "4", "D")
    with pytest.raises(InspectionError) as err:
        check_marking(parse_schema(COASTAL), category="erosion", severity="3", extent="B")
    assert err.value.field == "extent"
    assert check_marking(parse_schema(COASTAL), category="erosion", severity="3").extent == ""


def _broken(path: list, value) -> dict:
    doc = copy.deepcopy(ROADS)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


@pytest.mark.parametrize(("path", "value", "field"), [
    (["family"], "no spaces", "family"),
    (["categories"], [], "categories"),
    (["categories", 1, "code"], "pothole", "categories[1].code"),
    (["severity", "levels", 0, "meaning"], "", "severity.levels[0].meaning"),
    (["severity", "levels", 1, "rank"], 1, "severity.levels"),
    (["risk", "bands", 3], {"min": 12, "max": 16, "severity": "cat1"}, "risk.bands"),  # 16 in two bands
    (["risk", "bands", 3, "severity"], "cat9", "risk.bands[3].severity"),
    (["risk", "impact", 0, "code"], "0", "risk.impact"),
])
def test_broken_documents_name_the_field(path, value, field) -> None:
    with pytest.raises(InspectionError) as err:
        parse_schema(_broken(path, value))
    assert err.value.field == field


def test_a_gap_in_the_risk_bands_is_refused() -> None:
    doc = _broken(["risk", "bands"], [b for b in ROADS["risk"]["bands"] if b["severity"] != "cat1"])
    with pytest.raises(InspectionError, match="risk score 12 falls in 0 bands"):
        parse_schema(doc)


def test_the_survey_schema_is_chosen_by_service_then_purpose_then_default() -> None:
    schemas = [parse_schema(d) for d in DEFAULT_SCHEMAS]

    def pick(service, purpose):
        chosen = select_schema(schemas, service=service, purpose=purpose)
        return chosen.family if chosen else None

    assert pick("Roads", "structure_inspection") == "structures"  # service and purpose
    assert pick("Roads", "mapping") == "roads"
    assert pick("Coastal Protection", "structure_inspection") == "coastal"  # the service outweighs the purpose
    assert pick("Planning", "coastal_survey") == "coastal"
    assert pick("estates", "mapping") == "buildings"  # names compare without case
    assert pick("Police Scotland", "planning_footage") == "structures"  # the default
    assert select_schema([parse_schema(COASTAL)], service="Planning", purpose="mapping") is None


# ---------------------------------------------------------------- geometry


def test_pixel_geometry_inside_the_photo() -> None:
    box = {"type": "Polygon", "coordinates": [[[10, 10], [200, 10], [200, 90], [10, 90], [10, 10]]]}
    assert check_pixel_geometry(box, width=2000, height=1500) == box
    assert check_pixel_geometry({"type": "Point", "coordinates": [2000, 1500]}, width=2000, height=1500)
    for bad, message in [
        ({"type": "Point", "coordinates": [2000.5, 3]}, "outside the 2000 x 1500 photo"),
        ({"type": "Point", "coordinates": [-1, 3]}, "outside"),
        ({"type": "LineString", "coordinates": [[1, 1]]}, "at least 2"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [5, 0], [5, 5], [0, 5]]]}, "last equal"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [5, 5], [5, 0], [0, 5], [0, 0]]]}, "crosses itself"),
        ({"type": "MultiPoint", "coordinates": [[1, 1]]}, "type must be"),
        ({"type": "Point", "coordinates": [float("nan"), 1]}, "finite"),
        ({"type": "Point", "coordinates": [True, 1]}, "finite"),
        ("POINT(1 1)", "GeoJSON geometry object"),
    ]:
        with pytest.raises(InspectionError, match=message) as err:
            check_pixel_geometry(bad, width=2000, height=1500)
        assert err.value.field == "pixel_geometry"


def test_vertex_cap_and_map_geometry() -> None:
    line = {"type": "LineString", "coordinates": [[i % 100, 1] for i in range(2001)]}
    with pytest.raises(InspectionError, match="2001 vertices"):
        check_pixel_geometry(line, width=200, height=200)
    with pytest.raises(InspectionError) as err:
        check_map_geometry({"type": "Point", "coordinates": [-5.47, 96.0]})
    assert err.value.field == "geometry"
    assert anchor({"type": "LineString", "coordinates": [[0, 0], [10, 0]]}) == (5.0, 0.0)


# ---------------------------------------------------------------- projection and grid references


def test_pixel_to_ground_maps_the_corners_and_the_centre_of_a_rotated_footprint() -> None:
    corners = [[1000.0, 2000.0], [1080.0, 2060.0], [1035.0, 2120.0], [955.0, 2060.0]]  # rotated rectangle
    got = geo.pixel_to_ground(corners, 4000, 3000, [(0, 0), (4000, 0), (4000, 3000), (0, 3000), (2000, 1500)])
    for (x, y), (u, v) in zip(got[:4], corners, strict=True):
        assert x == pytest.approx(u, abs=1e-6) and y == pytest.approx(v, abs=1e-6)
    assert got[4] == pytest.approx((1017.5, 2060.0), abs=1e-6)


def test_a_degenerate_footprint_is_refused() -> None:
    with pytest.raises(InspectionError) as err:
        geo.pixel_to_ground([[0, 0], [1, 1], [2, 2], [3, 3]], 10, 10, [(1, 1)])
    assert err.value.field == "footprint"


@pytest.mark.parametrize(("easting", "northing", "reference"), [
    (216667, 771244, "NN 16667 71244"),  # Ben Nevis summit (Ordnance Survey)
    (651409.903, 313177.270, "TG 51409 13177"),  # Caister water tower, the worked example of OS's guide
    (185940, 729612, "NM 85940 29612"),  # Oban
    (0, 0, "SV 00000 00000"),  # the false origin
    (530000, 180000, "TQ 30000 80000"),  # central London
    (465000, 1210000, "HP 65000 10000"),  # Shetland
])
def test_grid_references_against_ordnance_survey(easting, northing, reference) -> None:
    assert geo.grid_reference(easting, northing) == reference


def test_shorter_references_and_outside_the_grid() -> None:
    assert geo.grid_reference(216667, 771244, digits=6) == "NN 166 712"
    with pytest.raises(InspectionError):
        geo.grid_reference(-1, 5)
    with pytest.raises(InspectionError):
        geo.to_bng(30.17, -98.09)  # Texas


def test_to_bng_of_a_known_place() -> None:
    # Ben Nevis summit, 56°47'48"N 5°00'13"W (WGS84, to the second: about 30 m), is NN 16667 71244; a wrong
    # datum would be ~100 m out, a wrong projection kilometres
    easting, northing, ref = geo.to_bng(56.79667, -5.00361)
    assert easting == pytest.approx(216667, abs=30) and northing == pytest.approx(771244, abs=30)
    assert ref.startswith("NN 166") and " 712" in ref


@given(st.floats(150_000, 260_000), st.floats(600_000, 820_000))  # Argyll and Bute and around it
def test_bng_round_trip(easting: float, northing: float) -> None:
    lat, lon = geo.from_bng(easting, northing)
    e2, n2, _ = geo.to_bng(lat, lon)
    assert e2 == pytest.approx(easting, abs=1e-3) and n2 == pytest.approx(northing, abs=1e-3)


@given(st.floats(0, 4000), st.floats(0, 3000))
def test_lonlat_projection_agrees_with_the_projected_one(x: float, y: float) -> None:
    """The footprint given in WGS84 places a pixel where the same footprint in a projected CRS does (< 1 cm)."""
    crs = "EPSG:27700"
    corners = [[185900.0, 729650.0], [185980.0, 729640.0], [185975.0, 729580.0], [185905.0, 729585.0]]
    lonlat = geo.crs_to_lonlat(crs, corners)
    a = geo.crs_to_lonlat(crs, geo.pixel_to_ground(corners, 4000, 3000, [(x, y)]))[0]
    b = geo.pixel_to_lonlat([list(p) for p in lonlat], 4000, 3000, [(x, y)])[0]
    ea, na, _ = geo.to_bng(a[1], a[0])
    eb, nb, _ = geo.to_bng(b[1], b[0])
    assert abs(ea - eb) < 0.01 and abs(na - nb) < 0.01
