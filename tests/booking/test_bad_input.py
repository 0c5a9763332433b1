"""Out-of-range values in list filters and the recharge period are a 400 naming the parameter,
never a 500 from the database driver or the calendar."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
HUGE = "9" * 25


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (f"/api/v1/requests/?organisation={HUGE}", "organisation"),
        ("/api/v1/requests/?organisation=-3", "organisation"),
        (f"/api/v1/orders/?supplier={HUGE}", "supplier"),
        (f"/api/v1/policy/checks/?flight_request={HUGE}", "flight_request"),
        (f"/api/v1/surveys/?site={HUGE}", "site"),
        ("/api/v1/recharge/{org}/?start=2026-01-01&end=9999-12-31", "end"),
        ("/api/v1/recharge/{org}/?start=0001-01-01&end=2026-01-01", "start"),
        ("/api/v1/recharge/{org}/?start=2001-01-01&end=2026-01-01", "end"),
        ("/api/v1/recharge/{org}/?start=2026-13-01&end=2026-12-31", "start"),
    ],
)
def test_out_of_range_parameters_are_a_400_naming_them(cast, url, field):
    client = APIClient()
    client.force_authenticate(cast.procurement)
    response = client.get(url.format(org=cast.organisation.pk))
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_a_recharge_statement_within_range_still_works(cast):
    client = APIClient()
    client.force_authenticate(cast.procurement)
    response = client.get(f"/api/v1/recharge/{cast.organisation.pk}/?start=2026-04-01&end=2027-03-31")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")


def test_control_characters_sent_by_users_are_kept_visible_in_the_audit_trail(cast, make_request):
    from django.utils import timezone

    from booking.audit import audit_record

    fr = make_request()
    event = audit_record(flight_request=fr, action="upload_refused", now=timezone.now(),
                         data={"filename": "x\x00.jpg", "nested": ["a\x1bb"]}, reason="bad\x07name")
    event.refresh_from_db()  # stored (PostgreSQL refuses a raw NUL in JSON and text)
    assert event.data == {"filename": "x\ufffd.jpg", "nested": ["a\ufffdb"]} and event.reason == "bad\ufffdname"
