"""Delivery: the conformance report on real photos, stored with the survey, flagged when it fails."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone as dj_timezone
from shapely.geometry import mapping, shape
from shapely.ops import unary_union

from surveys.models import SurveyStatus
from surveys.services import SurveyError, asset_ingest_file, survey_deliver
from tests.factories import OBAN_SEAFRONT

from .helpers import CALITERRA_AREA, CALITERRA_DAY, make_delivery

pytestmark = pytest.mark.django_db


def ingest(survey, paths: list[Path]) -> None:
    for path in paths:
        asset_ingest_file(survey=survey, path=path, original_name=path.name)


def caliterra(shared_data: Path, n: int = 5) -> list[Path]:
    return sorted((shared_data / "drone" / "caliterra-half").glob("*.jpg"))[:n]


def test_caliterra_inside_its_area_on_its_day_passes(cast, shared_data):
    survey = make_delivery(cast, area=CALITERRA_AREA, start=CALITERRA_DAY, hours=3)
    ingest(survey, caliterra(shared_data))
    survey_deliver(survey=survey, by=cast.contractor, now=dj_timezone.now())
    survey.refresh_from_db()
    checks = {c["name"]: c for c in survey.conformance["checks"]}
    assert survey.conformance_passed is True and survey.status == SurveyStatus.DELIVERED
    assert checks["location"]["status"] == "pass" and checks["location"]["numbers"]["inside"] == 5
    assert checks["time"]["status"] == "pass" and checks["time"]["numbers"]["time_sources"] == {"gps": 5}
    assert checks["deliverables"]["status"] == "pass"
    assert checks["pilot"]["status"] == "pass" and cast.pilot.name in checks["pilot"]["message"]
    # No relative altitude in these photos: height and coverage cannot be checked, so a person must look.
    assert checks["height"]["status"] == "unknown" and survey.flagged_for_review
    assert survey.conformance["approved"]["window_source"] == "scheduled flight"
    survey.flight_request.refresh_from_db()
    assert survey.flight_request.status == "delivered"


def test_caliterra_against_another_place_fails_and_is_flagged(cast, shared_data):
    survey = make_delivery(cast, area=OBAN_SEAFRONT, start=CALITERRA_DAY, hours=3)
    ingest(survey, caliterra(shared_data, 3))
    survey_deliver(survey=survey, by=cast.contractor, now=dj_timezone.now())
    survey.refresh_from_db()
    checks = {c["name"]: c for c in survey.conformance["checks"]}
    assert checks["location"]["status"] == "fail" and checks["location"]["numbers"]["outside"] == 3
    assert not survey.conformance_passed and survey.flagged_for_review and survey.status == SurveyStatus.FLAGGED


def test_caliterra_on_another_day_fails_and_is_flagged(cast, shared_data):
    survey = make_delivery(cast, area=CALITERRA_AREA, start=CALITERRA_DAY + timedelta(days=1), hours=3)
    ingest(survey, caliterra(shared_data, 3))
    survey_deliver(survey=survey, by=cast.contractor, now=dj_timezone.now())
    survey.refresh_from_db()
    checks = {c["name"]: c for c in survey.conformance["checks"]}
    assert checks["time"]["status"] == "fail" and checks["location"]["status"] == "pass"
    assert survey.status == SurveyStatus.FLAGGED and survey.flagged_for_review


def test_thermal_delivery_with_heights_and_footprints_passes_every_check(cast, shared_data):
    """DJI H20T frames carry relative altitude and gimbal angles: every check can be made."""
    from processing.core.metadata import read_imagery_info

    paths = sorted((shared_data / "thermal" / "h20t").glob("*.JPG"))[:4]
    footprints = [shape(read_imagery_info(p).footprint) for p in paths]
    area = mapping(unary_union(footprints).convex_hull.buffer(-2e-5))  # just inside the union of footprints
    first = read_imagery_info(paths[0]).captured_at
    survey = make_delivery(cast, area=area, start=first - timedelta(minutes=30), hours=2, deliverables=["thermal"])
    ingest(survey, paths)
    assert all(a.footprint for a in survey.assets.all())
    survey_deliver(survey=survey, by=cast.contractor, now=dj_timezone.now())
    survey.refresh_from_db()
    statuses = {c["name"]: c["status"] for c in survey.conformance["checks"]}
    assert statuses["height"] == "pass" and statuses["location"] == "pass" and statuses["time"] == "pass"
    assert statuses["deliverables"] == "pass" and statuses["coverage"] == "pass" and statuses["pilot"] == "pass"
    assert survey.conformance_passed and not survey.flagged_for_review and survey.status == SurveyStatus.DELIVERED


def test_missing_deliverable_fails(cast, shared_data):
    survey = make_delivery(cast, area=CALITERRA_AREA, start=CALITERRA_DAY, deliverables=["photos", "video"])
    ingest(survey, caliterra(shared_data, 2))
    survey_deliver(survey=survey, by=cast.contractor, now=dj_timezone.now())
    survey.refresh_from_db()
    checks = {c["name"]: c for c in survey.conformance["checks"]}
    assert checks["deliverables"]["status"] == "fail" and "video" in checks["deliverables"]["message"]
    assert survey.status == SurveyStatus.FLAGGED


def test_empty_survey_cannot_be_delivered(client, cast, survey):
    with pytest.raises(SurveyError) as err:
        survey_deliver(survey=survey, by=cast.contractor, now=dj_timezone.now())
    assert err.value.field == "assets"
    client.force_login(cast.contractor)
    response = client.post(f"/api/v1/surveys/{survey.pk}/deliver/")
    assert response.status_code == 400 and "assets" in response.json()


def test_map_geojson_has_area_positions(client, cast, shared_data):
    survey = make_delivery(cast, area=CALITERRA_AREA, start=CALITERRA_DAY)
    ingest(survey, caliterra(shared_data, 2))
    client.force_login(cast.requester)
    layers = [f["properties"]["layer"] for f in client.get(f"/api/v1/surveys/{survey.pk}/map/").json()["features"]]
    assert layers.count("approved_area") == 1 and layers.count("position") == 2
