"""Pages that stay current (static/js/live.js, surveys/live.py): the survey page counts files and offers the
Deliver button as files are stored, with no reload; a refused file shows as refused with its whole reason;
the request page follows an action taken by someone else."""

from __future__ import annotations

import shutil

import pytest
from django.utils import timezone

from surveys.models import Upload
from tests.factories import PASSWORD, make_cast
from tests.surveys.helpers import make_delivery
from tests.web.conftest import draft_request, login

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

# A text file named like a photo: the server refuses it with a reason long enough to need wrapping.
NOT_A_PHOTO = b"Flight notes: battery swap at 14:10, wind 12 kt from the south-west.\n" * 40


@pytest.mark.django_db(transaction=True)
def test_upload_updates_count_and_deliver_button_and_shows_refusals_whole(page, live_server, shared_data, tmp_path):
    cast = make_cast(airspace=False)
    folder = tmp_path / "flight-1"
    folder.mkdir()
    photos = sorted((shared_data / "thermal" / "h20t").glob("*.JPG"))[:2]
    for photo in photos:
        shutil.copy(photo, folder / photo.name)
    (folder / "notes-from-the-pilot-about-the-second-battery.jpg").write_bytes(NOT_A_PHOTO)
    survey = make_delivery(cast, deliverables=["thermal"])

    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the reason must still be readable whole
    login(page, live_server.url, cast.contractor.username, PASSWORD)
    page.goto(f"{live_server.url}/surveys/{survey.pk}/")
    assert page.locator("#asset-count").inner_text() == "0 files"
    assert page.locator("#deliver").count() == 0 and page.locator("#deliver-waits").is_visible()
    page.evaluate("window.__notReloaded = true")

    page.set_input_files("#pick-folder", str(folder))
    page.wait_for_function("document.getElementById('dropzone').dataset.done === '2' && "
                           "document.getElementById('dropzone').dataset.failed === '1'", timeout=60_000)
    page.wait_for_selector("#deliver", state="visible")  # the button came without a reload
    assert page.evaluate("window.__notReloaded") is True
    assert page.locator("#asset-count").inner_text() == "2 files"
    assert page.locator("#stored-count").inner_text().startswith("2 files stored")

    refused = Upload.objects.get(survey=survey, state="refused")
    row = page.locator("#upload-list li.refused")
    assert row.count() == 1
    reason = row.locator(".err")
    assert reason.inner_text() == refused.error and len(refused.error) > 20
    # whole: nothing clipped (the text fits its box, lines wrap), in red, and no progress bar on the row
    fits = reason.evaluate("el => el.scrollWidth <= el.clientWidth + 1 && el.scrollHeight <= el.clientHeight + 1")
    assert fits
    assert reason.evaluate("el => getComputedStyle(el).color") == "rgb(179, 38, 30)"
    assert not row.locator("progress").is_visible()
    assert "1 refused" in page.locator("#total-text").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.js_errors == []


@pytest.mark.django_db(transaction=True)
def test_request_page_follows_an_action_by_someone_else(page, live_server):
    from booking import services
    from booking.models import RequestStatus

    cast = make_cast()
    fr = draft_request(cast, people_in_view=True)
    fr = services.flight_request_submit(actor=cast.requester, flight_request=fr, now=timezone.now())
    assert fr.status == RequestStatus.REFERRED
    login(page, live_server.url, cast.requester.username, PASSWORD)
    page.goto(f"{live_server.url}/requests/{fr.pk}/")
    assert page.locator("#request-status").inner_text() == RequestStatus.REFERRED.label
    assert page.locator("#request-live").is_hidden()

    services.flight_request_approve(actor=cast.policy_officer, flight_request=fr, now=timezone.now())
    page.wait_for_function("document.getElementById('request-status').textContent.trim() === 'Approved'",
                           timeout=20_000)
    assert page.js_errors == []
