"""{% request_live fr %}: the request page's change marker, drawn at the request's current version so that
static/js/live.js can tell when someone else acted on it (surveys/live.py)."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string

from surveys.live import request_version

register = template.Library()


@register.simple_tag
def request_live(fr) -> str:
    version = request_version(fr)
    return render_to_string("live/_request_state.html", {"fr": fr, "version": version, "seen": version,
                                                         "changed": False})


@register.simple_tag(takes_context=True)
def delivery_state(context, survey) -> str:
    """The survey page's delivery state for the signed-in user (files stored, the Deliver button)."""
    from surveys.live import delivery_context

    request = context["request"]
    return render_to_string("live/_delivery_state.html", delivery_context(request.user, survey), request=request)
