"""Celery tasks (used when REDIS_URL is set): thin wrappers over the same service the embedded runner uses."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from . import runner, services


@shared_task(name="processing.run_job", acks_late=True, ignore_result=True)
def run_job(job_id: int) -> str | None:
    """Claim and run a job. A redelivered message finds the job no longer PENDING and does nothing."""
    services.jobs_reclaim_stale(now=timezone.now())
    return runner.run_job(int(job_id), worker=runner.worker_name("celery"))


@shared_task(name="processing.reclaim_stale_jobs", ignore_result=True)
def reclaim_stale_jobs() -> list[int]:
    """Schedule with celery beat (e.g. every minute) so jobs of dead workers are retried."""
    return services.jobs_reclaim_stale(now=timezone.now())
