"""The job engine runs kinds it does not know: a kind registered in a test module runs through the embedded
runner (`run_jobs`) like the surveys app's own; unknown kinds are refused at enqueue time; periodic hooks run on
every poll. (Through a real Celery worker: tests/processing/test_jobs_celery.py.)"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from processing import registry, services
from processing.models import Job, JobState
from tests.processing import echo_kind


@pytest.fixture
def echo():
    echo_kind.register()
    yield echo_kind
    echo_kind.unregister()
    echo_kind.failures.clear()


def run_jobs(*args: str) -> str:
    out = io.StringIO()
    call_command("run_jobs", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_kind_registered_in_a_test_module_runs_in_the_embedded_runner(echo):
    job = services.enqueue_job(kind="test-echo", params={"text": "hello from a test"})
    output = run_jobs("--once")
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, (job.error, job.log)
    assert job.finished_stages == ["write", "report"] and job.progress == 100
    assert job.result["echo"] == "hello from a test" and job.result["worker"].startswith("run_jobs@")
    assert f"job {job.pk} (test-echo) claimed" in output and f"job {job.pk} succeeded" in output
    assert "echoed 17 characters" in job.log


@pytest.mark.django_db
def test_bad_input_of_a_registered_kind_fails_at_once_and_calls_its_failure_hook(echo):
    job = services.enqueue_job(kind="test-echo", params={"text": 42})
    run_jobs("--once", "--quiet")
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.FAILED, 1)
    assert job.error == "test-echo needs params.text (a string)"
    assert echo.failures == [job.pk]


@pytest.mark.django_db
def test_a_kind_nobody_registered_is_refused_at_enqueue():
    with pytest.raises(services.JobError) as refused:
        services.enqueue_job(kind="test-echo", params={"text": "x"})
    assert refused.value.field == "kind"
    assert "unknown job kind 'test-echo'" in str(refused.value)
    assert "registered kinds: blur_video, cog, " in str(refused.value) and "orthomosaic" in str(refused.value)
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_a_job_whose_kind_is_no_longer_registered_fails_without_retries():
    """E.g. a row queued before its owning app was removed: it fails with the reason instead of looping."""
    job = Job.objects.create(kind="retired-kind", max_attempts=3)
    run_jobs("--once", "--quiet")
    job.refresh_from_db()
    assert (job.state, job.attempts) == (JobState.FAILED, 1)
    assert job.error.startswith("no handler for job kind 'retired-kind' (registered kinds: blur_video, cog, ")
    assert "orthomosaic" in job.error


def test_the_surveys_app_registers_its_map_kinds():
    cog, mosaic = registry.handler_for("cog"), registry.handler_for("orthomosaic")
    assert cog.stages.__module__ == "surveys.jobs.cog" and mosaic.stages.__module__ == "surveys.jobs.orthomosaic"
    assert cog.needs_survey and mosaic.needs_survey and cog.on_failed is not None


@pytest.mark.django_db
def test_a_survey_kind_without_a_survey_fails_with_the_reason():
    job = services.enqueue_job(kind="cog")
    run_jobs("--once", "--quiet")
    job.refresh_from_db()
    assert (job.state, job.error) == (JobState.FAILED, "a cog job needs a survey")


def test_registering_a_kind_twice_with_other_stages_is_refused(echo):
    echo_kind.register()  # the same registration again (e.g. ready() run twice) is harmless
    with pytest.raises(ValueError, match="'test-echo' is already registered"):
        registry.register("test-echo", lambda job: [])
    for bad in ("", " padded", "x" * 33):
        with pytest.raises(ValueError, match="1 to 32 characters"):
            registry.register(bad, echo_kind.stages)


@pytest.mark.django_db
def test_periodic_hooks_run_on_every_poll_and_a_failing_one_stops_nothing(echo):
    calls: list[str] = []

    def counting() -> str:
        calls.append("x")
        return f"call {len(calls)}"

    def broken() -> None:
        raise OSError("mail server unreachable")

    registry.register_periodic("test-counter", counting)
    registry.register_periodic("test-broken", broken)
    try:
        job = services.enqueue_job(kind="test-echo", params={"text": "still runs"})
        output = run_jobs("--burst")  # one poll runs the job, the next finds the queue empty and exits
    finally:
        registry.unregister_periodic("test-counter")
        registry.unregister_periodic("test-broken")
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED
    assert len(calls) == 2 and "test-counter: call 1" in output and "test-counter: call 2" in output


def test_notify_registers_the_outbox_sender_as_a_periodic_hook():
    from notify.apps import send_due_outbox

    assert dict(registry.periodic_hooks())["outbox"] is send_due_outbox
