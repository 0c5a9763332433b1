"""Phones: every main page, for each role, at 390 px wide has no horizontal scroll (the navigation folds behind
a menu button; wide tables scroll inside their own box or become cards), and the menu opens by keyboard."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.factories import PASSWORD, make_cast
from tests.surveys.helpers import make_delivery
from tests.web.conftest import draft_request, login

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

WIDTH = 390


@pytest.mark.django_db(transaction=True)
def test_main_pages_fit_a_phone_for_each_role(page, live_server):
    from booking import services

    cast = make_cast()
    fr = draft_request(cast, people_in_view=True)
    fr = services.flight_request_submit(actor=cast.requester, flight_request=fr, now=timezone.now())
    survey = make_delivery(cast)
    common = ["/", "/requests/", f"/requests/{fr.pk}/", "/surveys/", "/sites/", "/policy/", "/profile/", "/notifications/"]
    pages = {
        cast.requester: [*common, "/requests/new/", f"/sites/{survey.site_id}/"],
        cast.policy_officer: common,
        cast.procurement: [*common, "/spend/", "/orders/", "/flights/"],
        cast.contractor: ["/", "/requests/", f"/requests/{survey.flight_request_id}/", f"/surveys/{survey.pk}/",
                          "/flights/", "/profile/"],
    }
    page.set_viewport_size({"width": WIDTH, "height": 844})
    too_wide = []
    for user, paths in pages.items():
        login(page, live_server.url, user.username, PASSWORD)
        for path in paths:
            response = page.goto(live_server.url + path)
            assert response is not None and response.status == 200, (user.username, path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > WIDTH:
                widest = page.evaluate(
                    """() => [...document.querySelectorAll('body *')]
                         .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
                         .slice(0, 3).map(e => e.tagName + '.' + e.className + '#' + e.id)""")
                too_wide.append(f"{user.username} {path}: {width} px ({widest})")
    assert too_wide == []

    # the navigation is behind the menu button, which opens it (by keyboard too)
    page.goto(live_server.url + "/")
    assert page.locator("#main-nav").is_hidden()
    page.locator("#menu-toggle").focus()
    page.keyboard.press("Enter")
    assert page.locator("#main-nav").is_visible()
    assert page.locator("#menu-toggle").get_attribute("aria-expanded") == "true"
    assert page.js_errors == []
