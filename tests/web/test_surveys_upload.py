"""Browser: a contractor uploads a folder of real photos through the survey page and sees their footprints."""

from __future__ import annotations

import shutil

import pytest

from booking.testing import PASSWORD, make_cast
from surveys.models import Asset
from tests.surveys.helpers import make_delivery
from tests.web.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.mark.django_db(transaction=True)
def test_upload_folder_shows_footprints(page, live_server, shared_data, tmp_path):
    cast = make_cast()
    # DJI H20T frames: relative altitude and gimbal angles give every photo a ground footprint.
    folder = tmp_path / "flight-1"
    folder.mkdir()
    photos = sorted((shared_data / "thermal" / "h20t").glob("*.JPG"))[:3]
    for photo in photos:
        shutil.copy(photo, folder / photo.name)
    survey = make_delivery(cast, deliverables=["thermal"])

    login(page, live_server.url, cast.contractor.username, PASSWORD)
    page.goto(f"{live_server.url}/surveys/{survey.pk}/")
    page.wait_for_selector("#survey-map .leaflet-overlay-pane path.approved-area", state="attached")
    assert page.locator("path.footprint").count() == 0

    page.set_input_files("#pick-folder", str(folder))
    page.wait_for_function("document.getElementById('dropzone').dataset.done === '3'", timeout=60_000)
    page.wait_for_function("document.querySelectorAll('#survey-map path.footprint').length === 3")
    assert page.locator("#survey-map path.position").count() == 3
    assert page.locator("#upload-list li .ok").count() == 3
    assert page.locator("#total-progress").evaluate("el => el.value") == 1
    assert Asset.objects.filter(survey=survey).count() == 3
    assert sorted(a.original_name for a in Asset.objects.filter(survey=survey)) == [p.name for p in photos]

    # Dropping the same folder again is recognised as already delivered, nothing stored twice.
    page.reload()
    page.set_input_files("#pick-files", [str(p) for p in sorted(folder.iterdir())])
    page.wait_for_function("document.getElementById('dropzone').dataset.done === '3'", timeout=60_000)
    assert page.locator("#upload-list li", has_text="already delivered").count() == 3
    assert Asset.objects.filter(survey=survey).count() == 3
    assert page.js_errors == []


@pytest.mark.django_db(transaction=True)
def test_folder_of_many_photos_is_sent_three_at_a_time(page, live_server, shared_data, tmp_path):
    cast = make_cast()
    folder = tmp_path / "caliterra"
    folder.mkdir()
    photos = sorted((shared_data / "drone" / "caliterra-half").glob("*.jpg"))[:7]
    for photo in photos:
        shutil.copy(photo, folder / photo.name)
    survey = make_delivery(cast)

    login(page, live_server.url, cast.contractor.username, PASSWORD)
    page.goto(f"{live_server.url}/surveys/{survey.pk}/")
    page.set_input_files("#pick-folder", str(folder))
    page.wait_for_function("document.getElementById('dropzone').dataset.done === '7'", timeout=90_000)
    assert page.locator("#dropzone").evaluate("el => el.dataset.peak") == "3"
    assert page.locator("#total-progress").evaluate("el => el.value") == 1
    assert page.locator("#total-text").inner_text().startswith("7 of 7 files")
    assert Asset.objects.filter(survey=survey).count() == 7
    assert page.js_errors == []
