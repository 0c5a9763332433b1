"""The calendar feed's secret can be rotated: from the profile page (where the feed address is shown) the user
makes a new one; the old address answers 404 at once, the new one serves the feed; each rotation is recorded in
the `security` log."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from booking import services
from booking.errors import NotAllowedError


def _feed(token: str) -> int:
    return APIClient().get(f"/api/v1/calendar/{token}.ics").status_code


@pytest.mark.django_db
def test_rotating_stops_the_old_address_at_once_and_the_new_one_works(cast, caplog):
    user = cast.contractor
    old = user.profile.calendar_token
    assert _feed(old) == 200
    with caplog.at_level(logging.INFO, logger="security"):
        profile = services.calendar_token_rotate(actor=user, now=timezone.now())
    new = profile.calendar_token
    assert new != old and len(new) >= 32
    assert _feed(old) == 404 and _feed(new) == 200
    user.profile.refresh_from_db()
    assert user.profile.calendar_token == new
    logged = [r.getMessage() for r in caplog.records if r.name == "security"]
    assert len(logged) == 1 and "calendar feed token rotated" in logged[0] and user.username in logged[0]
    assert old not in logged[0]  # the log never holds a usable secret
    # Only the user's own token changes.
    assert _feed(cast.requester.profile.calendar_token) == 200


@pytest.mark.django_db
def test_a_user_without_a_role_has_no_feed_to_rotate(cast):
    nobody = get_user_model().objects.create_user("no-role-user", password="x" * 12)
    with pytest.raises(NotAllowedError):
        services.calendar_token_rotate(actor=nobody, now=timezone.now())


@pytest.mark.django_db
def test_the_profile_page_offers_the_button_and_shows_the_new_address(cast):
    client = Client()
    client.force_login(cast.requester)
    old = cast.requester.profile.calendar_token
    page = client.get("/profile/").content.decode()
    assert 'id="calendar-rotate"' in page and old in page

    response = client.post("/profile/calendar/rotate/", follow=True)
    assert response.redirect_chain[-1][0].endswith("/profile/#calendar")
    page = response.content.decode()
    cast.requester.profile.refresh_from_db()
    new = cast.requester.profile.calendar_token
    assert new != old and new in page and old not in page
    assert "old address no longer works" in page
    assert _feed(old) == 404 and _feed(new) == 200
    me = APIClient()
    me.force_authenticate(cast.requester)
    assert new in me.get("/api/v1/me/").json()["calendar_url"]


@pytest.mark.django_db
def test_rotation_is_a_signed_in_post_only(cast):
    old = cast.requester.profile.calendar_token
    anonymous = Client()
    response = anonymous.post("/profile/calendar/rotate/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client = Client()
    client.force_login(cast.requester)
    assert client.get("/profile/calendar/rotate/").status_code == 405
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(cast.requester)
    assert guarded.post("/profile/calendar/rotate/").status_code == 403  # no CSRF token: refused
    cast.requester.profile.refresh_from_db()
    assert cast.requester.profile.calendar_token == old
