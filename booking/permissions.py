"""Who is who: role helpers used by selectors, services and the API."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from rest_framework.permissions import BasePermission

from .models import Role

#: Roles that read every request (planners only approved ones, see selectors.visible_requests).
OFFICER_ROLES = frozenset({Role.POLICY_OFFICER, Role.PROCUREMENT, Role.ADMIN})


def profile_of(user: Any) -> Any | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.profile
    except ObjectDoesNotExist:  # a user without a profile has no role
        return None


def role_of(user: Any) -> str | None:
    """The user's role; a superuser without a profile counts as admin."""
    profile = profile_of(user)
    if profile is not None:
        return profile.role
    if getattr(user, "is_superuser", False):
        return Role.ADMIN
    return None


def is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or role_of(user) == Role.ADMIN


def organisation_id_of(user: Any) -> int | None:
    profile = profile_of(user)
    return profile.organisation_id if profile is not None else None


def supplier_id_of(user: Any) -> int | None:
    profile = profile_of(user)
    if profile is None or profile.role != Role.CONTRACTOR:
        return None
    return profile.supplier_id


class HasRole(BasePermission):
    """Any authenticated user with a booking role (a profile or superuser)."""

    def has_permission(self, request, view) -> bool:
        return role_of(request.user) is not None


class IsProcurementOrAdmin(BasePermission):
    def has_permission(self, request, view) -> bool:
        return role_of(request.user) in {Role.PROCUREMENT, Role.ADMIN}
