"""Annotations imported through the API (POST the file as the body: GeoJSON, COCO JSON or a GeoPackage, detected
from the content): what the export gave comes back the same; a file with any problem is refused whole with every
problem listed and nothing created; planners may not import, outsiders see nothing."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from inspection.models import Annotation
from inspection.selectors import schema_for_survey
from inspection.services import annotation_create
from surveys.services import asset_ingest_file
from tests.factories import make_cast
from tests.surveys.helpers import CALITERRA_AREA, make_delivery

from .helpers import valid_marking

pytestmark = pytest.mark.django_db

BOX = {"type": "Polygon", "coordinates": [[[600, 400], [1400, 400], [1400, 1100], [600, 1100], [600, 400]]]}


@pytest.fixture
def world(shared_data):
    cast = make_cast()
    survey = make_delivery(cast, area=CALITERRA_AREA)
    path = shared_data / "drone" / "caliterra-half" / "IMG_9354.jpg"
    asset = asset_ingest_file(survey=survey, path=path, original_name=path.name).asset
    marking = valid_marking(schema_for_survey(survey=survey).document)
    annotation_create(survey=survey, by=cast.contractor, now=timezone.now(), asset=asset, pixel_geometry=BOX,
                      note="Spalling by the joint", **marking)
    return cast, survey, marking


@pytest.mark.parametrize(("kind", "content_type"), [("coco", "application/json"), ("geojson", "application/geo+json"),
                                                    ("gpkg", "application/geopackage+sqlite3")])
def test_what_was_exported_imports_back(client, world, kind, content_type):
    cast, survey, marking = world
    client.force_login(cast.contractor)
    exported = client.get(f"/api/v1/surveys/{survey.pk}/annotations/export?type={kind}")
    assert exported.status_code == 200
    Annotation.objects.all().delete()
    got = client.post(f"/api/v1/surveys/{survey.pk}/annotations/import", exported.content, content_type=content_type)
    assert got.status_code == 201, got.content
    assert got.json()["created"] == 1
    back = Annotation.objects.get()
    assert (back.category, back.severity, back.note) == (marking["category"], marking["severity"],
                                                          "Spalling by the joint")
    assert back.asset.original_name == "IMG_9354.jpg" and back.pixel_geometry == BOX


def test_a_bad_file_is_refused_whole_with_every_problem(client, world):
    cast, survey, _ = world
    client.force_login(cast.contractor)
    coco = json.loads(client.get(f"/api/v1/surveys/{survey.pk}/annotations/export?type=coco").content)
    coco["images"].append({"id": 99, "file_name": "NOT_IN_THIS_SURVEY.JPG", "width": 10, "height": 10})
    coco["annotations"].append({**coco["annotations"][0], "id": 99, "image_id": 99})
    coco["annotations"][0]["attributes"]["severity"] = "no-such-grade"
    before = Annotation.objects.count()
    got = client.post(f"/api/v1/surveys/{survey.pk}/annotations/import", json.dumps(coco),
                      content_type="application/json")
    assert got.status_code == 400
    problems = got.json()["problems"]
    assert len(problems) >= 2 and any("NOT_IN_THIS_SURVEY" in p for p in problems)
    assert any("no-such-grade" in p or "severity" in p for p in problems)
    assert Annotation.objects.count() == before
    junk = client.post(f"/api/v1/surveys/{survey.pk}/annotations/import", b"\x89PNG not an annotations file",
                       content_type="application/octet-stream")
    assert junk.status_code == 400 and "file" in junk.json()


def test_who_may_import(client, world):
    cast, survey, _ = world
    body = json.dumps({"type": "FeatureCollection", "features": []})
    client.force_login(cast.planner)
    assert client.post(f"/api/v1/surveys/{survey.pk}/annotations/import", body,
                       content_type="application/json").status_code == 403
    client.force_login(cast.other_contractor)
    assert client.post(f"/api/v1/surveys/{survey.pk}/annotations/import", body,
                       content_type="application/json").status_code == 404
