"""Fault drills: each ends by checking that nothing was lost or half-written (docs/security.md, "Fault drills").

    .venv/bin/python -m pytest bench/drills -q -p no:cacheprovider            # SQLite (disk-full drills)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python -m pytest bench/drills -q \
        -p no:cacheprovider                                                    # + the PostgreSQL restarts

They need root (a tmpfs is mounted to fill the disk; PostgreSQL is restarted with pg_ctlcluster), so they are
drills in bench/, not tests in CI. The drills kept in the suite: a worker killed mid-job
(tests/processing/test_jobs.py), an upload cut mid-chunk and resumed (tests/surveys/test_uploads.py), SMTP down
(tests/notify/test_outbox.py), the broker down at enqueue time (tests/processing/test_jobs_dispatch.py). Redis down
and back with a worker and its beat running throughout is a drill here (it waits for beat's real 60 s schedule).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from processing import services
from processing.models import Job, JobState
from tests.processing.test_jobs import ROOT, add_asset, make_survey, media_files, subprocess_env

OUT = ROOT / "bench" / "out"
pytestmark = pytest.mark.django_db(transaction=True)


def record(name: str, outcome: dict) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "drills.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results[name] = outcome
    path.write_text(json.dumps(results, indent=2, default=str))
    print(f"\n{name}: {json.dumps(outcome, default=str)}")


@pytest.fixture
def small_disk(tmp_path):
    """A tmpfs of a chosen size: the disk that fills."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "small-disk"
    mount.mkdir()

    def sized(size_bytes: int) -> Path:
        opts = f"size={size_bytes}"
        if os.path.ismount(mount):
            subprocess.run(["mount", "-o", f"remount,{opts}", str(mount)], check=True)
        else:
            subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(mount)], check=True)
        return mount

    yield sized
    if os.path.ismount(mount):
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def bali(shared_data: Path) -> bytes:
    return (shared_data / "orthophotos" / "pix4d-bali.tif").read_bytes()


def test_disk_fills_while_the_cog_is_written_then_the_retry_succeeds(bali, small_disk, settings):
    """The job's scratch disk has room for the fetched input but not for the COG: the attempt fails with the
    system's words, nothing reaches storage, the survey keeps no half map; with room again the job completes."""
    settings.JOB_WORK_DIR = str(small_disk(len(bali) + 200_000))
    survey = make_survey()
    add_asset(survey, bali, "bali.tif")
    before = media_files(settings.MEDIA_ROOT)
    job = services.enqueue_job(kind="cog", survey=survey, params={})
    call_command("run_jobs", "--once", "--quiet")
    job.refresh_from_db()
    survey.refresh_from_db()
    first = {"state": job.state, "error": job.error, "attempts": job.attempts}
    assert job.state in (JobState.PENDING, JobState.FAILED), job.log
    assert "No space left on device" in job.error
    assert media_files(settings.MEDIA_ROOT) == before, "nothing half-written in storage"
    assert not survey.orthophoto

    small_disk(64 * 1024 * 1024)  # the operator frees space
    if job.state == JobState.FAILED:
        services.job_retry(job=job, now=timezone.now())
    call_command("run_jobs", "--burst", "--quiet")
    job.refresh_from_db()
    survey.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, job.log
    expected = f"surveys/orthophotos/survey-{survey.pk}-job-{job.pk}.tif"
    assert survey.orthophoto.name == expected
    assert media_files(settings.MEDIA_ROOT) == sorted(before + [expected])
    record("disk full while the COG is written (job scratch disk)",
           {"first_attempt": first, "after_space_freed": job.state, "storage_half_files": 0})


def test_storage_fills_while_the_cog_is_published(bali, small_disk, settings, tmp_path):
    """Storage (MEDIA_ROOT) has room for the delivered file but not for the COG: the publish fails, no partial
    COG stays in storage, the survey's map is unchanged; with room again the job completes."""
    media = small_disk(len(bali) + 300_000)
    settings.MEDIA_ROOT = str(media)
    settings.JOB_WORK_DIR = str(tmp_path / "jobs")  # scratch elsewhere: only storage fills
    survey = make_survey()
    add_asset(survey, bali, "bali.tif")
    before = media_files(media)
    job = services.enqueue_job(kind="cog", survey=survey, params={})
    call_command("run_jobs", "--once", "--quiet")
    job.refresh_from_db()
    survey.refresh_from_db()
    first = {"state": job.state, "error": job.error}
    leftovers = sorted(set(media_files(media)) - set(before))
    assert "No space left on device" in job.error, job.log
    assert leftovers == [], f"half-written files left in storage: {leftovers}"
    assert not survey.orthophoto

    small_disk(64 * 1024 * 1024)
    if job.state == JobState.FAILED:
        services.job_retry(job=job, now=timezone.now())
    call_command("run_jobs", "--burst", "--quiet")
    job.refresh_from_db()
    survey.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, job.log
    assert media_files(media) == sorted(before + [survey.orthophoto.name])
    record("disk full while the COG is published (storage)",
           {"first_attempt": first, "after_space_freed": job.state, "storage_half_files": len(leftovers)})


def _pg_cluster() -> tuple[str, str]:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    return version, "main"


def _restart_postgres() -> float:
    version, name = _pg_cluster()
    started = time.monotonic()
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart", "-m", "fast"],
                   check=True, capture_output=True)
    for _ in range(100):
        if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], check=False).returncode == 0:
            break
        time.sleep(0.1)
    connection.close()  # this thread's connection died with the server: the next query opens a new one
    return time.monotonic() - started


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        pytest.skip("set DATABASE_URL to PostgreSQL for this drill")
    if os.geteuid() != 0 or shutil.which("pg_ctlcluster") is None:
        pytest.skip("restarting PostgreSQL needs root and pg_ctlcluster")


def test_postgres_restarts_during_a_job_and_the_job_completes(postgres, bali, settings):
    """PostgreSQL restarts while a worker runs a COG job: the worker's next database write fails, it waits and
    reconnects, reclaims the job once its heartbeat is stale and finishes it from its finished stages; one map,
    no extra files."""
    survey = make_survey()
    add_asset(survey, bali, "bali.tif")
    before = media_files(settings.MEDIA_ROOT)
    job = services.enqueue_job(kind="cog", survey=survey, params={"stage_delay_s": 2})
    env = subprocess_env(settings)
    proc = subprocess.Popen([sys.executable, "manage.py", "run_jobs", "--burst"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if "validate" in job.finished_stages:
                break
            time.sleep(0.1)
        connection.close()
        restart_s = _restart_postgres()
        first_exit = proc.wait(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    first_output = proc.stdout.read().decode()[-3000:]
    job.refresh_from_db()
    survey.refresh_from_db()
    # The same worker rode out the restart (it waits and reconnects) and finished the job itself.
    assert first_exit == 0 and "database unavailable" in first_output, first_output
    assert job.state == JobState.SUCCEEDED, (job.log, first_output)
    assert survey.orthophoto.name == f"surveys/orthophotos/survey-{survey.pk}-job-{job.pk}.tif"
    assert media_files(settings.MEDIA_ROOT) == sorted(before + [survey.orthophoto.name])
    record("PostgreSQL restarted during a job", {
        "restart_s": round(restart_s, 1), "first_worker_exit": first_exit, "attempts": job.attempts,
        "finished_stages": job.finished_stages, "result": job.state})


def test_postgres_restarts_during_requests_and_the_app_serves_again(postgres, live_server, settings):
    """An officer's list keeps loading (API reads every 50 ms) while PostgreSQL restarts: the requests caught in
    the restart answer an error at once (5xx, not a hang), and the app serves again without a restart of its
    own. (Writes are atomic per request: ATOMIC_REQUESTS / services' transactions.)"""
    import urllib.error
    import urllib.request

    from rest_framework.authtoken.models import Token

    from tests.factories import make_cast

    cast = make_cast()
    token = Token.objects.create(user=cast.requester).key
    url = f"{live_server.url}/api/v1/requests/"
    answers: list[tuple[str, int]] = []
    stop = threading.Event()

    def keep_reading() -> None:
        while not stop.is_set():
            req = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    answers.append(("read", r.status))
            except urllib.error.HTTPError as exc:
                answers.append(("read", exc.code))
            except OSError:
                answers.append(("read", 0))
            time.sleep(0.05)

    reader = threading.Thread(target=keep_reading, daemon=True)
    reader.start()
    time.sleep(1.0)
    restart_s = _restart_postgres()
    time.sleep(2.0)
    stop.set()
    reader.join(timeout=60)
    codes = [c for _, c in answers]
    after = [c for c in codes[-5:]]
    record("PostgreSQL restarted during requests", {
        "restart_s": round(restart_s, 1), "requests": len(codes), "ok": codes.count(200),
        "errors": len([c for c in codes if c >= 500 or c == 0]), "last_five": after})
    assert codes.count(200) > 0 and all(c == 200 for c in after), codes
    assert all(c in (200, 500, 503) for c in codes), codes


# ---------------------------------------------------------------- Redis down and back


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def private_redis(tmp_path):
    """A redis-server of this drill's own (no persistence, as in CI), that the drill stops and starts again."""
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server")
    port = _free_port()
    procs: list[subprocess.Popen] = []

    def start() -> None:
        proc = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                 "--appendonly", "no", "--dir", str(tmp_path)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(proc)
        for _ in range(100):
            if subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True,
                              check=False).stdout.strip() == b"PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop() -> None:
        proc = procs[-1]
        proc.terminate()
        proc.wait(timeout=10)

    start()
    yield type("Redis", (), {"url": f"redis://127.0.0.1:{port}/0", "start": staticmethod(start),
                             "stop": staticmethod(stop)})
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_redis_down_and_back_the_queued_rebuild_runs_once_without_a_worker_restart(
        private_redis, bali, settings, client, tmp_path):
    """A Celery worker with its beat (`celery -A config worker -B`, the settings' CELERY_BEAT_SCHEDULE) runs on a
    Redis that stops: a rebuild asked for meanwhile answers 202, the job waits "not dispatched" and says so;
    Redis comes back; the same worker (no restart) reconnects, beat's sweep sends the job, and it runs once."""
    from config.celery import app
    from tests.factories import make_cast
    from tests.processing.test_jobs_celery import _forget_connections
    from tests.processing.test_jobs_dispatch import delivered_survey

    saved = app.conf.broker_url
    app.conf.broker_url = private_redis.url
    _forget_connections(app)
    settings.REDIS_URL = private_redis.url
    env = {**subprocess_env(settings), "REDIS_URL": private_redis.url}
    env.pop("JOB_STALE_AFTER_SECONDS")  # the real limits: this drill is about dispatch, not stale heartbeats
    env.pop("JOB_HEARTBEAT_SECONDS")
    log_path = tmp_path / "celery.log"
    code = (f"from config.celery import app; app.worker_main(['worker', '-B', '-s', {str(tmp_path / 'beat')!r}, "
            "'--pool=solo', '-c', '1', '--without-gossip', '--without-mingle', '--without-heartbeat', '-l', 'info'])")
    with open(log_path, "wb") as log:
        worker = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while "job recovery at worker start" not in log_path.read_text(errors="replace"):
            assert time.monotonic() < deadline and worker.poll() is None, log_path.read_text(errors="replace")
            time.sleep(0.2)
        cast = make_cast()
        survey = delivered_survey(cast, bali)
        before = media_files(settings.MEDIA_ROOT)
        client.force_login(cast.contractor)

        private_redis.stop()  # Redis down
        down_at = time.monotonic()
        response = client.post(f"/api/v1/surveys/{survey.pk}/rebuild-map/")
        assert response.status_code == 202, response.content
        body = response.json()
        assert body["waiting"] == "queue_unreachable", body
        again = client.post(f"/api/v1/surveys/{survey.pk}/rebuild-map/")
        assert again.status_code == 400 and "waiting for the job queue" in again.json()["detail"]
        time.sleep(5)
        job_id = body["id"]
        job = Job.objects.get(pk=job_id)
        assert (job.state, job.dispatched_at) == (JobState.PENDING, None)

        private_redis.start()  # Redis back, empty (no persistence)
        back_at, back_wall = time.monotonic(), timezone.now()
        deadline = back_at + 240
        while not Job.objects.get(pk=job_id).is_final:
            assert time.monotonic() < deadline and worker.poll() is None, log_path.read_text(errors="replace")[-4000:]
            time.sleep(0.2)
        recovered_s = time.monotonic() - back_at
        job.refresh_from_db()
        survey.refresh_from_db()
        worker_log = log_path.read_text(errors="replace")
        assert job.state == JobState.SUCCEEDED, (job.error, job.log, worker_log[-4000:])
        assert job.attempts == 1 and worker.poll() is None, "the same worker ran it once"
        assert survey.orthophoto.name == f"surveys/orthophotos/survey-{survey.pk}-job-{job.pk}.tif"
        assert media_files(settings.MEDIA_ROOT) == sorted(before + [survey.orthophoto.name]), "nothing else stored"
        assert Job.objects.filter(survey=survey).count() == 1
        record("Redis down and back (worker and beat running throughout)", {
            "outage_s": round(back_at - down_at, 1), "rebuild_status": response.status_code,
            "waiting": body["waiting"], "recovered_s": round(recovered_s, 1),
            "sent_by_beat_after_s": round((job.dispatched_at - back_wall).total_seconds(), 1),
            "beat_interval_s": settings.CELERY_BEAT_SCHEDULE["reclaim-stale-jobs"]["schedule"],
            "dispatch_attempts": job.dispatch_attempts, "attempts": job.attempts, "result": job.state,
            "worker_restarted": False})
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        app.conf.broker_url = saved
        _forget_connections(app)
