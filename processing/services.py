"""Writes on jobs: enqueue, claim, heartbeat, progress, finish, reclaim, retry.

Every transition of a running job is a conditional update on (id, state, claimed_by), so two workers can never both
own a job: a redelivered Celery task finds the row no longer PENDING and does nothing, and a worker whose job was
reclaimed (stale heartbeat) finds its updates matching no row and stops.
"""

from __future__ import annotations

import logging
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat
from django.utils import timezone

from . import registry
from .models import Job, JobState

log = logging.getLogger(__name__)

LOG_MAX_CHARS = 20_000


class JobError(ValueError):
    """A request about a job that cannot be honoured (unknown kind, retry of a running job...)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class JobLost(RuntimeError):
    """This worker no longer owns the job (it was reclaimed, cancelled or finished elsewhere)."""


def job_work_dir(job_id: int) -> Path:
    """Local scratch folder of a job: finished stage outputs survive a retry, the rest is removed at the end."""
    base = Path(getattr(settings, "JOB_WORK_DIR", "") or Path(settings.MEDIA_ROOT) / "_jobs")
    return base / f"job-{job_id}"


def enqueue_job(*, kind: str, survey: Any = None, params: dict | None = None) -> Job:
    """Create a PENDING job and dispatch it once the surrounding transaction commits. `kind` must be registered
    (`processing.registry.register`) by the app that owns it."""
    if kind not in registry.kinds():
        raise JobError(f"unknown job kind {kind!r}; registered kinds: {', '.join(registry.kinds()) or 'none'}",
                       "kind")
    if params is not None and not isinstance(params, dict):
        raise JobError("params must be a JSON object", "params")
    job = Job.objects.create(
        kind=kind, survey=survey, params=params or {}, max_attempts=max(1, settings.JOB_MAX_ATTEMPTS)
    )
    transaction.on_commit(lambda: _dispatch_and_note(job), robust=True)  # a failure never fails the request
    return job


def _dispatch_and_note(job: Job) -> None:
    """Dispatch after commit, and copy the outcome onto the caller's instance (an API answer made from it then
    says whether the job reached the queue)."""
    if not settings.REDIS_URL:
        return  # embedded: the runner polls the table, nothing is sent
    job_dispatch(job_id=job.pk)
    fields = ("dispatched_at", "dispatch_attempts", "dispatch_error")
    row = Job.objects.filter(pk=job.pk).values(*fields).first()
    for name, value in (row or {}).items():
        setattr(job, name, value)


# A message handed to the broker but not claimed within this many seconds is sent again (the broker may have lost
# it: restarted without persistence, queue purged). A duplicate is harmless: claiming is conditional.
REDISPATCH_AFTER_SECONDS_DEFAULT = 300
# How long one send may keep a request waiting when the broker is down (kombu retries, then raises).
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


def redispatch_after_seconds() -> int:
    return max(1, int(getattr(settings, "JOB_REDISPATCH_AFTER_SECONDS", 0) or REDISPATCH_AFTER_SECONDS_DEFAULT))


def job_dispatch(*, job_id: int, now: datetime | None = None, seen: datetime | None = None) -> bool:
    """Hand a PENDING job to Celery when a broker is configured (the embedded runner polls the table instead, and
    this does nothing). True when the message went out.

    The send is claimed first, like a job: one conditional update moves `dispatched_at` from the value the caller
    saw (`seen`; None: not dispatched) to `now`, so of two senders (the commit of `enqueue_job` and a sweep, or two
    sweeps) only one sends. If the broker cannot be reached the job stays PENDING with `dispatched_at` back to null
    and the broker's error in `dispatch_error`: the next sweep (beat, a worker starting) sends it. The task
    (`processing.tasks.run_job`) is sent by name: the sender needs no import of the worker's code."""
    return _dispatch(job_id, now or timezone.now(), seen) == "sent"


def _dispatch(job_id: int, now: datetime, seen: datetime | None) -> str:
    """"sent", "skipped" (no broker; or running, finished, or another sender has it) or "failed" (broker down)."""
    if not settings.REDIS_URL:
        return "skipped"
    claim = Job.objects.filter(id=job_id, state=JobState.PENDING)
    claim = claim.filter(dispatched_at__isnull=True) if seen is None else claim.filter(dispatched_at=seen)
    if claim.update(dispatched_at=now, dispatch_attempts=F("dispatch_attempts") + 1) != 1:
        return "skipped"
    from celery import current_app  # here: Celery is slow to import, and only used with a broker

    try:
        current_app.send_task("processing.run_job", args=[job_id], retry_policy=PUBLISH_RETRY_POLICY)
    except Exception as exc:  # broker down: the job stays PENDING, not dispatched, until a sweep sends it
        error = f"{type(exc).__name__}: {exc}"[:500]
        log.warning("job %s: the broker could not be reached (%s); it stays queued until the broker is back",
                    job_id, error)
        Job.objects.filter(id=job_id, state=JobState.PENDING, dispatched_at=now).update(
            dispatched_at=None, dispatch_error=error
        )
        return "failed"
    Job.objects.filter(id=job_id, dispatched_at=now).exclude(dispatch_error="").update(dispatch_error="")
    return "sent"


def jobs_dispatch_pending(*, now: datetime, limit: int = 500) -> list[int]:
    """Send every PENDING job of any age that was not dispatched (broker down at enqueue time, a sender that died
    between claim and send, a job handed back by a stopping worker) or was dispatched longer ago than
    `redispatch_after_seconds()` without a worker claiming it (the message may be lost). Oldest first; returns
    the ids sent. Run by celery beat (`processing.reclaim_stale_jobs`) and by every Celery worker as it starts.
    A duplicate message is harmless: the job claim is conditional, so no job runs twice."""
    if not settings.REDIS_URL:
        return []
    cutoff = now - timedelta(seconds=redispatch_after_seconds())
    due = (
        Job.objects.filter(state=JobState.PENDING)
        .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=cutoff))
        .order_by("created_at", "id")
        .values_list("id", "dispatched_at")[:limit]
    )
    sent = []
    for job_id, seen in list(due):
        outcome = _dispatch(job_id, now, seen)
        if outcome == "failed":
            break  # the broker is down: the others would wait for it the same way; the next sweep tries again
        if outcome == "sent":
            sent.append(job_id)
    return sent


def job_claim(*, job_id: int, worker: str, now: datetime) -> bool:
    """Atomically move a PENDING job to RUNNING for `worker`; False if someone else got it first."""
    changed = Job.objects.filter(id=job_id, state=JobState.PENDING).update(
        state=JobState.RUNNING,
        claimed_by=worker,
        attempts=F("attempts") + 1,
        heartbeat_at=now,
        started_at=now,
        error="",
        updated_at=now,
    )
    return changed == 1


def job_claim_next(*, worker: str, now: datetime) -> Job | None:
    """The oldest pending job, claimed for `worker` (None when the queue is empty)."""
    for job_id in Job.objects.filter(state=JobState.PENDING).order_by("created_at", "id").values_list(
        "id", flat=True
    )[:20]:
        if job_claim(job_id=job_id, worker=worker, now=now):
            return Job.objects.get(id=job_id)
    return None


def _owned(job: Job) -> Any:
    return Job.objects.filter(id=job.pk, state=JobState.RUNNING, claimed_by=job.claimed_by)


def job_heartbeat(*, job: Job, now: datetime) -> None:
    if _owned(job).update(heartbeat_at=now, updated_at=now) != 1:
        raise JobLost(f"job {job.pk} is no longer owned by {job.claimed_by}")


def job_report(
    *, job: Job, now: datetime, progress: int | None = None, stage: str | None = None, message: str = ""
) -> None:
    """Record progress (0-100), the current stage and a log line; raises JobLost if the claim is gone."""
    fields: dict[str, Any] = {"heartbeat_at": now, "updated_at": now}
    if progress is not None:
        fields["progress"] = max(0, min(100, int(progress)))
        job.progress = fields["progress"]
    if stage is not None:
        fields["stage"] = stage
        job.stage = stage
    if message:
        line = f"{now:%H:%M:%S} [{stage or job.stage}] {message}\n"
        fields["log"] = Concat(F("log"), Value(line))
    if _owned(job).update(**fields) != 1:
        raise JobLost(f"job {job.pk} is no longer owned by {job.claimed_by}")
    if message and len(job.log) + len(message) > LOG_MAX_CHARS:
        _trim_log(job)


def _trim_log(job: Job) -> None:
    current = Job.objects.filter(id=job.pk).values_list("log", flat=True).first() or ""
    if len(current) > LOG_MAX_CHARS:
        _owned(job).update(log=current[-LOG_MAX_CHARS // 2:])
    job.log = current[-LOG_MAX_CHARS // 2:]


def job_stage_finished(*, job: Job, stage: str, now: datetime) -> None:
    if stage not in job.finished_stages:
        job.finished_stages = [*job.finished_stages, stage]
    if _owned(job).update(finished_stages=job.finished_stages, heartbeat_at=now, updated_at=now) != 1:
        raise JobLost(f"job {job.pk} is no longer owned by {job.claimed_by}")


def job_set_result(*, job: Job, result: dict) -> None:
    job.result = {**job.result, **result}
    if _owned(job).update(result=job.result) != 1:
        raise JobLost(f"job {job.pk} is no longer owned by {job.claimed_by}")


def job_succeed(*, job: Job, now: datetime) -> None:
    if _owned(job).update(state=JobState.SUCCEEDED, progress=100, finished_at=now, heartbeat_at=now,
                          updated_at=now) != 1:
        raise JobLost(f"job {job.pk} is no longer owned by {job.claimed_by}")
    job.state = JobState.SUCCEEDED
    _remove_work_dir(job.pk)


def job_fail(*, job: Job, error: str, now: datetime, retry: bool) -> str:
    """Fail this attempt: back to PENDING when `retry` and attempts remain, else FAILED. Returns the new state."""
    state = JobState.PENDING if retry and job.attempts < job.max_attempts else JobState.FAILED
    line = f"{now:%H:%M:%S} [{job.stage}] attempt {job.attempts} failed: {error}\n"
    fields: dict[str, Any] = {"state": state, "error": error, "log": Concat(F("log"), Value(line)),
                              "updated_at": now}
    if state == JobState.FAILED:
        fields["finished_at"] = now
    else:
        fields.update(claimed_by="", dispatched_at=None)
    if _owned(job).update(**fields) != 1:
        raise JobLost(f"job {job.pk} is no longer owned by {job.claimed_by}")
    job.state, job.error = state, error
    if state == JobState.FAILED:
        _remove_work_dir(job.pk)
    else:
        job_clean_partial(job_id=job.pk)
        transaction.on_commit(lambda: job_dispatch(job_id=job.pk))
    return state


def job_release(*, job: Job, now: datetime) -> None:
    """Give a job back (worker shutting down between stages): PENDING, this attempt not counted."""
    line = f"{now:%H:%M:%S} [{job.stage}] worker stopped; job returned to the queue\n"
    if _owned(job).update(
        state=JobState.PENDING, claimed_by="", attempts=F("attempts") - 1, log=Concat(F("log"), Value(line)),
        updated_at=now, dispatched_at=None,
    ) == 1:
        job_clean_partial(job_id=job.pk)
        # Celery acknowledges the stopping worker's message: send a new one for another worker.
        transaction.on_commit(lambda: job_dispatch(job_id=job.pk))


def jobs_reclaim_stale(*, now: datetime) -> list[int]:
    """RUNNING jobs whose worker stopped sending heartbeats: retry (PENDING) or, after the last attempt, FAILED."""
    cutoff = now - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)
    reclaimed = []
    for job in Job.objects.filter(state=JobState.RUNNING, heartbeat_at__lt=cutoff):
        error = (
            f"worker {job.claimed_by or '?'} stopped responding during stage "
            f"'{job.stage or 'start'}' (no heartbeat since {job.heartbeat_at:%Y-%m-%d %H:%M:%S %Z}); "
            f"attempt {job.attempts} of {job.max_attempts}"
        )
        final = job.attempts >= job.max_attempts
        line = f"{now:%H:%M:%S} [{job.stage}] {error}\n"
        fields: dict[str, Any] = {
            "state": JobState.FAILED if final else JobState.PENDING,
            "claimed_by": "",
            "log": Concat(F("log"), Value(line)),
            "updated_at": now,
            "dispatched_at": None,
        }
        if final:
            fields.update(error=error, finished_at=now)
        changed = Job.objects.filter(
            id=job.pk, state=JobState.RUNNING, claimed_by=job.claimed_by, heartbeat_at=job.heartbeat_at
        ).update(**fields)
        if changed != 1:
            continue
        reclaimed.append(job.pk)
        if final:
            _remove_work_dir(job.pk)
        else:
            job_clean_partial(job_id=job.pk)
            transaction.on_commit(lambda job_id=job.pk: job_dispatch(job_id=job_id))
    return reclaimed


def jobs_recover(*, now: datetime) -> dict[str, list[int]]:
    """What celery beat does every minute and a Celery worker when it starts: reclaim jobs of dead workers, then
    send every pending job that is not (or no longer) in the broker's queue."""
    reclaimed = jobs_reclaim_stale(now=now)
    return {"reclaimed": reclaimed, "dispatched": jobs_dispatch_pending(now=now)}


def job_retry(*, job: Job, now: datetime) -> Job:
    """Staff action: put a failed or cancelled job back in the queue with a fresh set of attempts."""
    if job.state not in (JobState.FAILED, JobState.CANCELLED):
        raise JobError(f"only failed or cancelled jobs can be retried (this one is {job.state})", "state")
    line = f"{now:%H:%M:%S} retried by staff\n"
    changed = Job.objects.filter(id=job.pk, state=job.state).update(
        state=JobState.PENDING,
        attempts=0,
        error="",
        claimed_by="",
        finished_at=None,
        progress=0,
        log=Concat(F("log"), Value(line)),
        updated_at=now,
        dispatched_at=None,
    )
    if changed != 1:
        raise JobError("the job changed meanwhile; reload and try again", "state")
    transaction.on_commit(lambda: job_dispatch(job_id=job.pk))
    job.refresh_from_db()
    return job


def job_cancel(*, job: Job, now: datetime) -> Job:
    """Staff action: a pending job never starts; a running one stops at its next progress report or stage."""
    if job.state not in (JobState.PENDING, JobState.RUNNING):
        raise JobError(f"only pending or running jobs can be cancelled (this one is {job.state})", "state")
    line = f"{now:%H:%M:%S} cancelled by staff\n"
    changed = Job.objects.filter(id=job.pk, state=job.state).update(
        state=JobState.CANCELLED, finished_at=now, log=Concat(F("log"), Value(line)), updated_at=now
    )
    if changed != 1:
        raise JobError("the job changed meanwhile; reload and try again", "state")
    if job.state == JobState.PENDING:
        _remove_work_dir(job.pk)
    job.refresh_from_db()
    return job


def job_clean_partial(*, job_id: int) -> None:
    """Remove what an interrupted attempt left half-written (stage folders not yet committed)."""
    work = job_work_dir(job_id)
    if not work.is_dir():
        return
    for child in work.iterdir():
        if ".partial" in child.name:
            shutil.rmtree(child, ignore_errors=True) if child.is_dir() else child.unlink(missing_ok=True)


def _remove_work_dir(job_id: int) -> None:
    shutil.rmtree(job_work_dir(job_id), ignore_errors=True)
