"""The map widget in a real Chromium: a KML file loaded into the request form, a broken file refused
with a message, and a saved draft's area and take-off point shown again when it is edited."""

from __future__ import annotations

import json

import pytest

from booking.models import FlightRequest
from tests.factories import PASSWORD, make_cast

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# Kerrera ferry slip, drawn as a KML placemark the way Google Earth saves one (lon,lat,alt tuples).
KERRERA_KML = b"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>Kerrera slip</name>
<Polygon><outerBoundaryIs><LinearRing><coordinates>
-5.5005,56.4010,0 -5.4985,56.4010,0 -5.4985,56.4022,0 -5.5005,56.4022,0 -5.5005,56.4010,0
</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>"""


def test_kml_file_loads_into_the_form_and_broken_file_is_refused(
    page, live_server, transactional_db
):
    cast = make_cast()
    base = live_server.url
    login(page, base, "requester", PASSWORD)
    page.goto(f"{base}/requests/new/")
    page.set_input_files(
        "#id_area_file",
        files=[{"name": "notes.kml", "mimeType": "text/xml", "buffer": b"<kml><oops"}],
    )
    page.wait_for_function(
        "document.getElementById('area-status').textContent.includes('Could not read')"
    )
    assert "not well-formed" in page.locator("#area-status").inner_text()
    assert page.input_value("#id_area") == ""

    page.set_input_files(
        "#id_area_file",
        files=[{"name": "kerrera.kml", "mimeType": "text/xml", "buffer": KERRERA_KML}],
    )
    page.wait_for_function("document.getElementById('id_area').value !== ''")
    area = json.loads(page.input_value("#id_area"))
    assert area["type"] == "Polygon" and area["coordinates"][0][0] == [-5.5005, 56.401]
    assert page.locator("#area-map path.leaflet-interactive").count() == 1

    page.fill("#id_site_name", "Kerrera ferry slip")
    page.check("input[name=deliverables][value=photos]")
    page.fill("#id_window_start", "2099-05-01T10:00")
    page.fill("#id_window_end", "2099-05-01T15:00")
    assert page.input_value("#id_budget_code") == str(
        cast.budget_code.pk
    )  # the service's only code
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(lambda url: "/requests/new/" not in url)
    fr = FlightRequest.objects.get(site_name="Kerrera ferry slip")
    assert fr.area["coordinates"][0][2] == [-5.4985, 56.4022]

    # Editing the draft shows the saved area again, and a take-off point can be added to it.
    page.get_by_role("link", name="Edit draft").click()
    page.wait_for_selector("#area-map path.leaflet-interactive")
    assert page.locator("#area-status").inner_text() == "Area set (4 corners); 0 take-off points."
    page.locator("#area-map .leaflet-draw-draw-marker").click()
    box = page.locator("#area-map path.leaflet-interactive").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.locator("#area-status").inner_text() == "Area set (4 corners); 1 take-off point."
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url(lambda url: url.endswith(f"/requests/{fr.pk}/"))
    fr.refresh_from_db()
    ((lon, lat),) = fr.takeoff_points
    assert -5.5005 < lon < -5.4985 and 56.4010 < lat < 56.4022
    assert page.locator("#site-map .leaflet-marker-icon").count() == 1
    assert page.js_errors == []
