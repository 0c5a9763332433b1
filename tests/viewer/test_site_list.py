"""The sites list (/sites/): the sites a user may see with their survey counts and latest survey, searchable,
paged, each linking to its page; a rival contractor does not see another supplier's sites."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_cast
from tests.surveys.helpers import make_delivery

pytestmark = pytest.mark.django_db


def test_sites_are_listed_searched_and_scoped():
    cast = make_cast()
    one = make_delivery(cast)
    make_delivery(cast)
    client = Client()
    client.force_login(cast.contractor)
    page = client.get("/sites/").content.decode()
    assert one.site.name in page and f'href="/sites/{one.site_id}/"' in page
    assert "Showing 1–2 of 2" in page
    narrowed = client.get("/sites/", {"q": one.site.name}).content.decode()
    assert "Showing 1–1 of 1" in narrowed and one.site.name in narrowed
    client.force_login(cast.other_contractor)
    assert one.site.name not in client.get("/sites/").content.decode()
