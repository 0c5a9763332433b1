"""Shared fixtures. App-specific fixtures live in each tests/<app>/conftest.py."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path:
    """The one setting through which tests find the real data (default ../shared/data)."""
    return Path(os.environ.get("SHARED_DATA_DIR", str(ROOT.parent / "shared" / "data")))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"real data folder {path} is not present (set SHARED_DATA_DIR)")
    return path


@pytest.fixture(autouse=True)
def _media_in_tmp(request, tmp_path_factory):
    """Every test that touches Django writes media under a throw-away folder."""
    if "django_db_setup" not in request.fixturenames and "settings" not in request.fixturenames:
        yield
        return
    settings = request.getfixturevalue("settings")
    media = tmp_path_factory.mktemp("media")
    settings.MEDIA_ROOT = media
    settings.UPLOAD_TEMP_DIR = media / "_incoming"
    yield


@pytest.fixture
def send_outbox(mailoutbox):
    """Send the queued notifications now through the real sender (as `run_jobs` does on each poll).

    Mail is written to the outbox in the transaction of the change; call `send_outbox()` after the action and
    assert on what it returns (pytest-django's `mailoutbox`)."""
    from django.utils import timezone

    from notify.services import outbox_send_due

    def send() -> list:
        outbox_send_due(now=timezone.now(), limit=10_000)
        return mailoutbox

    return send


@pytest.fixture
def dead_smtp_server(settings):
    """A real TCP server on localhost that takes SMTP connections and hangs up at once (a dead mail server);
    the settings point Django's real SMTP backend at it. Yields (host, port)."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.1)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.close()

    thread = threading.Thread(target=serve, daemon=True, name="dead-smtp")
    thread.start()
    host, port = server.getsockname()[:2]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = host, port, 5
    settings.EMAIL_USE_TLS = False
    yield host, port
    stop.set()
    thread.join(timeout=2)
    server.close()
