"""The drills use the test suite's fixtures (shared data, media in a throw-away folder)."""

from tests.conftest import _media_in_tmp, dead_smtp_server, send_outbox, shared_data  # noqa: F401
