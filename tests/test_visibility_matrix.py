"""The whole API and every web page with an object in its URL, against the rule "roles see only what they may;
an object you may not see is a 404".

Every URL pattern of the project is classified below (DETAIL_ROUTES: routes naming an object; OTHER_ROUTES:
routes naming none). A new route fails `test_every_route_is_classified` until someone decides who may see it.

For each outsider role the matrix checks every method of every detail route on real objects built through the
services (a request walked to "flown", its order, flight, policy checks, survey, upload, job and orthophoto; and a
request still referred to the policy officer):
- an authenticated user who may not see the object gets 404 (or the route's fixed gate status, given whatever the
  object), exactly what a non-existent id gets: the answer never tells that the object exists;
- an anonymous caller gets 401/403 (API) or the login redirect (web), again the same as for a missing id;
- a planner (who reads approved work) gets 200 on reads and a refusal, never a change, on writes;
- nobody gets a 500, and after all the calls nothing in the database has changed.
The administrator's 200 on every read is the positive control: the URLs do name real, readable objects.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from booking import services as booking
from booking.models import (
    AuditEvent,
    CallOffOrder,
    Flight,
    FlightRequest,
    Profile,
    RateCard,
    RequestStatus,
    Role,
)
from booking.money import estimate_cost
from booking.views import ACTIONS
from detection import services as detection
from inspection import services as inspection
from inspection.models import Annotation, AnnotationEvent, InspectionReport
from inspection.report_render import render_report
from inspection.selectors import schema_for_survey
from notify.models import Notification
from policy.models import PolicyCheck
from processing import services as processing
from processing.core.cog import to_cog
from processing.core.tiles import open_source, tile_range
from processing.models import Job
from surveys import services as surveys
from surveys import uploads
from surveys.models import Asset, Survey, Upload
from tests.factories import GOOD_OPERATION, Cast, add_supplier, deliver_through_survey, make_cast
from tests.inspection.helpers import valid_marking
from viewer import services as viewer

ROLES = ("outsider", "other_contractor", "planner", "anonymous")
EVERYONE = frozenset({"outsider", "other_contractor", "planner"})
# fmt: off
WEATHER_OK = {"mean_wind_ms": 4.0, "gust_ms": 6.0, "precipitation_mmh": 0.0, "temperature_c": 10.0,
              "visibility_km": 20.0, "cloud_base_m": 900.0, "kp": 2.0}
# fmt: on
MARKER = "Zqx Secret Pier"  # the site name of the hidden objects: no outsider's list may contain it


@dataclass(frozen=True)
class Route:
    """How a route names its object. `methods` only for plain Django views (DRF views list their own);
    `gate`: the status every role without the right gets before any lookup (so it tells nothing either)."""

    kind: str
    methods: tuple[str, ...] = ()
    gate: int | None = None
    safe_post: bool = False  # a POST that only reads (re-running a stored check)
    query: str = ""  # a query string the read needs
    #: a reader who may not use the page is sent back to the object's page
    back_to_detail: bool = False


# fmt: off
_REQUEST_ACTIONS = ("accept", "accept-delivery", "approve", "approve-flight", "audit", "cancel", "decline",
                    "deliver", "order", "preflight-check", "quote", "record-flight", "refuse", "refuse-flight",
                    "reschedule", "return-delivery", "revise", "schedule", "submit")
# fmt: on

DETAIL_ROUTES: dict[str, Route] = {
    "flightrequest-detail": Route("request"),
    **{f"flightrequest-{name}": Route("request") for name in _REQUEST_ACTIONS},
    "order-detail": Route("order"),
    "flight-detail": Route("flight"),
    "supplier-detail": Route("supplier"),
    "lot-detail": Route("lot"),
    "framework-detail": Route("framework"),
    "booking-recharge": Route("organisation", query="?start=2025-01-01&end=2025-12-31"),
    # a secret URL: see test_calendar_feed_is_keyed_by_its_secret
    "booking-calendar": Route("token"),
    "policy-check-detail": Route("check"),
    "policy-check-rerun": Route("check", safe_post=True),
    "site-detail": Route("site"),
    "survey-detail": Route("survey"),
    "survey-assets": Route("survey"),
    "survey-deliver": Route("survey"),
    "survey-flying-height": Route("survey"),
    "survey-rebuild-map": Route("survey"),
    "survey-map": Route("survey"),
    "survey-uploads": Route("survey"),
    "survey-tilejson": Route("survey"),
    "upload-detail": Route("upload"),
    "job-detail": Route("job"),
    "job-retry": Route("job", gate=403),  # staff only, refused before the lookup
    "job-cancel": Route("job", gate=403),
    "booking:request_detail": Route("request", ("get",)),
    "booking:request_edit": Route("request", ("get", "post"), back_to_detail=True),
    "booking:request_action": Route("request", ("post",)),
    "surveys:detail": Route("survey", ("get",)),
    "surveys:deliver": Route("survey", ("post",)),
    "surveys:delivery_state": Route("survey", ("get", "head")),  # fragments polled by static/js/live.js
    "surveys:request_state": Route("request", ("get", "head")),
    "notify:read": Route("notification", ("post",)),  # only the recipient's own
    "surveys:rebuild_map": Route("survey", ("post",)),
    "surveys:open_for_request": Route("request", ("post",)),  # opens the flown flight's survey (contractor)
    # permission-checked downloads (tests/surveys/test_downloads.py): a reader's download is audited, nothing else
    "surveys:asset_download": Route("asset", ("get", "head")),
    "surveys:orthophoto_download": Route("survey", ("get", "head")),
    "surveys:map_report_download": Route("survey", ("get", "head")),
    "surveys:conformance_report_download": Route("survey", ("get", "head")),
    "asset-download": Route("asset"),
    "survey-orthophoto": Route("survey"),
    "surveys:survey-tile": Route("tile", ("get",)),
    # a photo's Deep Zoom pyramid (the annotation tool and the site viewer's photo viewer) follows the photo
    "surveys:photo_dzi": Route("asset", ("get", "head")),
    "surveys:photo_tile": Route("asset", ("get", "head")),
    "surveys:asset_preview": Route("asset", ("get", "head")),  # a photo's or video's still (poster frame)
    "inspection:annotate": Route("survey", ("get",)),
    "inspection:annotated_photo": Route("asset", ("get", "head")),  # the photo with its defects drawn on it
    # annotations follow their survey; writing is for inspectors (inspection/permissions.py), planners read
    "survey-annotations": Route("survey"),
    "annotation-detail": Route("annotation"),
    "survey-annotations-export": Route("survey", query="?type=geojson"),
    "survey-annotations-import": Route("survey"),  # POST a file; writing is for inspectors
    # report versions follow their survey too; making one is for inspectors, sign-off for the council's side
    "survey-reports": Route("survey"),
    "report-detail": Route("report"),
    "report-pdf": Route("report"),
    "report-html": Route("report"),
    "report-json": Route("report"),
    "report-sign-off": Route("report"),
    # detector candidates follow their survey; accepting or rejecting is for those who may annotate
    "survey-candidates": Route("survey", query="?status=proposed"),
    "candidate-accept": Route("candidate"),
    "candidate-reject": Route("candidate"),
    # the viewer (docs/viewer.md): the site page, GIS hand-off, share links (made by officers and planners;
    # a planner revokes only their own, so the one here, made by a policy officer, is refused to them)
    "viewer:site": Route("site", ("get",)),
    "viewer:site_share": Route("site", ("post",)),
    "viewer:survey_share": Route("survey", ("post",)),
    "viewer:share_revoke": Route("sharelink", ("post",)),
    "survey-wmts": Route("survey"),
    "survey-api-tile": Route("tile", ("get",)),
    "survey-defects": Route("survey", query="?type=geojson"),
    "survey-elevation": Route("survey"),
    "survey-elevation-profile": Route("survey", safe_post=True),
    "survey-elevation-volume": Route("survey", safe_post=True),
    "share-link-revoke": Route("sharelink"),
    # through a share link, keyed by its secret token (tests/viewer/test_share_links.py)
    **{f"viewer:{name}": Route("token") for name in ("share", "share_wmts", "share_tilejson", "share_tile",
                                                       "share_map", "share_defects", "share_photo",
                                                       "share_video")},
}

#: Routes that name no object. The value is the key of `results` ids to check for leaks (None: not a list).
# fmt: off
OTHER_ROUTES: dict[str, str | None] = {
    "login": None, "logout": None, "schema": None, "swagger-ui": None, "redoc": None, "booking-me": None,
    "booking-spend": None, "policy-evaluate": None, "policy-daylight": None, "policy-current": None,
    "policy-document": None, "policy-document-pdf": None, "lot-list": None, "framework-list": None,
    "flightrequest-list": "request", "order-list": "order", "flight-list": "flight",
    "supplier-list": "supplier", "policy-check-list": "check", "site-list": "site",
    "survey-list": "survey", "job-list": "job", "inspection-schemas": None,
    "booking:dashboard": None, "booking:request_list": None, "booking:request_create": None,
    "booking:spend": None, "booking:profile": None, "surveys:list": None, "viewer:site_list": None,
    "booking:calendar_token_rotate": None,  # the signed-in user's own calendar token
    "booking:order_list": None, "booking:flight_list": None,  # lists scoped by booking.selectors
    "booking:request_export": None, "booking:order_export": None, "booking:spend_export": None,  # the lists' exports
    "share-link-list": None,
    "notify:list": None, "notify:read_all": None,  # the signed-in user's own notifications
}
# fmt: on


def all_routes() -> dict[str, tuple[Any, list[str]]]:
    """Every named project route outside Django's admin: name -> (callback, URL keyword names)."""
    found: dict[str, tuple[Any, list[str]]] = {}

    def walk(patterns, namespace: str, prefix: str) -> None:
        for p in patterns:
            route = prefix + str(p.pattern)
            if isinstance(p, URLResolver):
                if route.startswith("admin/"):
                    continue  # Django's admin: staff only, its own permission system
                walk(
                    p.url_patterns,
                    f"{namespace}{p.namespace}:" if p.namespace else namespace,
                    route,
                )
            elif isinstance(p, URLPattern):
                assert p.name, f"unnamed route {route!r}: name it so it can be classified here"
                pattern = p.pattern
                names = list(getattr(pattern, "converters", {}) or pattern.regex.groupindex)
                found[namespace + p.name] = (p.callback, names)

    walk(get_resolver().url_patterns, "", "")
    return found


def test_every_route_is_classified():
    routes = all_routes()
    unclassified = {
        n: kw for n, (_, kw) in routes.items() if n not in DETAIL_ROUTES and n not in OTHER_ROUTES
    }
    assert not unclassified, (
        f"classify these routes in {__name__}.DETAIL_ROUTES or OTHER_ROUTES: {unclassified}"
    )
    # A file format in the path (lists' exports: export.csv / export.xlsx) names no object.
    with_ids = {n for n, (_, kw) in routes.items() if set(kw) - {"fmt"}}
    assert with_ids == set(DETAIL_ROUTES), "a route naming an object must be in DETAIL_ROUTES"
    assert set(DETAIL_ROUTES) | set(OTHER_ROUTES) == set(routes), "stale entries in the tables"


def methods_of(callback: Any, route: Route) -> list[str]:
    """The methods a route answers: the table's for plain Django views; a DRF view's own, with HEAD
    wherever GET is (DRF adds it at dispatch time)."""
    if route.methods:
        return list(route.methods)
    if actions := getattr(callback, "actions", None):  # a DRF viewset route: {method: action}
        methods = sorted(actions)
    else:
        methods = [
            m for m in ("get", "head", "post", "put", "patch", "delete") if hasattr(callback.cls, m)
        ]
    return methods + ["head"] if "get" in methods and "head" not in methods else methods


# ---------------------------------------------------------------- the world, built through the services


@dataclass
class World:
    cast: Cast
    objects: dict[str, list[tuple[Any, frozenset[str]]]] = field(default_factory=dict)
    hidden: dict[str, set[int | str]] = field(default_factory=dict)  # ids no outsider may list
    tile: tuple[int, int, int] = (0, 0, 0)


def _walk_to_flown(cast: Cast, now) -> FlightRequest:
    fr = booking.flight_request_create(
        actor=cast.requester, now=now, **cast.request_fields(now=now, site_name=MARKER)
    )
    booking.flight_request_submit(actor=cast.requester, flight_request=fr, now=now)
    fr.refresh_from_db()
    if fr.status == RequestStatus.REFERRED:
        booking.flight_request_approve(
            actor=cast.policy_officer, flight_request=fr, now=now, reason="ok"
        )
    booking.flight_request_order(actor=cast.procurement, flight_request=fr, now=now)
    booking.order_accept(actor=cast.contractor, flight_request=fr, now=now)
    fr.refresh_from_db()
    start = fr.window_start
    booking.flight_schedule(
        actor=cast.contractor,
        flight_request=fr,
        now=now,
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=2),
        pilot=cast.pilot,
        aircraft=cast.aircraft,
        operation=dict(GOOD_OPERATION),
    )
    booking.flight_record(
        actor=cast.contractor,
        flight_request=fr,
        now=start + timedelta(hours=3),
        flight_log={
            "takeoff": start.isoformat(),
            "landing": (start + timedelta(minutes=40)).isoformat(),
        },
        weather=dict(WEATHER_OK),
    )
    fr.refresh_from_db()
    assert fr.status == RequestStatus.FLOWN, fr.status
    return fr


@pytest.fixture(scope="module")
def cog(shared_data: Path, tmp_path_factory) -> Path:
    return to_cog(
        shared_data / "orthophotos" / "pix4d-bali.tif", tmp_path_factory.mktemp("cog") / "bali.tif"
    )


@pytest.fixture
def world(db, cog, shared_data) -> World:
    cast = make_cast()
    now = timezone.now()
    fr = _walk_to_flown(cast, now)
    referred = booking.flight_request_create(
        actor=cast.requester, now=now, **cast.request_fields(now=now, site_name=MARKER + " 2")
    )
    booking.flight_request_submit(actor=cast.requester, flight_request=referred, now=now)
    referred.refresh_from_db()
    # Referred to the policy officer: planners must not see it yet.
    assert referred.status == RequestStatus.REFERRED, referred.status
    survey = surveys.survey_create(flight_request=fr, by=cast.contractor)
    survey.orthophoto.save(f"survey-{survey.pk}.tif", ContentFile(cog.read_bytes()))
    photo = shared_data / "drone" / "caliterra-half" / "IMG_9354.jpg"
    asset = surveys.asset_ingest_file(survey=survey, path=photo, original_name=photo.name).asset
    Survey.objects.filter(pk=survey.pk).update(ortho_report={"photos_used": []}, conformance={"checks": []})
    upload = uploads.upload_create(
        survey=survey, owner=cast.contractor, filename="IMG_0001.JPG", size=1000, sha256="ab" * 32
    )
    job = processing.enqueue_job(kind="cog", survey=survey)
    schema = schema_for_survey(survey=survey)
    assert schema is not None
    annotation = inspection.annotation_create(
        survey=survey, by=cast.contractor, now=now, asset=asset,
        pixel_geometry={"type": "Point", "coordinates": [10, 10]}, **valid_marking(schema.document),
    )
    report = inspection.report_publish(survey=survey, rendered=render_report(survey), by=cast.contractor, now=now)
    crack = np.zeros((1500, 2000), dtype=bool)
    crack[100:104, 100:300] = True
    (candidate,) = detection.candidates_from_mask(survey=survey, asset=asset, kind="crack", detector="crack-blackhat",
                                                version="1", mask=crack, now=now)
    # a notification of a user who is none of the roles: only its recipient may see or mark it (nobody here)
    stranger = get_user_model().objects.create(username="notified-stranger", email="stranger@elsewhere.example")
    notification = Notification.objects.create(user=stranger, subject=f"[X-1] {MARKER}: Approved", body=MARKER,
                                               link="/requests/1/", created_at=now)
    share_link = viewer.share_link_create(by=cast.policy_officer, now=now, expires_in=timedelta(days=7),
                                          purpose="committee", survey=survey)
    order = fr.orders.get()
    flight = fr.flights.get()
    checks = list(PolicyCheck.objects.filter(flight_request=fr))
    referred_check = PolicyCheck.objects.filter(flight_request=referred).get()
    assert checks, "the walk should have stored policy checks"
    planner = frozenset({"planner"})
    nobody: frozenset[str] = frozenset()
    w = World(cast=cast)
    w.objects = {
        "request": [(fr, planner), (referred, nobody)],
        "order": [(order, planner)],
        "flight": [(flight, planner)],
        "check": [(checks[0], planner), (referred_check, nobody)],
        "survey": [(survey, planner)],
        "asset": [(asset, planner)],
        "tile": [(survey, planner)],
        "site": [(survey.site, planner)],
        "upload": [(upload, nobody)],  # private to the contractor user who started it
        "job": [(job, planner)],
        "annotation": [(annotation, planner)],
        "sharelink": [(share_link, planner)],
        "notification": [(notification, nobody)],
        "report": [(report, planner)],
        "candidate": [(candidate, planner)],
        "organisation": [(cast.organisation, nobody)],
        # A rival contractor has no business with another supplier's pilots (names, Flyer IDs) and aircraft.
        "supplier": [(cast.supplier, frozenset({"planner", "outsider"}))],
        "lot": [(cast.lot, EVERYONE)],
        "framework": [(cast.framework, EVERYONE)],
    }
    w.hidden = {
        "request": {fr.reference, referred.reference, fr.pk, referred.pk},
        "order": {order.pk},
        "flight": {flight.pk},
        "check": {c.pk for c in checks} | {referred_check.pk},
        "survey": {survey.pk},
        "site": {survey.site_id},
        "job": {job.pk},
    }
    with open_source(cog) as source:
        x0, y0, x1, y1 = tile_range(source, 18)
    w.tile = (18, (x0 + x1) // 2, (y0 + y1) // 2)
    return w


def kwargs_for(world: World, obj: Any, names: list[str], *, missing: bool = False) -> dict:
    z, x, y = world.tile
    if missing:
        values: dict[str, Any] = {
            "pk": 987654,
            "reference": "NO-SUCH-REF",
            "survey_id": 987654,
            "upload_id": uuid.uuid4(),
            "organisation_id": 987654,
            "token": "no-such-token",
            "asset_id": 987654,
        }
    else:
        values = {
            "pk": obj.pk,
            "reference": getattr(obj, "reference", None),
            "survey_id": obj.pk,
            "upload_id": obj.pk,
            "organisation_id": obj.pk,
            "asset_id": obj.pk,
        }
    values.update({"z": z, "x": x, "y": y, "ext": "png", "level": 0, "col": 0, "row": 0})
    return {name: values[name] for name in names if name != "action"}


def call(client: Client, method: str, url: str):
    extra = {"HTTP_TUS_RESUMABLE": "1.0.0", "HTTP_UPLOAD_OFFSET": "0"}
    if method in {"get", "head", "delete"}:
        return getattr(client, method)(url, **extra)
    if "/api/" in url:
        return getattr(client, method)(url, data=b"{}", content_type="application/json", **extra)
    return getattr(client, method)(url, data={}, **extra)


def urls_of(
    world: World, name: str, names: list[str], obj: Any, *, missing: bool = False
) -> list[str]:
    route = DETAIL_ROUTES[name]
    kwargs = kwargs_for(world, obj, names, missing=missing)
    if "action" in names:
        return [reverse(name, kwargs={**kwargs, "action": a}) for a in ACTIONS]
    return [reverse(name, kwargs=kwargs) + route.query]


def reads(route: Route, response, obj: Any) -> bool:
    """A reader's answer: 200, or for a page a reader may not use, the way back to the object's page."""
    if route.back_to_detail and response.status_code == 302:
        return response["Location"] == reverse("booking:request_detail", kwargs={"pk": obj.pk})
    return response.status_code == 200


def snapshot() -> tuple:
    """Everything an outsider's call could have changed."""
    return (
        list(
            FlightRequest.objects.order_by("pk").values_list(
                "pk", "status", "updated_at", "site_name"
            )
        ),
        AuditEvent.objects.exclude(action="file_downloaded").count(),  # a permitted download is audited
        list(CallOffOrder.objects.order_by("pk").values_list("pk", "status")),
        list(Flight.objects.order_by("pk").values_list("pk", "status", "scheduled_start")),
        PolicyCheck.objects.count(),
        list(
            Survey.objects.order_by("pk").values_list(
                "pk", "status", "flying_height_m", "flagged_for_review"
            )
        ),
        Asset.objects.count(),
        list(Upload.objects.order_by("pk").values_list("pk", "state", "offset")),
        list(Notification.objects.order_by("pk").values_list("pk", "read_at")),
        list(Job.objects.order_by("pk").values_list("pk", "state", "attempts")),
        list(Annotation.objects.order_by("pk").values_list("pk", "category", "severity", "note", "updated_at")),
        AnnotationEvent.objects.count(),
        list(InspectionReport.objects.order_by("pk").values_list("pk", "signed_off_at", "pdf_file")),
    )


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(str(settings.LOGIN_URL))


def user_for(world: World, role: str):
    return None if role == "anonymous" else getattr(world.cast, role)


def reader_fault(route: Route, method: str, response, obj: Any) -> str | None:
    """What is wrong with the answer to a role that may read the object (a planner): reads are 200,
    writes are refused (never 404, never a success unless the route only reads)."""
    code = response.status_code
    if method in {"get", "head"}:
        return None if reads(route, response, obj) else f"a reader got {code}, expected 200"
    if code == 404 or (200 <= code < 300 and not route.safe_post):
        return f"a read-only role got {code} on a write"
    return None


def outsider_fault(role: str, route: Route, response, control: int) -> str | None:
    """What is wrong with the answer to a role that may not see the object: 404 (or the route's gate);
    anonymous: 401/403 or the login page; and always exactly what a missing id gets."""
    code = response.status_code
    if role == "anonymous":
        ok, expected = code in {401, 403, 404} or is_login_redirect(response), "401/403/login"
    else:
        ok, expected = code == (route.gate or 404), str(route.gate or 404)
    if ok and code == control:
        return None
    return f"got {code}, a missing id gets {control}; expected {expected}"


@pytest.mark.parametrize("role", ROLES)
def test_outsiders_get_404_for_every_object_route(world, role):
    client = Client(raise_request_exception=False)
    if (user := user_for(world, role)) is not None:
        client.force_login(user)
    before = snapshot()
    failures: list[str] = []
    calls = 0
    for name, (callback, names) in all_routes().items():
        route = DETAIL_ROUTES.get(name)
        if route is None or route.kind == "token":
            continue
        for obj, viewers in world.objects[route.kind]:
            urls = urls_of(world, name, names, obj)
            missing_urls = urls_of(world, name, names, obj, missing=True)
            for method in methods_of(callback, route):
                for url, missing_url in zip(urls, missing_urls, strict=True):
                    calls += 1
                    got = call(client, method, url)
                    if got.status_code >= 500:
                        fault: str | None = f"{got.status_code} server error"
                    elif role in viewers:
                        fault = reader_fault(route, method, got, obj)
                    else:
                        control = call(client, method, missing_url).status_code
                        fault = outsider_fault(role, route, got, control)
                    if fault:
                        failures.append(f"{role} {method.upper()} {url} ({name}): {fault}")
    assert calls > 100
    assert not failures, f"{len(failures)} of {calls} calls broke the rule:\n" + "\n".join(failures)
    assert snapshot() == before, f"calls by {role} changed the database"


def test_the_administrator_reads_every_object(world):
    """Positive control: every read route answers 200 for a role that may see everything."""
    client = Client(raise_request_exception=False)
    client.force_login(world.cast.admin)
    failures = []
    for name, (callback, names) in all_routes().items():
        route = DETAIL_ROUTES.get(name)
        if route is None or route.kind == "token" or "get" not in methods_of(callback, route):
            continue
        for obj, _ in world.objects[route.kind]:
            for url in urls_of(world, name, names, obj):
                if not reads(route, got := client.get(url), obj):
                    failures.append(f"GET {url}: {got.status_code}")
    assert not failures, failures


def test_owners_read_their_own_objects(world):
    """The requesting service reads its request and survey; the supplier's contractor its order, upload, job."""
    cast, client = world.cast, Client(raise_request_exception=False)
    fr, _ = world.objects["request"][0]
    client.force_login(cast.requester)
    assert client.get(f"/api/v1/requests/{fr.reference}/").status_code == 200
    assert client.get(f"/surveys/{world.objects['survey'][0][0].pk}/").status_code == 200
    client.force_login(cast.contractor)
    assert client.get(f"/api/v1/orders/{world.objects['order'][0][0].pk}/").status_code == 200
    assert client.get(f"/api/v1/uploads/{world.objects['upload'][0][0].pk}/").status_code == 200
    assert client.get(f"/api/v1/jobs/{world.objects['job'][0][0].pk}/").status_code == 200
    assert (
        client.get(
            f"/api/v1/recharge/{cast.organisation.pk}/?start=2025-01-01&end=2025-12-31"
        ).status_code
        == 404
    )
    client.force_login(cast.requester)
    own = client.get(f"/api/v1/recharge/{cast.organisation.pk}/?start=2025-01-01&end=2025-12-31")
    assert own.status_code == 200 and own["Content-Type"].startswith("text/csv")


def _listed_ids(body: Any) -> set:
    rows = (
        body.get("results", [])
        if isinstance(body, dict)
        else body
        if isinstance(body, list)
        else []
    )
    return {row.get(key) for row in rows if isinstance(row, dict) for key in ("id", "reference")}


@pytest.mark.parametrize("role", ["outsider", "other_contractor"])
def test_lists_do_not_leak_other_organisations_objects(world, role):
    client = Client(raise_request_exception=False)
    client.force_login(getattr(world.cast, role))
    routes = all_routes()
    failures = []
    survey_pk = world.objects["survey"][0][0].pk
    fr_pk = world.objects["request"][0][0].pk
    filtered = [
        (f"/api/v1/jobs/?survey={survey_pk}", "job"),
        (f"/api/v1/surveys/?flight_request={fr_pk}", "survey"),
        (f"/api/v1/policy/checks/?flight_request={fr_pk}", "check"),
        (f"/api/v1/orders/?flight_request={fr_pk}", "order"),
    ]
    urls = [
        (reverse(n), OTHER_ROUTES[n])
        for n, (_, kw) in routes.items()
        if n in OTHER_ROUTES
        and not kw
        and n not in {"logout", "schema", "swagger-ui", "policy-evaluate"}
        and "pdf" not in n
    ]
    for url, kind in urls + filtered:
        got = client.get(url)
        if got.status_code >= 500:
            failures.append(f"GET {url}: {got.status_code}")
            continue
        text = got.content.decode(errors="replace")
        if MARKER in text or world.objects["request"][0][0].reference in text:
            failures.append(f"GET {url}: shows another service's request ({MARKER!r})")
        is_json = got.status_code == 200 and "json" in got.get("Content-Type", "")
        if kind and is_json and (leaked := _listed_ids(got.json()) & world.hidden.get(kind, set())):
            failures.append(f"GET {url}: lists hidden {kind} {sorted(map(str, leaked))}")
    if role == "other_contractor":
        suppliers = client.get("/api/v1/suppliers/").json()
        names = {s["name"] for s in suppliers.get("results", suppliers)}
        if world.cast.supplier.name in names:
            failures.append(
                "GET /api/v1/suppliers/: a rival supplier's pilots and aircraft are listed"
            )
    spend = client.get("/api/v1/spend/")
    if spend.status_code == 200 and world.cast.budget_code.code in spend.content.decode():
        failures.append(
            f"GET /api/v1/spend/: shows {world.cast.budget_code.code} of another service"
        )
    assert not failures, "\n".join(failures)


def test_calendar_feed_is_keyed_by_its_secret(world):
    """The feed has no login (Outlook fetches it): its secret token is the key; a wrong one is a 404."""
    client = Client(raise_request_exception=False)
    token = world.cast.contractor.profile.calendar_token
    assert client.get(reverse("booking-calendar", kwargs={"token": "guess"})).status_code == 404
    assert client.get(reverse("booking-calendar", kwargs={"token": token[:-1]})).status_code == 404
    feed = client.get(reverse("booking-calendar", kwargs={"token": token}))
    assert feed.status_code == 200 and feed.content.startswith(b"BEGIN:VCALENDAR")
    other = client.get(
        reverse(
            "booking-calendar", kwargs={"token": world.cast.other_contractor.profile.calendar_token}
        )
    )
    assert other.status_code == 200 and MARKER.encode() not in other.content


# ------------------------------------------------- what a response contains: suppliers see only their own
#
# One request with four suppliers on its lot: the first-ranked quotes and is ordered from its quote, then
# declines ("decliner"); the order passes to the next ("winner"), which accepts, schedules and flies it with
# its named pilot, delivers and gets the delivery back for rework; a third only quoted ("quoter"); a fourth
# never touched it ("uninvolved"). At every state,
# each supplier's contractor fetches the request through the web pages, the API request detail and lists,
# the audit endpoint and the policy-check list and details; no body may hold a string that identifies
# another supplier's work: its name, an amount of its order, quote or rate card, its PO number or decline
# reason, its pilot's name and Flyer ID, its operator ID, authorisation reference or insurance policy number.
# The strings come from the database, and an administrator's bodies must hold them (the positive control).

DECLINE_REASON = "Zqx our only pilot is on leave that week"
#: Distinct rate cards (per session, per hectare, per extra deliverable) so no two suppliers' figures match.
RATES = {
    "decliner": ("611.00", "43.17", "131.00"),
    "winner": ("577.00", "38.29", "117.00"),
    "quoter": ("593.00", "41.53", "109.00"),
    "uninvolved": ("623.00", "36.71", "127.00"),
}
QUOTES = {"decliner": Decimal("3141.59"), "quoter": Decimal("2718.28")}


@dataclass
class Market:
    cast: Cast
    suppliers: dict[str, Any]  # part -> Supplier
    users: dict[str, Any]  # part -> the supplier's contractor
    fr: FlightRequest | None = None
    #: more (string, what) pairs of a part's work, e.g. the reason its delivery was returned
    extra: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def _money(value: Any) -> set[str]:
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    return {str(amount), f"{amount:,}"}


def _contractor(username: str, supplier) -> Any:
    user = get_user_model().objects.create_user(username, f"{username}@example.org", "x")
    Profile.objects.create(user=user, role=Role.CONTRACTOR, supplier=supplier)
    return user


@pytest.fixture
def market(db) -> Market:
    cast = make_cast()
    today = timezone.localdate()
    quoter = add_supplier(
        name="Cairngorm Aerial Ltd", email="ops@cairngorm.example", lot=cast.lot, rank=3, today=today
    )
    uninvolved = add_supplier(
        name="Dalriada Drones Ltd", email="ops@dalriada.example", lot=cast.lot, rank=4, today=today
    )
    suppliers = {"decliner": cast.supplier, "winner": cast.other_supplier, "quoter": quoter,
                 "uninvolved": uninvolved}  # fmt: skip
    for part, (session, hectare, extra) in RATES.items():
        RateCard.objects.filter(supplier=suppliers[part], lot=cast.lot).update(
            per_session=Decimal(session), per_hectare=Decimal(hectare),
            per_extra_deliverable=Decimal(extra),
        )  # fmt: skip
    users = {
        "decliner": cast.contractor,
        "winner": cast.other_contractor,
        "quoter": _contractor("quoter_contractor", quoter),
        "uninvolved": _contractor("uninvolved_contractor", uninvolved),
    }
    return Market(cast=cast, suppliers=suppliers, users=users)


def identifying(m: Market, part: str) -> list[tuple[str, str]]:
    """(string, what it is) pairs that identify `part`'s supplier and its work on the request."""
    supplier, fr = m.suppliers[part], m.fr
    assert fr is not None
    found = [(supplier.name, "name")]
    for pilot in supplier.pilots.all():
        found += [(pilot.name, "pilot name"), (pilot.flyer_id, "Flyer ID")]
    found += [(r.operator_id, "operator ID") for r in supplier.operator_registrations.all()]
    found += [(a.reference, "authorisation") for a in supplier.authorisations.all()]
    found += [(c.policy_number, "insurance policy") for c in supplier.insurance_certificates.all()]
    for order in fr.orders.filter(supplier=supplier):
        found += [(s, "order value") for s in _money(order.value)] + [(order.po_number, "PO number")]
        if order.decline_reason:
            found.append((order.decline_reason, "decline reason"))
    for quote in fr.quotes.filter(supplier=supplier):
        found += [(s, "quote amount") for s in _money(quote.amount)]
    rate_card = supplier.rate_cards.get(lot=m.cast.lot)
    estimate = estimate_cost(
        rate_card=rate_card, sessions=fr.sessions, hectares=fr.area_hectares,
        deliverables=list(fr.deliverables),
    )  # fmt: skip
    return found + [(s, "rate-card estimate") for s in _money(estimate)] + m.extra.get(part, [])


def needles(m: Market, part: str, kind: str) -> list[str]:
    return [s for s, k in identifying(m, part) if k == kind]


def bodies(client: Client, fr: FlightRequest) -> dict[str, str]:
    """Every read that shows the request: URL -> body (whatever the status: a 404 must hold nothing)."""
    urls = [
        reverse("booking:request_detail", kwargs={"pk": fr.pk}),
        reverse("booking:request_list"),
        reverse("booking:dashboard"),
        reverse("flightrequest-detail", kwargs={"reference": fr.reference}),
        reverse("flightrequest-audit", kwargs={"reference": fr.reference}),
        reverse("flightrequest-list"),
        reverse("order-list") + f"?flight_request={fr.pk}",
        reverse("flight-list"),
        reverse("survey-list") + f"?flight_request={fr.pk}",
        reverse("policy-check-list") + f"?flight_request={fr.pk}",
        *(reverse("policy-check-detail", kwargs={"pk": pk})
          for pk in PolicyCheck.objects.filter(flight_request=fr).values_list("pk", flat=True)),
    ]  # fmt: skip
    out = {}
    for url in urls:
        got = client.get(url)
        assert got.status_code < 500, f"GET {url}: {got.status_code}"
        out[url] = got.content.decode(errors="replace")
    return out


def leaks(m: Market, state: str, part: str) -> list[str]:
    """What `part`'s contractor reads of the other suppliers."""
    client = Client(raise_request_exception=False)
    client.force_login(m.users[part])
    assert m.fr is not None
    rivals: dict[str, str] = {}
    for other in m.suppliers:
        if other != part:
            rivals.update({s: f"the {other}'s {kind}" for s, kind in identifying(m, other)})
    own = {s for s, _ in identifying(m, part)}
    assert not set(rivals) & set(own), "the world must give every supplier distinct strings"
    return [
        f"{state}: the {part} reads {whose} {needle!r} at GET {url}"
        for url, text in bodies(client, m.fr).items()
        for needle, whose in rivals.items()
        if needle in text
    ]


def _walk_market(m: Market, *, check_leaks: bool = True) -> list[str]:
    """Walk the request through the four suppliers' hands, checking every contractor's reads at each
    state (with `check_leaks`); returns every leak found."""
    cast, now = m.cast, timezone.now()
    found: list[str] = []

    def check(state: str) -> None:
        assert m.fr is not None
        m.fr.refresh_from_db()
        for part in m.suppliers if check_leaks else ():
            found.extend(leaks(m, state, part))

    fr = booking.flight_request_create(actor=cast.requester, now=now, **cast.request_fields(now=now))
    m.fr = fr
    booking.flight_request_submit(actor=cast.requester, flight_request=fr, now=now)
    fr.refresh_from_db()
    if fr.status == RequestStatus.REFERRED:
        booking.flight_request_approve(actor=cast.policy_officer, flight_request=fr, now=now, reason="ok")
        fr.refresh_from_db()
    quotes = {
        part: booking.quote_add(actor=cast.procurement, flight_request=fr, now=now,
                                supplier=m.suppliers[part], amount=amount, notes=f"{part} quote")
        for part, amount in QUOTES.items()
    }  # fmt: skip
    check("quoted")
    booking.flight_request_order(
        actor=cast.procurement, flight_request=fr, now=now, quote=quotes["decliner"]
    )
    check("ordered from the decliner's quote")
    new_order = booking.order_decline(
        actor=m.users["decliner"], flight_request=fr, now=now, reason=DECLINE_REASON
    )
    assert new_order is not None and new_order.supplier == m.suppliers["winner"]
    check("declined and passed on")
    booking.order_accept(actor=m.users["winner"], flight_request=fr, now=now)
    check("accepted by the winner")
    fr.refresh_from_db()
    start = fr.window_start
    booking.flight_schedule(
        actor=m.users["winner"], flight_request=fr, now=now, scheduled_start=start,
        scheduled_end=start + timedelta(hours=2), pilot=cast.other_pilot,
        aircraft=cast.other_aircraft, operation=dict(GOOD_OPERATION),
    )  # fmt: skip
    check("scheduled by the winner")
    booking.flight_record(
        actor=m.users["winner"], flight_request=fr, now=start + timedelta(hours=3),
        flight_log={"takeoff": start.isoformat(),
                    "landing": (start + timedelta(minutes=40)).isoformat()},
        weather=dict(WEATHER_OK),
    )  # fmt: skip
    fr.refresh_from_db()
    assert fr.status == RequestStatus.FLOWN, fr.status
    check("flown by the winner")
    deliver_through_survey(flight_request=fr, actor=m.users["winner"], now=start + timedelta(days=1))
    check("delivered by the winner")
    rework = "Zqx reshoot the north end, the tide was in"
    booking.flight_request_return_delivery(
        actor=cast.requester, flight_request=fr, now=start + timedelta(days=2), reason=rework
    )
    m.extra["winner"] = [(rework, "rework reason")]
    check("returned to the winner for rework")
    return found


def test_suppliers_read_nothing_of_each_other(market):
    found = _walk_market(market)
    assert not found, f"{len(found)} leaks:\n" + "\n".join(found)
    m, fr = market, market.fr
    assert fr is not None
    # Positive controls: each reads its own work, and an administrator reads everyone's, so the strings
    # searched for above are really in the answers when they are allowed.
    def text_of(user) -> str:
        client = Client(raise_request_exception=False)
        client.force_login(user)
        return "\n".join(bodies(client, fr).values())

    winner_text, decliner_text = text_of(m.users["winner"]), text_of(m.users["decliner"])
    for kind in ("name", "pilot name", "Flyer ID", "operator ID", "authorisation", "insurance policy",
                 "order value", "PO number", "rework reason"):  # fmt: skip
        assert any(s in winner_text for s in needles(m, "winner", kind)), f"the winner's own {kind}"
    for kind in ("name", "order value", "PO number", "decline reason", "quote amount"):
        assert any(s in decliner_text for s in needles(m, "decliner", kind)), f"the decliner's {kind}"
    admin_text = text_of(m.cast.admin)
    expected = {
        "winner": {"name", "pilot name", "Flyer ID", "operator ID", "authorisation", "insurance policy",
                   "order value", "PO number", "rework reason"},
        # the request's estimate comes from the first-ranked supplier's (the decliner's) rate card
        "decliner": {"name", "order value", "PO number", "decline reason", "quote amount",
                     "rate-card estimate"},
        "quoter": {"name", "quote amount"},
    }  # fmt: skip
    for part, kinds in expected.items():
        for kind in kinds:
            assert any(s in admin_text for s in needles(m, part, kind)), (
                f"the administrator reads the {part}'s {kind}"
            )
    # The lost quoter and the uninvolved supplier cannot open the request at all.
    for part in ("quoter", "uninvolved"):
        client = Client(raise_request_exception=False)
        client.force_login(m.users[part])
        assert client.get(reverse("flightrequest-detail", kwargs={"reference": fr.reference})).status_code == 404


@pytest.mark.parametrize("role", ["requester", "planner", "policy_officer"])
def test_quote_amounts_are_for_procurement_and_the_quoting_supplier(market, role):
    """Council readers see the order's value, not what the suppliers that lost quoted."""
    _walk_market(market, check_leaks=False)
    fr = market.fr
    assert fr is not None
    client = Client(raise_request_exception=False)
    client.force_login(getattr(market.cast, role))
    text = "\n".join(bodies(client, fr).values())
    assert any(s in text for s in _money(fr.current_order.value)), "the order's value is theirs to read"
    for needle in _money(QUOTES["quoter"]):
        assert needle not in text, f"a {role} reads the losing quote {needle}"
