"""A photo's Deep Zoom pyramid served by surveys/deepzoom.py: made once from the stored original on first request
and kept in storage, its descriptor giving the original's size, tiles JPEG at every level, an unknown tile a 404,
and (with the visibility matrix in tests/test_visibility_matrix.py) only to those who may see the survey."""

from __future__ import annotations

from io import BytesIO
from xml.etree import ElementTree

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from surveys.deepzoom import pyramid_prefix
from surveys.services import asset_ingest_file
from tests.factories import make_cast
from tests.surveys.helpers import CALITERRA_AREA, make_delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo(shared_data):
    cast = make_cast()
    survey = make_delivery(cast, area=CALITERRA_AREA)
    path = shared_data / "drone" / "caliterra-half" / "IMG_9354.jpg"
    return cast, asset_ingest_file(survey=survey, path=path, original_name=path.name).asset


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_pyramid_is_made_once_and_served_tile_by_tile(client, photo) -> None:
    cast, asset = photo
    client.force_login(cast.contractor)
    dzi = client.get(f"/photos/{asset.pk}/deepzoom.dzi")
    assert dzi.status_code == 200
    size = ElementTree.fromstring(_body(dzi)).find("{http://schemas.microsoft.com/deepzoom/2008}Size")
    assert (int(size.get("Width")), int(size.get("Height"))) == (2000, 1500)  # the original's pixels
    stored = f"{pyramid_prefix(asset)}/deepzoom.dzi"
    assert default_storage.exists(stored)
    made = default_storage.get_modified_time(stored)

    top = client.get(f"/photos/{asset.pk}/deepzoom_files/11/0_0.jpg")  # full size: ceil(log2 2000) = 11
    assert top.status_code == 200 and top["Content-Type"] == "image/jpeg"
    tile = Image.open(BytesIO(_body(top)))
    assert tile.format == "JPEG" and tile.size == (255, 255)  # 254 px and one px of overlap on the far sides
    corner = client.get(f"/photos/{asset.pk}/deepzoom_files/0/0_0.jpg")
    assert Image.open(BytesIO(_body(corner))).size == (1, 1)
    assert client.get(f"/photos/{asset.pk}/deepzoom_files/11/99_0.jpg").status_code == 404
    assert client.get(f"/photos/{asset.pk}/deepzoom_files/12/0_0.jpg").status_code == 404
    client.get(f"/photos/{asset.pk}/deepzoom.dzi")
    assert default_storage.get_modified_time(stored) == made  # not made again


def test_a_rival_contractor_and_an_anonymous_visitor_get_nothing(client, photo) -> None:
    cast, asset = photo
    anonymous = client.get(f"/photos/{asset.pk}/deepzoom.dzi")
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    client.force_login(cast.other_contractor)
    assert client.get(f"/photos/{asset.pk}/deepzoom.dzi").status_code == 404
    assert client.get(f"/photos/{asset.pk}/deepzoom_files/0/0_0.jpg").status_code == 404
    assert not default_storage.exists(f"{pyramid_prefix(asset)}/deepzoom.dzi")  # nothing was made for them
