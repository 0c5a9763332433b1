"""GeoPackage export and import of annotations (pyogrio): random annotations round-trip through GeoJSON, COCO
and GeoPackage without loss (hypothesis); a real survey's marks go out through the command and the API and back
into another survey; a bad file is refused whole."""

from __future__ import annotations

import json

import pyogrio
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from inspection.core.formats import (
    FormatError,
    gpkg_document,
    parse_coco,
    parse_geojson,
    to_coco,
    to_geojson,
    to_gpkg,
)
from inspection.models import Annotation
from inspection.selectors import schema_for_survey
from inspection.services import annotation_create

from .helpers import valid_marking
from .test_formats import PHOTOS, H, W, _key, _rkey, records
from .test_formats import two_surveys as two_surveys  # a fixture


@settings(max_examples=25, deadline=None)
@given(st.lists(records(), max_size=6))
def test_geojson_coco_and_gpkg_round_trip_without_loss(recs) -> None:
    expected = [_rkey(r) for r in recs]
    assert [_key(d) for d in parse_geojson(json.loads(json.dumps(to_geojson(recs))))] == expected
    coco = to_coco(recs, [{"file_name": p, "width": W, "height": H} for p in PHOTOS], ["corrosion", "spalling",
                                                                                     "scour"])
    assert [_key(d) for d in parse_coco(json.loads(json.dumps(coco)))] == [_rkey(r) for r in recs
                                                                           if r["kind"] == "photo"]
    back = gpkg_document(to_gpkg(recs))
    assert [_key(d) for d in parse_geojson(back)] == expected
    for f, r in zip(back["features"], recs, strict=True):
        assert f["properties"]["lat"] == r["lat"] and f["properties"]["id"] == r["id"]


def test_a_file_that_is_no_geopackage_is_refused() -> None:
    with pytest.raises(FormatError, match="not a GeoPackage"):
        gpkg_document(b"PK\x03\x04 not sqlite at all")


@pytest.mark.django_db
def test_gpkg_export_and_import_between_surveys(two_surveys, tmp_path, client) -> None:
    cast, (src, dst) = two_surveys
    marking = valid_marking(schema_for_survey(survey=src).document)
    asset = src.assets.get(original_name=PHOTOS[1])
    annotation_create(survey=src, by=cast.contractor, now=timezone.now(), asset=asset, note="north rail",
                      pixel_geometry={"type": "LineString", "coordinates": [[1, 2], [300, 400.5]]}, **marking)
    annotation_create(survey=src, by=cast.contractor, now=timezone.now(), note="on the map",
                      geometry={"type": "Polygon", "coordinates": [[[-98.09, 30.171], [-98.0895, 30.171],
                                                                    [-98.0895, 30.1715], [-98.09, 30.171]]]},
                      **marking)
    out = tmp_path / "a.gpkg"
    call_command("export_annotations", src.pk, "--format", "gpkg", "--out", str(out))
    info = pyogrio.read_info(str(out), layer="annotations")
    assert info["features"] == 2 and "category" in list(info["fields"]) and "EPSG:4326" in str(info["crs"])
    call_command("import_annotations", dst.pk, str(out), "--by", "contractor")
    got = {a.note: a for a in dst.annotations.all()}
    assert got["north rail"].pixel_geometry == {"type": "LineString", "coordinates": [[1, 2], [300, 400.5]]}
    assert got["north rail"].asset.original_name == PHOTOS[1]
    assert got["on the map"].geometry["coordinates"][0][1] == [-98.0895, 30.171]
    client.force_login(cast.planner)
    response = client.get(f"/api/v1/surveys/{src.pk}/annotations/export?type=gpkg")
    assert response.status_code == 200 and response.content.startswith(b"SQLite format 3")
    assert len(gpkg_document(response.content)["features"]) == 2
    # a file naming a photo not in the survey and an unknown category: refused whole, nothing created
    recs = gpkg_document(out.read_bytes())["features"]
    recs[0]["properties"]["photo"] = "nope.jpg"
    recs[1]["properties"]["category"] = "dragons"
    bad = tmp_path / "bad.gpkg"
    bad.write_bytes(to_gpkg([{**f["properties"], "geometry": f["geometry"]} for f in recs]))
    before = Annotation.objects.count()
    with pytest.raises(CommandError) as err:
        call_command("import_annotations", dst.pk, str(bad), "--by", "contractor")
    assert "features[0].photo: 'nope.jpg' is not a photo" in str(err.value)
    assert "features[1].category: must be one of" in str(err.value)
    assert Annotation.objects.count() == before
