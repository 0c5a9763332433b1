"""Browser: the Content-Security-Policy (django-csp, config/settings.py) is sent on every page and the pages
satisfy it. Each main page is opened as the role that uses it, with a `securitypolicyviolation` listener and the
console watched for "Content Security Policy" messages: none may appear, and the scripts that used to be inline
(the request page's daylight table, a job's progress) still work from their static files. An inline script or
event handler injected into a page does not run. Leaflet draws its maps without inline styles (style="" in
markup), so the policy's `'unsafe-inline'` for styles is there only for the templates' own style attributes."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from processing.models import Job
from tests.factories import PASSWORD
from tests.surveys.helpers import make_delivery
from tests.viewer.conftest import bali_cog, face_jpeg, site_world  # noqa: F401 - fixtures used below
from tests.web.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser"), pytest.mark.strict_csp]

LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile +
                    ":" + e.lineNumber);
});
"""


def _watch(page) -> list[str]:
    """Collect CSP violations of every document the page loads (listener + console)."""
    page.add_init_script(LISTEN)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    return console


def _visit(page, url: str, console: list[str], *, settle_ms: int = 400) -> dict[str, str]:
    """Open `url`, let its scripts run, and fail on any violation. Returns the response headers."""
    before = len(console)
    response = page.goto(url)
    assert response is not None and response.ok, (url, response and response.status)
    page.wait_for_load_state("load")
    page.wait_for_timeout(settle_ms)
    violations = page.evaluate("window.__csp || []")
    assert violations == [], (url, violations)
    assert console[before:] == [], (url, console[before:])
    headers = response.headers
    assert "content-security-policy" in headers, url
    return headers


def _wait_for_text(page, selector: str, text: str, seconds: float = 8) -> None:
    """Poll from Python: Playwright's wait_for_function evaluates with eval, which the enforced policy refuses."""
    for _ in range(int(seconds * 10)):
        if page.locator(selector).inner_text() == text:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{selector} never read {text!r}: {page.locator(selector).inner_text()!r}")


def _directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def _confirmed(cast):
    from booking import services
    from booking.models import RequestStatus
    from tests.factories import load_test_airspace

    now = timezone.now()
    load_test_airspace(today=timezone.localdate())
    fr = services.flight_request_create(actor=cast.requester, now=now, **cast.request_fields(now=now))
    fr = services.flight_request_submit(actor=cast.requester, flight_request=fr, now=now)
    if fr.status == RequestStatus.REFERRED:
        fr = services.flight_request_approve(actor=cast.policy_officer, flight_request=fr, now=now)
    services.flight_request_order(actor=cast.procurement, flight_request=fr, now=now, supplier=cast.supplier)
    services.order_accept(actor=cast.contractor, flight_request=fr, now=now)
    fr.refresh_from_db()
    assert fr.status == RequestStatus.CONFIRMED
    return fr


@pytest.mark.django_db(transaction=True)
def test_the_pages_send_the_policy_and_satisfy_it(page, live_server, site_world):  # noqa: F811
    from viewer import services as viewer

    cast = site_world["cast"]
    base = live_server.url
    console = _watch(page)
    fr = _confirmed(cast)
    survey = site_world["second"]
    job = Job.objects.create(kind="orthophoto", survey=survey, state="running", stage="matching", progress=40,
                             heartbeat_at=timezone.now(), started_at=timezone.now(), attempts=1)
    link = viewer.share_link_create(by=cast.planner, now=timezone.now(), expires_in=timedelta(days=3),
                                    purpose="CSP test", site=site_world["site"])

    # The policy itself, as the brief for it says.
    login(page, base, cast.requester.username, PASSWORD)
    policy = _directives(_visit(page, f"{base}/", console)["content-security-policy"])
    assert policy["default-src"] == ["'self'"] and policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert {"'self'", "data:", "blob:"} <= set(policy["img-src"])

    # The requester: lists, a new request (the drawing map), the request page (its site map), the policy.
    for path in ("/requests/", "/requests/new/", f"/requests/{fr.pk}/", "/surveys/", "/sites/", "/policy/", "/profile/",
                 "/notifications/", "/flights/"):
        _visit(page, base + path, console)

    # The contractor: the request page with the schedule form and the daylight table (static/js/daylight.js).
    login(page, base, cast.contractor.username, PASSWORD)
    _visit(page, f"{base}/requests/{fr.pk}/", console)
    assert page.locator("#site-map.leaflet-container").count() == 1
    start = page.locator('#action-schedule [name="scheduled_start"]')
    inside = timezone.localtime(fr.window_start + timedelta(days=1, hours=2)).strftime("%Y-%m-%dT%H:%M")
    start.fill(inside)
    start.dispatch_event("change")
    assert "sunrise" in page.locator("#daylight-chosen").inner_text()
    assert page.locator("#daylight tr.chosen").count() == 1
    _visit(page, f"{base}/orders/", console)

    # The planner: a survey page with its map and a running job (static/js/job.js follows it), the site viewer.
    login(page, base, cast.planner.username, PASSWORD)
    with page.expect_request(re.compile(rf"/api/v1/jobs/{job.pk}/$"), timeout=8000):
        _visit(page, f"{base}/surveys/{survey.pk}/", console)
    Job.objects.filter(pk=job.pk).update(progress=70, stage="orthophoto")
    _wait_for_text(page, f"#job-{job.pk} .job-progress", "70%")
    assert "orthophoto" in page.locator(f"#job-{job.pk} .job-stage").inner_text()
    assert page.evaluate("window.__csp") == []
    _visit(page, f"{base}/sites/{site_world['site'].pk}/", console, settle_ms=1500)
    _visit(page, f"{base}/surveys/{site_world['first'].pk}/", console, settle_ms=1000)

    # Procurement's spend page; the API documentation; the admin.
    login(page, base, cast.procurement.username, PASSWORD)
    _visit(page, f"{base}/spend/", console)
    _visit(page, f"{base}/api/docs/", console, settle_ms=2000)
    assert page.locator(".swagger-ui .info").count() == 1  # Swagger UI drew the schema
    _visit(page, f"{base}/api/redoc/", console, settle_ms=2000)
    login(page, base, cast.admin.username, PASSWORD)
    _visit(page, f"{base}/admin/", console)
    _visit(page, f"{base}/admin/booking/flightrequest/", console)
    _visit(page, f"{base}/admin/booking/flightrequest/{fr.pk}/change/", console)

    # Anyone with the share link (no account).
    page.context.clear_cookies()
    _visit(page, f"{base}/s/{link.token}/", console, settle_ms=1500)
    _visit(page, f"{base}/accounts/login/", console)
    assert page.js_errors == []


@pytest.mark.django_db(transaction=True)
def test_an_injected_inline_script_or_handler_does_not_run(page, live_server):
    """As if an escaping bug let markup into a page: the browser refuses inline script, event handlers,
    javascript: URLs and scripts from another host, and reports each."""
    from tests.factories import make_cast

    cast = make_cast(airspace=False)
    base = live_server.url
    injected = (
        '<script>window.__ran = "inline";</script>'
        '<img src="data:," onerror="window.__ran = \'handler\'">'
        '<a id="js-link" href="javascript:window.__ran=\'link\'">x</a>'
        '<script src="https://attacker.example/x.js"></script>'
    )

    def inject(route) -> None:
        response = route.fetch()
        body = response.text().replace("</main>", injected + "</main>", 1)
        route.fulfill(response=response, body=body)

    page.add_init_script(LISTEN)
    login(page, base, cast.requester.username, PASSWORD)
    page.route(f"{base}/requests/", inject)
    response = page.goto(f"{base}/requests/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("load")
    page.wait_for_timeout(400)
    assert page.evaluate("window.__ran === undefined")
    page.locator("#js-link").click()
    page.wait_for_timeout(400)
    assert page.evaluate("window.__ran === undefined")
    violations = page.evaluate("window.__csp")
    assert sum("script-src" in v for v in violations) >= 3, violations
    # The page's own scripts (from /static/) still ran: the phone menu button works.
    page.set_viewport_size({"width": 400, "height": 800})
    page.locator("#menu-toggle").click()
    assert page.locator("#menu-toggle").get_attribute("aria-expanded") == "true"


@pytest.mark.django_db(transaction=True)
def test_leaflet_maps_need_no_inline_styles(page, live_server):
    """With `'unsafe-inline'` taken out of style-src, the map pages still raise no violation: Leaflet (and
    Leaflet.draw) style through element.style, which the policy does not govern."""
    from tests.factories import make_cast

    cast = make_cast(airspace=False)
    survey = make_delivery(cast)
    base = live_server.url

    def strict(route) -> None:
        response = route.fetch()
        headers = dict(response.headers)
        header = headers["content-security-policy"]
        assert "'unsafe-inline'" in header
        headers["content-security-policy"] = header.replace(" 'unsafe-inline'", "")
        route.fulfill(response=response, headers=headers)

    console = _watch(page)
    login(page, base, cast.planner.username, PASSWORD)
    page.route(re.compile(rf"^{re.escape(base)}/(requests/(new/|\d+/)|surveys/\d+/)$"), strict)
    _visit(page, f"{base}/surveys/{survey.pk}/", console, settle_ms=800)
    assert page.locator("#survey-map.leaflet-container").count() == 1
    _visit(page, f"{base}/requests/{survey.flight_request_id}/", console, settle_ms=800)
    assert page.locator("#site-map.leaflet-container").count() == 1
    login(page, base, cast.requester.username, PASSWORD)
    _visit(page, f"{base}/requests/new/", console, settle_ms=800)
    assert page.locator(".leaflet-draw").count() >= 1
    page.locator(".leaflet-draw-draw-polygon").first.click()
    box = page.locator(".leaflet-container").first.bounding_box()
    for dx, dy in ((100, 100), (200, 100), (200, 200)):
        page.mouse.click(box["x"] + dx, box["y"] + dy)
    page.mouse.click(box["x"] + 100, box["y"] + 100)
    page.wait_for_timeout(300)
    assert page.evaluate("window.__csp") == []
