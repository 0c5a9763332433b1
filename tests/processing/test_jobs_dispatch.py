"""Dispatch survives a broker outage (issue 15, "Jobs"): with REDIS_URL set and the broker down, a rebuild answers
202 and the job stays pending, marked not dispatched, and visible as such; beat's sweep and a worker that starts
send it once the broker is back, whatever its age, and it runs exactly once."""

from __future__ import annotations

import hashlib
import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from processing import services
from processing.models import Job, JobState
from processing.selectors import job_state_detail, job_waiting
from surveys.models import Asset, Blob, Site, Survey
from tests.processing.test_jobs_celery import REDIS, _forget_connections, start_worker  # noqa: F401 (fixture)

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once


@pytest.fixture
def cast(db):
    from tests.factories import make_cast

    return make_cast()


@pytest.fixture
def dead_broker(settings):
    """This process's real Celery app pointed at a closed port (as with Redis down)."""
    from config.celery import app

    saved = app.conf.broker_url
    app.conf.broker_url = DEAD_BROKER
    _forget_connections(app)
    settings.REDIS_URL = DEAD_BROKER

    def back(url: str = REDIS) -> None:  # the broker is back
        app.conf.broker_url = url
        _forget_connections(app)
        settings.REDIS_URL = url

    yield back
    app.conf.broker_url = saved
    _forget_connections(app)


@pytest.fixture
def sent(settings, monkeypatch):
    """A broker that accepts every message (recorded), for the sweep's choices."""
    from config.celery import app

    settings.REDIS_URL = "redis://broker.invalid:6379/0"
    messages: list[int] = []
    monkeypatch.setattr(app, "send_task", lambda name, args, **kw: messages.append(args[0]))
    return messages


def delivered_survey(cast, data: bytes = b"") -> Survey:
    site = Site.objects.create(name="Pier", geometry={}, organisation=cast.organisation)
    survey = Survey.objects.create(site=site, status="delivered", supplier=cast.supplier)
    if data:
        sha = hashlib.sha256(data).hexdigest()
        stored = default_storage.save(f"blobs/{sha}.tif", ContentFile(data))
        blob = Blob.objects.create(sha256=sha, file=stored, size=len(data))
        Asset.objects.create(survey=survey, kind="orthophoto", blob=blob, file=stored, original_name="bali.tif",
                             sha256=sha, size=len(data))
    return survey


@pytest.fixture
def worker_starter(request):
    """test_jobs_celery's `start_worker` (a worker on a queue of its own, on the local Redis)."""
    return request.getfixturevalue("start_worker")


def wait_for(predicate, seconds: float, what: str, log_path=None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    tail = log_path.read_text(errors="replace")[-3000:] if log_path else ""
    raise AssertionError(f"timed out waiting for {what}\n{tail}")


def worker_ready(worker) -> bool:
    return "job recovery at worker start" in worker.log_path.read_text(errors="replace")


# ---------------------------------------------------------------- the broker down


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_with_the_broker_down_answers_202_and_the_job_waits_visibly(client, cast, dead_broker):
    survey = delivered_survey(cast, b"II*\x00 never read: no worker runs here")
    client.force_login(cast.contractor)
    started = time.monotonic()
    response = client.post(f"/api/v1/surveys/{survey.pk}/rebuild-map/")
    elapsed = time.monotonic() - started
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["state"] == "pending" and body["waiting"] == "queue_unreachable", body
    assert "starts by itself when the queue is back" in body["state_detail"]
    assert body["dispatched_at"] is None and body["dispatch_attempts"] == 1
    assert elapsed < 10, f"a request waited {elapsed:.1f} s for a dead broker"

    job = Job.objects.get(pk=body["id"])
    assert (job.state, job.dispatched_at, job.dispatch_attempts) == (JobState.PENDING, None, 1)
    assert "Connection refused" in job.dispatch_error or "111" in job.dispatch_error, job.dispatch_error
    assert "127.0.0.1:1" not in body["state_detail"], "the broker's address is not shown to users"

    # The guard still holds (the job will be sent when the broker is back), and says honestly why it waits.
    again = client.post(f"/api/v1/surveys/{survey.pk}/rebuild-map/")
    assert again.status_code == 400
    assert f"job {job.pk}" in again.json()["detail"] and "waiting for the job queue" in again.json()["detail"]
    assert Job.objects.count() == 1

    # The job API says the same.
    detail = client.get(f"/api/v1/jobs/{job.pk}/").json()
    assert detail["waiting"] == "queue_unreachable"

    # Sweeps while the broker is still down leave it pending and undispatched (one try per sweep, not a storm).
    assert services.jobs_recover(now=timezone.now()) == {"reclaimed": [], "dispatched": []}
    job.refresh_from_db()
    assert (job.state, job.dispatched_at, job.dispatch_attempts) == (JobState.PENDING, None, 2)


@pytest.mark.django_db(transaction=True)
def test_broker_down_then_back_beat_sends_the_job_and_it_runs_exactly_once(
        client, cast, dead_broker, worker_starter, shared_data, settings):
    """The worker runs (it rides out the outage), the web side cannot reach the broker at enqueue time; once the
    broker is back, beat's task (sent through the broker, run by the worker) sends the job, which runs once even
    though a duplicate message is sent as well."""
    from config.celery import app

    data = (shared_data / "orthophotos" / "pix4d-bali.tif").read_bytes()
    worker = worker_starter()
    dead_broker(DEAD_BROKER)  # the worker fixture pointed this process at the live broker: down again for the request
    wait_for(lambda: worker_ready(worker), 60, "the worker's start", worker.log_path)
    survey = delivered_survey(cast, data)
    client.force_login(cast.contractor)
    response = client.post(f"/api/v1/surveys/{survey.pk}/rebuild-map/")
    assert response.status_code == 202 and response.json()["waiting"] == "queue_unreachable"
    job = Job.objects.get(pk=response.json()["id"])
    time.sleep(1.0)
    job.refresh_from_db()
    assert (job.state, job.dispatched_at) == (JobState.PENDING, None), "no message reached the worker"

    dead_broker(REDIS)  # the broker is back
    app.send_task("processing.reclaim_stale_jobs")  # what beat sends every minute: nothing else is sent
    wait_for(lambda: Job.objects.get(pk=job.pk).is_final, 120, "the job to finish", worker.log_path)
    # A duplicate message (a resend after a lost acknowledgement) finds the job no longer pending.
    app.send_task("processing.run_job", args=[job.pk])
    wait_for(lambda: worker.log_path.read_text(errors="replace").count("processing.run_job[") >= 4, 30,
             "the duplicate to be handled", worker.log_path)
    log = worker.log_path.read_text(errors="replace")
    assert f"'dispatched': [{job.pk}]" in log and log.rstrip().endswith("None"), log[-2000:]
    job.refresh_from_db()
    survey.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, (job.error, job.log)
    assert job.attempts == 1 and job.claimed_by.startswith("celery@")
    assert job.dispatched_at is not None and job.dispatch_error == ""
    assert survey.orthophoto.name == f"surveys/orthophotos/survey-{survey.pk}-job-{job.pk}.tif"
    # Later sweeps find nothing to send; the job is not run again.
    assert services.jobs_dispatch_pending(now=timezone.now() + timedelta(hours=1)) == []
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.SUCCEEDED, 1)


@pytest.mark.django_db(transaction=True)
def test_a_worker_that_starts_sends_a_fresh_undispatched_job(cast, dead_broker, worker_starter, settings):
    """Start-up recovery no longer waits for a pending job to be older than the stale limit."""
    from tests.processing import echo_kind

    dead_broker(DEAD_BROKER)  # the worker fixture pointed this process at the live broker
    echo_kind.register()
    try:
        job = services.enqueue_job(kind="test-echo", params={"text": "after the outage"})
        job.refresh_from_db()
        assert (job.dispatched_at, job.dispatch_attempts) == (None, 1) and job.dispatch_error
        assert timezone.now() - job.created_at < timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)
        worker = worker_starter("from tests.processing import echo_kind; echo_kind.register(); ")
        wait_for(lambda: Job.objects.get(pk=job.pk).is_final, 90, "the job to finish", worker.log_path)
    finally:
        echo_kind.unregister()
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.SUCCEEDED, 1), (job.error, job.log)
    assert job.result["echo"] == "after the outage"


# ---------------------------------------------------------------- the sweep's choices (a recording broker)


@pytest.mark.django_db(transaction=True)
def test_the_sweep_sends_undispatched_and_long_unclaimed_jobs_of_any_age(sent):
    now = timezone.now()
    survey = Survey.objects.create(site=Site.objects.create(name="S", geometry={}), status="delivered")
    fresh = Job.objects.create(kind="cog", survey=survey)  # not dispatched, one second old
    recent = Job.objects.create(kind="cog", survey=survey, dispatched_at=now - timedelta(seconds=10))
    lost = Job.objects.create(kind="cog", survey=survey, dispatched_at=now - timedelta(hours=2))
    running = Job.objects.create(kind="cog", survey=survey, state=JobState.RUNNING, heartbeat_at=now)
    done = Job.objects.create(kind="cog", survey=survey, state=JobState.SUCCEEDED)

    assert services.jobs_dispatch_pending(now=now) == [fresh.pk, lost.pk]
    assert sent == [fresh.pk, lost.pk]
    # Each is marked dispatched: the next sweep sends nothing until the limit passes again.
    assert services.jobs_dispatch_pending(now=now + timedelta(seconds=1)) == []
    later = now + timedelta(seconds=services.redispatch_after_seconds() + 1)
    assert services.jobs_dispatch_pending(now=later) == [fresh.pk, recent.pk, lost.pk]
    for job in (running, done):
        job.refresh_from_db()
        assert job.dispatch_attempts == 0


@pytest.mark.django_db(transaction=True)
def test_two_senders_of_one_job_send_one_message(sent):
    """The commit of enqueue_job and a sweep (or two sweeps) race for a job: the dispatch is claimed with a
    conditional update, so one sends."""
    job = Job.objects.create(kind="cog")
    now = timezone.now()
    assert services.job_dispatch(job_id=job.pk, now=now) is True
    assert services.job_dispatch(job_id=job.pk, now=now + timedelta(seconds=1)) is False
    assert services.jobs_dispatch_pending(now=now + timedelta(seconds=2)) == []
    assert sent == [job.pk]


@pytest.mark.django_db(transaction=True)
def test_a_job_back_in_the_queue_counts_as_not_dispatched(sent):
    """A retried job (its message was consumed) is sent again by the sweep if its own dispatch did not happen."""
    job = Job.objects.create(kind="cog", dispatched_at=timezone.now())
    now = timezone.now()
    assert services.job_claim(job_id=job.pk, worker="w", now=now)
    job.refresh_from_db()
    sent.clear()
    with pytest.MonkeyPatch.context() as mp:  # the retry's own dispatch is lost (sender died after commit)
        mp.setattr(services.transaction, "on_commit", lambda fn, **kw: None)
        assert services.job_fail(job=job, error="boom", now=now, retry=True) == JobState.PENDING
    job.refresh_from_db()
    assert job.dispatched_at is None and job_waiting(job) == "dispatching"
    assert services.jobs_dispatch_pending(now=now) == [job.pk] and sent == [job.pk]


@pytest.mark.django_db
def test_embedded_mode_sends_nothing_and_says_the_job_waits_for_a_worker(settings):
    settings.REDIS_URL = ""
    job = Job.objects.create(kind="cog")
    assert services.jobs_dispatch_pending(now=timezone.now()) == []
    assert job_waiting(job) == "queued" and "waiting for a free worker" in job_state_detail(job)
