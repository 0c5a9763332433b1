"""Who may annotate a survey.

Reading follows the survey (`surveys.selectors.visible_surveys`: anything else is a 404). Writing (create,
edit, delete annotations) is for the inspectors: the contractor users of the survey's supplier (their own staff
inspecting what they flew), the requesters of the owning service (the council's engineers the survey is for),
the council's policy and procurement officers, and administrators. Planners read only. Every edit and deletion
is kept in the annotation's event log and the request's audit trail, whoever made it.
"""

from __future__ import annotations

from typing import Any

from accounts.roles import Role, is_admin, organisation_id_of, role_of, supplier_id_of


def can_annotate(user: Any, survey: Any) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if is_admin(user):
        return True
    role = role_of(user)
    if role in {Role.POLICY_OFFICER, Role.PROCUREMENT}:
        return True
    if role == Role.CONTRACTOR:
        supplier_id = supplier_id_of(user)
        return supplier_id is not None and survey.supplier_id == supplier_id
    if role == Role.REQUESTER:
        org_id = organisation_id_of(user)
        owner = survey.flight_request.organisation_id if survey.flight_request_id else survey.site.organisation_id
        return org_id is not None and owner == org_id
    return False


def can_publish_schema(user: Any) -> bool:
    return is_admin(user)
