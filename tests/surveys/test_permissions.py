"""Who sees and who delivers: every role against the survey endpoints and pages (others get a 404)."""

from __future__ import annotations

import pytest

from .helpers import make_delivery, tus_create

pytestmark = pytest.mark.django_db

READERS = ["contractor", "requester", "procurement", "policy_officer", "planner", "admin"]
STRANGERS = ["outsider", "other_contractor"]


@pytest.mark.parametrize("role", READERS + STRANGERS)
def test_survey_visibility_per_role(client, cast, survey, role):
    client.force_login(getattr(cast, role))
    expected = 200 if role in READERS else 404
    for url in (f"/api/v1/surveys/{survey.pk}/", f"/api/v1/surveys/{survey.pk}/map/",
                f"/api/v1/surveys/{survey.pk}/assets/", f"/surveys/{survey.pk}/"):
        assert client.get(url).status_code == expected, url
    listed = [s["id"] for s in client.get("/api/v1/surveys/").json()["results"]]
    assert (survey.pk in listed) == (role in READERS)


@pytest.mark.parametrize("role,expected", [
    ("contractor", 201), ("admin", 201), ("requester", 403), ("procurement", 403), ("planner", 403),
    ("outsider", 404), ("other_contractor", 404),
])
def test_only_the_supplier_uploads(client, cast, survey, role, expected):
    client.force_login(getattr(cast, role))
    response = tus_create(client, survey.pk, "a.jpg", b"0123456789")
    assert response.status_code == expected


def test_uploads_are_private_to_their_owner(client, cast, survey):
    client.force_login(cast.contractor)
    url = tus_create(client, survey.pk, "a.jpg", b"0123456789")["Location"]
    for role in ("requester", "procurement", "other_contractor"):
        client.force_login(getattr(cast, role))
        assert client.head(url).status_code == 404
        assert client.generic("PATCH", url, b"0123", content_type="application/offset+octet-stream",
                              HTTP_UPLOAD_OFFSET="0").status_code == 404
        assert client.delete(url).status_code == 404


def test_anonymous_is_refused(client, survey):
    assert client.get(f"/api/v1/surveys/{survey.pk}/").status_code in (401, 403)
    assert client.get(f"/surveys/{survey.pk}/").status_code == 302


def test_deliver_only_by_the_supplier(client, cast, survey):
    client.force_login(cast.requester)
    assert client.post(f"/api/v1/surveys/{survey.pk}/deliver/").status_code == 403
    client.force_login(cast.other_contractor)
    assert client.post(f"/api/v1/surveys/{survey.pk}/deliver/").status_code == 404


def test_contractor_opens_a_survey_for_its_own_flight_only(client, cast):
    mine = make_delivery(cast)
    theirs = make_delivery(cast, supplier=cast.other_supplier)
    client.force_login(cast.contractor)
    created = client.post("/api/v1/surveys/", {"flight_request": mine.flight_request_id},
                          content_type="application/json")
    assert created.status_code == 201, created.content
    assert created.json()["supplier"] == cast.supplier.pk
    refused = client.post("/api/v1/surveys/", {"flight_request": theirs.flight_request_id},
                          content_type="application/json")
    assert refused.status_code == 400 and "flight_request" in refused.json()
    client.force_login(cast.requester)
    assert client.post("/api/v1/surveys/", {"flight_request": mine.flight_request_id},
                       content_type="application/json").status_code == 403
