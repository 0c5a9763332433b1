"""POST /api/v1/policy/evaluate, daylight, current policy, stored checks; the policy pages and the partial."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape

from policy import services
from policy.core import PolicySettings
from policy.core.catalogue import rendered_catalogue
from tests.factories import PASSWORD, make_cast

from .plans import NOW, OBAN_AIRPORT, OPEN_COUNTRY, good_plan, malformed

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():  # type: ignore[no-untyped-def]
    return get_user_model().objects.create_user("officer-x", password="pw-123456")


@pytest.fixture
def api(client, user):  # type: ignore[no-untyped-def]
    client.force_login(user)
    return client


def post(client, data):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/policy/evaluate", data=data, content_type="application/json")


def test_evaluate_needs_a_login(client):  # type: ignore[no-untyped-def]
    assert post(client, good_plan()).status_code in (401, 403)


def test_evaluate_returns_the_decision(api, real_zones_in_db):  # type: ignore[no-untyped-def]
    response = post(api, good_plan(OBAN_AIRPORT))
    assert response.status_code == 200
    body = response.json()
    assert body["outcome"] == "blocked" and body["policy_version"] == 1
    air01 = [f for f in body["findings"] if f["rule"] == "AIR-01"]
    assert air01 and air01[0]["source"].startswith("ANO 2016") and air01[0]["evidence"]["zone"]


@pytest.mark.parametrize("case,changes,field,text", malformed(), ids=[m[0] for m in malformed()])
def test_evaluate_bad_plan_is_400_naming_the_field(api, case, changes, field, text):  # type: ignore[no-untyped-def]
    response = post(api, good_plan(**changes))
    assert response.status_code == 400
    body = response.json()
    assert field in body and text in body[field][0] and body["detail"].startswith(field)


def test_evaluate_non_object_and_bad_stage(api):  # type: ignore[no-untyped-def]
    assert post(api, [1, 2]).status_code == 400
    bad = api.post("/api/v1/policy/evaluate?stage=later", data=good_plan(), content_type="application/json")
    assert bad.status_code == 400 and "stage" in bad.json()
    raw = api.post("/api/v1/policy/evaluate", data="{oops", content_type="application/json")
    assert raw.status_code == 400


def test_evaluate_refuses_a_window_ending_in_year_9999(api):  # type: ignore[no-untyped-def]
    """It once cost 126 s of CPU and ended in a 500: now a 400 naming the field, before any night is computed."""
    response = post(api, good_plan(end="9999-12-31T23:59:59+00:00"))
    assert response.status_code == 400
    body = response.json()
    assert "at most 90 days" in body["window_end"][0] and body["detail"].startswith("window_end:")


def test_evaluate_refuses_an_area_over_the_vertex_cap(api):  # type: ignore[no-untyped-def]
    import math

    from policy.core.plan import MAX_AREA_VERTICES

    lon, lat = OPEN_COUNTRY
    n = MAX_AREA_VERTICES + 1
    ring = [[lon + 0.01 * math.cos(2 * math.pi * i / n), lat + 0.005 * math.sin(2 * math.pi * i / n)]
            for i in range(n)]
    response = post(api, good_plan(area={"type": "Polygon", "coordinates": [[*ring, ring[0]]]}))
    assert response.status_code == 400
    body = response.json()
    assert "at most 5,000" in body["area"][0] and body["detail"].startswith("area:")


def test_evaluate_refuses_an_oversized_body_unread(api):  # type: ignore[no-untyped-def]
    from policy.core.plan import MAX_PLAN_BYTES

    plan = good_plan()
    plan["padding"] = "x" * (MAX_PLAN_BYTES + 1)
    response = post(api, plan)
    assert response.status_code == 413
    body = response.json()
    assert "at most 2,097,152 bytes" in body["plan"][0] and body["detail"].startswith("plan:")
    assert post(api, good_plan()).status_code == 200  # a normal plan is unaffected


def test_daylight_windows(api):  # type: ignore[no-untyped-def]
    r = api.get("/api/v1/policy/daylight", {"lat": 56.41, "lon": -5.47, "start": "2026-12-20", "end": "2026-12-22"})
    assert r.status_code == 200
    windows = r.json()["windows"]
    assert [w["date"] for w in windows] == ["2026-12-20", "2026-12-21", "2026-12-22"]
    assert all(7.5 < w["light_hours"] < 9 for w in windows)


@pytest.mark.parametrize("params,field", [
    ({"lat": "north", "lon": -5.47, "start": "2026-12-20", "end": "2026-12-22"}, "lat"),
    ({"lat": 56.41, "lon": -5.47, "start": "2026-12-22", "end": "2026-12-20"}, "end"),
    ({"lat": 56.41, "lon": -5.47, "start": "2026-12-20"}, "end"),
    ({"lat": 56.41, "lon": -5.47, "start": "2026-01-01", "end": "2028-01-01"}, "end"),
])
def test_daylight_bad_query_is_400(api, params, field):  # type: ignore[no-untyped-def]
    r = api.get("/api/v1/policy/daylight", params)
    assert r.status_code == 400 and field in r.json()


def test_current_policy(api):  # type: ignore[no-untyped-def]
    services.ensure_default_policy()
    body = api.get("/api/v1/policy/current").json()
    assert body["version"] == 1 and body["settings"]["max_height_m"] == 120
    assert {r["id"] for r in body["rules"]} >= {"CAT-03", "AIR-01", "LGT-01", "ENV-06"}


def test_reading_the_current_policy_records_no_version(api):  # type: ignore[no-untyped-def]
    from policy.models import PolicyVersion

    PolicyVersion.objects.all().delete()
    body = api.get("/api/v1/policy/current").json()
    assert body["version"] is None and body["settings"] == PolicySettings().to_dict()
    assert api.get("/api/v1/policy/daylight?lat=56.4&lon=-5.47&start=2026-12-10&end=2026-12-10").status_code == 200
    assert PolicyVersion.objects.count() == 0


def test_stored_checks_are_visible_only_to_those_who_see_the_request(client):  # type: ignore[no-untyped-def]
    from booking import services as booking_services

    cast = make_cast()
    fr = booking_services.flight_request_create(actor=cast.requester, now=timezone.now(),
                                                **cast.request_fields(now=timezone.now()))
    check = services.check_flight_request(flight_request=fr, plan=good_plan(), stage="submission", now=NOW)
    url = f"/api/v1/policy/checks/{check.pk}/"
    client.login(username=cast.requester.username, password=PASSWORD)
    assert client.get(url).status_code == 200
    rerun = client.post(url + "rerun/")
    assert rerun.status_code == 200 and rerun.json()["same"] is True
    client.login(username=cast.outsider.username, password=PASSWORD)
    assert client.get(url).status_code == 404
    assert client.post(url + "rerun/").status_code == 404
    assert check.pk not in [c["id"] for c in client.get("/api/v1/policy/checks/").json()["results"]]


def test_policy_page_and_pdf(api):  # type: ignore[no-untyped-def]
    services.ensure_default_policy()
    services.policy_version_create(settings={"notice_working_days": 15}, change_note="Longer notice for schools.")
    page = api.get("/policy/", {"lat": 56.41, "lon": -5.47, "start": "2026-12-20", "end": "2026-12-21"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "At least 15 working days" in html and "Longer notice for schools." in html
    assert "notice_working_days" in html  # the change table
    assert 'id="rule-AIR-01"' in html and "unverified" in html and "Daylight windows" in html
    assert "Sun 20 Dec 2026" in html
    for rule in rendered_catalogue(PolicySettings.from_dict({"notice_working_days": 15})):
        assert f'id="rule-{rule["id"]}"' in html  # every rule, with its threshold, evidence and source
        for text in (rule["text"], rule["evidence"], rule["source"]):
            assert escape(text) in html, (rule["id"], text)
    bad = api.get("/policy/", {"lat": "x"})
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
    pdf = api.get("/policy/document.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content[:5] == b"%PDF-" and len(pdf.content) > 10_000


def test_policy_pages_need_a_login(client):  # type: ignore[no-untyped-def]
    assert client.get("/policy/").status_code == 302
    assert client.get("/policy/document.pdf").status_code == 302


def test_check_partial_shows_findings_and_map(real_zones_in_db):  # type: ignore[no-untyped-def]
    check = services.check_flight_request(flight_request=None, plan=good_plan(OBAN_AIRPORT), stage="submission",
                                          now=NOW)
    html = render_to_string("policy/_check.html", {"check": check})
    assert 'data-rule="AIR-01"' in html and "Blocks" in html
    assert f'id="policy-check-map-{check.pk}"' in html
    assert html.count('data-rule="AIR-01"') == 1  # the ATZ and the runway-derived FRZ are one restriction
    assert "parts: the 2.0 nm circle about the runway mid-point (EGEO FRZ); the aerodrome traffic zone OBAN" in html
    # the map shows the area and every piece of the conflicting zones
    names = {f["properties"]["name"]: f["properties"].get("rule") for f in check.map_geojson["features"]}
    assert names["EGEO FRZ"] == names["OBAN"] == "AIR-01" and "FR-TEST-1" in names


def test_policy_document_cites_both_night_definitions_and_marks_the_revision(api):  # type: ignore[no-untyped-def]
    html = api.get("/policy/").content.decode()
    assert 'id="night-definition"' in html
    assert "Air Navigation Order 2016 (SI 2016/765), Schedule 1" in html and "UK SERA" in html
    assert "30 minutes after sunset" in html and "civil twilight" in html
    assert "This version uses <strong>the stricter of the two</strong>" in html
    assert html.count("revised 2026-12") >= 4 and html.count("new 2026-12") >= 5
    for rule in ("TECH-04", "TECH-05", "AIR-09", "PRIV-02", "PRIV-03"):
        assert f'id="rule-{rule}"' in html
    services.policy_version_create(settings={"night_definition": "civil"}, change_note="Night by UK SERA.")
    html = api.get("/policy/").content.decode()
    assert "This version uses <strong>UK SERA (civil twilight)</strong>" in html and "night_definition" in html
