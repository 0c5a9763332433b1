"""No page depends on the internet: every main page, per role, loads with every request to another host
recorded (and refused), and none is attempted; the maps draw with no background (BASEMAP_URL "none") and with
a configured one they ask only that server; Swagger UI and ReDoc come from this host (drf-spectacular-sidecar)."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from tests.factories import PASSWORD, make_cast
from tests.surveys.helpers import make_delivery
from tests.web.conftest import draft_request, login

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _record_other_hosts(page, live_server) -> list[str]:
    here = urlparse(live_server.url).netloc
    attempts: list[str] = []

    def seen(req) -> None:
        url = req.url
        if not url.startswith(("data:", "blob:")) and urlparse(url).netloc != here:
            attempts.append(url)

    page.on("request", seen)
    return attempts


def _visit(page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")


@pytest.mark.django_db(transaction=True)
def test_main_pages_ask_no_other_host(page, live_server):
    from booking import services

    cast = make_cast()
    fr = draft_request(cast, people_in_view=True)
    fr = services.flight_request_submit(actor=cast.requester, flight_request=fr, now=fr.created_at)
    survey = make_delivery(cast)
    attempts = _record_other_hosts(page, live_server)
    base = live_server.url

    pages = {
        cast.requester: ["/", "/requests/", f"/requests/{fr.pk}/", "/requests/new/", "/surveys/", "/sites/", "/policy/",
                         "/profile/", "/notifications/", f"/sites/{survey.site_id}/", "/api/docs/", "/api/redoc/"],
        cast.procurement: ["/spend/"],
        cast.contractor: [f"/surveys/{survey.pk}/"],
    }
    maps = 0
    for user, paths in pages.items():
        login(page, base, user.username, PASSWORD)
        for path in paths:
            _visit(page, base + path)
            assert "/accounts/login/" not in page.url, path
            # a map drew (Leaflet made its panes) but asked for no background tile
            n = page.locator(".leaflet-container").count()
            maps += n
            assert page.locator(".leaflet-tile").count() == 0, path
    assert maps >= 3  # the request's policy map, the new-request editor, the survey map (at least)
    assert attempts == []
    assert page.js_errors == []


@pytest.mark.django_db(transaction=True)
def test_api_docs_render_offline(page, live_server):
    cast = make_cast(airspace=False)
    attempts = _record_other_hosts(page, live_server)
    login(page, live_server.url, cast.requester.username, PASSWORD)
    _visit(page, f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")  # Swagger UI built its DOM from the local schema
    assert "Council drone surveys API" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".swagger-ui .opblock").count() > 10  # the operations are listed
    _visit(page, f"{live_server.url}/api/redoc/")
    page.wait_for_selector("redoc h1, .api-info h1", state="attached")
    assert "Council drone surveys API" in page.locator("h1").first.inner_text()
    assert attempts == []
    assert page.js_errors == []


@pytest.mark.django_db(transaction=True)
def test_configured_basemap_is_the_only_tile_source(page, live_server, settings):
    """With BASEMAP_URL set (here: a path on the app's own host standing in for the council's tile server),
    the maps ask that server for tiles, with its attribution, and still nothing else."""
    settings.BASEMAP_URL = f"{live_server.url}/basemap-test/{{z}}/{{x}}/{{y}}.png"
    settings.BASEMAP_ATTRIBUTION = "Argyll and Bute Council tile server"
    cast = make_cast(airspace=False)
    survey = make_delivery(cast)
    attempts = _record_other_hosts(page, live_server)
    tiles: list[str] = []
    page.on("request", lambda req: tiles.append(req.url) if "/basemap-test/" in req.url else None)
    login(page, live_server.url, cast.contractor.username, PASSWORD)
    _visit(page, f"{live_server.url}/surveys/{survey.pk}/")
    page.wait_for_selector("#survey-map img.leaflet-tile", state="attached")
    assert tiles and all(t.endswith(".png") for t in tiles)
    assert "Argyll and Bute Council tile server" in page.locator("#survey-map .leaflet-control-attribution").inner_text()
    assert attempts == []
