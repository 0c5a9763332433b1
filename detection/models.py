"""Defect candidates proposed by a detector, waiting for an inspector to accept (it becomes an annotation) or
reject (it is kept, so rejections can be learned from)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class CandidateKind(models.TextChoices):
    CRACK = "crack", "Crack"
    HOTSPOT = "hotspot", "Thermal hotspot"
    CHANGE = "change", "Change since the previous survey"


class CandidateStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class Candidate(models.Model):
    survey = models.ForeignKey("surveys.Survey", on_delete=models.CASCADE, related_name="candidates")
    asset = models.ForeignKey("surveys.Asset", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="candidates")
    kind = models.CharField(max_length=12, choices=CandidateKind.choices)
    detector = models.CharField(max_length=60)
    detector_version = models.CharField(max_length=20)
    pixel_geometry = models.JSONField(null=True, blank=True, help_text="Polygon in photo pixels")
    geometry = models.JSONField(null=True, blank=True, help_text="Polygon, WGS84 (changes on the map)")
    score = models.FloatField(default=0.0)
    facts = models.JSONField(default=dict, blank=True, help_text="area, peak, mean... as the detector gave them")
    status = models.CharField(max_length=10, choices=CandidateStatus.choices, default=CandidateStatus.PROPOSED)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    annotation = models.ForeignKey("inspection.Annotation", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="candidates")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-score", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(asset__isnull=False, pixel_geometry__isnull=False, geometry__isnull=True)
                           | Q(asset__isnull=True, pixel_geometry__isnull=True, geometry__isnull=False)),
                name="candidate_photo_or_map",
            ),
        ]
        indexes = [models.Index(fields=["survey", "status"])]

    def __str__(self) -> str:
        return f"{self.kind} candidate {self.pk} ({self.status}) on survey {self.survey_id}"

    @property
    def source(self) -> str:
        return f"{self.detector} v{self.detector_version}"
