"""Job API (list, detail, staff retry) and the TileJSON of a survey's orthophoto."""

from __future__ import annotations

import django_filters
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .core.errors import TileError
from .models import Job
from .serializers import JobSerializer, TileJSONSerializer


class IsStaff(BasePermission):
    message = "Only staff may retry or cancel jobs."

    def has_permission(self, request: Request, view: object) -> bool:
        return selectors.is_staff(request.user)


class JobFilter(django_filters.FilterSet):
    class Meta:
        model = Job
        fields = ["survey", "state", "kind"]


class JobViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = JobSerializer
    filterset_class = JobFilter

    def get_queryset(self):
        return selectors.visible_jobs(self.request.user).order_by("-created_at", "-id")

    @action(detail=True, methods=["post"], permission_classes=[IsStaff])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        job = self.get_object()
        try:
            job = services.job_retry(job=job, now=timezone.now())
        except services.JobError as exc:
            raise ValidationError({exc.field or "detail": [str(exc)]}) from exc
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @action(detail=True, methods=["post"], permission_classes=[IsStaff])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        job = self.get_object()
        try:
            job = services.job_cancel(job=job, now=timezone.now())
        except services.JobError as exc:
            raise ValidationError({exc.field or "detail": [str(exc)]}) from exc
        return Response(JobSerializer(job).data)


class SurveyTileJSONView(APIView):
    """TileJSON 3.0 for a survey's orthophoto (bounds and zoom range from the COG)."""

    @extend_schema(responses=TileJSONSerializer)
    def get(self, request: Request, survey_id: int) -> Response:
        from surveys.selectors import visible_surveys

        survey = get_object_or_404(visible_surveys(request.user), pk=survey_id)
        if not survey.orthophoto:
            raise NotFound("this survey has no orthophoto yet")
        try:
            source = selectors.orthophoto_source(survey.orthophoto.name)
        except TileError as exc:
            raise NotFound(str(exc)) from exc
        url = request.build_absolute_uri(f"/tiles/surveys/{survey.pk}/") + "{z}/{x}/{y}.png"
        from .core.tiles import tilejson  # imported here: rasterio and cv2 are slow to import

        return Response(tilejson(source, url, name=str(survey)))
