"""booking.geometry is pure: no database."""

from __future__ import annotations

import json

import pytest

from booking.geometry import GeometryError, area_hectares, parse_area, parse_kml

SQUARE = [
    [-5.4745, 56.4148],
    [-5.4712, 56.4148],
    [-5.4712, 56.4170],
    [-5.4745, 56.4170],
    [-5.4745, 56.4148],
]


def test_polygon_feature_and_collection_give_the_same_polygon():
    polygon = {"type": "Polygon", "coordinates": [SQUARE]}
    feature = {"type": "Feature", "properties": {}, "geometry": polygon}
    collection = {"type": "FeatureCollection", "features": [feature]}
    assert parse_area(polygon) == parse_area(feature) == parse_area(json.dumps(collection))


def test_unclosed_ring_is_closed():
    assert (
        parse_area({"type": "Polygon", "coordinates": [SQUARE[:-1]]})["coordinates"][0][-1]
        == SQUARE[0]
    )


@pytest.mark.parametrize(
    "value, message",
    [
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            "Self-intersection",
        ),
        ({"type": "Polygon", "coordinates": []}, "empty"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [2, 2], [0, 0]]]}, "empty"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]}, "three distinct"),
        ({"type": "Point", "coordinates": [0, 0]}, "expected a Polygon"),
        (
            {"type": "Polygon", "coordinates": [[[200, 0], [1, 1], [1, 0], [200, 0]]]},
            "outside longitude",
        ),
        ({"type": "FeatureCollection", "features": []}, "exactly one"),
        ("{not json", "not valid JSON"),
        ([1, 2], "expected a GeoJSON object"),
    ],
)
def test_bad_polygons_are_refused_with_a_reason(value, message):
    with pytest.raises(GeometryError, match=message):
        parse_area(value)


def test_area_in_hectares_matches_the_projected_size():
    # ~204 m (0.0033° of longitude at 56.4° N) × ~245 m (0.0022° of latitude) ≈ 5.0 ha
    assert area_hectares({"type": "Polygon", "coordinates": [SQUARE]}) == pytest.approx(
        5.0, rel=0.03
    )


KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>Oban</name>
<Polygon><outerBoundaryIs><LinearRing><coordinates>
-5.4745,56.4148,0 -5.4712,56.4148,0 -5.4712,56.4170,0 -5.4745,56.4170,0 -5.4745,56.4148,0
</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>"""


def test_kml_polygon_is_read():
    assert parse_kml(KML.encode()) == parse_area({"type": "Polygon", "coordinates": [SQUARE]})


@pytest.mark.parametrize(
    "text, message",
    [
        ('<!DOCTYPE kml [<!ENTITY x "y">]><kml/>', "DOCTYPE"),
        ("<kml><Document/></kml>", "exactly one Polygon"),
        (
            "<kml><Polygon><outerBoundaryIs><LinearRing><coordinates>a,b</coordinates></LinearRing>"
            "</outerBoundaryIs></Polygon></kml>",
            "not lon,lat",
        ),
        ("<kml", "not a readable KML"),
    ],
)
def test_bad_kml_is_refused(text, message):
    with pytest.raises(GeometryError, match=message):
        parse_kml(text)
