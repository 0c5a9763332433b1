"""Who may read and who may deliver to a survey.

Reading: the contractor users of the survey's supplier, the requesters of the owning service (the request's
organisation, else the site's), procurement and policy officers, planners and administrators. Everyone else
gets a 404 (see `selectors.visible_surveys`). Delivering (uploads, deliver): the supplier's contractor users and
administrators only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework.permissions import BasePermission

if TYPE_CHECKING:
    from .models import Survey

READ_ALL_ROLES = frozenset({"procurement", "policy_officer", "planner", "admin"})


def _profile(user: Any) -> Any | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "profile", None)


def role_of(user: Any) -> str | None:
    profile = _profile(user)
    return getattr(profile, "role", None) if profile is not None else None


def is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or role_of(user) == "admin"


def supplier_id_of(user: Any) -> int | None:
    profile = _profile(user)
    if profile is None or role_of(user) != "contractor":
        return None
    return getattr(profile, "supplier_id", None)


def organisation_id_of(user: Any) -> int | None:
    profile = _profile(user)
    return getattr(profile, "organisation_id", None) if profile is not None else None


def can_deliver(user: Any, survey: Survey) -> bool:
    """Upload files to, or declare delivered, this survey."""
    if is_admin(user):
        return True
    supplier_id = supplier_id_of(user)
    return supplier_id is not None and survey.supplier_id == supplier_id


def can_rebuild_map(user: Any, survey: Survey) -> bool:
    """Queue the survey's map to be built again: its contractor, and the council's policy and procurement officers."""
    return can_deliver(user, survey) or role_of(user) in {"policy_officer", "procurement"}


def can_create_survey(user: Any) -> bool:
    return is_admin(user) or supplier_id_of(user) is not None


class CanDeliver(BasePermission):
    """Object permission for uploads and the deliver action (visibility is decided by the queryset)."""

    message = "Only the contractor of this survey's supplier may deliver files to it."

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        survey = getattr(obj, "survey", obj)
        return can_deliver(request.user, survey)
