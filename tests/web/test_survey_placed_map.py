"""Browser: once the map is built, the survey map shows the photos where the orthomosaic put them."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_cast
from tests.surveys.helpers import make_delivery
from tests.surveys.test_placed_photos_map import REPORT
from tests.web.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.mark.django_db(transaction=True)
def test_placed_photos_replace_the_gps_guesses_on_the_map(page, live_server):
    cast = make_cast()
    survey = make_delivery(cast)
    survey.ortho_report = {**REPORT, "photos_total": 2, "residual_rms_m": 0.05, "gps_rms_m": 2.7}
    survey.save(update_fields=["ortho_report"])

    login(page, live_server.url, cast.planner.username, PASSWORD)
    page.goto(f"{live_server.url}/surveys/{survey.pk}/")
    page.wait_for_function("document.getElementById('survey-map').dataset.placed === '2'")
    assert page.locator("#survey-map path.placed-footprint").count() == 2
    assert page.locator("#survey-map path.placed-position").count() == 2
    assert "2 photos as placed in the map" in page.locator("#footprint-count").inner_text()
    page.locator("#survey-map path.placed-footprint").first.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "DJI_000" in popup.inner_text() and "m from its GPS fix" in popup.inner_text()
    assert page.js_errors == []
