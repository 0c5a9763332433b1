"""With REDIS_URL set, enqueue_job hands the job to a real Celery worker (subprocess), which runs it."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from processing import services
from processing.models import Job, JobState
from surveys.models import Asset, Blob, Site, Survey

ROOT = Path(__file__).resolve().parents[2]
REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


def db_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _forget_connections(app) -> None:
    """Celery caches its connection pool, producer pool, queues and router on first use; when earlier tests in
    this process already sent tasks (REDIS_URL set for the whole run), drop them so the new broker URL and
    default queue take effect."""
    app._pool = None
    app.__dict__.pop("amqp", None)


@pytest.fixture
def start_worker(settings, tmp_path):
    """Starts a worker on a queue of its own (returns the process), and points this process's Celery app at it."""
    from config.celery import app

    queue = f"test-{uuid.uuid4().hex[:10]}"
    saved = (app.conf.broker_url, app.conf.task_default_queue)
    app.conf.broker_url, app.conf.task_default_queue = REDIS, queue
    _forget_connections(app)
    settings.REDIS_URL = REDIS
    env = {**os.environ, "REDIS_URL": REDIS, "DATABASE_URL": db_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    log = open(tmp_path / "celery.log", "wb")  # noqa: SIM115 (closed in the finally below)
    workers = []

    def start(setup: str = "") -> subprocess.Popen:
        # `celery -A config worker`, with this test's queue as the default one (the worker itself sends jobs when
        # it starts, and they must reach it, not another test run's worker). `setup`: code run first.
        code = (
            setup +
            "from config.celery import app; "
            f"app.conf.task_default_queue = {queue!r}; "
            "app.worker_main(['worker', '--pool=solo', '-c', '1', '--without-gossip', '--without-mingle', "
            "'--without-heartbeat', '-l', 'info'])"
        )
        worker = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
        worker.log_path = tmp_path / "celery.log"
        workers.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        log.close()
        app.conf.broker_url, app.conf.task_default_queue = saved
        _forget_connections(app)


@pytest.fixture
def celery_queue(start_worker):
    return start_worker()


def bali_survey(data: bytes, name: str = "bali.tif") -> Survey:
    sha = hashlib.sha256(data).hexdigest()
    site = Site.objects.create(name="Bali", geometry={})
    survey = Survey.objects.create(site=site, status="delivered")
    blob = Blob.objects.filter(sha256=sha).first()
    if blob is None:
        stored = default_storage.save(f"blobs/{sha}.tif", ContentFile(data))
        blob = Blob.objects.create(sha256=sha, file=stored, size=len(data))
    Asset.objects.create(survey=survey, kind="orthophoto", blob=blob, file=blob.file.name, original_name=name,
                         sha256=sha, size=len(data))
    return survey


def wait_final(job: Job, worker: subprocess.Popen, seconds: float = 90) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_final:
            break
        assert worker.poll() is None, worker.log_path.read_text(errors="replace")
        time.sleep(0.3)
    return job


@pytest.mark.django_db(transaction=True)
def test_celery_worker_runs_the_job(celery_queue, shared_data):
    data = (shared_data / "orthophotos" / "pix4d-bali.tif").read_bytes()
    with transaction.atomic():
        job = services.enqueue_job(kind="cog", survey=bali_survey(data))
    wait_final(job, celery_queue)
    assert job.state == JobState.SUCCEEDED, (job.state, job.error, job.log, celery_queue.log_path.read_text(errors="replace")[-3000:])
    assert job.claimed_by.startswith("celery@")
    survey = job.survey
    survey.refresh_from_db()
    assert survey.orthophoto.name.endswith(f"job-{job.pk}.tif") and survey.map_state == "ready"

    # A redelivered message for the same job does nothing.
    from processing.tasks import run_job

    run_job.delay(job.pk)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if celery_queue.log_path.read_text(errors="replace").count("succeeded in") >= 2:
            break
        time.sleep(0.2)
    log = celery_queue.log_path.read_text(errors="replace")
    assert log.count("succeeded in") == 2 and log.rstrip().endswith("None"), log[-2000:]
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.SUCCEEDED, 1)
    assert Job.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_worker_start_recovers_jobs_of_dead_workers_and_lost_messages(start_worker, shared_data, settings):
    """Before any worker runs: one job was RUNNING on a worker that died (stale heartbeat), one was queued while
    the broker was unreachable (PENDING, no message). A worker that starts runs both without waiting for beat."""
    data = (shared_data / "orthophotos" / "pix4d-bali.tif").read_bytes()
    long_ago = timezone.now() - timedelta(hours=1)
    settings.REDIS_URL = ""  # enqueued without a broker: no message is sent
    stale = services.enqueue_job(kind="cog", survey=bali_survey(data))
    assert services.job_claim(job_id=stale.pk, worker="celery@dead-host:1", now=long_ago)
    lost = services.enqueue_job(kind="cog", survey=bali_survey(data))
    Job.objects.filter(pk__in=[stale.pk, lost.pk]).update(created_at=long_ago)

    worker = start_worker()
    for job in (stale, lost):
        wait_final(job, worker)
        assert job.state == JobState.SUCCEEDED, (job.pk, job.state, job.error, job.log)
        assert job.claimed_by.startswith("celery@") and job.claimed_by != "celery@dead-host:1"
    assert "celery@dead-host:1 stopped responding" in stale.log and stale.attempts == 2
    assert lost.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_celery_worker_runs_a_kind_registered_in_a_test_module(start_worker):
    """The worker knows the kind only because its owner (here a test module) registered it in that process; the
    task looks the kind up in the registry, as the embedded runner does."""
    from tests.processing import echo_kind

    echo_kind.register()
    try:
        worker = start_worker("from tests.processing import echo_kind; echo_kind.register(); ")
        with transaction.atomic():
            job = services.enqueue_job(kind="test-echo", params={"text": "through celery"})
        wait_final(job, worker)
    finally:
        echo_kind.unregister()
    assert job.state == JobState.SUCCEEDED, (job.state, job.error, job.log, worker.log_path.read_text(errors="replace")[-3000:])
    assert job.result == {"echo": "through celery", "worker": job.claimed_by} and job.claimed_by.startswith("celery@")
    assert job.finished_stages == ["write", "report"]
