"""Who may read and who may deliver to a survey.

Reading: the contractor users of the survey's supplier, the requesters of the owning service (the request's
organisation, else the site's), procurement and policy officers, planners and administrators. Everyone else
gets a 404 (see `selectors.visible_surveys`). Delivering (uploads, deliver): the supplier's contractor users and
administrators only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from accounts.roles import Role, is_admin, role_of, supplier_id_of

if TYPE_CHECKING:
    from .models import Survey

def can_deliver(user: Any, survey: Survey) -> bool:
    """Upload files to, or declare delivered, this survey."""
    if is_admin(user):
        return True
    supplier_id = supplier_id_of(user)
    return supplier_id is not None and survey.supplier_id == supplier_id


def can_rebuild_map(user: Any, survey: Survey) -> bool:
    """Queue the survey's map to be built again: its contractor, and the council's policy and procurement officers."""
    return can_deliver(user, survey) or role_of(user) in {Role.POLICY_OFFICER, Role.PROCUREMENT}


def can_create_survey(user: Any) -> bool:
    return is_admin(user) or supplier_id_of(user) is not None
