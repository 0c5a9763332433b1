"""Survey pieces other apps' pages show without importing surveys (the dashboard's recent surveys)."""

from __future__ import annotations

from typing import Any

from django import template

from ..selectors import visible_surveys

register = template.Library()

#: Surveys listed on the dashboard.
RECENT = 10


@register.inclusion_tag("surveys/_recent_surveys.html")
def recent_surveys(user: Any) -> dict:
    surveys = visible_surveys(user).select_related("site", "flight_request").order_by("-pk")[:RECENT]
    return {"surveys": list(surveys)}
