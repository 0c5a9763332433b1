"""API: evaluate a plan, daylight windows, the current policy, stored checks (thin: services do the work)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from policy.core import PlanError
from policy.core.catalogue import rendered_catalogue
from policy.core.daylight import daylight_windows
from policy.core.plan import MAX_AREA_VERTICES, MAX_PLAN_BYTES

from . import selectors, services
from .models import CheckStage
from .serializers import DaylightQuerySerializer


def plan_error_response(exc: PlanError, status_code: int = status.HTTP_400_BAD_REQUEST) -> Response:
    return Response({exc.field: [exc.message], "detail": f"{exc.field}: {exc.message}"}, status=status_code)


def body_too_large(request: Request) -> PlanError | None:
    """A request body over MAX_PLAN_BYTES, judged by its declared length before anything reads it (the WSGI
    stream never yields more than the declared length)."""
    try:
        size = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return PlanError("plan", "the Content-Length header is not a number")
    if size > MAX_PLAN_BYTES:
        return PlanError("plan", f"the request body is {size:,} bytes; a flight plan may be at most "
                         f"{MAX_PLAN_BYTES:,} bytes (an area may have at most {MAX_AREA_VERTICES:,} positions)")
    return None


class EvaluateView(APIView):
    """POST a flight plan (docs/policy.md); get the decision. Nothing is stored."""

    @extend_schema(request=dict, responses=dict,
                   parameters=[OpenApiParameter("stage", str, enum=CheckStage.values, required=False)])
    def post(self, request: Request) -> Response:
        stage = request.query_params.get("stage", CheckStage.SUBMISSION)
        if stage not in CheckStage.values:
            return Response({"stage": [f"must be one of {', '.join(CheckStage.values)}"]}, status=400)
        too_large = body_too_large(request)
        if too_large is not None:
            return plan_error_response(too_large, status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        if not isinstance(request.data, dict):
            return plan_error_response(PlanError("plan", "must be a JSON object"))
        try:
            decision, version, data = services.policy_evaluate(plan=request.data, now=timezone.now(), stage=stage)
        except PlanError as exc:
            return plan_error_response(exc)
        return Response(services.decision_json(decision, version, data.version))


class DaylightView(APIView):
    """Daylight windows (civil dawn, sunrise, sunset, civil dusk in UTC) for a place and a date range."""

    @extend_schema(parameters=[DaylightQuerySerializer], responses=dict)
    def get(self, request: Request) -> Response:
        q = DaylightQuerySerializer(data=request.query_params)
        q.is_valid(raise_exception=True)
        v = q.validated_data
        depression = selectors.policy_settings(selectors.current_policy_version()).night_depression_deg
        windows = daylight_windows(v["lat"], v["lon"], v["start"], v["end"], depression)
        return Response({"lat": v["lat"], "lon": v["lon"], "depression_deg": depression,
                         "windows": [w.to_json() for w in windows]})


class CurrentPolicyView(APIView):
    """The current policy version: its thresholds and every rule in plain English. A read: with no
    version recorded yet it shows the defaults (`version` null) and records nothing."""

    @extend_schema(responses=dict)
    def get(self, request: Request) -> Response:
        version = selectors.current_policy_version()
        settings = selectors.policy_settings(version)
        return Response({
            "version": version.number if version else None,
            "change_note": version.change_note if version else "No version recorded yet: the defaults apply.",
            "settings": settings.to_dict(), "rules": rendered_catalogue(settings),
        })  # fmt: skip
