"""Absolute links leave the app with SITE_URL (the address users reach), whatever Host the request carried:
the e-mail about a request, the calendar feed's link and the profile page's feed address."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from booking import services
from notify.models import OutboxEmail
from tests.factories import make_cast
from tests.web.conftest import as_user, draft_request

SITE = "https://surveys.argyll-bute.example"


@pytest.mark.django_db
def test_email_links_calendar_and_feed_address_follow_site_url(client, settings):
    cast = make_cast()
    settings.SITE_URL = SITE + "/"
    fr = draft_request(cast, people_in_view=True)
    services.flight_request_submit(actor=cast.requester, flight_request=fr, now=timezone.now())
    bodies = list(OutboxEmail.objects.values_list("body", flat=True))
    assert bodies, "submitting a referred request mails the policy officers"
    assert all(f"{SITE}/requests/{fr.pk}/" in b for b in bodies)
    assert not any("127.0.0.1" in b or "testserver" in b for b in bodies)

    page = as_user(client, cast.contractor).get("/profile/", HTTP_HOST="127.0.0.1:8000")
    token = cast.contractor.profile.calendar_token
    assert f'{SITE}{reverse("booking-calendar", kwargs={"token": token})}' in page.content.decode()
