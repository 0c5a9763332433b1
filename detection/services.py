"""Writes: propose candidates from a detector's result, accept one (it becomes an annotation through the
inspection services, with the detector as its source) or reject one (kept, for learning). Every review is on the
survey's audit trail; a candidate already reviewed cannot be reviewed again."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction

from inspection import services as inspection
from inspection.models import Annotation
from inspection.permissions import can_annotate
from surveys.audit import survey_audit_record

from .models import Candidate, CandidateStatus

if TYPE_CHECKING:  # numpy and OpenCV load in the worker only (tests/test_startup.py)
    import numpy as np

MAX_CANDIDATES_PER_PHOTO = 50
MAX_RING_POINTS = 400


class CandidateError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def _ring(points: list[tuple[float, float]]) -> list[list[float]]:
    if len(points) > MAX_RING_POINTS:
        step = -(-len(points) // MAX_RING_POINTS)  # ceiling division
        points = [*points[:-1:step], points[0]]
    return [[round(x, 1), round(y, 1)] for x, y in points]


def candidates_from_mask(*, survey: Any, asset: Any, kind: str, detector: str, version: str,
                         mask: np.ndarray, now: datetime, min_area_px: int = 40) -> list[Candidate]:
    """One proposed candidate per region of a detector's mask on a photo (largest first, at most 50)."""
    from processing.core.detection._common import mask_polygons

    rows = []
    for ring in mask_polygons(mask.astype(bool), min_area_px)[:MAX_CANDIDATES_PER_PHOTO]:
        if len(ring) < 4:
            continue
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        area = float(mask[int(min(ys)) : int(max(ys)) + 1, int(min(xs)) : int(max(xs)) + 1].sum())
        rows.append(Candidate(survey=survey, asset=asset, kind=kind, detector=detector, detector_version=version,
                              pixel_geometry={"type": "Polygon", "coordinates": [_ring(ring)]},
                              score=area, facts={"pixels": int(area)}, created_at=now))
    with transaction.atomic():
        made = Candidate.objects.bulk_create(rows)
        survey_audit_record(survey, "candidates_proposed", by=None, now=now,
                            data={"asset": getattr(asset, "pk", None), "detector": detector, "count": len(made)})
    return made


def _reviewable(candidate: Candidate, by: Any) -> None:
    if not can_annotate(by, candidate.survey):
        raise PermissionError("you may not review this survey's candidates")
    if candidate.status != CandidateStatus.PROPOSED:
        raise CandidateError("status", f"this candidate was already {candidate.status}")


def candidate_accept(*, candidate: Candidate, by: Any, now: datetime, category: Any, severity: Any = None,
                     extent: Any = None, note: Any = "") -> Annotation:
    """Make the candidate an annotation (validated against the survey's schema by the inspection services)."""
    with transaction.atomic():
        locked = Candidate.objects.select_for_update().select_related("survey").get(pk=candidate.pk)
        _reviewable(locked, by)
        annotation = inspection.annotation_create(
            survey=locked.survey, by=by, now=now, category=category, severity=severity, extent=extent, note=note,
            asset=locked.asset_id, pixel_geometry=locked.pixel_geometry,
            geometry=None if locked.pixel_geometry is not None else locked.geometry)
        # annotation_create takes no source: record the detector on the row it just made, in this transaction
        Annotation.objects.filter(pk=annotation.pk).update(source=locked.source)
        annotation.source = locked.source
        locked.status, locked.reviewed_by, locked.reviewed_at = CandidateStatus.ACCEPTED, by, now
        locked.annotation = annotation
        locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "annotation"])
        survey_audit_record(locked.survey, "candidate_accepted", by=by, now=now,
                            data={"candidate": locked.pk, "annotation": annotation.pk, "detector": locked.source})
    candidate.refresh_from_db()
    return annotation


def candidate_reject(*, candidate: Candidate, by: Any, now: datetime) -> Candidate:
    with transaction.atomic():
        locked = Candidate.objects.select_for_update().select_related("survey").get(pk=candidate.pk)
        _reviewable(locked, by)
        locked.status, locked.reviewed_by, locked.reviewed_at = CandidateStatus.REJECTED, by, now
        locked.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        survey_audit_record(locked.survey, "candidate_rejected", by=by, now=now,
                            data={"candidate": locked.pk, "detector": locked.source})
    candidate.refresh_from_db()
    return candidate


#: What a reviewer may ask for on a survey, and the job kind that does it.
DETECTION_KINDS = {"crack": "detect_cracks", "hotspot": "detect_hotspots", "change": "detect_changes"}
PARAMS = {"crack": ("min_area_px",), "hotspot": ("margin", "margin_sigmas"), "change": ("min_area_m2", "before_survey")}


def detection_request(*, survey: Any, by: Any, kind: Any, params: dict | None, now: datetime) -> Any:
    """Queue a detector over the survey (one of DETECTION_KINDS); refused while the same detector is already
    queued or running for it. Numbers are checked here so that a bad one is a clear 400, not a failed job."""
    from processing import services as jobs
    from processing.models import Job, JobState

    if not isinstance(kind, str) or kind not in DETECTION_KINDS:
        raise CandidateError("kind", f"must be one of {', '.join(DETECTION_KINDS)}")
    if not can_annotate(by, survey):
        raise CandidateError("survey", "you may read this survey's candidates, not ask for new ones")
    clean: dict[str, float | int] = {}
    for name in PARAMS[kind]:
        value = (params or {}).get(name)
        if value in (None, ""):
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise CandidateError(name, "must be a number") from None
        if not number >= 0 or number > 1e9:
            raise CandidateError(name, "must be zero or more")
        clean[name] = int(number) if name in ("min_area_px", "before_survey") else number
    if kind == "change" and not survey.orthophoto:
        raise CandidateError("kind", "this survey has no map yet: changes are found between two orthophotos")
    job_kind = DETECTION_KINDS[kind]
    with transaction.atomic():
        busy = Job.objects.select_for_update().filter(survey=survey, kind=job_kind,
                                                      state__in=(JobState.PENDING, JobState.RUNNING)).first()
        if busy is not None:
            raise CandidateError("kind", f"this detector is already {busy.state} for the survey (job {busy.pk})")
        job = jobs.enqueue_job(kind=job_kind, survey=survey, params=clean)
        survey_audit_record(survey, "detection_requested", by=by, now=now, data={"kind": kind, "job": job.pk,
                                                                                 **clean})
    return job
