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
