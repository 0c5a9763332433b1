"""The unread notification count for the header (templates/base.html)."""

from __future__ import annotations

from typing import Any

from .selectors import unread_count


def notifications(request: Any) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": unread_count(user)}
