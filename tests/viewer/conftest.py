"""Fixtures for the viewer tests: a site with two surveys whose maps are a real COG (the Pix4D Bali sample), a
photo with a real face in it (NASA's public-domain portrait of astronaut Eileen Collins, shipped with
scikit-image as `skimage.data.astronaut`), and share links."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from processing.core.cog import to_cog
from surveys import services as surveys
from surveys.models import Survey
from tests.factories import make_cast
from tests.surveys.helpers import make_delivery


@pytest.fixture(scope="session")
def bali_cog(shared_data: Path, tmp_path_factory) -> Path:
    return to_cog(shared_data / "orthophotos" / "pix4d-bali.tif", tmp_path_factory.mktemp("cog") / "bali.tif")


@pytest.fixture(scope="session")
def face_jpeg(tmp_path_factory) -> Path:
    import cv2
    from skimage.data import astronaut

    path = tmp_path_factory.mktemp("face") / "portrait.jpg"
    cv2.imwrite(str(path), astronaut()[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, 95])
    return path


def with_map(survey: Survey, cog: Path, status: str = "accepted") -> Survey:
    survey.orthophoto.save(f"survey-{survey.pk}.tif", ContentFile(cog.read_bytes()), save=False)
    survey.status = status
    survey.map_state = "ready"
    survey.save(update_fields=["orthophoto", "status", "map_state"])
    return survey


@pytest.fixture
def site_world(db, bali_cog, face_jpeg):
    """A site with two processed surveys (a photo with a face in the second), and a survey of another site."""
    cast = make_cast()
    first = with_map(make_delivery(cast, start=timezone.now() - timedelta(days=400)), bali_cog)
    second = make_delivery(cast, start=timezone.now() - timedelta(days=20))
    Survey.objects.filter(pk=second.pk).update(site=first.site)
    second.refresh_from_db()
    with_map(second, bali_cog)
    photo = surveys.asset_ingest_file(survey=second, path=face_jpeg, original_name="portrait.jpg").asset
    other = with_map(make_delivery(cast), bali_cog)
    return {"cast": cast, "site": first.site, "first": first, "second": second, "photo": photo, "other": other}
