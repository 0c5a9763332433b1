"""Who is who, in one place for every app: a user's role, the organisation (council service or
partner) a requester acts for, the supplier a contractor works for.

A user's role lives on `user.profile` (booking's `Profile`: `role`, `organisation_id`, `supplier_id`);
these helpers read it without importing booking, so every app in the dependency order can use them.
A superuser without a profile counts as an administrator.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models


class Role(models.TextChoices):
    REQUESTER = "requester", "Requester"
    POLICY_OFFICER = "policy_officer", "Drone policy officer"
    PROCUREMENT = "procurement", "Procurement officer"
    CONTRACTOR = "contractor", "Contractor"
    PLANNER = "planner", "Planner / viewer"
    ADMIN = "admin", "Administrator"


#: Roles that read every request and survey (planners only approved ones).
OFFICER_ROLES = frozenset({Role.POLICY_OFFICER, Role.PROCUREMENT, Role.ADMIN})
#: Roles that read every delivered survey.
READ_ALL_SURVEYS_ROLES = frozenset({*OFFICER_ROLES, Role.PLANNER})


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
        return str(profile.role)
    if getattr(user, "is_superuser", False):
        return Role.ADMIN
    return None


def is_admin(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or role_of(user) == Role.ADMIN


def organisation_id_of(user: Any) -> int | None:
    profile = profile_of(user)
    return profile.organisation_id if profile is not None else None


def supplier_id_of(user: Any) -> int | None:
    """The supplier a contractor user works for (None for every other role)."""
    profile = profile_of(user)
    if profile is None or profile.role != Role.CONTRACTOR:
        return None
    return profile.supplier_id


def is_operator(user: Any) -> bool:
    """Runs the machinery (retries or cancels processing jobs, reads every job): Django staff and
    administrators."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "is_staff", False)) or is_admin(user)
