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

import os
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
        raise RuntimeError(f"Chromium not found at {CHROMIUM}: run `make browser` (or set CHROMIUM_PATH)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, live_server, request) -> Iterator[object]:
    """A page in its own context; only the live server may be reached."""
    allowed = urlparse(live_server.url).netloc
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
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
    try:
        yield pg
    finally:
        failed = getattr(request.node, "rep_call", None)
        if failed is not None and failed.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            try:
                pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
            except Exception:  # noqa: BLE001 - a failed screenshot must not hide the real failure
                pass
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

    call_command(
        "import_airspace",
        str(shared_data / "airspace" / "airspace.yaml"),
        str(shared_data / "airspace" / "rat.yaml"),
        stdout=open(os.devnull, "w"),  # noqa: SIM115 - closed with the process; the summary is not needed
    )
