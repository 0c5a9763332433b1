"""Annotated full-size photos (inspection.core.report_figures.annotated_photo and /photos/<id>/marked.jpg): the
real photo with each mark drawn in its severity's colour at the original's pixels, a thumbnail for the gallery,
made once per set of marks (an edit gives a new picture) and only for those who may see the survey."""

from __future__ import annotations

from io import BytesIO

import cv2
import numpy as np
import pytest
from django.utils import timezone
from PIL import Image

from inspection.core.report_figures import PhotoMark, annotated_photo, decode_photo, severity_colour
from inspection.selectors import schema_for_survey
from inspection.services import annotation_create, annotation_update
from surveys.services import asset_ingest_file
from tests.factories import make_cast
from tests.surveys.helpers import CALITERRA_AREA, make_delivery

from .helpers import valid_marking

pytestmark = pytest.mark.django_db

BOX = {"type": "Polygon", "coordinates": [[[600, 400], [1400, 400], [1400, 1100], [600, 1100], [600, 400]]]}


@pytest.fixture
def marked(shared_data):
    cast = make_cast()
    survey = make_delivery(cast, area=CALITERRA_AREA)
    path = shared_data / "drone" / "caliterra-half" / "IMG_9354.jpg"
    asset = asset_ingest_file(survey=survey, path=path, original_name=path.name).asset
    marking = valid_marking(schema_for_survey(survey=survey).document)
    mark = annotation_create(survey=survey, by=cast.contractor, now=timezone.now(), asset=asset,
                             pixel_geometry=BOX, **marking)
    return cast, asset, mark, path


def _image(response) -> np.ndarray:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return np.asarray(Image.open(BytesIO(data)).convert("RGB"))[:, :, ::-1]  # BGR, as OpenCV draws


def test_the_mark_is_drawn_where_it_is_on_the_original(shared_data) -> None:
    photo = decode_photo((shared_data / "drone" / "caliterra-half" / "IMG_9354.jpg").read_bytes())
    colour = severity_colour(5, 5)
    out = cv2.imdecode(np.frombuffer(annotated_photo(photo, [PhotoMark(BOX, colour, "5")]), np.uint8),
                       cv2.IMREAD_COLOR)
    assert out.shape == photo.shape
    on_edge = out[750, 1398:1403].astype(int)  # the box's right side, 4 px lines at this size
    assert np.abs(on_edge - np.array(colour)).sum(axis=1).min() < 60
    inside = (slice(600, 900), slice(800, 1200))  # away from the lines: the photo as it was (JPEG aside)
    assert np.abs(out[inside].astype(int) - photo[inside].astype(int)).mean() < 4
    small = Image.open(BytesIO(annotated_photo(photo, [PhotoMark(BOX, colour, "5")], max_side=480)))
    assert small.size == (480, 360)


def test_served_to_readers_and_remade_when_the_marks_change(client, marked) -> None:
    cast, asset, mark, _ = marked
    client.force_login(cast.planner)
    first = client.get(f"/photos/{asset.pk}/marked.jpg")
    assert first.status_code == 200 and first["Content-Type"] == "image/jpeg"
    assert "IMG_9354-marked.jpg" in first["Content-Disposition"]
    before = _image(first)
    assert before.shape[:2] == (1500, 2000)
    thumb = _image(client.get(f"/photos/{asset.pk}/marked.jpg?size=thumb"))
    assert thumb.shape[:2] == (360, 480)

    moved = {"type": "Polygon", "coordinates": [[[100, 100], [300, 100], [300, 300], [100, 300], [100, 100]]]}
    annotation_update(annotation=mark, by=cast.contractor, now=timezone.now(), changes={"pixel_geometry": moved})
    after = _image(client.get(f"/photos/{asset.pk}/marked.jpg"))
    assert np.abs(after[750, 1396:1405].astype(int) - before[750, 1396:1405].astype(int)).mean() > 20  # gone
    client.force_login(cast.other_contractor)
    assert client.get(f"/photos/{asset.pk}/marked.jpg").status_code == 404
