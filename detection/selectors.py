"""Reads: a survey's candidates, filtered by photo and status."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import Candidate, CandidateStatus


def survey_candidates(*, survey: Any, asset_id: int | None = None, status: str | None = None) -> QuerySet[Candidate]:
    rows = Candidate.objects.filter(survey=survey).select_related("asset")
    if asset_id is not None:
        rows = rows.filter(asset_id=asset_id)
    if status is not None:
        if status not in CandidateStatus.values:
            raise ValueError(f"status must be one of {', '.join(CandidateStatus.values)}")
        rows = rows.filter(status=status)
    return rows.order_by("-score", "id")
