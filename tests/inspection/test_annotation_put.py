"""PUT replaces an annotation and needs its whole representation (a required field left out is a 400 and nothing
changes); PATCH changes only the fields sent. Regression for "PUT behaves as PATCH" (issue 15)."""

from __future__ import annotations

import pytest

from inspection.models import Annotation, AnnotationEvent
from inspection.selectors import schema_for_survey
from surveys.services import asset_ingest_file
from tests.factories import make_cast
from tests.surveys.helpers import CALITERRA_AREA, make_delivery

from .helpers import valid_marking

pytestmark = pytest.mark.django_db
POINT = {"type": "Point", "coordinates": [-5.4731, 56.4152]}  # Oban seafront


def _marking(survey, worst: bool = True) -> dict:
    return valid_marking(schema_for_survey(survey=survey).document, worst=worst)


def _json(client, method: str, url: str, body) -> object:
    return getattr(client, method)(url, body, content_type="application/json")


@pytest.fixture
def map_mark(client):
    cast = make_cast()
    survey = make_delivery(cast)
    client.force_login(cast.requester)
    got = _json(client, "post", f"/api/v1/surveys/{survey.pk}/annotations/",
                {"geometry": POINT, "note": "first look", **_marking(survey)})
    assert got.status_code == 201, got.content
    return cast, survey, got.json()


def _unchanged(before: dict, client) -> None:
    now = client.get(f"/api/v1/annotations/{before['id']}/").json()
    assert {k: now[k] for k in ("category", "severity", "note", "geometry")} == \
        {k: before[k] for k in ("category", "severity", "note", "geometry")}


def test_put_without_the_required_fields_is_a_400_and_changes_nothing(client, map_mark):
    _, survey, mark = map_mark
    url = f"/api/v1/annotations/{mark['id']}/"
    events = AnnotationEvent.objects.count()
    only_note = _json(client, "put", url, {"note": "just the note"})
    assert only_note.status_code == 400 and "category" in only_note.json(), only_note.content
    assert "PUT replaces" in only_note.json()["detail"]
    no_position = _json(client, "put", url, {**_marking(survey), "note": "no geometry"})
    assert no_position.status_code == 400 and "geometry" in no_position.json()
    null_position = _json(client, "put", url, {**_marking(survey), "geometry": None})
    assert null_position.status_code == 400 and "geometry" in null_position.json()
    _unchanged(mark, client)
    assert AnnotationEvent.objects.count() == events


def test_patch_changes_only_what_it_sends(client, map_mark):
    _, _, mark = map_mark
    url = f"/api/v1/annotations/{mark['id']}/"
    got = _json(client, "patch", url, {"note": "looked again"})
    assert got.status_code == 200, got.content
    assert got.json()["note"] == "looked again"
    assert got.json()["category"] == mark["category"] and got.json()["geometry"] == mark["geometry"]


def test_put_of_the_representation_replaces_the_annotation(client, map_mark):
    _, survey, mark = map_mark
    url = f"/api/v1/annotations/{mark['id']}/"
    # GET, change, PUT back: the read-only fields (id, author, location, ...) are accepted and ignored.
    body = client.get(url).json()
    mild = _marking(survey, worst=False)
    body.update(mild, note="superficial after all")
    got = _json(client, "put", url, body)
    assert got.status_code == 200, got.content
    assert got.json()["severity"] == mild["severity"] and got.json()["note"] == "superficial after all"
    assert got.json()["id"] == mark["id"] and got.json()["author"] == mark["author"]
    # A field left out takes its empty value: PUT is a replacement, not a merge.
    got = _json(client, "put", url, {"geometry": POINT, **_marking(survey)})
    assert got.status_code == 200, got.content
    assert got.json()["note"] == ""
    assert Annotation.objects.get(pk=mark["id"]).note == ""


@pytest.mark.parametrize(("extra", "field"), [
    ({"pixel_geometry": {"type": "Point", "coordinates": [5, 5]}}, "pixel_geometry"),
    ({"asset": 1}, "asset"),
    ({"colour": "red"}, "colour"),
    ({"category": "no_such_defect"}, "category"),
])
def test_put_refusals_name_the_field(client, map_mark, extra, field):
    _, survey, mark = map_mark
    url = f"/api/v1/annotations/{mark['id']}/"
    got = _json(client, "put", url, {"geometry": POINT, **_marking(survey), **extra})
    assert got.status_code == 400 and field in got.json(), got.content
    _unchanged(mark, client)


def test_put_keeps_the_readers_out(client, map_mark):
    cast, survey, mark = map_mark
    url = f"/api/v1/annotations/{mark['id']}/"
    body = {"geometry": POINT, **_marking(survey)}
    client.force_login(cast.planner)
    assert _json(client, "put", url, body).status_code == 403
    client.force_login(cast.outsider)
    assert _json(client, "put", url, body).status_code == 404
    client.force_login(cast.requester)
    _unchanged(mark, client)


def test_a_photo_mark_put_back_as_read_stays_on_its_photo(client, shared_data):
    cast = make_cast()
    survey = make_delivery(cast, area=CALITERRA_AREA)
    photo = shared_data / "drone" / "caliterra-half" / "IMG_9354.jpg"
    asset = asset_ingest_file(survey=survey, path=photo, original_name="IMG_9354.jpg").asset
    client.force_login(cast.contractor)
    created = _json(client, "post", f"/api/v1/surveys/{survey.pk}/annotations/",
                    {"asset": asset.pk, "pixel_geometry": {"type": "Point", "coordinates": [5, 5]},
                     **_marking(survey)}).json()
    url = f"/api/v1/annotations/{created['id']}/"
    body = client.get(url).json()
    assert body["geometry"] is None and body["asset"] == asset.pk
    body["pixel_geometry"] = {"type": "Point", "coordinates": [40, 30]}
    got = _json(client, "put", url, body)
    assert got.status_code == 200, got.content
    assert got.json()["pixel_geometry"]["coordinates"] == [40, 30] and got.json()["asset"] == asset.pk
    moved = _json(client, "put", url, {**body, "asset": asset.pk + 1000})
    assert moved.status_code == 400 and "asset" in moved.json()
    on_map = _json(client, "put", url, {**body, "geometry": POINT})
    assert on_map.status_code == 400 and "geometry" in on_map.json()
    without = {k: v for k, v in body.items() if k != "pixel_geometry"}
    assert _json(client, "put", url, without).status_code == 400
