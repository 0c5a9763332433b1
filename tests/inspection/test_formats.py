"""Exports and imports: GeoJSON, CSV and COCO round-trip random annotations without loss (hypothesis, pure),
the commands move a survey's annotations to another survey of the same photos, and a bad file is refused whole
with every problem listed and nothing created."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from inspection.core.formats import (
    FormatError,
    detect,
    parse_coco,
    parse_geojson,
    to_coco,
    to_csv,
    to_geojson,
)
from inspection.models import Annotation, AnnotationEvent
from inspection.selectors import schema_for_survey
from surveys.services import asset_ingest_file
from tests.factories import make_cast
from tests.surveys.helpers import CALITERRA_AREA, make_delivery

from .helpers import valid_marking

W, H = 2000, 1500
PHOTOS = ["IMG_9354.jpg", "IMG_9355.jpg"]
coord = st.integers(0, W * 4).map(lambda v: v / 4)
ycoord = st.integers(0, H * 4).map(lambda v: v / 4)
pos = st.tuples(coord, ycoord).map(list)


@st.composite
def pixel_geometries(draw):
    kind = draw(st.sampled_from(["Point", "LineString", "Polygon"]))
    if kind == "Point":
        return {"type": "Point", "coordinates": draw(pos)}
    if kind == "LineString":
        return {"type": "LineString", "coordinates": draw(st.lists(pos, min_size=2, max_size=6))}
    x, y = draw(coord), draw(ycoord)
    w, h = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    x, y = min(x, W - w), min(y, H - h)
    return {"type": "Polygon", "coordinates": [[[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]]}


text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40)


@st.composite
def records(draw):
    on_photo = draw(st.booleans())
    rec = {"id": draw(st.integers(1, 10**6)), "category": draw(st.sampled_from(["corrosion", "spalling", "scour"])),
           "severity": draw(st.sampled_from(["2", "3", "4", "5"])), "extent": draw(st.sampled_from("BCDE")),
           "note": draw(text), "lat": None, "lon": None, "easting": None, "northing": None, "bng": None}
    if on_photo:
        rec.update(kind="photo", photo=draw(st.sampled_from(PHOTOS)), pixel_geometry=draw(pixel_geometries()),
                   geometry=None)
    else:
        lon, lat = draw(st.floats(-8, 2)), draw(st.floats(50, 60))
        rec.update(kind="map", photo=None, pixel_geometry=None,
                   geometry={"type": "Point", "coordinates": [lon, lat]}, lon=lon, lat=lat)
    return rec


def _key(d) -> tuple:
    geom = d.pixel_geometry if d.photo else d.geometry
    return (d.category, d.severity, d.extent, d.note, d.photo, json.dumps(geom))


def _rkey(r) -> tuple:
    geom = r["pixel_geometry"] if r["kind"] == "photo" else r["geometry"]
    return (r["category"], r["severity"], r["extent"], r["note"], r["photo"], json.dumps(geom))


@settings(max_examples=60, deadline=None)
@given(st.lists(records(), max_size=8))
def test_geojson_and_coco_round_trip_without_loss(recs) -> None:
    doc = json.loads(json.dumps(to_geojson(recs)))
    assert detect(doc) == "geojson"
    assert [_key(d) for d in parse_geojson(doc)] == [_rkey(r) for r in recs]
    coco = json.loads(json.dumps(to_coco(recs, [{"file_name": p, "width": W, "height": H} for p in PHOTOS],
                                         ["corrosion", "spalling", "scour"])))
    assert detect(coco) == "coco"
    assert [_key(d) for d in parse_coco(coco)] == [_rkey(r) for r in recs if r["kind"] == "photo"]


@settings(max_examples=30, deadline=None)
@given(st.lists(records(), max_size=6))
def test_csv_has_one_row_a_defect(recs) -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(recs))))
    assert [(r["category"], r["severity"], r["note"]) for r in rows] == [
        (r["category"], r["severity"], r["note"]) for r in recs]


def test_coco_from_a_labelling_tool_uses_segmentation_or_bbox() -> None:
    coco = {"images": [{"id": 7, "file_name": "a.jpg"}], "categories": [{"id": 3, "name": "spalling"}],
            "annotations": [{"id": 1, "image_id": 7, "category_id": 3, "bbox": [10, 20, 30, 40]},
                            {"id": 2, "image_id": 7, "category_id": 3, "segmentation": [[0, 0, 5, 0, 5, 5]]}]}
    box, tri = parse_coco(coco)
    assert box.pixel_geometry["coordinates"][0][2] == [40, 60]
    assert tri.pixel_geometry["coordinates"] == [[[0, 0], [5, 0], [5, 5], [0, 0]]]
    with pytest.raises(FormatError) as err:
        parse_coco({**coco, "annotations": [{"image_id": 9, "category_id": 3}, {"image_id": 7, "category_id": 4}]})
    assert len(err.value.problems) == 2


@pytest.fixture
def two_surveys(db, shared_data):
    cast = make_cast()
    surveys = []
    for _ in range(2):
        survey = make_delivery(cast, area=CALITERRA_AREA)
        for name in PHOTOS:
            asset_ingest_file(survey=survey, path=shared_data / "drone" / "caliterra-half" / name, original_name=name)
        surveys.append(survey)
    return cast, surveys


def test_export_then_import_into_another_survey(two_surveys, tmp_path) -> None:
    from django.utils import timezone

    from inspection.services import annotation_create

    cast, (src, dst) = two_surveys
    marking = valid_marking(schema_for_survey(survey=src).document)
    asset = src.assets.get(original_name=PHOTOS[1])
    annotation_create(survey=src, by=cast.contractor, now=timezone.now(), asset=asset, note="north rail",
                      pixel_geometry={"type": "LineString", "coordinates": [[1, 2], [300, 400.5]]}, **marking)
    annotation_create(survey=src, by=cast.contractor, now=timezone.now(), note="on the map",
                      geometry={"type": "Point", "coordinates": [-98.09, 30.171]}, **marking)
    for fmt, expected in (("geojson", 2), ("coco", 1)):
        out = tmp_path / f"a.{fmt}"
        call_command("export_annotations", src.pk, "--format", fmt, "--out", str(out))
        call_command("import_annotations", dst.pk, str(out), "--by", "contractor")
        got = dst.annotations.order_by("id")
        assert got.count() == expected
        line = got.get(kind="photo")
        assert line.asset.original_name == PHOTOS[1] and line.note == "north rail"
        assert line.pixel_geometry == {"type": "LineString", "coordinates": [[1, 2], [300, 400.5]]}
        Annotation.objects.filter(survey=dst).delete()
    call_command("export_annotations", src.pk, "--format", "csv", "--out", str(tmp_path / "a.csv"))
    rows = list(csv.DictReader((tmp_path / "a.csv").open()))
    assert [r["note"] for r in rows] == ["north rail", "on the map"] and "easting" in rows[0]


def test_a_bad_file_is_refused_whole_with_every_problem(two_surveys, tmp_path) -> None:
    _, (survey, _) = two_surveys
    marking = valid_marking(schema_for_survey(survey=survey).document)
    good = {"type": "Feature", "geometry": None,
            "properties": {"photo": PHOTOS[0], "pixel_geometry": {"type": "Point", "coordinates": [5, 5]}, **marking}}
    bad = [
        {**good, "properties": {**good["properties"], "photo": "NOT_HERE.JPG"}},
        {**good, "properties": {**good["properties"], "category": "alien"}},
        {**good, "properties": {**good["properties"], "severity": "42"}},
        {**good, "properties": {**good["properties"], "pixel_geometry": {"type": "Point", "coordinates": [W + 1, 5]}}},
    ]
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [good, *bad]}))
    events = AnnotationEvent.objects.count()
    with pytest.raises(CommandError) as err:
        call_command("import_annotations", survey.pk, str(path), "--by", "contractor")
    message = str(err.value)
    for needle in ("features[1].photo", "features[2].category", "features[3].severity", "features[4].pixel_geometry"):
        assert needle in message
    assert not Annotation.objects.exists() and AnnotationEvent.objects.count() == events
    path.write_text("[1, 2]")
    with pytest.raises(CommandError, match="neither a GeoJSON"):
        call_command("import_annotations", survey.pk, str(path), "--by", "contractor")
    with pytest.raises(CommandError, match="may not annotate"):
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [good]}))
        call_command("import_annotations", survey.pk, str(path), "--by", "planner")
    assert not Annotation.objects.exists()


def test_the_api_exports_what_the_reader_may_see(two_surveys) -> None:
    from django.test import Client
    from django.utils import timezone

    from inspection.services import annotation_create

    cast, (survey, _) = two_surveys
    marking = valid_marking(schema_for_survey(survey=survey).document)
    annotation_create(survey=survey, by=cast.contractor, now=timezone.now(), asset=survey.assets.first(),
                      note="gutter", pixel_geometry={"type": "Point", "coordinates": [3, 4]}, **marking)
    client = Client()
    client.force_login(cast.planner)
    url = f"/api/v1/surveys/{survey.pk}/annotations/export"
    got = client.get(url + "?type=geojson")
    assert got.status_code == 200 and got["Content-Type"] == "application/geo+json"
    assert json.loads(got.content)["features"][0]["properties"]["note"] == "gutter"
    coco = json.loads(client.get(url + "?type=coco").content)
    assert coco["annotations"][0]["attributes"]["note"] == "gutter"
    assert {i["file_name"] for i in coco["images"]} == set(PHOTOS)
    assert b"gutter" in client.get(url + "?type=csv").content
    bad = client.get(url + "?type=shp")
    assert bad.status_code == 400 and "type" in bad.json()
    client.force_login(cast.outsider)
    assert client.get(url + "?type=geojson").status_code == 404
