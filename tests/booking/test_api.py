"""The REST API: the workflow through its actions, visibility per role (404 for what one may not see),
bad input answered 400 naming the field with nothing changed, domain refusals as 403/409."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from booking.models import AuditEvent, CallOffOrder, FlightRequest, RequestStatus
from tests.factories import GOOD_OPERATION, OBAN_SEAFRONT

pytestmark = pytest.mark.django_db
S = RequestStatus
API = "/api/v1"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def payload(cast, now, **overrides):
    fields = cast.request_fields(now=now)
    body = {
        **{
            k: v
            for k, v in fields.items()
            if k not in {"budget_code", "window_start", "window_end"}
        },
        "budget_code": cast.budget_code.code,
        "window_start": fields["window_start"].isoformat(),
        "window_end": fields["window_end"].isoformat(),
    }
    body.update(overrides)
    return body


def test_the_workflow_through_the_api_by_four_roles(cast, now):
    response = client_for(cast.requester).post(
        f"{API}/requests/", payload(cast, now), format="json"
    )
    assert response.status_code == 201, response.json()
    ref = response.json()["reference"]
    assert response.json()["allowed_actions"] == ["submit", "cancel"]
    url = f"{API}/requests/{ref}"
    assert client_for(cast.requester).post(f"{url}/submit/").json()["status"] == S.REFERRED
    assert (
        client_for(cast.policy_officer).post(f"{url}/approve/", {"reason": "ok"}).json()["status"]
        == S.APPROVED
    )
    assert client_for(cast.procurement).post(f"{url}/order/", {}).json()["status"] == S.ORDERED
    assert client_for(cast.contractor).post(f"{url}/accept/").json()["status"] == S.CONFIRMED
    start = FlightRequest.objects.get(reference=ref).window_start
    body = {
        "scheduled_start": start.isoformat(),
        "scheduled_end": (start + timedelta(hours=2)).isoformat(),
        "pilot": cast.pilot.pk,
        "aircraft": cast.aircraft.pk,
        "operation": GOOD_OPERATION,
    }
    response = client_for(cast.contractor).post(f"{url}/schedule/", body, format="json")
    assert response.status_code == 200, response.json()
    detail = response.json()
    assert detail["status"] == S.SCHEDULED and detail["flights"][0]["pilot"] == cast.pilot.name
    assert [e["action"] for e in detail["audit_events"]][-1] == "schedule"
    audit = client_for(cast.requester).get(f"{url}/audit/").json()
    assert audit[-1]["actor"] == "contractor"


def test_kml_upload_creates_the_area(cast, now):
    from .test_geometry import KML

    body = payload(cast, now)
    body.pop("area")
    for name in ("documents", "site_context", "takeoff_points", "deliverables"):
        body.pop(name)
    body["deliverables"] = ["photos"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    body["area_file"] = SimpleUploadedFile(
        "site.kml", KML.encode(), content_type="application/vnd.google-earth.kml+xml"
    )
    response = client_for(cast.requester).post(f"{API}/requests/", body, format="multipart")
    assert response.status_code == 201, response.json()
    assert response.json()["area"]["coordinates"][0][0] == OBAN_SEAFRONT["coordinates"][0][0]


BOWTIE = {
    "type": "Polygon",
    "coordinates": [
        [[-5.47, 56.41], [-5.46, 56.42], [-5.46, 56.41], [-5.47, 56.42], [-5.47, 56.41]]
    ],
}


@pytest.mark.parametrize(
    "override, field",
    [
        ({"area": BOWTIE}, "area"),
        ({"area": {"type": "Polygon", "coordinates": []}}, "area"),
        ({"area": {"type": "FeatureCollection", "features": []}}, "area"),
        ({"budget_code": "NOPE-999"}, "budget_code"),
        ({"budget_code": "RDS-001"}, "budget_code"),  # another service's budget
        ({"deliverables": ["photos", "hologram"]}, "deliverables"),
        ({"max_height_m": 0}, "max_height_m"),
        ({"purpose": "spying"}, "purpose"),
        ({"window_start": "yesterday"}, "window_start"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(cast, now, override, field):
    before = (FlightRequest.objects.count(), AuditEvent.objects.count())
    response = client_for(cast.requester).post(
        f"{API}/requests/", payload(cast, now, **override), format="json"
    )
    assert response.status_code == 400 and field in response.json(), response.json()
    assert (FlightRequest.objects.count(), AuditEvent.objects.count()) == before


def test_dates_in_the_past_or_reversed_are_400(cast, now):
    start = now + timedelta(days=3)
    past = payload(cast, now, window_start=(now - timedelta(days=1)).isoformat())
    reversed_ = payload(
        cast,
        now,
        window_start=start.isoformat(),
        window_end=(start - timedelta(hours=1)).isoformat(),
    )
    client = client_for(cast.requester)
    assert "window_start" in client.post(f"{API}/requests/", past, format="json").json()
    assert "window_end" in client.post(f"{API}/requests/", reversed_, format="json").json()
    assert FlightRequest.objects.count() == 0


def test_editing_a_draft_validates_and_only_drafts_change(cast, now, make_request):
    fr = make_request(S.DRAFT)
    url = f"{API}/requests/{fr.reference}/"
    client = client_for(cast.requester)
    assert client.patch(url, {"area": BOWTIE}, format="json").status_code == 400
    fr.refresh_from_db()
    assert fr.area == OBAN_SEAFRONT
    assert (
        client.patch(url, {"site_name": "Oban North Pier"}, format="json").json()["site_name"]
        == "Oban North Pier"
    )
    client.post(f"{API}/requests/{fr.reference}/submit/")
    response = client.patch(url, {"site_name": "Too late"}, format="json")
    assert response.status_code == 409 and "only drafts" in response.json()["detail"]


def test_unknown_supplier_is_400_and_no_order_is_placed(cast, now, make_request):
    fr = make_request(S.APPROVED)
    response = client_for(cast.procurement).post(
        f"{API}/requests/{fr.reference}/order/", {"supplier": 99999}
    )
    assert response.status_code == 400 and "supplier" in response.json()
    assert not CallOffOrder.objects.exists()


def test_illegal_transition_is_409_and_wrong_role_403(cast, now, make_request):
    fr = make_request(S.DRAFT)
    response = client_for(cast.policy_officer).post(f"{API}/requests/{fr.reference}/approve/")
    assert response.status_code == 409 and "it is draft" in response.json()["detail"]
    response = client_for(cast.planner).post(f"{API}/requests/{fr.reference}/submit/")
    assert response.status_code == 404  # planners do not see drafts
    response = client_for(cast.procurement).post(f"{API}/requests/{fr.reference}/submit/")
    assert response.status_code == 403
    fr.refresh_from_db()
    assert fr.status == S.DRAFT


def test_spend_limit_refusal_is_409_with_the_breach(cast, now, make_request):
    cast.budget_code.annual_budget = 10
    cast.budget_code.save()
    fr = make_request(S.APPROVED)
    response = client_for(cast.procurement).post(f"{API}/requests/{fr.reference}/order/", {})
    assert response.status_code == 409 and response.json()["code"] == "spend_limit"
    response = client_for(cast.procurement).post(
        f"{API}/requests/{fr.reference}/order/", {"override_reason": "Emergency"}
    )
    assert response.status_code == 200


ACTIONS = [
    "submit",
    "approve",
    "refuse",
    "revise",
    "order",
    "quote",
    "accept",
    "decline",
    "schedule",
    "reschedule",
    "preflight_check",
    "record_flight",
    "deliver",
    "accept_delivery",
    "return_delivery",
    "cancel",
]


def test_outsiders_get_404_on_every_request_endpoint(cast, now, make_request):
    fr = make_request(S.SCHEDULED)
    base = f"{API}/requests/{fr.reference}"
    for user in (cast.outsider, cast.other_contractor):
        client = client_for(user)
        assert client.get(f"{base}/").status_code == 404
        assert client.get(f"{base}/audit/").status_code == 404
        assert client.patch(f"{base}/", {"site_name": "x"}, format="json").status_code == 404
        for action in ACTIONS:
            assert client.post(f"{base}/{action}/", {"reason": "x"}).status_code == 404, (
                user,
                action,
            )
        assert client.get(f"{API}/requests/").json()["count"] == 0
        assert client.get(f"{API}/orders/").json()["count"] == 0
        assert client.get(f"{API}/flights/").json()["count"] == 0
        order, flight = fr.orders.get(), fr.flights.get()
        assert client.get(f"{API}/orders/{order.pk}/").status_code == 404
        assert client.get(f"{API}/flights/{flight.pk}/").status_code == 404
    fr.refresh_from_db()
    assert fr.status == S.SCHEDULED


def test_who_sees_what(cast, now, make_request):
    draft = make_request(S.DRAFT)
    ordered = make_request(S.ORDERED)
    seen = {}
    for name in (
        "requester",
        "policy_officer",
        "procurement",
        "contractor",
        "planner",
        "admin",
        "outsider",
        "other_contractor",
    ):
        body = client_for(getattr(cast, name)).get(f"{API}/requests/").json()
        seen[name] = {r["reference"] for r in body["results"]}
    both = {draft.reference, ordered.reference}
    assert (
        seen["requester"] == seen["policy_officer"] == seen["procurement"] == seen["admin"] == both
    )
    assert seen["contractor"] == seen["planner"] == {ordered.reference}
    assert seen["outsider"] == seen["other_contractor"] == set()
    assert client_for(cast.contractor).get(f"{API}/orders/").json()["count"] == 1
    anonymous = APIClient().get(f"{API}/requests/")
    assert anonymous.status_code in (401, 403)


def test_reference_data_and_filters(cast, now, make_request):
    make_request(S.DRAFT)
    client = client_for(cast.requester)
    assert client.get(f"{API}/frameworks/").json()["results"][0]["reference"] == "TEST-FW-1"
    assert client.get(f"{API}/lots/").json()["count"] == 3
    assert client.get(f"{API}/suppliers/").json()["count"] == 2
    assert client.get(f"{API}/requests/?status=draft").json()["count"] == 1
    assert client.get(f"{API}/requests/?status=approved").json()["count"] == 0


def test_spend_summary_per_role(cast, now, make_request):
    make_request(S.ORDERED)
    body = client_for(cast.procurement).get(f"{API}/spend/").json()
    codes = {b["code"]: b for b in body["budgets"]}
    assert (
        set(codes) == {"EST-001", "RDS-001", "NHS-001"} and float(codes["EST-001"]["committed"]) > 0
    )
    assert body["frameworks"][0]["reference"] == "TEST-FW-1"
    mine = client_for(cast.requester).get(f"{API}/spend/").json()
    assert [b["code"] for b in mine["budgets"]] == ["EST-001"]
    assert client_for(cast.contractor).get(f"{API}/spend/").status_code == 404
