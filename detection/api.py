"""API: a survey's candidates (GET, ?asset=&status=), accept one (POST {category, severity, extent?, note?}:
an annotation is made with the detector as its source), reject one (POST). Visibility follows the survey
(`surveys.selectors.visible_surveys`): anything else is a 404; reviewing is for those who may annotate."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import HasRole
from inspection.core.errors import InspectionError
from inspection.permissions import can_annotate
from surveys.selectors import visible_surveys

from . import selectors, services
from .models import Candidate

ACCEPT_FIELDS = ("category", "severity", "extent", "note")


class CandidateSerializer(serializers.ModelSerializer):
    source = serializers.CharField(read_only=True)

    class Meta:
        model = Candidate
        fields = ["id", "survey", "asset", "kind", "detector", "detector_version", "source", "pixel_geometry",
                  "geometry", "score", "facts", "status", "reviewed_at", "annotation", "created_at"]


def _bad(field: str, message: str) -> Response:
    return Response({field: [message], "detail": f"{field}: {message}"}, status=status.HTTP_400_BAD_REQUEST)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return -1


class SurveyCandidatesView(APIView):
    """The survey's candidates, strongest first; `?asset=<photo id>` and `?status=proposed|accepted|rejected`."""

    permission_classes = [HasRole]

    @extend_schema(responses=CandidateSerializer(many=True))
    def get(self, request: Request, survey_id: int) -> Response:
        survey = get_object_or_404(visible_surveys(request.user), pk=survey_id)
        asset = _int(request.query_params.get("asset"))
        if asset == -1:
            return _bad("asset", "must be a photo id")
        try:
            rows = selectors.survey_candidates(survey=survey, asset_id=asset,
                                               status=request.query_params.get("status") or None)
        except ValueError as exc:
            return _bad("status", str(exc))
        return Response(CandidateSerializer(rows, many=True).data)

    @extend_schema(request=dict, responses={202: dict})
    def post(self, request: Request, survey_id: int) -> Response:
        """Ask for candidates: {"kind": "crack"|"hotspot"|"change", and optionally min_area_px (crack), margin or
        margin_sigmas (hotspot), min_area_m2 and before_survey (change)}: a job is queued (202)."""
        from django.urls import reverse

        survey = get_object_or_404(visible_surveys(request.user), pk=survey_id)
        body = request.data if isinstance(request.data, dict) else {}
        try:
            job = services.detection_request(survey=survey, by=request.user, kind=body.get("kind"),
                                             params=body, now=timezone.now())
        except services.CandidateError as exc:
            code = status.HTTP_403_FORBIDDEN if exc.field == "survey" else (
                status.HTTP_409_CONFLICT if "already" in exc.message else status.HTTP_400_BAD_REQUEST)
            return Response({exc.field: [exc.message], "detail": f"{exc.field}: {exc.message}"}, status=code)
        return Response({"job": job.pk, "kind": job.kind, "state": job.state,
                         "job_url": reverse("job-detail", kwargs={"pk": job.pk})}, status=status.HTTP_202_ACCEPTED)


class _Review(APIView):
    permission_classes = [HasRole]

    def _candidate(self, request: Request, pk: int) -> Candidate:
        return get_object_or_404(Candidate.objects.filter(survey__in=visible_surveys(request.user))
                                 .select_related("survey"), pk=pk)


class CandidateAcceptView(_Review):
    @extend_schema(request=dict, responses={201: dict})
    def post(self, request: Request, pk: int) -> Response:
        candidate = self._candidate(request, pk)
        if not can_annotate(request.user, candidate.survey):
            raise PermissionDenied("you may read this survey's candidates, not review them")
        body = request.data if isinstance(request.data, dict) else None
        if body is None:
            return _bad("body", "must be a JSON object")
        unknown = sorted(set(body) - set(ACCEPT_FIELDS))
        if unknown:
            return _bad(unknown[0], f"is not an accept field ({', '.join(ACCEPT_FIELDS)})")
        if "category" not in body:
            return _bad("category", "is required")
        try:
            annotation = services.candidate_accept(candidate=candidate, by=request.user, now=timezone.now(),
                                                   **{k: body.get(k) for k in ACCEPT_FIELDS if k in body})
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except InspectionError as exc:
            return _bad(exc.field, exc.message)
        except services.CandidateError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response({"candidate": candidate.pk, "status": candidate.status, "annotation": annotation.pk,
                         "source": annotation.source}, status=status.HTTP_201_CREATED)


class CandidateRejectView(_Review):
    @extend_schema(request=None, responses={200: CandidateSerializer})
    def post(self, request: Request, pk: int) -> Response:
        candidate = self._candidate(request, pk)
        try:
            services.candidate_reject(candidate=candidate, by=request.user, now=timezone.now())
        except PermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except services.CandidateError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(CandidateSerializer(candidate).data)
