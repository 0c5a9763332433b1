"""A job row stays a faithful record: its updated_at follows the conditional updates that move it."""

from __future__ import annotations

import pytest
from django.utils import timezone

from processing import services
from processing.models import Job, JobState


@pytest.mark.django_db
def test_updated_at_follows_claims_and_heartbeats():
    job = services.enqueue_job(kind="cog")
    created = Job.objects.get(pk=job.pk).updated_at
    assert services.job_claim(job_id=job.pk, worker="w1", now=timezone.now())
    claimed = Job.objects.get(pk=job.pk)
    assert claimed.state == JobState.RUNNING
    assert claimed.updated_at > created
    services.job_heartbeat(job=claimed, now=timezone.now())
    assert Job.objects.get(pk=job.pk).updated_at > claimed.updated_at


@pytest.mark.django_db
def test_updated_at_is_the_callers_clock_not_read_by_the_model():
    from datetime import timedelta

    job = services.enqueue_job(kind="cog")
    then = timezone.now() + timedelta(hours=3)  # a service passes its `now`: the row keeps exactly that
    assert services.job_claim(job_id=job.pk, worker="w1", now=then)
    assert Job.objects.get(pk=job.pk).updated_at == then
    Job.objects.filter(pk=job.pk).update(stage="x")  # a bare update carries no hidden clock read
    assert Job.objects.get(pk=job.pk).updated_at == then
