"""{% demo_notice survey %}: on the demo survey's page, a plain statement of where its photos come from."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string

from demo.records import DEMO_SURVEY_SITE

register = template.Library()


@register.simple_tag
def demo_notice(survey) -> str:
    if getattr(getattr(survey, "site", None), "name", None) != DEMO_SURVEY_SITE:
        return ""
    return render_to_string("demo/_survey_notice.html", {"survey": survey})
