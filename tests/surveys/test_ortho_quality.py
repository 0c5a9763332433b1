"""The "Map quality" section of the survey page: the pure helper (surveys.quality) for every report shape, and the
page as a reader sees it (a stranger still gets a 404)."""

from __future__ import annotations

import copy
import dataclasses
import html
import re

import pytest

from processing.core.orthomosaic.report import OrthoReport
from surveys import quality
from surveys.quality import DELIVERED, ENGINE, NONE, UNKNOWN, ortho_quality

GPS_WARNING = ("The camera GPS disagrees with the photos' own geometry by 16.6 m RMS while the photos agree with "
               "each other to 7 cm: distances, areas and shapes on this map are reliable, its position on the "
               "ground only to roughly 14 m. Add ground control points for survey-grade positions.")


def _photo(name: str, offset: float) -> dict:
    return {"name": name, "gps_easting": 587601.0, "gps_northing": 3338027.0, "placed_easting": 587610.0,
            "placed_northing": 3338030.0, "offset_m": offset, "lon": -98.09, "lat": 30.17, "height_m": 48.2,
            "tilt_deg": 7.5, "gsd_m": 0.0327, "heading_deg": 91.0, "residual_rms_m": 0.05, "gain": [1.0, 1.0, 1.0],
            "footprint": [[0, 0], [1, 0], [1, 1], [0, 1]], "along_track_m": 12.0, "cross_track_m": -3.0,
            "lag_corrected_offset_m": 11.0}


# The engine's report as OrthoReport.to_json() writes it today (warnings included), Caliterra-like figures.
ENGINE_REPORT = {
    "photos_total": 4,
    "photos_used": [_photo("IMG_9354.jpg", 16.0), _photo("IMG_9355.jpg", 17.1), _photo("IMG_9356.jpg", 15.9)],
    "photos_dropped": [{"name": "IMG_9400.jpg", "reason": "oblique: tilted 41 degrees"}],
    "crs": "EPSG:32614", "gsd_m": 0.0327, "photo_gsd_median_m": 0.0319, "width": 3850, "height": 3270,
    "bounds": [587601.0, 3338027.9, 587727.0, 3338135.0], "covered_area_m2": 34_120.0,
    "pairs_tried": 48, "pairs_used": 42, "residual_rms_m": 0.0723, "residual_median_m": 0.03,
    "residual_p95_m": 0.12, "residual_max_m": 0.62, "residual_rms_px": 2.13, "gps_rms_m": 16.63,
    "gcp_rms_m": None, "orthophoto": "/tmp/job/orthophoto.tif", "gps_median_m": 15.2,
    "gps_along_track_rms_m": 12.8, "gps_cross_track_rms_m": 10.6, "gps_lag_s": 1.55,
    "gps_rms_lag_corrected_m": 14.3, "timings_s": {"features": 3.2, "render": 9.1}, "options": {},
    "position_basis": "gps", "warnings": [GPS_WARNING],
}

# A report stored before the median, lag, position basis and warnings were added.
OLD_REPORT = {key: value for key, value in ENGINE_REPORT.items()
              if key not in ("gps_median_m", "gps_along_track_rms_m", "gps_cross_track_rms_m", "gps_lag_s",
                             "gps_rms_lag_corrected_m", "position_basis", "warnings", "photo_gsd_median_m")}

# What processing/handlers.py stores for a contractor's GeoTIFF (facts of shared/data/orthophotos/pix4d-bali.tif).
DELIVERED_REPORT = {"source": "delivered", "input": {
    "width": 686, "height": 758, "count": 4, "dtypes": ["uint8"] * 4, "crs": "EPSG:32750",
    "bounds": [297463.30262, 9050409.69959, 297705.26854, 9050677.06135],
    "bounds_wgs84": [115.15966485, -8.5862145, 115.16187432, -8.5837869], "resolution": [0.35272, 0.35272],
    "nodata": None, "has_alpha": True, "colorinterp": ["red", "green", "blue", "alpha"], "tiled": False,
    "overviews": 0}}


def _engine(**changes) -> dict:
    report = copy.deepcopy(ENGINE_REPORT)
    report.update(changes)
    return report


def _facts(q) -> dict[str, str]:
    return {fact.key: fact.value for fact in q.facts}


# ----- the pure helper ------------------------------------------------------------------------------------------


def test_the_engine_report_keys_read_here_exist_in_the_engine_report():
    """If the engine renames a field, this page would silently lose it: fail here instead."""
    names = {f.name for f in dataclasses.fields(OrthoReport)}
    read = {"photos_total", "photos_used", "photos_dropped", "crs", "gsd_m", "photo_gsd_median_m",
            "covered_area_m2", "residual_rms_m", "residual_rms_px", "gps_rms_m", "gps_median_m", "gps_lag_s",
            "gps_rms_lag_corrected_m", "gcp_rms_m", "warnings"}
    assert read <= names, read - names


def test_engine_report_with_warnings():
    q = ortho_quality(ENGINE_REPORT, has_map=True)
    facts = _facts(q)
    assert q.kind == ENGINE and q.position_basis == "gps"
    assert facts["photos"] == "3 of 4"
    assert facts["gsd"] == "3.3 cm" and facts["photo-gsd"] == "3.2 cm"
    assert facts["area"] == "3.4 ha"
    assert facts["crs"] == "WGS 84 / UTM zone 14N (EPSG:32614)"
    assert facts["relative"] == "7.2 cm RMS (2.1 px)"
    assert facts["position"].startswith("camera GPS vs photos 16.6 m RMS (median 15.2 m)")
    assert q.summary.startswith("Photos agree with each other to 7.2 cm (2.1 px)")
    assert "camera GPS disagrees with the photos by 16.6 m RMS" in q.summary
    assert q.summary.endswith("so the map's position on the ground is only as good as that.")
    assert q.warnings == [GPS_WARNING]
    assert q.dropped == [quality.DroppedRow("IMG_9400.jpg", "oblique: tilted 41 degrees")]


def test_engine_report_without_warnings_and_nothing_dropped():
    q = ortho_quality(_engine(warnings=[], photos_dropped=[], photos_total=3, covered_area_m2=8035.3))
    assert q.warnings == [] and q.dropped == []
    assert _facts(q)["photos"] == "3 of 3"
    assert _facts(q)["area"] == "8,035 m²"


def test_old_report_without_the_newer_keys():
    q = ortho_quality(OLD_REPORT, has_map=True)
    facts = _facts(q)
    assert q.kind == ENGINE
    assert q.warnings == []  # absent = no warnings (none are invented)
    assert "photo-gsd" not in facts
    assert facts["position"] == "camera GPS vs photos 16.6 m RMS"  # no median, no lag
    assert "timing offset" not in q.summary and "median" not in q.summary
    assert q.dropped[0].reason == "oblique: tilted 41 degrees"


def test_lag_corrected_figure_only_when_a_lag_was_used():
    with_lag = ortho_quality(ENGINE_REPORT)
    assert "14.3 m RMS once a 1.55 s GPS timing offset is allowed for" in _facts(with_lag)["position"]
    assert "or 14.3 m RMS once a 1.55 s timing offset between camera and GPS is allowed for" in with_lag.summary
    for lag in (0, 0.0, None):  # 0: no lag helped; None: the photos had no time stamps
        q = ortho_quality(_engine(gps_lag_s=lag, gps_rms_lag_corrected_m=16.63))
        assert "timing offset" not in _facts(q)["position"] and "timing offset" not in q.summary, lag


def test_ground_control_is_the_basis_of_the_position_when_present():
    q = ortho_quality(_engine(gcp_rms_m=0.031, position_basis="gcps", warnings=[]))
    position = _facts(q)["position"]
    assert q.position_basis == "gcps"
    assert position.startswith("3.1 cm RMS at the ground control points")
    assert "camera GPS vs photos 16.6 m RMS" in position  # still given, for comparison
    assert "ground control points, which it matches to 3.1 cm RMS" in q.summary
    assert "only as good as that" not in q.summary and "timing offset" not in q.summary


def test_delivered_geotiff_shows_its_own_facts_and_what_is_not_available():
    q = ortho_quality(DELIVERED_REPORT, has_map=True)
    facts = _facts(q)
    assert q.kind == DELIVERED and q.dropped == [] and q.warnings == []
    assert facts["source"] == "The contractor's own orthomosaic, delivered as a GeoTIFF"
    assert facts["crs"] == "WGS 84 / UTM zone 50S (EPSG:32750)"
    assert facts["gsd"] == "35.3 cm"
    assert facts["size"] == "686 × 758 pixels"
    assert facts["extent"].startswith("242.0 m × 267.4 m (6.5 ha")
    assert "relative" not in facts and "position" not in facts
    assert "camera GPS figures are not available" in q.not_available


def test_delivered_geotiff_in_degrees_gives_no_ground_size():
    report = copy.deepcopy(DELIVERED_REPORT)
    report["input"].update(crs="EPSG:4326", resolution=[3.2e-6, 3.2e-6])
    facts = _facts(ortho_quality(report))
    assert facts["gsd"] == "3.2e-06 × 3.2e-06 (units of the coordinate system)"
    assert "extent" not in facts
    assert facts["crs"] == "WGS 84 (EPSG:4326)"


def test_no_report():
    assert ortho_quality(None).kind == NONE
    assert ortho_quality(None).summary.startswith("No map yet")
    assert ortho_quality({}).summary.startswith("No map yet")
    assert ortho_quality(None, has_map=True).summary == "No quality report was recorded for this map."
    assert ortho_quality(None).facts == [] and ortho_quality(None).dropped == []


def test_a_report_of_another_shape_is_not_guessed_at():
    for report in ([1, 2], "text", {"something": 1}):
        q = ortho_quality(report)
        assert q.kind == UNKNOWN and q.facts == [], report


def test_figures_that_are_not_numbers_are_left_out():
    q = ortho_quality(_engine(gsd_m=None, covered_area_m2=float("nan"), residual_rms_m="0.07", gps_rms_m=True))
    facts = _facts(q)
    assert "gsd" not in facts and "area" not in facts and "relative" not in facts
    assert facts["position"] == "not recorded"


@pytest.mark.parametrize("metres,text", [
    (0.072, "7.2 cm"), (0.0327, "3.3 cm"), (0.9999, "1.0 m"), (1.0, "1.0 m"), (16.63, "16.6 m"),
    (1234.5, "1,234.5 m"),
])
def test_length(metres, text):
    assert quality.length(metres) == text


@pytest.mark.parametrize("m2,text", [(0.4, "0 m²"), (8250, "8,250 m²"), (9_999, "9,999 m²"),
                                     (10_000, "1.0 ha"), (34_120, "3.4 ha")])
def test_area(m2, text):
    assert quality.area(m2) == text


# ----- the survey page --------------------------------------------------------------------------------------------


def _section(response) -> str:
    """The "Map quality" section of the page, unescaped."""
    assert response.status_code == 200
    match = re.search(r'<section class="card" id="ortho-quality".*?</section>', response.content.decode(), re.S)
    assert match, "no Map quality section"
    return html.unescape(match.group(0))


def _element(section: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}".*?</(ul|div|dd|p)>', section, re.S)
    assert match, f"no #{element_id}"
    return match.group(0)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["planner", "requester", "contractor"])
def test_page_shows_the_engine_report(client, cast, survey, role):
    survey.ortho_report = ENGINE_REPORT
    survey.orthophoto.name = f"surveys/orthophotos/{survey.pk}-1.tif"
    survey.save()
    client.force_login(getattr(cast, role))
    section = _section(client.get(f"/surveys/{survey.pk}/"))
    assert 'data-kind="engine"' in section
    assert GPS_WARNING in _element(section, "ortho-warnings")
    dropped = _element(section, "ortho-dropped")
    assert "IMG_9400.jpg" in dropped and "oblique: tilted 41 degrees" in dropped
    assert "Photos agree with each other to 7.2 cm" in _element(section, "ortho-summary")
    assert "3 of 4" in _element(section, "ortho-photos")
    assert "16.6 m RMS" in _element(section, "ortho-position")


@pytest.mark.django_db
def test_page_with_nothing_dropped_and_no_warnings(client, cast, survey):
    survey.ortho_report = _engine(warnings=[], photos_dropped=[])
    survey.save()
    client.force_login(cast.planner)
    section = _section(client.get(f"/surveys/{survey.pk}/"))
    assert 'id="ortho-warnings"' not in section
    assert "None: every photo was placed." in _element(section, "ortho-dropped")


@pytest.mark.django_db
def test_page_escapes_the_report(client, cast, survey):
    survey.ortho_report = _engine(photos_dropped=[{"name": "<script>x()</script>.jpg", "reason": "r"}])
    survey.save()
    client.force_login(cast.planner)
    page = client.get(f"/surveys/{survey.pk}/").content.decode()
    assert "<script>x()</script>" not in page
    assert "&lt;script&gt;x()&lt;/script&gt;.jpg" in page


@pytest.mark.django_db
def test_page_shows_the_delivered_geotiff(client, cast, survey):
    survey.ortho_report = DELIVERED_REPORT
    survey.orthophoto.name = f"surveys/orthophotos/{survey.pk}-1.tif"
    survey.save()
    client.force_login(cast.requester)
    section = _section(client.get(f"/surveys/{survey.pk}/"))
    assert 'data-kind="delivered"' in section
    assert "EPSG:32750" in _element(section, "ortho-crs")
    assert "35.3 cm" in _element(section, "ortho-gsd")
    assert "not available" in _element(section, "ortho-not-available")
    assert 'id="ortho-dropped"' not in section


@pytest.mark.django_db
def test_page_without_a_map(client, cast, survey):
    client.force_login(cast.planner)
    section = _section(client.get(f"/surveys/{survey.pk}/"))
    assert "No map yet" in _element(section, "ortho-summary")
    assert 'id="ortho-facts"' not in section and 'id="ortho-dropped"' not in section


@pytest.mark.django_db
def test_a_stranger_still_gets_404(client, cast, survey):
    survey.ortho_report = ENGINE_REPORT
    survey.save()
    client.force_login(cast.other_contractor)
    response = client.get(f"/surveys/{survey.pk}/")
    assert response.status_code == 404
    assert b"oblique: tilted 41 degrees" not in response.content
