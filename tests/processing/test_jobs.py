"""Jobs: claiming, heartbeats, reclaiming, a worker killed with SIGKILL, the last attempt, corrupt input."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import rasterio
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from processing import runner, services
from processing.models import Job, JobState
from surveys.models import Asset, Blob, Site, Survey

ROOT = Path(__file__).resolve().parents[2]
AREA = {"type": "Polygon", "coordinates": [[[117.1, -8.5], [117.2, -8.5], [117.2, -8.4], [117.1, -8.5]]]}


def make_survey() -> Survey:
    site = Site.objects.create(name="Bali test site", geometry=AREA)
    return Survey.objects.create(site=site, status="delivered")


def add_asset(survey: Survey, data: bytes, name: str, kind: str = "orthophoto") -> Asset:
    sha = hashlib.sha256(data).hexdigest()
    stored = default_storage.save(f"blobs/{sha[:2]}/{sha}.tif", ContentFile(data))
    blob = Blob.objects.create(sha256=sha, file=stored, size=len(data))
    return Asset.objects.create(
        survey=survey, kind=kind, blob=blob, file=stored, original_name=name, sha256=sha, size=len(data)
    )


def media_files(media: Path) -> list[str]:
    return sorted(str(p.relative_to(media)) for p in Path(media).rglob("*") if p.is_file())


def subprocess_env(settings) -> dict[str, str]:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "JOB_HEARTBEAT_SECONDS": "1",
        "JOB_STALE_AFTER_SECONDS": "2",
        "PYTHONUNBUFFERED": "1",
    }


@pytest.fixture
def bali(shared_data: Path) -> bytes:
    return (shared_data / "orthophotos" / "pix4d-bali.tif").read_bytes()


@pytest.mark.django_db
def test_claim_twice_second_does_nothing():
    job = services.enqueue_job(kind="cog", survey=make_survey())
    now = timezone.now()
    assert services.job_claim(job_id=job.pk, worker="a", now=now) is True
    assert services.job_claim(job_id=job.pk, worker="b", now=now) is False
    job.refresh_from_db()
    assert (job.state, job.claimed_by, job.attempts) == (JobState.RUNNING, "a", 1)
    # A redelivered Celery task for the same job is a no-op too.
    assert runner.run_job(job.pk, worker="c") is None
    job.refresh_from_db()
    assert (job.claimed_by, job.attempts) == ("a", 1)


@pytest.mark.django_db
def test_enqueue_rejects_unknown_kind():
    with pytest.raises(services.JobError) as err:
        services.enqueue_job(kind="teleport")
    assert err.value.field == "kind"


@pytest.mark.django_db
def test_stale_heartbeat_is_reclaimed_then_fails_after_last_attempt(settings):
    settings.JOB_STALE_AFTER_SECONDS = 60
    settings.JOB_MAX_ATTEMPTS = 2
    job = services.enqueue_job(kind="cog", survey=make_survey())
    start = timezone.now()
    assert services.job_claim(job_id=job.pk, worker="dead-1", now=start)
    # A fresh heartbeat is left alone.
    assert services.jobs_reclaim_stale(now=start + timedelta(seconds=30)) == []
    assert services.jobs_reclaim_stale(now=start + timedelta(seconds=61)) == [job.pk]
    job.refresh_from_db()
    assert (job.state, job.claimed_by, job.error) == (JobState.PENDING, "", "")
    # The old worker's late progress report is refused: it no longer owns the job.
    job.claimed_by = "dead-1"
    with pytest.raises(services.JobLost):
        services.job_report(job=job, now=start, progress=50)

    later = start + timedelta(seconds=120)
    assert services.job_claim(job_id=job.pk, worker="dead-2", now=later)
    assert services.jobs_reclaim_stale(now=later + timedelta(seconds=61)) == [job.pk]
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.attempts == 2
    assert "dead-2 stopped responding" in job.error and "attempt 2 of 2" in job.error
    assert "stopped responding" in job.log


@pytest.mark.django_db
def test_cog_job_converts_delivered_geotiff(bali, settings):
    survey = make_survey()
    add_asset(survey, bali, "bali.tif")
    job = services.enqueue_job(kind="cog", survey=survey)
    call_command("run_jobs", "--burst", "--quiet")
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, job.error
    assert job.finished_stages == ["fetch", "validate", "convert", "publish"]
    assert job.progress == 100
    survey.refresh_from_db()
    assert survey.map_state == "ready" and survey.status == "delivered"
    assert survey.orthophoto.name == f"surveys/orthophotos/survey-{survey.pk}-job-{job.pk}.tif"
    with rasterio.open(survey.orthophoto.path) as ds:
        assert ds.driver == "GTiff" and ds.profile["tiled"] and ds.overviews(1)
        assert ds.crs.to_epsg() == 32750
    assert survey.ortho_report["input"]["crs"] == "EPSG:32750"
    assert not (Path(settings.MEDIA_ROOT) / "_jobs" / f"job-{job.pk}").exists()


@pytest.mark.django_db
def test_corrupt_input_fails_clearly_and_keeps_earlier_orthophoto(bali, settings):
    survey = make_survey()
    add_asset(survey, bali, "good.tif")
    first = services.enqueue_job(kind="cog", survey=survey)
    call_command("run_jobs", "--burst", "--quiet")
    survey.refresh_from_db()
    good_name = survey.orthophoto.name
    good_bytes = default_storage.open(good_name).read()

    broken = add_asset(survey, bali[: len(bali) // 3], "cut-short.tif")
    second = services.enqueue_job(kind="cog", survey=survey, params={"asset_id": broken.pk})
    call_command("run_jobs", "--burst", "--quiet")
    second.refresh_from_db()
    assert second.state == JobState.FAILED
    assert second.attempts == 1  # bad input is not retried
    assert "cut-short.tif" in second.error
    assert second.finished_stages == ["fetch"]
    survey.refresh_from_db()
    assert survey.orthophoto.name == good_name
    assert survey.map_state == "ready" and survey.status == "delivered"
    assert default_storage.open(good_name).read() == good_bytes
    assert first.pk != second.pk
    assert not any(f"job-{second.pk}" in f for f in media_files(settings.MEDIA_ROOT))


@pytest.mark.django_db
def test_non_image_input_fails_with_its_name():
    survey = make_survey()
    add_asset(survey, b"%PDF-1.4 not a raster at all\n" * 50, "invoice.tif")
    job = services.enqueue_job(kind="cog", survey=survey)
    call_command("run_jobs", "--burst", "--quiet")
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "invoice.tif" in job.error
    survey.refresh_from_db()
    assert survey.map_state == "failed" and not survey.orthophoto


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_job_is_completed_by_the_next_worker(bali, settings):
    settings.JOB_STALE_AFTER_SECONDS = 2
    settings.JOB_HEARTBEAT_SECONDS = 1
    survey = make_survey()
    add_asset(survey, bali, "bali.tif")
    # A 3 s pause after each stage gives the test a window to kill the worker between "convert" and "publish".
    job = services.enqueue_job(kind="cog", survey=survey, params={"stage_delay_s": 3})
    before = media_files(settings.MEDIA_ROOT)
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "run_jobs", "--burst"],
        cwd=ROOT, env=subprocess_env(settings), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if "convert" in job.finished_stages:
                break
            assert proc.poll() is None, proc.stdout.read().decode()
            time.sleep(0.1)
        else:
            pytest.fail(f"the worker did not finish the convert stage: {job.state} {job.stage} {job.log}")
        assert job.state == JobState.RUNNING
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # The killed attempt left its finished stages in the job's scratch folder, nothing in storage yet.
    scratch = Path(settings.MEDIA_ROOT) / "_jobs" / f"job-{job.pk}"
    assert (scratch / "convert" / "orthophoto.tif").is_file()
    assert not default_storage.exists(f"surveys/orthophotos/survey-{survey.pk}-job-{job.pk}.tif")

    time.sleep(2.5)  # heartbeat goes stale
    job.params = {}
    Job.objects.filter(pk=job.pk).update(params={})  # the next attempt runs at full speed
    call_command("run_jobs", "--burst", "--quiet")
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, job.log
    assert job.attempts == 2
    assert job.finished_stages == ["fetch", "validate", "convert", "publish"]
    assert job.log.count("[convert] started") == 1  # the retry resumed at "publish"
    assert "stopped responding" in job.log
    survey.refresh_from_db()
    expected = f"surveys/orthophotos/survey-{survey.pk}-job-{job.pk}.tif"
    assert survey.orthophoto.name == expected
    assert media_files(settings.MEDIA_ROOT) == sorted(before + [expected])


@pytest.mark.django_db(transaction=True)
def test_sigterm_returns_the_job_to_the_queue(bali, settings):
    survey = make_survey()
    add_asset(survey, bali, "bali.tif")
    job = services.enqueue_job(kind="cog", survey=survey, params={"stage_delay_s": 30})
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "run_jobs"],
        cwd=ROOT, env=subprocess_env(settings), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.finished_stages:
                break
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out.decode()
    assert b"returned to the queue" in out
    job.refresh_from_db()
    assert job.state == JobState.PENDING
    assert job.attempts == 0 and job.finished_stages  # finished stages kept for the next worker
