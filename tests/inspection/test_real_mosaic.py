"""A photo mark on a survey whose orthomosaic the engine really built from real photos (../shared/data/drone):
its position comes from the engine's stored report, and the corners of a photo land where the engine put them."""

from __future__ import annotations

import json

import numpy as np
import pytest
from django.utils import timezone
from pyproj import Transformer

from inspection.selectors import annotation_records, schema_for_survey
from inspection.services import annotation_create
from processing.core.orthomosaic import build_orthomosaic
from surveys.services import asset_ingest_file
from tests.factories import make_cast
from tests.surveys.helpers import CALITERRA_AREA, make_delivery

from .helpers import valid_marking

pytestmark = pytest.mark.django_db
FAST = {"resolution_scale": 8.0, "feature_side": 800, "max_features": 1500}


def test_marks_on_a_really_placed_photo(shared_data, tmp_path) -> None:
    photos = [shared_data / "drone" / "caliterra-half" / f"IMG_{n}.jpg" for n in range(9362, 9367)]
    build_orthomosaic(photos, tmp_path / "out", options=FAST)
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    cast = make_cast()
    survey = make_delivery(cast, area=CALITERRA_AREA)
    assets = {p.name: asset_ingest_file(survey=survey, path=p, original_name=p.name).asset for p in photos}
    survey.ortho_report = report
    survey.save(update_fields=["ortho_report"])
    placed = report["photos_used"][0]
    asset = assets[placed["name"]]
    width, height = asset.metadata["width"], asset.metadata["height"]
    marking = valid_marking(schema_for_survey(survey=survey).document)
    now = timezone.now()
    corners = [[0, 0], [width, 0], [width, height], [0, height]]
    for corner in corners:
        annotation_create(survey=survey, by=cast.contractor, now=now, asset=asset,
                          pixel_geometry={"type": "Point", "coordinates": corner}, **marking)
    annotation_create(survey=survey, by=cast.contractor, now=now, asset=asset,
                      pixel_geometry={"type": "Point", "coordinates": [width / 2, height / 2]}, **marking)
    records = annotation_records(survey=survey)
    to_crs = Transformer.from_crs("EPSG:4326", report["crs"], always_xy=True)
    ground = [np.array(to_crs.transform(r["lon"], r["lat"])) for r in records]
    for got, expected in zip(ground[:4], placed["footprint"], strict=True):
        assert np.hypot(*(got - np.array(expected))) < 0.5  # where the engine put the photo's corners
    # the engine's camera stands above the middle of a nadir-ish photo: the centre pixel lies within the tilt's reach
    camera = np.array([placed["placed_easting"], placed["placed_northing"]])
    reach = placed["height_m"] * np.tan(np.radians(placed["tilt_deg"] + 2)) + 1
    assert np.hypot(*(ground[4] - camera)) < reach
    assert all(r["bng"] is None and r["geometry"]["type"] == "Point" for r in records)  # Texas: no grid
