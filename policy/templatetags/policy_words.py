"""The policy findings in words on the web pages: `{% load policy_words %}`, then `{{ finding|in_words }}` (the
evidence as one sentence, policy.core.explain.explain, dates in the site's time zone) and
`{{ finding.evidence|technical_details }}` ((key, value) text pairs for the "Technical details")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template
from django.conf import settings

from policy.core.explain import explain
from policy.core.wording import LONDON
from policy.core.wording import technical_details as _technical_details

register = template.Library()


@register.filter
def in_words(finding: Mapping[str, Any]) -> str:
    return explain(finding, tz=getattr(settings, "TIME_ZONE", None) or LONDON)


@register.filter
def technical_details(evidence: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    return _technical_details(evidence if isinstance(evidence, Mapping) else {})
