"""`{% survey_reports survey %}`: the "Reports" card of the survey page (templates/inspection/_reports.html),
with the versions the user may see and what they may do with them."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.roles import Role, role_of

from ..permissions import can_annotate
from ..selectors import visible_reports

register = template.Library()


@register.inclusion_tag("inspection/_reports.html", takes_context=True)
def survey_reports(context: dict[str, Any], survey: Any) -> dict[str, Any]:
    user = context["request"].user
    reports = list(visible_reports(user).filter(survey=survey).order_by("-number"))
    may_write = can_annotate(user, survey)
    return {"survey": survey, "reports": reports, "can_make": may_write and survey.annotations.exists(),
            "can_sign": may_write and role_of(user) != Role.CONTRACTOR,
            "csrf_token": context.get("csrf_token")}
