"""The Celery app is loaded at start-up only where Celery runs the jobs (REDIS_URL set): importing it costs
every command and the embedded mode (which never sends a task) a fifth of a second. `config.celery_app` and
`celery -A config` find it either way."""

import os
from typing import Any

__all__ = ["celery_app"]

if os.environ.get("REDIS_URL"):
    # Loaded with Django so that @shared_task binds to this app, not Celery's default one.
    from .celery import app as celery_app
else:

    def __getattr__(name: str) -> Any:
        if name == "celery_app":
            from .celery import app

            return app
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
