"""Celery tasks (used when REDIS_URL is set): thin wrappers over the same service the embedded runner uses."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from celery.signals import worker_ready
from django.db import connection
from django.utils import timezone

from . import runner, services

log = logging.getLogger(__name__)


@shared_task(name="processing.run_job", acks_late=True, ignore_result=True)
def run_job(job_id: int) -> str | None:
    """Claim and run a job. A redelivered message finds the job no longer PENDING and does nothing."""
    services.jobs_reclaim_stale(now=timezone.now())
    return runner.run_job(int(job_id), worker=runner.worker_name("celery"))


@shared_task(name="processing.reclaim_stale_jobs", ignore_result=True)
def reclaim_stale_jobs() -> dict[str, list[int]]:
    """Celery beat runs this every minute (CELERY_BEAT_SCHEDULE): jobs of dead workers are retried, and every
    pending job that is not in the broker's queue (the broker was down when it was queued, or lost the message)
    is sent, whatever its age. No job runs twice: claiming is conditional."""
    return services.jobs_recover(now=timezone.now())


@worker_ready.connect
def recover_jobs_on_start(**kwargs: Any) -> None:
    """A worker that starts (often: restarted after a crash) hands jobs of dead workers back to the queue at once,
    instead of waiting for celery beat, and sends every pending job not dispatched (of any age) or whose message
    may have been lost."""
    try:
        recovered = services.jobs_recover(now=timezone.now())
        log.info("job recovery at worker start: %s", recovered)
    except Exception:  # the database may be unreachable for a moment: beat's reclaim_stale_jobs catches up
        log.exception("job recovery at worker start failed")
    finally:
        connection.close()
