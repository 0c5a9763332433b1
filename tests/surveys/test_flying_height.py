"""A stated flying height gives footprints to photos that record no relative altitude (Caliterra), and the
conformance report shows it as the contractor's statement, never as a measured pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveys.models import SurveyStatus
from surveys.services import asset_ingest_file

from .helpers import CALITERRA_AREA, CALITERRA_DAY, make_delivery

pytestmark = pytest.mark.django_db


def caliterra(shared_data: Path, n: int = 4) -> list[Path]:
    return sorted((shared_data / "drone" / "caliterra-half").glob("*.jpg"))[:n]


def test_stating_the_height_gives_caliterra_footprints_and_a_measured_coverage(client, cast, shared_data):
    survey = make_delivery(cast, area=CALITERRA_AREA, start=CALITERRA_DAY, max_height_m=120)
    for path in caliterra(shared_data):
        asset_ingest_file(survey=survey, path=path, original_name=path.name)
    assert not any(a.footprint for a in survey.assets.all())  # no relative altitude: no guess

    client.force_login(cast.contractor)
    response = client.post(f"/api/v1/surveys/{survey.pk}/flying-height/", {"flying_height_m": 80},
                           content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["flying_height_m"] == 80
    for asset in survey.assets.all():
        info = asset.metadata["footprint_info"]
        assert asset.footprint and info["height_source"] == "given_above_ground" and info["height_m"] == 80
        # 1/2.3" sensor 6.17 mm wide behind a 4.5 mm lens, nadir: ground width = H * 6.17 / 4.5
        assert info["width_m"] == pytest.approx(80 * 6.17 / 4.5, rel=1e-3)
    layers = [f["properties"]["layer"] for f in client.get(f"/api/v1/surveys/{survey.pk}/map/").json()["features"]]
    assert layers.count("footprint") == 4

    # A file uploaded after the statement gets its footprint at once.
    survey.refresh_from_db()
    extra = caliterra(shared_data, 5)[-1]
    asset_ingest_file(survey=survey, path=extra, original_name=extra.name)
    assert survey.assets.get(original_name=extra.name).metadata["footprint_info"]["height_m"] == 80

    response = client.post(f"/api/v1/surveys/{survey.pk}/deliver/", {}, content_type="application/json")
    assert response.status_code == 200, response.content
    survey.refresh_from_db()
    checks = {c["name"]: c for c in survey.conformance["checks"]}
    assert checks["coverage"]["status"] in ("pass", "fail") and checks["coverage"]["numbers"]["footprints"] == 5
    assert checks["height"]["status"] == "unknown" and checks["height"]["numbers"]["stated_height_m"] == 80
    assert "contractor states 80 m" in checks["height"]["message"]
    assert survey.conformance["approved"]["stated_flying_height_m"] == 80
    assert survey.flagged_for_review  # a statement is not a measurement: a person looks


def test_a_stated_height_over_the_limit_fails_on_delivery(client, cast, shared_data):
    survey = make_delivery(cast, area=CALITERRA_AREA, start=CALITERRA_DAY, max_height_m=60)
    for path in caliterra(shared_data, 2):
        asset_ingest_file(survey=survey, path=path, original_name=path.name)
    client.force_login(cast.contractor)
    page = client.post(f"/surveys/{survey.pk}/deliver/", {"flying_height_m": "90"})
    assert page.status_code == 302
    survey.refresh_from_db()
    assert survey.flying_height_m == 90 and all(a.footprint for a in survey.assets.all())
    height = next(c for c in survey.conformance["checks"] if c["name"] == "height")
    assert height["status"] == "fail" and "over the 60 m limit" in height["message"]
    assert survey.status == SurveyStatus.FLAGGED and not survey.conformance_passed
    assert b"stated flying height 90 m" in client.get(f"/surveys/{survey.pk}/").content


def test_withdrawing_the_height_removes_the_derived_footprints_only(client, cast, shared_data):
    """DJI H20T frames keep their own footprints (relative altitude); Caliterra ones lose the derived ones."""
    survey = make_delivery(cast, area=CALITERRA_AREA, start=CALITERRA_DAY)
    h20t = sorted((shared_data / "thermal" / "h20t").glob("*.JPG"))[0]
    for path in [*caliterra(shared_data, 1), h20t]:
        asset_ingest_file(survey=survey, path=path, original_name=path.name)
    client.force_login(cast.contractor)
    url = f"/api/v1/surveys/{survey.pk}/flying-height/"
    thermal_before = survey.assets.get(original_name=h20t.name).footprint
    assert client.post(url, {"flying_height_m": 40}, content_type="application/json").status_code == 200
    assert survey.assets.get(original_name=h20t.name).footprint == thermal_before
    assert client.post(url, {"flying_height_m": None}, content_type="application/json").status_code == 200
    assert survey.assets.get(original_name=caliterra(shared_data, 1)[0].name).footprint is None
    assert survey.assets.get(original_name=h20t.name).footprint == thermal_before


@pytest.mark.parametrize("value", [-5, 0, 5000, "high", None])
def test_bad_heights_name_the_field(client, cast, survey, value):
    client.force_login(cast.contractor)
    body = {"flying_height_m": value} if value is not None else {}
    response = client.post(f"/api/v1/surveys/{survey.pk}/flying-height/", body, content_type="application/json")
    assert response.status_code == 400 and "flying_height_m" in response.json()
    survey.refresh_from_db()
    assert survey.flying_height_m is None


def test_only_the_supplier_states_the_height_and_not_after_delivery(client, cast, survey):
    url = f"/api/v1/surveys/{survey.pk}/flying-height/"
    client.force_login(cast.requester)
    assert client.post(url, {"flying_height_m": 50}, content_type="application/json").status_code == 403
    client.force_login(cast.other_contractor)
    assert client.post(url, {"flying_height_m": 50}, content_type="application/json").status_code == 404
    survey.status = SurveyStatus.DELIVERED
    survey.save(update_fields=["status"])
    client.force_login(cast.contractor)
    response = client.post(url, {"flying_height_m": 50}, content_type="application/json")
    assert response.status_code == 400 and "flying_height_m" in response.json()


def test_survey_created_with_a_stated_height(client, cast):
    mine = make_delivery(cast)
    client.force_login(cast.contractor)
    created = client.post("/api/v1/surveys/", {"flight_request": mine.flight_request_id, "flying_height_m": 70},
                          content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["flying_height_m"] == 70
