"""The jobs of surveys over the API (/api/v1/jobs/): list and detail of the jobs of the surveys a user may see,
and the staff actions retry and cancel. The job engine (processing) knows no survey: who may read a job is the
visibility of its survey, decided here."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db import transaction
from django.utils import timezone
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.roles import is_operator
from processing import services as jobs
from processing.models import Job
from processing.serializers import JobSerializer

from . import services
from .selectors import visible_jobs


class IsStaff(BasePermission):
    message = "Only staff may retry or cancel jobs."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_operator(request.user)


class JobFilter(django_filters.FilterSet):
    kind = django_filters.CharFilter()

    class Meta:
        model = Job
        fields = ["survey", "state", "kind"]


class JobViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = JobSerializer
    filterset_class = JobFilter

    def get_queryset(self):
        return visible_jobs(self.request.user).order_by("-created_at", "-id")

    @action(detail=True, methods=["post"], permission_classes=[IsStaff])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        job = self.get_object()
        try:
            job = jobs.job_retry(job=job, now=timezone.now())
        except jobs.JobError as exc:
            raise ValidationError({exc.field or "detail": [str(exc)]}) from exc
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @action(detail=True, methods=["post"], permission_classes=[IsStaff])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        job = self.get_object()
        now = timezone.now()
        try:
            with transaction.atomic():
                job = jobs.job_cancel(job=job, now=now)
                if job.survey_id is not None:
                    services.survey_map_job_cancelled(survey_id=job.survey_id, job=job, by=request.user, now=now)
        except jobs.JobError as exc:
            raise ValidationError({exc.field or "detail": [str(exc)]}) from exc
        return Response(JobSerializer(job).data)
