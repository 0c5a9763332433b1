"""Job kind "inspection_report": the survey's annotations -> the report (JSON, HTML, PDF) -> a new version.

Stage "render" writes the three files and the fingerprint into its folder; stage "publish" stores them as the
survey's next version through `inspection.services.report_publish` (nothing new when the annotations have not
changed since the latest version)."""

from __future__ import annotations

import json
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.utils import timezone

from processing.core.errors import ProcessingError
from processing.models import Job
from processing.stages import Stage, StageContext

from ..core.errors import InspectionError

KIND = "inspection_report"
LABEL = "Inspection report"


def stages(job: Job) -> list[Stage]:
    return [Stage("render", 10, render), Stage("publish", 1, publish)]


def _requested_by(job: Job):
    user_id = (job.params or {}).get("requested_by")
    return get_user_model().objects.filter(pk=user_id).first() if user_id else None


def render(ctx: StageContext) -> None:
    from ..models import InspectionReport
    from ..report_render import render_report

    survey = ctx.job.survey
    latest = InspectionReport.objects.filter(survey=survey).order_by("-number").first()
    by = _requested_by(ctx.job)
    ctx.progress(0.05, "reading the annotations")
    try:
        rendered = render_report(survey, version=(latest.number + 1) if latest else 1,
                                 generated_at=timezone.now().isoformat(timespec="seconds"),
                                 inspector=by.get_username() if by else None,
                                 tolerance_m=(ctx.job.params or {}).get("tolerance_m"))
    except InspectionError as exc:  # e.g. every annotation deleted since the request: fail at once, no retries
        raise ProcessingError(f"{exc.field}: {exc.message}") from exc
    (ctx.out_dir / "report.json").write_text(rendered.json_text)
    (ctx.out_dir / "report.html").write_text(rendered.html)
    (ctx.out_dir / "report.pdf").write_bytes(rendered.pdf)
    (ctx.out_dir / "fingerprint.txt").write_text(rendered.fingerprint)
    ctx.progress(1.0, f"rendered {len(rendered.document['defects'])} defects")


def publish(ctx: StageContext) -> None:
    from processing.services import job_set_result

    from ..services import report_publish

    folder = ctx.output_of("render")
    rendered = SimpleNamespace(document=json.loads((folder / "report.json").read_text()),
                               fingerprint=(folder / "fingerprint.txt").read_text(),
                               html=(folder / "report.html").read_text(),
                               pdf=(folder / "report.pdf").read_bytes())
    report = report_publish(survey=ctx.job.survey, rendered=rendered, by=_requested_by(ctx.job),
                            now=timezone.now(), job=ctx.job)
    job_set_result(job=ctx.job, result={"report": report.pk, "version": report.number})
