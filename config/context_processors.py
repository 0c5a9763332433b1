"""Template context every page gets: the map background the map scripts should use (docs/everyday.md)."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def basemap() -> dict[str, Any]:
    """The basemap settings as the map scripts read them: `url` is None for no background ("none")."""
    url = (settings.BASEMAP_URL or "").strip()
    return {
        "url": None if url.lower() in {"", "none"} else url,
        "attribution": settings.BASEMAP_ATTRIBUTION,
        "maxZoom": settings.BASEMAP_MAX_ZOOM,
    }


def site(request: Any) -> dict[str, Any]:
    return {"basemap": basemap()}
