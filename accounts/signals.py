"""An audit entry for each lock-out: the `security` log (axes also keeps every attempt in its own tables,
listed in the admin under Axes)."""

from __future__ import annotations

import logging
from typing import Any

from axes.signals import user_locked_out
from django.dispatch import receiver

log = logging.getLogger("security")


@receiver(user_locked_out)
def record_lockout(sender: Any, request: Any = None, username: str | None = None, ip_address: str | None = None,
                   **kwargs: Any) -> None:
    log.warning("login locked out: username=%r ip_address=%s", username, ip_address)
