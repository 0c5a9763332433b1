"""Reads: a job's state in words; an opened stored COG for tiles (the engine knows files, not who may read them)."""

from __future__ import annotations

import dataclasses
import os
import threading
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from .models import Job, JobState

if TYPE_CHECKING:
    from .core.tiles import TileSource


def job_waiting(job: Job) -> str:
    """Why a PENDING job has not started, as a user should read it ("" for other states):
    `queue_unreachable` (Celery: the broker could not be reached, the job is kept and is sent when it is back),
    `dispatching` (Celery: being handed to the broker), `queued` (in the broker's queue, or the embedded runner's
    table, waiting for a free worker)."""
    if job.state != JobState.PENDING:
        return ""
    if settings.REDIS_URL and job.dispatched_at is None:
        return "queue_unreachable" if job.dispatch_error else "dispatching"
    return "queued"


def job_state_detail(job: Job) -> str:
    """The job's state in one honest sentence (API `state_detail`, the survey's "already being built" answer)."""
    waiting = job_waiting(job)
    if waiting == "queue_unreachable":
        return ("Queued, waiting for the job queue: it could not be reached just now, so the job has not been "
                "handed to a worker yet. It is kept and starts by itself when the queue is back.")
    if waiting == "dispatching":
        return "Queued: being handed to the workers."
    if waiting == "queued":
        since = timezone.localtime(job.dispatched_at or job.created_at)
        return f"Queued since {since:%H:%M}: waiting for a free worker."
    if job.state == JobState.RUNNING:
        return f"Running{f' ({job.stage})' if job.stage else ''}: {job.progress}% done, attempt {job.attempts} of " \
               f"{job.max_attempts}."
    return job.get_state_display() + "."


def storage_raster_path(name: str) -> str:
    """A path GDAL can open for a stored file: the local path, or /vsicurl/ on the storage's (signed) URL."""
    try:
        return default_storage.path(name)
    except NotImplementedError:
        return "/vsicurl/" + default_storage.url(name)


_local = threading.local()
_MAX_OPEN = 16
_described: dict[tuple, TileSource] = {}  # process-wide: the raster's facts, without open handles
_described_lock = threading.Lock()


def orthophoto_source(name: str) -> TileSource:
    """The opened COG for a stored orthophoto. The raster's facts are read once per process; GDAL handles are
    kept per thread (they are not thread-safe), so a threaded server does not reopen the file per request.

    Keyed by path, modification time and size, so a replaced file is never served from a stale handle.
    """
    cache: dict[tuple, TileSource] = getattr(_local, "sources", None) or {}
    _local.sources = cache
    path = storage_raster_path(name)
    try:
        stat = os.stat(path)
        key: tuple = (path, stat.st_mtime_ns, stat.st_size)
    except OSError:  # remote storage: names are unique per publishing job
        key = (path,)
    source = cache.get(key)
    if source is None:
        with _described_lock:
            described = _described.get(key)
        if described is None:
            from .core.tiles import open_source  # here: rasterio and cv2 are slow to import

            described = open_source(path)
            described.close()
            with _described_lock:
                if len(_described) >= 4 * _MAX_OPEN:
                    _described.clear()
                _described[key] = described
        if len(cache) >= _MAX_OPEN:
            oldest = next(iter(cache))
            cache.pop(oldest).close()
        source = dataclasses.replace(described, _levels={}, _to_src=None, _lock=threading.Lock())
        cache[key] = source
    return source
