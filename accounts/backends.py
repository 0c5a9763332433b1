"""Login throttling (django-axes): failed sign-ins are counted per username and address; after
AXES_FAILURE_LIMIT the pair is locked out for AXES_COOLOFF_HOURS (docs/security.md, "Controls")."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' check for every sign-in that comes with a request (the login page, the admin, DRF's basic
    authentication). Calls without a request (code that checks a password itself, Django's test client
    `login`) carry no address to count against and pass on to the model backend."""

    def authenticate(self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
