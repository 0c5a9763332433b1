"""Runs one claimed job: its handler's stages in order, a heartbeat thread, progress reports, the outcome.

Used by both the embedded worker (`manage.py run_jobs`) and the Celery task, so both behave the same. The
stages of a job come from the handler its kind registered (`processing.registry`); the runner knows no kind.

Stage outputs: each stage writes into `<work>/<stage>.partial/` and the folder is renamed to `<work>/<stage>/` when
the stage finishes and is recorded in `job.finished_stages`. A retry skips finished stages and reuses their
folders; whatever an interrupted attempt half-wrote (`*.partial`) is removed before the retry.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from . import registry, services
from .core.errors import ProcessingError
from .models import Job, JobState
from .stages import Stage, StageContext

log = logging.getLogger(__name__)


def worker_name(prefix: str = "worker") -> str:
    return f"{prefix}@{socket.gethostname()}:{os.getpid()}"


class StopRequested(Exception):
    """The worker is shutting down: give the job back at the next stage boundary."""


class _Heartbeat(threading.Thread):
    """Keeps heartbeat_at fresh while a stage runs in C code for minutes; notices a lost claim."""

    def __init__(self, job: Job, interval: float):
        super().__init__(daemon=True, name=f"heartbeat-{job.pk}")
        self.job = job
        self.interval = interval
        self.stopped = threading.Event()
        self.lost = False

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.interval):
                try:
                    services.job_heartbeat(job=self.job, now=timezone.now())
                except services.JobLost:
                    self.lost = True
                    return
                except Exception:  # a locked SQLite file or a blip: try again next beat
                    log.warning("heartbeat of job %s failed", self.job.pk, exc_info=True)
        finally:
            connection.close()


class _Reporter:
    """The progress callback handed to cores: throttled DB writes, scaled to the stage's share of 0-100."""

    def __init__(self, job: Job, echo: Callable[[str], None] | None):
        self.job = job
        self.echo = echo
        self.base = 0.0
        self.span = 100.0
        self.stage = ""
        self.last_write = 0.0
        self.last_message = ""
        self.heartbeat: _Heartbeat | None = None
        self.should_stop: Callable[[], bool] = lambda: False

    def begin(self, stage: str, base: float, span: float) -> None:
        self.stage, self.base, self.span = stage, base, span
        self.write(0.0, "started", force=True)

    def write(self, fraction: float, message: str, force: bool = False) -> None:
        if self.heartbeat is not None and self.heartbeat.lost:
            raise services.JobLost(f"job {self.job.pk} was reclaimed by another worker")
        now = time.monotonic()
        throttle = min(1.0, float(settings.JOB_HEARTBEAT_SECONDS))
        if not force and now - self.last_write < throttle:
            return
        self.last_write = now
        percent = self.base + self.span * max(0.0, min(1.0, float(fraction)))
        text = message if message != self.last_message else ""
        self.last_message = message
        services.job_report(job=self.job, now=timezone.now(), progress=int(percent), stage=self.stage, message=text)
        if self.echo:
            self.echo(f"job {self.job.pk} {self.stage}: {int(percent)}% {message}")

    __call__ = write


def run_claimed_job(
    job: Job,
    stages: list[Stage],
    *,
    echo: Callable[[str], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> str:
    """Run the stages of a job this worker has claimed; returns the job's state afterwards."""
    work = services.job_work_dir(job.pk)
    work.mkdir(parents=True, exist_ok=True)
    services.job_clean_partial(job_id=job.pk)
    reporter = _Reporter(job, echo)
    heartbeat = _Heartbeat(job, float(settings.JOB_HEARTBEAT_SECONDS))
    # The thread has its own connection, which cannot see rows of an uncommitted transaction (a caller that
    # runs the job inside one, e.g. a test): then the throttled progress reports are the heartbeat.
    if not connection.in_atomic_block:
        reporter.heartbeat = heartbeat
        heartbeat.start()
    total = sum(s.weight for s in stages) or 1.0
    delay = _stage_delay(job)
    done_weight = 0.0
    outputs: dict[str, Path] = {}
    try:
        for stage in stages:
            span = 100.0 * stage.weight / total
            final = work / stage.name
            if stage.name in job.finished_stages and final.is_dir():
                outputs[stage.name] = final
                done_weight += span
                continue
            if should_stop():
                raise StopRequested
            reporter.begin(stage.name, done_weight, span)
            partial = work / f"{stage.name}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir(parents=True)
            ctx = StageContext(
                job=job,
                work_dir=work,
                out_dir=partial,
                progress=reporter,
                log=lambda msg: services.job_report(job=job, now=timezone.now(), message=msg),
                outputs=outputs,
            )
            stage.run(ctx)
            shutil.rmtree(final, ignore_errors=True)
            os.replace(partial, final)
            outputs[stage.name] = final
            services.job_stage_finished(job=job, stage=stage.name, now=timezone.now())
            done_weight += span
            reporter.write(1.0, "finished", force=True)
            if delay and stage is not stages[-1]:
                _sleep(delay, reporter, should_stop)
        services.job_succeed(job=job, now=timezone.now())
        if echo:
            echo(f"job {job.pk} succeeded")
    except StopRequested:
        services.job_release(job=job, now=timezone.now())
        if echo:
            echo(f"job {job.pk} returned to the queue (worker stopping)")
    except services.JobLost as exc:
        log.warning("%s", exc)
        if Job.objects.filter(id=job.pk, state=JobState.CANCELLED).exists():
            services.job_clean_partial(job_id=job.pk)
            shutil.rmtree(work, ignore_errors=True)
        if echo:
            echo(f"job {job.pk}: {exc}")
    except ProcessingError as exc:
        # Bad input does not get better by retrying: fail now, with the core's message.
        _fail(job, str(exc), retry=False, echo=echo)
    except Exception as exc:  # unexpected: retry while attempts remain
        log.exception("job %s failed", job.pk)
        _fail(job, f"{type(exc).__name__}: {exc}", retry=True, echo=echo)
    finally:
        heartbeat.stopped.set()
        if heartbeat.is_alive():
            heartbeat.join(timeout=5)
    job.refresh_from_db()
    return job.state


def _fail(job: Job, error: str, *, retry: bool, echo: Callable[[str], None] | None) -> None:
    try:
        state = services.job_fail(job=job, error=error, now=timezone.now(), retry=retry)
    except services.JobLost:
        return
    if state == JobState.FAILED:
        _after_final_failure(job)
    if echo:
        echo(f"job {job.pk} {'will be retried' if state == JobState.PENDING else 'failed'}: {error}")


def _stage_delay(job: Job) -> float:
    """params["stage_delay_s"]: a pause between stages (demos, and tests that interrupt a job mid-way)."""
    try:
        return max(0.0, min(600.0, float(job.params.get("stage_delay_s", 0) or 0)))
    except (TypeError, ValueError):
        return 0.0


def _sleep(seconds: float, reporter: _Reporter, should_stop: Callable[[], bool]) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if should_stop():
            raise StopRequested
        if reporter.heartbeat is not None and reporter.heartbeat.lost:
            raise services.JobLost(f"job {reporter.job.pk} was reclaimed by another worker")
        time.sleep(min(0.2, max(0.0, end - time.monotonic())))


def run_job(job_id: int, *, worker: str, echo: Callable[[str], None] | None = None,
            should_stop: Callable[[], bool] = lambda: False) -> str | None:
    """Claim and run one job by id; None when the job was not PENDING (redelivered task, already taken)."""
    if not services.job_claim(job_id=job_id, worker=worker, now=timezone.now()):
        return None
    job = Job.objects.get(id=job_id)
    return _run(job, echo=echo, should_stop=should_stop)


def run_next(*, worker: str, echo: Callable[[str], None] | None = None,
             should_stop: Callable[[], bool] = lambda: False) -> Job | None:
    """Reclaim stale jobs, then claim and run the oldest pending one; None when the queue was empty."""
    for job_id in services.jobs_reclaim_stale(now=timezone.now()):
        if echo:
            echo(f"job {job_id}: reclaimed from a worker that stopped responding")
    job = services.job_claim_next(worker=worker, now=timezone.now())
    if job is None:
        return None
    if echo:
        echo(f"job {job.pk} ({job.kind}) claimed, attempt {job.attempts} of {job.max_attempts}")
    _run(job, echo=echo, should_stop=should_stop)
    return job


def stages_for(job: Job) -> list[Stage]:
    """The stages of a job, from the handler its kind registered. Raises ProcessingError (the job fails at once,
    without retries) for a kind nobody registered, or a kind that needs a survey on a job without one."""
    handler = registry.handler_for(job.kind)
    if handler.needs_survey and job.survey_id is None:
        raise ProcessingError(f"a {job.kind} job needs a survey")
    return handler.stages(job)


def _after_final_failure(job: Job) -> None:
    """The kind's own reaction to a job that failed for good (e.g. the survey records that its map failed)."""
    try:
        handler = registry.handler_for(job.kind)
    except registry.UnknownJobKind:
        return
    if handler.on_failed is not None:
        handler.on_failed(job)


def _run(job: Job, *, echo: Callable[[str], None] | None, should_stop: Callable[[], bool]) -> str:
    try:
        stages = stages_for(job)
    except ProcessingError as exc:
        _fail(job, str(exc), retry=False, echo=echo)
        return JobState.FAILED
    return run_claimed_job(job, stages, echo=echo, should_stop=should_stop)


def run_periodic_hooks(*, echo: Callable[[str], None] | None = None) -> None:
    """Call every registered periodic hook once (the embedded runner does this on each poll). A hook that raises
    is logged and skipped: the jobs must keep running (the next poll calls it again)."""
    for name, hook in registry.periodic_hooks():
        try:
            result = hook()
        except Exception:  # e.g. a locked SQLite file or an unreachable mail server
            log.exception("periodic hook %s failed", name)
            continue
        if echo and result:
            echo(f"{name}: {result}")
