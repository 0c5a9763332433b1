"""The request page reads the policy evidence as sentences, with the structured evidence one click away."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.utils import timezone

from booking import services
from tests.factories import make_cast

from .plans import OBAN_AIRPORT, square

pytestmark = pytest.mark.django_db


def _check_section(html: str) -> str:
    start = html.index('id="policy-check"')
    return html[start:html.index("</section>", html.index("</table>", start))]


def test_request_page_shows_the_sentence_first_and_the_details_in_details(client):  # type: ignore[no-untyped-def]
    cast = make_cast()  # one real zone: the Oban 2 nm circle (tests/factories.load_test_airspace)
    now = timezone.now()
    fr = services.flight_request_create(actor=cast.requester, now=now, **cast.request_fields(
        now=now, site_name="Oban airport apron", area=square(*OBAN_AIRPORT), takeoff_points=[list(OBAN_AIRPORT)]))
    services.flight_request_submit(actor=cast.requester, flight_request=fr, now=now)
    client.force_login(cast.requester)
    html = client.get(f"/requests/{fr.pk}/").content.decode()
    section = _check_section(html)
    row = re.search(r'<tr class="finding[^"]*" data-rule="AIR-01">(.*?)</tr>', section, re.S)
    assert row, section
    cell = re.search(r'<td class="small evidence">(.*?)</td>', row.group(1), re.S).group(1)
    words = re.search(r'<p class="ev-words">(.*?)</p>', cell, re.S).group(1)
    assert unescape(words) == "The area overlaps the Flight Restriction Zone OBAN FRZ by 4.0 ha."
    details = re.search(r'<details class="ev-details"><summary>Technical details</summary>(.*?)</details>', cell, re.S)
    assert details and "zone_id: " in details.group(1) and "overlap_m2: " in details.group(1)
    assert cell.index("ev-words") < cell.index("<details")  # the sentence first
    assert "zone_id" not in cell[:cell.index("<details")]  # ... and no raw keys outside the details
    # the check's time as an officer reads it, in the site's time zone
    evaluated = timezone.localtime(fr.policy_checks.latest("evaluated_at").evaluated_at)
    assert f"{evaluated:%a} {evaluated.day} {evaluated:%b %Y, %H:%M}" in section


def test_the_api_gives_each_finding_its_sentence(client):  # type: ignore[no-untyped-def]
    cast = make_cast()
    now = timezone.now()
    fr = services.flight_request_create(actor=cast.requester, now=now, **cast.request_fields(
        now=now, site_name="Oban airport apron", area=square(*OBAN_AIRPORT), takeoff_points=[list(OBAN_AIRPORT)]))
    services.flight_request_submit(actor=cast.requester, flight_request=fr, now=now)
    check = fr.policy_checks.latest("evaluated_at")
    client.force_login(cast.requester)
    got = client.get(f"/api/v1/policy/checks/{check.pk}/")
    assert got.status_code == 200, got.status_code
    findings = {f["rule"]: f for f in got.json()["findings"]}
    assert findings["AIR-01"]["explanation"] == "The area overlaps the Flight Restriction Zone OBAN FRZ by 4.0 ha."
    assert "zone_id" in findings["AIR-01"]["evidence"]  # the structured evidence stays beside it
    assert all(isinstance(f["explanation"], str) for f in findings.values())
