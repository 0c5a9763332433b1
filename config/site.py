"""Absolute addresses: links that leave the page (e-mails, calendar feeds, TileJSON, WMTS, share links) start
with settings.SITE_URL, the address users reach the app at, never with whatever Host a request carried."""

from __future__ import annotations

from django.conf import settings


def absolute_url(path: str) -> str:
    """`path` (starting with /) under SITE_URL, e.g. "https://surveys.argyll-bute.gov.uk/requests/7/"."""
    if not path.startswith("/"):
        path = "/" + path
    return settings.SITE_URL.rstrip("/") + path
