"""With REDIS_URL set, enqueue_job hands the job to a real Celery worker (subprocess), which runs it."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction

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


@pytest.fixture
def celery_queue(settings, tmp_path):
    """A worker on a queue of its own, and this process's Celery app sending to it."""
    from config.celery import app

    queue = f"test-{uuid.uuid4().hex[:10]}"
    saved = (app.conf.broker_url, app.conf.task_default_queue)
    app.conf.broker_url, app.conf.task_default_queue = REDIS, queue
    app._pool = None
    settings.REDIS_URL = REDIS
    env = {**os.environ, "REDIS_URL": REDIS, "DATABASE_URL": db_url(), "MEDIA_ROOT": str(settings.MEDIA_ROOT)}
    log = open(tmp_path / "celery.log", "wb")  # noqa: SIM115 (closed in the finally below)
    worker = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "celery"), "-A", "config", "worker", "--pool=solo", "-c", "1", "-Q", queue,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    worker.log_path = tmp_path / "celery.log"
    try:
        yield worker
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()
        app.conf.broker_url, app.conf.task_default_queue = saved
        app._pool = None


@pytest.mark.django_db(transaction=True)
def test_celery_worker_runs_the_job(celery_queue, shared_data):
    data = (shared_data / "orthophotos" / "pix4d-bali.tif").read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        site = Site.objects.create(name="Bali", geometry={})
        survey = Survey.objects.create(site=site, status="delivered")
        stored = default_storage.save(f"blobs/{sha}.tif", ContentFile(data))
        blob = Blob.objects.create(sha256=sha, file=stored, size=len(data))
        Asset.objects.create(survey=survey, kind="orthophoto", blob=blob, file=stored, original_name="bali.tif",
                             sha256=sha, size=len(data))
        job = services.enqueue_job(kind="cog", survey=survey)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_final:
            break
        assert celery_queue.poll() is None, celery_queue.log_path.read_text(errors="replace")
        time.sleep(0.3)
    assert job.state == JobState.SUCCEEDED, (job.state, job.error, job.log)
    assert job.claimed_by.startswith("celery@")
    survey.refresh_from_db()
    assert survey.orthophoto.name.endswith(f"job-{job.pk}.tif") and survey.status == "ready"

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
