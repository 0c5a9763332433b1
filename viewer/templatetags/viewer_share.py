"""`{% share_links_for site_or_survey %}`: the share-link section (make, list, revoke) for officers and planners;
nothing for anyone else. One line in a page's template."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from surveys.models import Site

from .. import selectors, services

register = template.Library()


@register.inclusion_tag("viewer/_share_links.html", takes_context=True)
def share_links_for(context: dict[str, Any], obj: Any) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not services.can_share(user):
        return {"hidden": True}
    is_site = isinstance(obj, Site)
    links = selectors.visible_share_links(user).filter(**({"site": obj} if is_site else {"survey": obj}))[:50]
    return {"links": links, "share_what": "site" if is_site else "survey", "now": timezone.now(),
            "share_max_days": settings.SHARE_LINK_MAX_DAYS, "csrf_token": context.get("csrf_token"),
            "share_action": reverse("viewer:site_share" if is_site else "viewer:survey_share", args=[obj.pk])}
