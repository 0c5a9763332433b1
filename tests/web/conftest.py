"""Browser test infrastructure: Playwright (sync API) driving Debian's Chromium against live_server.

Fixtures (names are relied on by other test modules, keep them stable):
- ``browser``: one headless Chromium for the session;
- ``page``: a fresh browser context and page per test, allowed to reach only the live server
  (map tiles and anything else off-site are refused so tests never touch the network);
- ``login(page, base_url, username, password)``: signs in through the real login form.

Browser tests are marked ``@pytest.mark.browser`` and ``@pytest.mark.xdist_group("browser")`` and use
pytest-django's ``live_server`` (which needs ``transactional_db``).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run inside one
# unless told that this is deliberate (the test code, not the server, touches the database here).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEFAULT_TIMEOUT_MS = 15_000
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"Chromium not found at {CHROMIUM}: run `make browser` (or set CHROMIUM_PATH)"
        )
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, live_server, request) -> Iterator[object]:
    """A page in its own context; only the live server may be reached. The context bypasses the
    Content-Security-Policy only so that Playwright's own wait_for_function predicates (evaluated with eval)
    can run; tests marked `strict_csp` get the policy as a browser enforces it (tests/web/test_csp.py)."""
    allowed = urlparse(live_server.url).netloc
    strict = request.node.get_closest_marker("strict_csp") is not None
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", bypass_csp=not strict)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)

    def only_live_server(route) -> None:
        netloc = urlparse(route.request.url).netloc
        if netloc == allowed or route.request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", only_live_server)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    pg.js_errors = errors  # type: ignore[attr-defined]
    in_flight: set[object] = set()
    pg.on("request", lambda req: in_flight.add(req))
    pg.on("requestfinished", lambda req: in_flight.discard(req))
    pg.on("requestfailed", lambda req: in_flight.discard(req))
    try:
        yield pg
    finally:
        failed = getattr(request.node, "rep_call", None)
        if failed is not None and failed.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            with contextlib.suppress(
                Exception
            ):  # a failed screenshot must not hide the real failure
                pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
        # Let requests the page still has in flight (map refreshes, the last upload checks) finish before the
        # database is flushed: on PostgreSQL a live-server thread mid-transaction deadlocks with the flush.
        deadline = time.monotonic() + 15
        while in_flight and time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                pg.wait_for_timeout(100)
        context.close()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item so that ``page`` can screenshot failures."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def login(page, base_url: str, username: str, password: str) -> None:
    """Sign in through the login form (any earlier session is dropped first).

    Import it with ``from tests.web.conftest import login``."""
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    if "/accounts/login/" in page.url:
        raise AssertionError(f"login as {username!r} failed: still on {page.url}")


@pytest.fixture
def airspace_data(db, shared_data: Path) -> None:
    """The real UK airspace (YAIXM) imported into the test database, as `make demo` does, so that the
    policy check at submission has airspace to check against (rule AIR-10 blocks without it)."""
    from django.core.management import call_command
    from django.utils import timezone

    call_command(
        "import_airspace",
        str(shared_data / "airspace" / "airspace.yaml"),
        str(shared_data / "airspace" / "rat.yaml"),
        # Dated today, so rule AIR-10 (data currency) does not depend on when the shared files were copied.
        "--data-date",
        timezone.localdate().isoformat(),
        stdout=open(os.devnull, "w"),  # noqa: SIM115 - closed with the process; the summary is not needed
    )


# ---- booking states for page tests (through the real services) ------------------------------------


@pytest.fixture
def cast(db):
    """The fixed cast of tests.factories: a user per role, organisations, a framework, suppliers."""
    from tests.factories import make_cast

    return make_cast()


def as_user(client, user):
    client.force_login(user)
    return client


#: What a complete application carries besides the basics (take-off point, buffer, documents held).
COMPLETE = {
    "takeoff_points": [[-5.4730, 56.4158]],
    "contingency_buffer_m": 15,
    "documents": {
        "rams": "RAMS-OBN-17",
        "dpia": "DPIA-2026-03",
        "landowner_consent": "ABC-EST-LO-4",
    },
    "site_context": {"built_up": True, "country": "scotland", "land_owner": "council"},
}

#: The operating inputs a contractor gives when scheduling (PDRA01 distances, docs/policy.md `operation`).
OPERATION = {
    "max_distance_from_pilot_m": 300,
    "min_distance_people_m": 50,
    "min_distance_people_takeoff_m": 50,
}


def draft_request(cast, **overrides):
    """A complete draft; with people in view it is referred to a policy officer when submitted."""
    from booking import services

    fields = cast.request_fields(**{**COMPLETE, **overrides})
    return services.flight_request_create(actor=cast.requester, now=_now(), **fields)


def approved_request(cast):
    from booking import services
    from booking.models import RequestStatus

    fr = draft_request(cast, people_in_view=True)
    fr = services.flight_request_submit(actor=cast.requester, flight_request=fr, now=_now())
    if fr.status == RequestStatus.REFERRED:
        fr = services.flight_request_approve(
            actor=cast.policy_officer, flight_request=fr, now=_now()
        )
    assert fr.status == RequestStatus.APPROVED, fr.status
    return fr


def confirmed_request(cast):
    """Approved, ordered from cast.supplier and accepted by its contractor."""
    from booking import services

    fr = approved_request(cast)
    services.flight_request_order(
        actor=cast.procurement, flight_request=fr, now=_now(), supplier=cast.supplier
    )
    services.order_accept(actor=cast.contractor, flight_request=fr, now=_now())
    fr.refresh_from_db()
    return fr


def messages_of(text: str) -> str:
    return text.split('class="messages"')[1].split("</ul>")[0] if 'class="messages"' in text else ""


def actions_offered(client, fr) -> set[str]:
    text = client.get(f"/requests/{fr.pk}/").content.decode()
    return {chunk.split('"')[0] for chunk in text.split('id="action-')[1:]}


def _now():
    from django.utils import timezone

    return timezone.now()
