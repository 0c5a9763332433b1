"""One flight request walked through the web UI by the four roles in a real Chromium: the requester
draws the site and submits, the drone policy officer approves the referral, procurement places the
call-off order and the contractor accepts and schedules it with a pilot and aircraft."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from booking.models import FlightRequest, RequestStatus
from tests.factories import OBAN_SEAFRONT, PASSWORD, make_cast

from .conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def _status(page) -> str:
    return page.locator("#request-status").inner_text().strip()


def _timeline(page) -> str:
    return page.locator("#timeline").inner_text()


def _open_from_dashboard(page, base: str, section: str, reference: str) -> None:
    page.goto(f"{base}/")
    page.locator(f"section#{section}").get_by_role("link", name=reference).click()
    page.wait_for_url(re.compile(r"/requests/\d+/$"))


def _draw_polygon(page, map_selector: str) -> None:
    """Draw a four-cornered polygon with leaflet-draw's polygon tool, as a user would."""
    page.locator(f"{map_selector} .leaflet-draw-draw-polygon").click()
    box = page.locator(map_selector).bounding_box()
    assert box is not None
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    corners = [(-60, -40), (60, -40), (60, 40), (-60, 40)]
    for dx, dy in corners:
        page.mouse.click(cx + dx, cy + dy)
        page.wait_for_timeout(120)
    page.mouse.click(cx + corners[0][0], cy + corners[0][1])  # close the ring on the first corner


def test_request_from_submission_to_scheduled_flight(
    page, live_server, transactional_db, airspace_data
):
    cast = make_cast()
    base = live_server.url
    start = (timezone.localtime() + timedelta(days=12)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )

    # ---- requester: the form with the map, saved as a draft with its estimate, then submitted ----
    login(page, base, "requester", PASSWORD)
    assert "My service's requests" in page.content()
    page.get_by_role("link", name="New flight request").first.click()
    page.wait_for_url(f"{base}/requests/new/")
    page.fill("#id_site_name", "Oban North Pier sea wall")
    _draw_polygon(page, "#area-map")
    assert "Area set (4 corners)" in page.locator("#area-status").inner_text()
    drawn = json.loads(page.input_value("#id_area"))
    assert drawn["type"] == "Polygon" and len(drawn["coordinates"][0]) == 5
    # A file replaces the drawing: the real site boundary, loaded as GeoJSON.
    page.set_input_files("#id_area_file", files=[{
        "name": "oban-seafront.geojson", "mimeType": "application/geo+json",
        "buffer": json.dumps({"type": "Feature", "properties": {}, "geometry": OBAN_SEAFRONT}).encode(),
    }])  # fmt: skip
    page.wait_for_function("document.getElementById('id_area').value.includes('-5.4745')")
    assert "loaded from oban-seafront.geojson" in page.locator("#area-status").inner_text()
    # The take-off point, placed with the marker tool inside the site.
    site_box = page.locator("#site-map, #area-map").first.bounding_box()
    page.locator("#area-map .leaflet-draw-draw-marker").click()
    page.mouse.click(site_box["x"] + site_box["width"] / 2, site_box["y"] + site_box["height"] / 2)
    takeoff = json.loads(page.input_value("#id_takeoff_points"))
    assert (
        len(takeoff) == 1
        and -5.4745 <= takeoff[0][0] <= -5.4712
        and 56.4148 <= takeoff[0][1] <= 56.4170
    )
    page.fill("#id_contingency_buffer_m", "15")
    page.check("#id_site_built_up")
    page.select_option("#id_land_owner", "council")
    page.select_option("#id_purpose", "structure_inspection")
    page.fill("#id_description", "Condition of the sea wall after the winter storms")
    page.check("input[name=deliverables][value=photos]")
    page.check("input[name=deliverables][value=report]")
    page.fill("#id_window_start", start.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_window_end", (start + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_max_height_m", "60")
    page.check("#id_people_in_view")
    page.select_option("#id_budget_code", label=str(cast.budget_code))
    page.locator("details summary").click()
    page.fill("#id_doc_rams", "RAMS-OBN-17")
    page.fill("#id_doc_dpia", "DPIA-2026-03")
    page.fill("#id_doc_landowner_consent", "ABC-EST-LO-4")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/requests/\d+/$"))
    fr = FlightRequest.objects.get(site_name="Oban North Pier sea wall")
    assert (
        fr.area == OBAN_SEAFRONT and fr.takeoff_points == takeoff and fr.contingency_buffer_m == 15
    )
    assert fr.site_context["built_up"] is True and fr.site_context["land_owner"] == "council"
    messages = page.locator(".messages").inner_text()
    assert (
        f"Saved {fr.reference} as a draft" in messages
        and f"Estimated cost £{fr.estimated_cost}" in messages
    )
    assert _status(page) == "Draft"
    assert (
        page.locator("#site-map path.leaflet-interactive").count() == 1
    )  # the site on the read-only map
    assert page.locator("#site-map .leaflet-marker-icon").count() == 1  # and its take-off point

    page.get_by_role("button", name="Submit for the policy check").click()
    page.wait_for_load_state("domcontentloaded")
    fr.refresh_from_db()
    assert fr.status == RequestStatus.REFERRED, _timeline(page)
    assert _status(page) == "Referred to a policy officer"
    timeline = _timeline(page)
    assert "Created" in timeline and "Submitted" in timeline and "Policy check" in timeline
    assert "requester" in timeline
    assert page.locator("#actions form").count() == 1  # only cancel is left to the requester
    assert page.locator("#action-cancel").count() == 1

    # ---- policy officer: the referral is on their dashboard; approve with a reason ----
    login(page, base, "policy", PASSWORD)
    _open_from_dashboard(page, base, "awaiting-decision", fr.reference)
    assert {"approve", "refuse"} <= set(
        page.locator("#actions form").evaluate_all("fs => fs.map(f => f.id.slice(7))")
    )
    page.locator("#action-approve textarea[name=reason]").fill(
        "DPIA seen; residents notified by letter"
    )
    page.locator("#action-approve button").click()
    page.wait_for_load_state("domcontentloaded")
    assert _status(page) == "Approved"
    timeline = _timeline(page)
    assert (
        "Approved" in timeline
        and "DPIA seen; residents notified by letter" in timeline
        and "policy" in timeline
    )

    # ---- procurement: place the call-off order (supplier by rank) ----
    login(page, base, "procurement", PASSWORD)
    _open_from_dashboard(page, base, "to-order", fr.reference)
    page.locator("#action-order button").click()
    page.wait_for_load_state("domcontentloaded")
    order = fr.orders.get()
    assert order.supplier == cast.supplier
    assert f"Order {order.po_number}" in page.locator(".messages").inner_text()
    assert _status(page) == "Ordered"
    assert order.po_number in page.locator("#order").inner_text()

    # ---- contractor: accept, then schedule with a named pilot and aircraft ----
    login(page, base, "contractor", PASSWORD)
    page.goto(f"{base}/")
    page.locator("section#orders-to-accept").get_by_role("link", name=fr.reference).click()
    page.wait_for_url(re.compile(r"/requests/\d+/$"))
    page.locator("#action-accept button").click()
    page.wait_for_load_state("domcontentloaded")
    assert _status(page) == "Accepted by contractor"
    flight_start = start + timedelta(hours=1)
    form = page.locator("#action-schedule")
    form.locator("select[name=pilot]").select_option(label=str(cast.pilot))
    form.locator("select[name=aircraft]").select_option(label=str(cast.aircraft))
    form.locator("input[name=scheduled_start]").fill(flight_start.strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=scheduled_end]").fill(
        (flight_start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    )
    form.locator("input[name=max_distance_from_pilot_m]").fill("300")
    form.locator("input[name=min_distance_people_m]").fill("50")
    form.locator("input[name=min_distance_people_takeoff_m]").fill("50")
    form.locator("button").click()
    page.wait_for_load_state("domcontentloaded")
    fr.refresh_from_db()
    assert fr.status == RequestStatus.SCHEDULED, page.locator(".messages").inner_text()
    assert _status(page) == "Scheduled"
    flights = page.locator("#flights").inner_text()
    assert (
        cast.pilot.name in flights
        and cast.aircraft.name in flights
        and flight_start.strftime("%-d %b %Y") in flights
    )
    timeline = _timeline(page)
    for step in (
        "Created",
        "Submitted",
        "Policy check",
        "Approved",
        "Order placed",
        "Order accepted",
        "Scheduled",
    ):
        assert step in timeline, step
    assert f"Pilot {cast.pilot.name}" in timeline

    # ---- back to the requester: the flight is on their dashboard ----
    login(page, base, "requester", PASSWORD)
    page.goto(f"{base}/")
    upcoming = page.locator("section#upcoming").inner_text()
    assert fr.reference in upcoming and cast.pilot.name in upcoming
    assert page.js_errors == []
