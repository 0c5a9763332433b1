"""Processing jobs: the job row is the source of truth for state, stage, progress and outcome.

Workers (the embedded `manage.py run_jobs` loop or Celery) claim a row with a conditional update; see
`processing.services`. No side effects here.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class JobState(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


FINAL_STATES = (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)


class JobQuerySet(models.QuerySet):
    """Jobs move by conditional updates (claims, heartbeats, progress), which skip auto_now: the services
    pass `updated_at=now` with each (the clock is the caller's, never read here)."""


class Job(models.Model):
    # A kind registered by the app that owns it (processing.registry), not a database choice: a new kind
    # needs no migration. enqueue_job refuses a kind nobody registered.
    kind = models.CharField(max_length=32)
    state = models.CharField(max_length=16, choices=JobState.choices, default=JobState.PENDING)
    stage = models.CharField(max_length=64, blank=True, default="")
    progress = models.PositiveSmallIntegerField(default=0)
    log = models.TextField(blank=True, default="")
    error = models.TextField(blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=3)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True, default="")
    # Celery only: when the job's message was last handed to the broker (null: not yet, or the broker could not
    # be reached; the embedded runner needs no message and leaves it null). The dispatch sweep (beat, worker
    # start) sends every PENDING job not dispatched, or dispatched longer ago than JOB_REDISPATCH_AFTER_SECONDS.
    dispatched_at = models.DateTimeField(null=True, blank=True)
    dispatch_attempts = models.PositiveIntegerField(default=0)
    dispatch_error = models.TextField(blank=True, default="")
    survey = models.ForeignKey(
        "surveys.Survey", null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    finished_stages = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "created_at"]), models.Index(fields=["state", "dispatched_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="job_progress_at_most_100"),
            models.CheckConstraint(condition=Q(max_attempts__gte=1), name="job_max_attempts_positive"),
            models.CheckConstraint(
                condition=~Q(state="running") | Q(heartbeat_at__isnull=False),
                name="job_running_has_heartbeat",
            ),
        ]

    def __str__(self) -> str:
        return f"Job {self.pk} {self.kind} ({self.state})"

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log.splitlines()[-lines:])
