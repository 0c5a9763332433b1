"""YAIXM airspace, runway-derived FRZs and GeoJSON/KML layers (pure parsers, small inline inputs)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date

import pytest
from pyproj import Geod
from shapely.geometry import Point, shape

from policy.core.importers.layers import LayerError, zones_from_geojson, zones_from_kml
from policy.core.importers.runways import RunwayError, derive_frz, read_runways
from policy.core.importers.yaixm import (
    AirspaceError,
    load_yaixm,
    parse_coord,
    parse_limit,
    release_date,
    zones_from_yaixm,
)

GEOD = Geod(ellps="WGS84")

YAIXM = """
airspace:
- name: TEST ATZ
  id: test-atz
  type: ATZ
  geometry:
  - upper: 2000 ft
    lower: SFC
    boundary:
    - circle:
        radius: 2 nm
        centre: 562749N 0052400W
- name: TEST DANGER
  type: D
  geometry:
  - upper: FL65
    lower: 1500 ft
    boundary:
    - line:
      - 560000N 0050000W
      - 560000N 0045000W
    - arc:
        dir: cw
        radius: 5 nm
        centre: 555500N 0045500W
        to: 555000N 0050000W
- name: GLIDER SITE
  type: OTHER
  localtype: GLIDER
  geometry:
  - upper: 2000 ft
    lower: SFC
    boundary:
    - circle:
        radius: 1 nm
        centre: 560000N 0050000W
"""


def test_coordinates_and_limits():
    assert parse_coord("562749N 0052400W") == pytest.approx((-5.4, 56.46361), abs=1e-5)
    assert parse_coord("501530.5N 0010000E") == pytest.approx((1.0, 50.25847), abs=1e-5)
    assert parse_limit("SFC") is None
    assert parse_limit("2200 ft") == pytest.approx(670.56)
    assert parse_limit("FL65") == pytest.approx(1981.2)
    with pytest.raises(AirspaceError):
        parse_coord("56.5 -5.4")


def test_yaixm_circle_and_arc():
    zones = list(zones_from_yaixm(YAIXM, data_date=date(2026, 6, 1)))
    assert [z["kind"] for z in zones] == ["frz", "danger"]  # the glider site maps to no rule
    circle = shape(zones[0]["geometry"])
    _, _, r = GEOD.inv(-5.4, 56.46361, *circle.exterior.coords[0])
    assert r == pytest.approx(3704, abs=1)
    danger = zones[1]
    assert danger["lower_m"] == pytest.approx(457.2) and danger["upper_ref"] == "FL65"
    ring = shape(danger["geometry"]).exterior.coords
    # every arc point lies 5 nm from the centre
    centre = parse_coord("555500N 0045500W")
    arc_pts = ring[2:-2]
    assert arc_pts and all(GEOD.inv(*centre, *p)[2] == pytest.approx(9260, abs=2) for p in arc_pts)
    assert shape(danger["geometry"]).is_valid


def test_anticlockwise_arc_goes_the_other_way():
    cw = YAIXM.split("- name: GLIDER")[0]
    ccw = cw.replace("dir: cw", "dir: ccw")
    a = shape(list(zones_from_yaixm(cw, data_date=date(2026, 6, 1)))[1]["geometry"])
    b = shape(list(zones_from_yaixm(ccw, data_date=date(2026, 6, 1)))[1]["geometry"])
    assert abs(a.area - b.area) > 0.01 * max(a.area, b.area)


def test_rat_dates_from_name():
    text = ("rat:\n- name: SHOW (3-5 JUL)\n  type: P\n  geometry:\n  - lower: SFC\n    upper: 3500 ft\n"
            "    boundary:\n    - circle:\n        radius: 2 nm\n        centre: 520351N 0010056W\n")
    z = next(iter(zones_from_yaixm(text, data_date=date(2026, 6, 1))))
    assert z["kind"] == "temporary"
    assert z["valid_from"].date() == date(2026, 7, 3) and z["valid_to"].date() == date(2026, 7, 5)


def test_release_date():
    assert release_date(load_yaixm("release:\n  airac_date: '2026-05-14T00:00:00Z'\nrat: []\n")) == date(2026, 5, 14)
    assert release_date(load_yaixm("rat: []\n")) is None
    with pytest.raises(AirspaceError, match="release.airac_date"):
        release_date(load_yaixm("release:\n  airac_date: soon\nrat: []\n"))


def test_not_yaixm():
    with pytest.raises(AirspaceError):
        list(zones_from_yaixm("just: text", data_date=date(2026, 6, 1)))


CSV = """id,airport_ref,airport_ident,length_ft,width_ft,surface,lighted,closed,le_ident,le_latitude_deg,le_longitude_deg,le_elevation_ft,le_heading_degT,le_displaced_threshold_ft,he_ident,he_latitude_deg,he_longitude_deg,he_elevation_ft,he_heading_degT,he_displaced_threshold_ft
1,1,EGEO,4147,98,ASP,1,0,01,56.458099,-5.400869,23,6,,19,56.469395,-5.398857,23,186,
2,1,EGEO,2953,98,ASP,0,1,04,,,,39,,22,,,,219,
3,2,EGLL,12802,164,ASP,1,0,09L,51.4775,-0.484874,79,89.6,1013,27R,51.477650,-0.433296,78,269.7,
4,3,EGEL,1640,59,ASP,0,0,02,,,20,23,,20,,,20,203,
5,4,EG-0059,10971,132,ASP,0,0,2H,30.03532,31.83512,836,20,,20H,30.0636,31.84693,782,200,
"""


def _derived():
    return {a["ident"]: (a, z) for a, z in derive_frz(read_runways(CSV), radius_m=3704, long_radius_m=4630,
                                                      long_runway_m=1850, rpz_length_m=5000, rpz_half_width_m=500)}


def test_frz_from_runways():
    d = _derived()
    assert set(d) == {"EGEO", "EGLL"}  # EGEL has no thresholds; EG-0059 is not a UK ident
    oban, zones = d["EGEO"]
    assert oban["frz_radius_m"] == 3704 and d["EGLL"][0]["frz_radius_m"] == 4630
    assert oban["lat"] == pytest.approx(56.46375, abs=1e-4)
    names = [z["name"] for z in zones]
    assert names == ["EGEO FRZ", "EGEO RPZ 01", "EGEO RPZ 19"]
    rpz01 = shape(zones[1]["geometry"])
    az, _, _ = GEOD.inv(-5.398857, 56.469395, -5.400869, 56.458099)  # outward from the 01 threshold
    inside = GEOD.fwd(-5.400869, 56.458099, az, 4900)[:2]
    beyond = GEOD.fwd(-5.400869, 56.458099, az, 5100)[:2]
    side = GEOD.fwd(*GEOD.fwd(-5.400869, 56.458099, az, 3000)[:2], az + 90, 520)[:2]
    assert rpz01.contains(Point(inside)) and not rpz01.contains(Point(beyond))
    assert not rpz01.contains(Point(side))


def test_runways_csv_errors():
    with pytest.raises(RunwayError):
        read_runways("a,b\n1,2\n")


def test_geojson_and_kml_layers(tmp_path):
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "s1", "properties": {"NAME": "Loch Site"},
         "geometry": {"type": "Polygon", "coordinates": [[[-5, 56], [-4.9, 56], [-4.9, 56.1], [-5, 56]]]}},
        {"type": "Feature", "properties": {"name": "Haul-out"}, "geometry": {"type": "Point", "coordinates": [-5, 56]}},
    ]}
    zones = list(zones_from_geojson(json.dumps(fc), kind="protected_site"))
    assert [(z["name"], z["external_id"]) for z in zones] == [("Loch Site", "s1"), ("Haul-out", "1:Haul-out")]
    kml = (b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark id="frz1">'
           b'<name>TEST FRZ</name><Polygon><outerBoundaryIs><LinearRing><coordinates>-5,56,0 -4.9,56,0 -4.9,56.1,0 '
           b'-5,56,0</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>')
    k = list(zones_from_kml(kml, kind="frz"))
    assert k[0]["name"] == "TEST FRZ" and k[0]["external_id"] == "frz1"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("doc.kml", kml)
    assert next(iter(zones_from_kml(buf.getvalue(), kind="frz")))["name"] == "TEST FRZ"
    with pytest.raises(LayerError):
        list(zones_from_kml(b"<kml><unclosed>", kind="frz"))
    with pytest.raises(LayerError):
        list(zones_from_geojson("{not json", kind="park"))
