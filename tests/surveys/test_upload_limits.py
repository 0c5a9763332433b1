"""A survey's upload quota (bytes and files, counting uploads in progress so parallel ones cannot pass it
together) and no uploads to an accepted delivery or to a completed or cancelled request: each refused with a
clear reason, audited, and nothing started."""

from __future__ import annotations

import hashlib

import pytest
from rest_framework.test import APIClient

from booking.models import AuditEvent, FlightRequest
from surveys.models import Survey, Upload
from tests.factories import make_cast
from tests.surveys.helpers import make_delivery

pytestmark = pytest.mark.django_db


def _start(client, survey, size: int, n: int = 0):
    return client.post(f"/api/v1/surveys/{survey.pk}/uploads/",
                       {"filename": f"DJI_{n:04d}.JPG", "size": size,
                        "sha256": hashlib.sha256(str(n).encode()).hexdigest()}, format="json")


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def world(settings):
    settings.UPLOAD_MAX_SURVEY_BYTES = 10 * 1024**2  # 10 MB
    settings.UPLOAD_MAX_SURVEY_FILES = 3
    cast = make_cast()
    return cast, make_delivery(cast)


def test_the_quota_counts_uploads_in_progress(api_client, world):
    cast, survey = world
    api_client.force_authenticate(cast.contractor)
    assert _start(api_client, survey, 6 * 1024**2, 1).status_code == 201
    over = _start(api_client, survey, 5 * 1024**2, 2)  # 6 MB is being uploaded: 4 MB left
    assert over.status_code == 413
    assert "at most 10 MB" in str(over.json()) and "4 MB is left" in str(over.json())
    assert _start(api_client, survey, 4 * 1024**2, 3).status_code == 201
    assert _start(api_client, survey, 1, 4).status_code == 413  # bytes full
    assert Upload.objects.filter(survey=survey).count() == 2
    assert AuditEvent.objects.filter(action="upload_refused").count() == 2


def test_the_file_count_quota(api_client, world):
    cast, survey = world
    api_client.force_authenticate(cast.contractor)
    for n in range(3):
        assert _start(api_client, survey, 10, n).status_code == 201
    refused = _start(api_client, survey, 10, 9)
    assert refused.status_code == 413 and "at most 3 files" in str(refused.json())


@pytest.mark.parametrize("closed", ["completed", "cancelled", "accepted-survey"])
def test_nothing_more_goes_to_a_closed_delivery(api_client, world, closed):
    cast, survey = world
    if closed == "accepted-survey":
        Survey.objects.filter(pk=survey.pk).update(status="accepted")
    else:
        FlightRequest.objects.filter(pk=survey.flight_request_id).update(status=closed)
    api_client.force_authenticate(cast.contractor)
    refused = _start(api_client, survey, 10)
    assert refused.status_code == 409
    assert "nothing more can be" in str(refused.json())
    assert not Upload.objects.filter(survey=survey).exists()
