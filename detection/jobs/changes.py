"""Job kind "detect_changes": the survey's orthophoto against the previous survey of the same site -> proposed
"change" candidates, one per changed area, with its outline on the map (WGS84) and its area in m².

The previous survey is the latest earlier survey of the site that has an orthophoto, or `params.before_survey`
(a survey of the same site). A rerun replaces the proposals it made for the same pair that nobody reviewed yet;
reviewed ones stay. `params.min_area_m2` (default 25) drops smaller areas."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from processing.models import Job
from processing.stages import Stage, StageContext

KIND = "detect_changes"
LABEL = "Changes since the previous survey"


def stages(job: Job) -> list[Stage]:
    return [Stage("detect", 1, detect)]


def previous_survey(survey, before_id=None):
    from surveys.models import Survey

    same_site = Survey.objects.filter(site_id=survey.site_id).exclude(pk=survey.pk).exclude(orthophoto="")
    if before_id:
        return same_site.filter(pk=before_id).first()
    return same_site.filter(created_at__lt=survey.created_at).order_by("-created_at", "-pk").first()


def detect(ctx: StageContext) -> None:
    from processing.core.detection._common import DetectionError
    from processing.core.detection.change import NAME, VERSION, ChangeDetector
    from surveys.audit import survey_audit_record

    from ..models import Candidate, CandidateKind, CandidateStatus
    from .common import copy_to

    survey = ctx.job.survey
    params = ctx.job.params or {}
    if not survey.orthophoto:
        raise DetectionError(f"survey {survey.pk} has no orthophoto yet: build or deliver its map first")
    before = previous_survey(survey, params.get("before_survey"))
    if before is None:
        raise DetectionError("no earlier survey of this site has an orthophoto to compare with"
                             if not params.get("before_survey") else
                             f"survey {params['before_survey']} is not a survey of this site with an orthophoto")
    try:
        detector = ChangeDetector(min_area_m2=float(params.get("min_area_m2", 25.0)))
    except (TypeError, ValueError) as exc:
        raise DetectionError(f"min_area_m2: {exc}") from exc
    ctx.progress(0.1, "fetching the two orthophotos")
    before_path = copy_to(before.orthophoto, ctx.out_dir / "before.tif")
    after_path = copy_to(survey.orthophoto, ctx.out_dir / "after.tif")
    ctx.progress(0.3, f"comparing with survey {before.pk}")
    result = detector(before_path, after_path)
    now = timezone.now()
    pair = {"before_survey": before.pk}
    rows = [Candidate(
        survey=survey, asset=None, kind=CandidateKind.CHANGE, detector=NAME, detector_version=VERSION,
        geometry=area.polygon, score=float(area.score), created_at=now,
        facts={"area_m2": round(area.area_m2, 1), **pair,
               "correction_m": [round(result.shift_m[0], 2), round(result.shift_m[1], 2)]})
        for area in result.changes[:200]]
    with transaction.atomic():
        Candidate.objects.filter(survey=survey, kind=CandidateKind.CHANGE, status=CandidateStatus.PROPOSED,
                                 facts__before_survey=before.pk).delete()
        Candidate.objects.bulk_create(rows)
        survey_audit_record(survey, "candidates_proposed", by=None, now=now,
                            data={"detector": NAME, "count": len(rows), **pair})
    for path in (before_path, after_path):
        path.unlink(missing_ok=True)
    ctx.log(f"{len(rows)} changed area(s) above {detector.min_area_m2:g} m² since survey {before.pk} "
            f"(co-registration moved this map {result.shift_m[0]:+.2f} m E {result.shift_m[1]:+.2f} m N)")
