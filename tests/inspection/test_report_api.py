"""Report versions through the API and the job engine: POST starts the `inspection_report` job (202), `run_jobs`
makes version 1, an unchanged survey makes no new version, a changed one makes version 2 while version 1 stays
downloadable; sign-off completes the PDF's sign-off block and freezes the version; who may do what."""

from __future__ import annotations

import io
import subprocess

import pytest
from django.core.management import call_command
from django.utils import timezone

from booking.models import AuditEvent
from inspection.models import InspectionReport
from inspection.services import annotation_update
from processing.models import Job

from .test_report import annotate, oban_survey

pytestmark = pytest.mark.django_db


def _run_jobs() -> str:
    out = io.StringIO()
    call_command("run_jobs", "--burst", "--quiet", stdout=out)
    return out.getvalue()


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "r.pdf"
    path.write_bytes(data)
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True,
                                   text=True).stdout.split())


def test_versions_downloads_and_sign_off(client, shared_data, tmp_path) -> None:
    from tests.factories import make_cast

    cast = make_cast()
    survey, assets = oban_survey(cast, shared_data, mosaic=False)
    url = f"/api/v1/surveys/{survey.pk}/reports/"
    client.force_login(cast.contractor)
    assert client.post(url).status_code == 400  # no annotations yet
    assert client.post(url).json()["annotations"]
    marks = annotate(survey, assets, cast.contractor)
    started = client.post(url)
    assert started.status_code == 202, started.content
    job = Job.objects.get(pk=started.json()["job"])
    assert job.kind == "inspection_report"
    _run_jobs()
    job.refresh_from_db()
    assert job.state == "succeeded", job.error
    v1 = InspectionReport.objects.get(survey=survey)
    assert v1.number == 1 and v1.defect_count == 4 and job.result["report"] == v1.pk
    again = client.post(url)  # nothing changed: no job, the latest version
    assert again.status_code == 200 and again.json()["report"]["number"] == 1
    annotation_update(annotation=marks[0], by=cast.contractor, now=timezone.now(), changes={"note": "wider now"})
    assert client.post(url).status_code == 202
    _run_jobs()
    listed = client.get(url).json()
    assert [r["number"] for r in listed] == [2, 1] and [r["is_current"] for r in listed] == [True, False]
    v1_pdf = client.get(listed[1]["downloads"]["pdf"])
    assert v1_pdf.status_code == 200 and v1_pdf["Content-Type"] == "application/pdf"
    assert "wider now" not in _pdf_text(b"".join(v1_pdf.streaming_content), tmp_path)
    v2_json = client.get(listed[0]["downloads"]["json"])
    assert b"wider now" in b"".join(v2_json.streaming_content)
    html = client.get(listed[0]["downloads"]["html"])
    assert "attachment" in html["Content-Disposition"]
    sign = f"/api/v1/reports/{listed[0]['id']}/sign-off/"
    assert client.post(sign).status_code == 403  # the contractor who flew it does not sign it off
    client.force_login(cast.planner)
    assert client.get(f"/api/v1/reports/{listed[0]['id']}/").status_code == 200  # planners read
    assert client.post(url).status_code == 403 and client.post(sign).status_code == 403
    client.force_login(cast.outsider)
    assert client.get(f"/api/v1/reports/{listed[0]['id']}/").status_code == 404
    assert client.get(listed[0]["downloads"]["pdf"]).status_code == 404
    assert client.get(url).status_code == 404
    client.force_login(cast.requester)
    signed = client.post(sign)
    assert signed.status_code == 200 and signed.json()["signed_off_by"] == cast.requester.get_username()
    text = _pdf_text(b"".join(client.get(listed[0]["downloads"]["pdf"]).streaming_content), tmp_path)
    reviewer = cast.requester.get_full_name() or cast.requester.get_username()
    assert f"Reviewing engineer {reviewer}" in text and "this version is frozen" in text
    twice = client.post(sign)
    assert twice.status_code == 400 and "already signed off" in twice.json()["detail"]
    assert AuditEvent.objects.filter(action="report_signed_off").count() == 1
    assert AuditEvent.objects.filter(action="report_created").count() == 2
    assert client.get("/api/v1/reports/987654/").status_code == 404
    assert client.post("/api/v1/surveys/987654/reports/").status_code == 404
    # a version is signed off by someone other than who made it
    annotation_update(annotation=marks[1], by=cast.requester, now=timezone.now(), changes={"note": "checked"})
    assert client.post(url).status_code == 202
    _run_jobs()
    v3 = InspectionReport.objects.get(survey=survey, number=3)
    assert v3.created_by == cast.requester
    own = client.post(f"/api/v1/reports/{v3.pk}/sign-off/")
    assert own.status_code == 400 and "someone other than who made it" in own.json()["detail"]
    assert InspectionReport.objects.get(pk=v3.pk).signed_off_at is None


def test_the_survey_page_lists_versions(client, shared_data) -> None:
    from django.urls import reverse

    from inspection.report_render import render_report
    from inspection.services import report_publish
    from tests.factories import make_cast

    cast = make_cast()
    survey, assets = oban_survey(cast, shared_data, mosaic=False)
    page = reverse("surveys:detail", args=[survey.pk])
    client.force_login(cast.contractor)
    body = client.get(page).content.decode()
    assert 'id="reports"' in body and "No report yet." in body and 'id="make-report"' not in body  # nothing to report
    annotate(survey, assets, cast.contractor)
    report = report_publish(survey=survey, rendered=render_report(survey), by=cast.contractor, now=timezone.now())
    body = client.get(page).content.decode()
    assert 'id="make-report"' in body and f"/api/v1/reports/{report.pk}/report.pdf" in body
    assert "report-sign-off" not in body  # the contractor does not sign off
    client.force_login(cast.requester)
    body = client.get(page).content.decode()
    assert f'data-url="/api/v1/reports/{report.pk}/sign-off/"' in body and "js/inspection_reports.js" in body
    client.force_login(cast.planner)
    body = client.get(page).content.decode()
    assert "v1 (current)" in body and 'id="make-report"' not in body and "report-sign-off" not in body


def test_a_job_whose_annotations_went_fails_at_once(client, shared_data) -> None:
    from tests.factories import make_cast

    cast = make_cast()
    survey, assets = oban_survey(cast, shared_data, mosaic=False)
    annotate(survey, assets, cast.contractor)
    client.force_login(cast.contractor)
    job = Job.objects.get(pk=client.post(f"/api/v1/surveys/{survey.pk}/reports/").json()["job"])
    survey.annotations.all().delete()
    _run_jobs()
    job.refresh_from_db()
    assert job.state == "failed" and job.attempts == 1 and "no annotations to report" in job.error
    assert not InspectionReport.objects.filter(survey=survey).exists()
