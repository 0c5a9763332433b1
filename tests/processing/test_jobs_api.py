"""Job API: visibility follows the survey, staff retry, the progress partial."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from processing import services
from processing.models import JobState
from surveys.models import Site, Survey


@pytest.fixture
def cast(db):
    from tests.factories import make_cast

    return make_cast()


@pytest.fixture
def failed_job(cast):
    site = Site.objects.create(name="Pier", geometry={}, organisation=cast.organisation)
    survey = Survey.objects.create(site=site, status="delivered", supplier=cast.supplier)
    job = services.enqueue_job(kind="cog", survey=survey)
    services.job_claim(job_id=job.pk, worker="w", now=timezone.now())
    job.refresh_from_db()
    services.job_fail(job=job, error="pier.tif: the GeoTIFF's pixel data is corrupt", now=timezone.now(), retry=False)
    job.refresh_from_db()
    return job


def test_viewers_of_the_survey_see_the_job(client, cast, failed_job):
    for user in (cast.requester, cast.contractor, cast.planner):
        client.force_login(user)
        listing = client.get("/api/v1/jobs/").json()
        assert [j["id"] for j in listing["results"]] == [failed_job.pk]
        detail = client.get(f"/api/v1/jobs/{failed_job.pk}/").json()
        assert detail["state"] == "failed"
        assert "corrupt" in detail["error"] and "corrupt" in detail["log_tail"]
        assert set(detail) >= {"stage", "progress", "attempts", "finished_stages"}


def test_outsiders_get_404_and_an_empty_list(client, cast, failed_job):
    for user in (cast.outsider, cast.other_contractor):
        client.force_login(user)
        assert client.get("/api/v1/jobs/").json()["results"] == []
        assert client.get(f"/api/v1/jobs/{failed_job.pk}/").status_code == 404
    client.logout()
    assert client.get(f"/api/v1/jobs/{failed_job.pk}/").status_code in (401, 403)


def test_only_staff_retry(client, cast, failed_job):
    client.force_login(cast.requester)
    assert client.post(f"/api/v1/jobs/{failed_job.pk}/retry/").status_code == 403
    client.force_login(cast.admin)
    response = client.post(f"/api/v1/jobs/{failed_job.pk}/retry/")
    assert response.status_code == 202
    assert response.json()["state"] == "pending" and response.json()["attempts"] == 0
    again = client.post(f"/api/v1/jobs/{failed_job.pk}/retry/")
    assert again.status_code == 400 and "state" in again.json()


def test_filter_by_survey_and_state(client, cast, failed_job):
    client.force_login(cast.planner)
    assert client.get(f"/api/v1/jobs/?survey={failed_job.survey_id}&state=failed").json()["count"] == 1
    assert client.get("/api/v1/jobs/?state=running").json()["count"] == 0


def test_progress_partial(failed_job):
    html = render_to_string("processing/_job.html", {"job": failed_job})
    assert "Failed" in html and "corrupt" in html and f'id="job-{failed_job.pk}"' in html
    failed_job.state = JobState.RUNNING
    failed_job.progress = 40
    html = render_to_string("processing/_job.html", {"job": failed_job})
    assert 'value="40"' in html and "data-job-poll" in html and 'src="/static/js/job.js"' in html  # polls by itself
    failed_job.state = JobState.SUCCEEDED
    assert "data-job-poll" not in render_to_string("processing/_job.html", {"job": failed_job})


def test_staff_cancel_pending_and_running(client, cast, failed_job):
    pending = services.enqueue_job(kind="cog", survey=failed_job.survey)
    client.force_login(cast.contractor)
    assert client.post(f"/api/v1/jobs/{pending.pk}/cancel/").status_code == 403
    client.force_login(cast.admin)
    assert client.post(f"/api/v1/jobs/{pending.pk}/cancel/").json()["state"] == "cancelled"
    assert client.post(f"/api/v1/jobs/{failed_job.pk}/cancel/").status_code == 400

    running = services.enqueue_job(kind="cog", survey=failed_job.survey)
    services.job_claim(job_id=running.pk, worker="w", now=timezone.now())
    running.refresh_from_db()
    assert client.post(f"/api/v1/jobs/{running.pk}/cancel/").json()["state"] == "cancelled"
    with pytest.raises(services.JobLost):  # the worker learns at its next report, and stops
        services.job_report(job=running, now=timezone.now(), progress=10)


def test_openapi_schema_of_jobs_and_tilejson_has_no_warnings():
    from django.urls import include, path
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    generator = SchemaGenerator(patterns=[path("api/v1/", include("surveys.api_urls"))])
    schema = generator.get_schema(request=None, public=True)
    validate_schema(schema)
    assert not GENERATOR_STATS._warn_cache and not GENERATOR_STATS._error_cache, dict(GENERATOR_STATS._error_cache)
    tilejson = schema["paths"]["/api/v1/surveys/{survey_id}/tilejson.json"]["get"]["responses"]["200"]
    assert tilejson["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/TileJSON"}
    assert {"bounds", "minzoom", "maxzoom", "tiles"} <= set(schema["components"]["schemas"]["TileJSON"]["properties"])
