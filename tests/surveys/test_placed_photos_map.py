"""The survey map shows where the orthomosaic put each photo (footprint and camera), from the stored report."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

# Two photos over Oban seafront as an engine report stores them (fields the map reads; footprints in WGS84).
REPORT = {"photos_used": [
    {"name": "DJI_0001.JPG", "lon": -5.4731, "lat": 56.4152, "offset_m": 3.2, "tilt_deg": 4.1, "height_m": 61.0,
     "footprint_lonlat": [[-5.4738, 56.4156], [-5.4724, 56.4156], [-5.4724, 56.4148], [-5.4738, 56.4148]]},
    {"name": "DJI_0002.JPG", "lon": -5.4722, "lat": 56.4152, "offset_m": 2.1, "tilt_deg": 6.0, "height_m": 60.0,
     "footprint_lonlat": [[-5.4729, 56.4156], [-5.4715, 56.4156], [-5.4715, 56.4148], [-5.4729, 56.4148]]},
], "photos_dropped": []}


def layers(client, survey) -> dict[str, list[dict]]:
    response = client.get(f"/api/v1/surveys/{survey.pk}/map/")
    assert response.status_code == 200
    out: dict[str, list[dict]] = {}
    for feature in response.json()["features"]:
        out.setdefault(feature["properties"]["layer"], []).append(feature)
    return out


def test_placed_footprints_and_cameras_come_from_the_report(client, cast, survey) -> None:
    survey.ortho_report = REPORT
    survey.save(update_fields=["ortho_report"])
    client.force_login(cast.planner)
    found = layers(client, survey)
    footprints, cameras = found["placed_footprint"], found["placed_position"]
    assert [f["properties"]["name"] for f in footprints] == ["DJI_0001.JPG", "DJI_0002.JPG"]
    ring = footprints[0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] == [-5.4738, 56.4156] and len(ring) == 5  # closed GeoJSON ring
    assert cameras[1]["geometry"]["coordinates"] == [-5.4722, 56.4152]
    assert cameras[1]["properties"]["offset_m"] == 2.1


def test_reports_without_placed_footprints_add_nothing(client, cast, survey) -> None:
    client.force_login(cast.planner)
    assert "placed_footprint" not in layers(client, survey)  # no report yet
    survey.ortho_report = {"photos_used": [{k: v for k, v in REPORT["photos_used"][0].items()
                                            if k != "footprint_lonlat"}]}  # a report from before the field
    survey.save(update_fields=["ortho_report"])
    assert "placed_footprint" not in layers(client, survey)
    survey.ortho_report = {"source": "delivered", "input": {"crs": "EPSG:27700"}}  # the contractor's GeoTIFF
    survey.save(update_fields=["ortho_report"])
    assert "placed_footprint" not in layers(client, survey)
