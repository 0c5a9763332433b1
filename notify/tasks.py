"""Celery tasks (used when REDIS_URL is set): thin wrappers over the outbox sender the job runner also calls."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="notify.send_outbox", ignore_result=True)
def send_outbox() -> str:
    """Send due mail; requested after each commit that queued mail, and by celery beat for retries."""
    return str(services.outbox_send_due(now=timezone.now()))
