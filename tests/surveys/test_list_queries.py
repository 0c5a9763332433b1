"""The survey, site and job lists (web page and API) run the same number of queries for 3 rows as for 30: no
query per row, whatever the list's length."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from processing import services as processing
from tests.factories import make_cast
from tests.surveys.helpers import make_delivery

pytestmark = pytest.mark.django_db

LISTS = ["/surveys/", "/surveys/?q=Test&ordering=-site", "/api/v1/surveys/?page_size=100",
         "/api/v1/sites/?page_size=100", "/api/v1/jobs/?page_size=100", "/sites/"]  # fmt: skip


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", LISTS)
def test_a_list_costs_the_same_for_3_rows_as_for_30(url):
    cast = make_cast()
    web, rest = Client(), APIClient()
    web.force_login(cast.procurement)
    rest.force_authenticate(cast.procurement)
    client = rest if url.startswith("/api/") else web

    def grow_to(n: int) -> None:
        while cast.supplier.surveys.count() < n:
            survey = make_delivery(cast)
            processing.enqueue_job(kind="cog", survey=survey)

    grow_to(3)
    client.get(url)  # the session, the user and the content types are loaded once
    few = _queries(client, url)
    grow_to(30)
    many = _queries(client, url)
    assert many == few, f"{url}: {few} queries for 3 rows, {many} for 30"


def _clone(row, n: int, **unique) -> None:
    """`n` copies of a real row (made by the services), written straight to the database; `unique`: a field
    that must differ, with a function of the copy's number giving its value."""
    model = type(row)
    copies = []
    for i in range(n):
        copy = model.objects.get(pk=row.pk)
        copy.pk = None
        for field, value in unique.items():
            setattr(copy, field, value(i))
        copies.append(copy)
    model.objects.bulk_create(copies)


@pytest.mark.parametrize("url", ["/notifications/", "/api/v1/policy/checks/?page_size=100", "/api/v1/share-links/",
                                 "/api/v1/suppliers/", "/api/v1/lots/", "/api/v1/frameworks/"])
def test_the_other_lists_cost_the_same_for_few_rows_as_for_many(url):
    from datetime import timedelta

    from django.utils import timezone

    from booking import services as booking
    from notify.models import Notification
    from viewer.services import share_link_create

    cast = make_cast()
    now = timezone.now()
    fr = booking.flight_request_create(actor=cast.requester, now=now, **cast.request_fields(now=now))
    booking.flight_request_submit(actor=cast.requester, flight_request=fr, now=now)
    survey = make_delivery(cast)
    share_link_create(by=cast.policy_officer, now=now, expires_in=timedelta(days=2), purpose="Committee",
                      survey=survey)
    note = Notification.objects.create(user=cast.policy_officer, subject="A request waits", body="See it",
                                       link="/", created_at=now)
    web, rest = Client(), APIClient()
    web.force_login(cast.policy_officer)
    rest.force_authenticate(cast.policy_officer)
    client = rest if url.startswith("/api/") else web
    client.get(url)
    few = _queries(client, url)
    _clone(fr.policy_checks.first(), 30)
    _clone(note, 30)
    _clone(survey.share_links.first(), 30, token=lambda i: f"clone-{i:03d}-token")
    many = _queries(client, url)
    assert many == few, f"{url}: {few} queries before, {many} with 30 more rows"
    if "checks" in url or "share-links" in url:  # the rows are really listed
        body = client.get(url).json()
        assert len(body["results"] if isinstance(body, dict) else body) == 31
    if url == "/notifications/":
        assert client.get(url).content.decode().count("A request waits") == 31
