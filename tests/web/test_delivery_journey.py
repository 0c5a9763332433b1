"""Browser: the contractor's journey after "Flown" (request page -> the flown flight's survey -> upload ->
declare delivered) and the requester accepting a delivery whose conformance check failed (a reason is
required, and kept in the timeline)."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from booking.models import OrderStatus, RequestStatus
from surveys import services as surveys
from surveys.models import Survey
from tests.factories import PASSWORD, make_cast
from tests.surveys.helpers import make_delivery
from tests.web.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def flown_request(cast):
    """A request flown by the cast's supplier with no survey yet (make_delivery opens one: it goes)."""
    survey = make_delivery(cast)
    fr = survey.flight_request
    survey.delete()
    return fr


@pytest.mark.django_db(transaction=True)
def test_contractor_goes_from_flown_to_the_survey_upload_page_and_delivers(page, live_server, shared_data):
    cast = make_cast()
    fr = flown_request(cast)
    login(page, live_server.url, cast.contractor.username, PASSWORD)
    page.goto(f"{live_server.url}/requests/{fr.pk}/")
    assert page.locator("#request-status").inner_text() == "Flown"
    assert page.locator("#action-deliver").count() == 0  # no bare "Mark delivered"
    page.click("#open-survey-button")
    page.wait_for_url(re.compile(r"/surveys/\d+/#upload$"))
    survey = Survey.objects.get(flight_request=fr)
    assert page.url.endswith(f"/surveys/{survey.pk}/#upload")
    assert survey.flight.status == "flown" and survey.supplier_id == cast.supplier.pk
    assert page.locator("#dropzone").is_visible()

    page.set_input_files("#pick-files", str(shared_data / "drone" / "caliterra-half" / "IMG_9354.jpg"))
    page.wait_for_function("document.getElementById('dropzone').dataset.done === '1'", timeout=60_000)
    assert page.locator("#upload-list li .ok").count() == 1
    page.reload()
    page.click("#deliver")
    page.wait_for_load_state("domcontentloaded")
    fr.refresh_from_db()
    assert fr.status == RequestStatus.DELIVERED and fr.orders.get().status == OrderStatus.DELIVERED

    # Back on the request page: the delivery's conformance result, with a link to the survey.
    page.goto(f"{live_server.url}/requests/{fr.pk}/")
    assert page.locator("#request-status").inner_text() == "Delivered"
    assert page.locator("#delivery-outcome").inner_text() == "Needs review"  # a Texas photo is not of Oban
    assert page.locator("#delivery-checks li").count() == len(Survey.objects.get(pk=survey.pk).conformance["checks"])
    assert page.locator("#delivery-survey-link").get_attribute("href") == f"/surveys/{survey.pk}/"
    timeline = page.locator("#timeline").inner_text()
    assert "Upload started" in timeline and "Upload finished" in timeline and "Delivery declared" in timeline
    assert page.js_errors == []


@pytest.mark.django_db(transaction=True)
def test_a_failed_delivery_is_accepted_only_with_a_reason(page, live_server, shared_data):
    cast = make_cast()
    fr = flown_request(cast)
    survey, _ = surveys.survey_open(flight_request=fr, by=cast.contractor)
    path = shared_data / "drone" / "caliterra-half" / "IMG_9354.jpg"
    surveys.asset_ingest_file(survey=survey, path=path, original_name=path.name, uploaded_by=cast.contractor)
    surveys.survey_deliver(survey=survey, by=cast.contractor, now=timezone.now())
    fr.refresh_from_db()
    assert fr.status == RequestStatus.DELIVERED

    login(page, live_server.url, cast.requester.username, PASSWORD)
    page.goto(f"{live_server.url}/requests/{fr.pk}/")
    assert page.locator("#delivery-outcome").inner_text() == "Needs review"
    form = page.locator("#action-accept_delivery")
    assert "Reason for accepting although the conformance check did not pass" in form.inner_text()
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    assert "give a reason for accepting it" in page.locator(".messages").inner_text()
    assert page.locator("#request-status").inner_text() == "Delivered"
    fr.refresh_from_db()
    assert fr.status == RequestStatus.DELIVERED

    page.locator("#action-accept_delivery textarea[name=reason]").fill("Test photos: location checked by eye")
    page.locator("#action-accept_delivery button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    assert "Delivery accepted." in page.locator(".messages").inner_text()
    assert page.locator("#request-status").inner_text() == "Completed"
    assert "Test photos: location checked by eye" in page.locator("#timeline").inner_text()
    fr.refresh_from_db()
    assert fr.status == RequestStatus.COMPLETED and fr.orders.get().status == OrderStatus.COMPLETED
    assert fr.audit_events.get(action="accept_delivery").data["conformance"] == "needs_review"
    assert page.js_errors == []
