"""DRF permission classes built on accounts.roles."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from .roles import role_of


class HasRole(BasePermission):
    """Any authenticated user with a role (a profile, or a superuser)."""

    def has_permission(self, request, view) -> bool:
        return role_of(request.user) is not None
