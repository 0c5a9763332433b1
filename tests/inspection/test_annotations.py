"""Annotations through the API on real photos (../shared/data/drone): who may read and write, every refusal a 400
naming the field with nothing written, the audit of edits and deletions, and the ground position of a photo mark
projected through the photo's placed footprint."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from pyproj import Transformer

from booking.models import AuditEvent
from inspection.models import Annotation, AnnotationEvent, InspectionSchema
from inspection.selectors import current_schemas, schema_for_survey
from inspection.services import ensure_default_schemas, schema_publish
from surveys.services import asset_ingest_file
from tests.factories import Cast, make_cast
from tests.surveys.helpers import CALITERRA_AREA, make_delivery

from .helpers import valid_marking

pytestmark = pytest.mark.django_db

PHOTO = "IMG_9354.jpg"  # 2000 x 1500, Canon PowerShot SX260 HS


@pytest.fixture
def cast(db) -> Cast:
    return make_cast()


def _placed_report(corners_xy: list[list[float]], crs: str) -> dict:
    """A report as the orthomosaic engine stores it (processing.core.orthomosaic.report), one placed photo."""
    to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lonlat = [list(to_lonlat.transform(x, y)) for x, y in corners_xy]
    cx, cy = np.mean(corners_xy, axis=0)
    lon, lat = to_lonlat.transform(cx, cy)
    return {"crs": crs, "photos_used": [{"name": PHOTO, "lon": lon, "lat": lat, "offset_m": 2.0, "tilt_deg": 3.0,
                                         "height_m": 80.0, "footprint": corners_xy,
                                         "footprint_lonlat": lonlat}], "photos_dropped": []}


# a rotated, slightly perspective footprint of the photo near its GPS position (UTM 14N), and one at Oban (BNG)
TEXAS = [[591700.0, 3338400.0], [591790.0, 3338440.0], [591765.0, 3338505.0], [591672.0, 3338468.0]]
OBAN = [[185900.0, 729650.0], [185980.0, 729640.0], [185975.0, 729580.0], [185905.0, 729585.0]]


@pytest.fixture
def photo_survey(cast, shared_data):
    survey = make_delivery(cast, area=CALITERRA_AREA)
    path = shared_data / "drone" / "caliterra-half" / PHOTO
    asset = asset_ingest_file(survey=survey, path=path, original_name=PHOTO).asset
    return survey, asset


def _marking(survey) -> dict:
    schema = schema_for_survey(survey=survey)
    assert schema is not None
    return valid_marking(schema.document)


def _post(client, survey, body):
    return client.post(f"/api/v1/surveys/{survey.pk}/annotations/", body, content_type="application/json")


def test_the_four_schemas_are_seeded_and_versioned(client, cast) -> None:
    client.force_login(cast.planner)
    got = client.get("/api/v1/inspection/schemas/")
    assert got.status_code == 200
    families = {s["family"]: s for s in got.json()}
    assert set(families) == {"structures", "roads", "coastal", "buildings"}
    assert all(s["number"] == 1 for s in families.values())
    assert "CS 450" in families["structures"]["document"]["source"]
    assert ensure_default_schemas() == []  # idempotent
    doc = dict(families["coastal"]["document"], title="Coastal (revised)")
    v2 = schema_publish(family="coastal", document=doc, change_note="Shorter title", by=cast.admin)
    assert v2.number == 2 and {s.family: s.number for s in current_schemas()}["coastal"] == 2
    with pytest.raises(ValueError, match="severity"):
        schema_publish(family="coastal", document={**doc, "severity": None}, change_note="broken")
    assert InspectionSchema.objects.filter(family="coastal").count() == 2


def test_a_photo_mark_reaches_the_ground_through_the_placed_footprint(client, cast, photo_survey) -> None:
    survey, asset = photo_survey
    survey.ortho_report = _placed_report(TEXAS, "EPSG:32614")
    survey.save(update_fields=["ortho_report"])
    client.force_login(cast.contractor)
    pixel = [1523.0, 311.0]
    got = _post(client, survey, {"asset": asset.pk, "pixel_geometry": {"type": "Point", "coordinates": pixel},
                                 "note": "rust at the rail foot", **_marking(survey)})
    assert got.status_code == 201, got.content
    body = got.json()
    assert body["author"] == "contractor" and body["kind"] == "photo"
    assert body["schema"]["number"] == 1
    # independently: OpenCV's homography from the corners, then pyproj to WGS84
    m = cv2.getPerspectiveTransform(np.float32([[0, 0], [2000, 0], [2000, 1500], [0, 1500]]), np.float32(TEXAS))
    x, y = cv2.perspectiveTransform(np.float64([[pixel]]), m)[0, 0]
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32614", always_xy=True)
    ex, ny = to_utm.transform(body["location"]["lon"], body["location"]["lat"])
    assert np.hypot(ex - x, ny - y) < 0.5
    assert body["location"]["basis"] == "mosaic" and body["location"]["bng"] is None  # Texas: no grid reference
    a = Annotation.objects.get()
    assert AnnotationEvent.objects.get().action == "created"
    assert AuditEvent.objects.filter(action="annotation_created", data__annotation=a.pk).count() == 1


def test_a_photo_over_oban_gets_a_grid_reference(client, cast, photo_survey) -> None:
    survey, asset = photo_survey
    survey.ortho_report = _placed_report(OBAN, "EPSG:27700")
    survey.save(update_fields=["ortho_report"])
    client.force_login(cast.contractor)
    box = {"type": "Polygon", "coordinates": [[[900, 700], [1100, 700], [1100, 800], [900, 800], [900, 700]]]}
    got = _post(client, survey, {"asset": asset.pk, "pixel_geometry": box, **_marking(survey)})
    assert got.status_code == 201, got.content
    loc = got.json()["location"]
    assert loc["bng"].startswith("NM 859") and loc["geometry"]["type"] == "Polygon"
    assert 185900 < loc["easting"] < 185980 and 729580 < loc["northing"] < 729650


def test_without_a_mosaic_the_pose_footprint_places_the_mark(client, cast, photo_survey) -> None:
    survey, asset = photo_survey
    to_lonlat = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    ring = [list(to_lonlat.transform(x, y)) for x, y in OBAN]
    asset.footprint = {"type": "Polygon", "coordinates": [ring + ring[:1]]}
    asset.save(update_fields=["footprint"])
    client.force_login(cast.contractor)
    got = _post(client, survey, {"asset": asset.pk, "pixel_geometry": {"type": "Point", "coordinates": [0, 0]},
                                 **_marking(survey)})
    loc = got.json()["location"]
    assert loc["basis"] == "pose"
    assert loc["easting"] == pytest.approx(185900, abs=0.01) and loc["northing"] == pytest.approx(729650, abs=0.01)


def test_a_map_mark_and_who_may_write(client, cast) -> None:
    survey = make_delivery(cast)  # Oban seafront, the cast's Estates service
    mark = {"geometry": {"type": "Point", "coordinates": [-5.4731, 56.4152]}, **_marking(survey)}
    client.force_login(cast.requester)  # the owning service's engineer
    got = _post(client, survey, mark)
    assert got.status_code == 201, got.content
    assert got.json()["location"]["bng"].startswith("NM ")
    client.force_login(cast.planner)  # reads, never writes
    assert client.get(f"/api/v1/surveys/{survey.pk}/annotations/").json()[0]["id"] == got.json()["id"]
    assert _post(client, survey, mark).status_code == 403
    client.force_login(cast.outsider)  # another service: the survey does not exist for them
    assert _post(client, survey, mark).status_code == 404
    assert client.get(f"/api/v1/annotations/{got.json()['id']}/").status_code == 404
    client.force_login(cast.other_contractor)
    assert client.get(f"/api/v1/surveys/{survey.pk}/annotations/").status_code == 404
    client.force_login(cast.policy_officer)
    assert _post(client, survey, mark).status_code == 201
    assert Annotation.objects.count() == 2


@pytest.mark.parametrize(("change", "field"), [
    ({"category": "no_such_defect"}, "category"),
    ({"severity": "99"}, "severity"),
    ({"pixel_geometry": {"type": "Point", "coordinates": [2001, 10]}}, "pixel_geometry"),
    ({"pixel_geometry": {"type": "Polygon", "coordinates": [[[0, 0], [9, 9], [9, 0], [0, 9], [0, 0]]]}},
     "pixel_geometry"),
    ({"asset": 987654}, "asset"),
    ({"asset": "x"}, "asset"),
    ({"geometry": {"type": "Point", "coordinates": [-5.47, 56.41]}}, "geometry"),  # both kinds at once
    ({"colour": "red"}, "colour"),
    ({"note": 5}, "note"),
])
def test_every_bad_input_is_a_400_naming_the_field_and_writes_nothing(client, cast, photo_survey, change,
                                                                      field) -> None:
    survey, asset = photo_survey
    client.force_login(cast.contractor)
    body = {"asset": asset.pk, "pixel_geometry": {"type": "Point", "coordinates": [5, 5]}, **_marking(survey),
            **change}
    got = _post(client, survey, body)
    assert got.status_code == 400, got.content
    assert field in got.json(), got.json()
    assert not Annotation.objects.exists() and not AnnotationEvent.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="annotation").exists()


def test_edits_and_deletions_are_audited(client, cast, photo_survey) -> None:
    survey, asset = photo_survey
    client.force_login(cast.contractor)
    created = _post(client, survey, {"asset": asset.pk, "pixel_geometry": {"type": "Point", "coordinates": [5, 5]},
                                     **_marking(survey)}).json()
    url = f"/api/v1/annotations/{created['id']}/"
    schema = schema_for_survey(survey=survey).document
    mild = valid_marking(schema, worst=False)
    got = client.patch(url, {**mild, "note": "looked again: superficial"}, content_type="application/json")
    assert got.status_code == 200, got.content
    assert got.json()["severity"] == mild["severity"] and got.json()["note"] == "looked again: superficial"
    bad = client.patch(url, {"pixel_geometry": {"type": "Point", "coordinates": [-3, 5]}},
                       content_type="application/json")
    assert bad.status_code == 400 and "pixel_geometry" in bad.json()
    assert client.patch(url, {"geometry": {"type": "Point", "coordinates": [0, 0]}},
                        content_type="application/json").status_code == 400  # a photo mark stays on its photo
    client.force_login(cast.planner)
    assert client.patch(url, {"note": "x"}, content_type="application/json").status_code == 403
    assert client.delete(url).status_code == 403
    client.force_login(cast.contractor)
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    events = list(AnnotationEvent.objects.filter(annotation_id=created["id"]).values_list("action", "before",
                                                                                          "after"))
    assert [e[0] for e in events] == ["created", "updated", "deleted"]
    assert events[1][1]["severity"] == created["severity"] and events[1][2]["severity"] == mild["severity"]
    assert events[2][2] is None and events[2][1]["note"] == "looked again: superficial"
    actions = set(AuditEvent.objects.filter(action__startswith="annotation").values_list("action", flat=True))
    assert actions == {"annotation_created", "annotation_updated", "annotation_deleted"}


def test_an_administrator_publishes_a_version_in_the_admin_and_a_bad_one_is_a_form_error(client, cast) -> None:
    import json

    from inspection.core.defaults import COASTAL

    client.force_login(cast.admin)
    url = "/admin/inspection/inspectionschema/add/"
    bad = {**COASTAL, "severity": {**COASTAL["severity"], "levels": []}}
    got = client.post(url, {"family": "coastal", "number": 2, "document": json.dumps(bad),
                            "change_note": "try", "is_active": "on"})
    assert got.status_code == 200 and b"severity.levels: must be a non-empty list" in got.content
    got = client.post(url, {"family": "coastal", "number": 2, "document": json.dumps(COASTAL),
                            "change_note": "same again", "is_active": "on"})
    assert got.status_code == 302
    assert {s.family: s.number for s in current_schemas()}["coastal"] == 2
    assert InspectionSchema.objects.get(family="coastal", number=2).created_by == cast.admin
