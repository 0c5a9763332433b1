from typing import Any

from django.apps import AppConfig


def send_due_outbox() -> Any:
    """The embedded runner's periodic hook: send due mail; the report when anything happened (it is printed)."""
    from django.utils import timezone

    from .services import outbox_send_due

    report = outbox_send_due(now=timezone.now())
    return report if (report.sent or report.retrying or report.failed) else None


class NotifyConfig(AppConfig):
    name = "notify"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Outgoing e-mail"

    def ready(self) -> None:
        # The embedded job runner (`manage.py run_jobs`) sends due mail on every poll. notify comes after
        # processing in the dependency order, so it registers itself there; processing knows no app.
        from processing.registry import register_periodic

        register_periodic("outbox", send_due_outbox)
