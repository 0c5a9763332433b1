"""Contractors deliver their ground control list (gcp_list.txt) with the photos, through the same tus upload."""

from __future__ import annotations

import pytest

from surveys.models import Asset

from .helpers import tus_upload

pytestmark = pytest.mark.django_db

GCP_LIST = b"EPSG:27700\n185012.31 730440.12 4.21 1021.5 733.0 DJI_0001.JPG wall-1\n"


def test_a_gcp_list_is_stored_as_ground_control(client, cast, survey) -> None:
    client.force_login(cast.contractor)
    response = tus_upload(client, survey.pk, "gcp_list.txt", GCP_LIST)
    assert response.status_code == 204 and response["Upload-State"] == "stored"
    asset = survey.assets.get()
    assert asset.kind == "ground_control" and asset.original_name == "gcp_list.txt"
    assert asset.metadata["ground_control"] == {"crs": "EPSG:27700", "marks": 1, "sightings": 1,
                                                "photos": ["DJI_0001.JPG"]}


def test_a_broken_gcp_list_is_refused_naming_the_line_and_nothing_is_stored(client, cast, survey) -> None:
    client.force_login(cast.contractor)
    response = tus_upload(client, survey.pk, "gcp_list.txt", GCP_LIST + b"185060.0 730401.7 3.9 1600 1200\n")
    assert response.status_code == 400
    assert response.json()["detail"].count("gcp_list.txt") == 1, response.json()
    assert "gcp_list.txt line 3: expected 'geo_x geo_y geo_z im_x im_y image_name'" in response.content.decode()
    assert not Asset.objects.exists()
