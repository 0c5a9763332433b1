"""Inspection schemas (versioned, per family) and defect annotations on photos and on the map, with their
append-only event log. Every write goes through `inspection.services`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class InspectionSchema(models.Model):
    """One version of a family's schema (inspection.core.schema): categories and a severity scale with the
    meaning of each level and its source. The current schema of a family is its active version with the
    highest number."""

    family = models.CharField(max_length=40, db_index=True)
    number = models.PositiveIntegerField()
    document = models.JSONField(help_text="The schema document (docs/inspection.md)")
    change_note = models.TextField(help_text="What changed since the previous version, and why")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["family", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["family", "number"], name="inspection_schema_unique_version"),
            models.CheckConstraint(condition=Q(number__gte=1), name="inspection_schema_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.family} v{self.number}"


class AnnotationKind(models.TextChoices):
    PHOTO = "photo", "On a photo"
    MAP = "map", "On the map"


class Annotation(models.Model):
    """A defect marked on a photo (pixel geometry of the stored original) or on the map (WGS84 GeoJSON)."""

    survey = models.ForeignKey("surveys.Survey", on_delete=models.CASCADE, related_name="annotations")
    kind = models.CharField(max_length=8, choices=AnnotationKind.choices)
    asset = models.ForeignKey("surveys.Asset", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="annotations")
    pixel_geometry = models.JSONField(null=True, blank=True, help_text="Point/LineString/Polygon in photo pixels")
    geometry = models.JSONField(null=True, blank=True, help_text="Point/LineString/Polygon, WGS84 (map marks)")
    schema = models.ForeignKey(InspectionSchema, on_delete=models.PROTECT, related_name="annotations")
    category = models.CharField(max_length=40)
    severity = models.CharField(max_length=40)
    extent = models.CharField(max_length=40, blank=True)
    risk_impact = models.PositiveSmallIntegerField(null=True, blank=True)
    risk_probability = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)
    source = models.CharField(max_length=80, blank=True,
                              help_text="The detector that proposed it (e.g. crack-ridge v1); blank when drawn by a person")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="photo", asset__isnull=False, pixel_geometry__isnull=False, geometry__isnull=True)
                           | Q(kind="map", asset__isnull=True, pixel_geometry__isnull=True,
                               geometry__isnull=False)),
                name="annotation_photo_or_map",
            ),
        ]
        indexes = [models.Index(fields=["survey", "created_at"])]

    def __str__(self) -> str:
        return f"{self.category} ({self.severity}) on survey {self.survey_id}"


class AnnotationEventAction(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    DELETED = "deleted", "Deleted"


class AnnotationEvent(models.Model):
    """Append-only: what an annotation was after each change (`before`/`after`), who changed it and when. It
    outlives the annotation (deletions keep `annotation_id` as a plain number)."""

    annotation_id = models.BigIntegerField(db_index=True)
    survey = models.ForeignKey("surveys.Survey", on_delete=models.CASCADE, related_name="annotation_events")
    action = models.CharField(max_length=8, choices=AnnotationEventAction.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"annotation {self.annotation_id} {self.action}"


def _report_path(instance: InspectionReport, filename: str) -> str:
    return f"inspection/reports/survey-{instance.survey_id}/v{instance.number}-{filename}"


class InspectionReport(models.Model):
    """One version of a survey's inspection report: the same content as JSON, HTML and PDF, made by the
    `inspection_report` job from the annotations whose fingerprint it keeps. A new version is made only when the
    annotations changed; earlier versions stay. Signing off freezes a version (its files never change again)."""

    survey = models.ForeignKey("surveys.Survey", on_delete=models.CASCADE, related_name="inspection_reports")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    fingerprint = models.CharField(max_length=64, help_text="sha256 of the annotations the report was made from")
    defect_count = models.PositiveIntegerField(default=0)
    document = models.JSONField(help_text="The report document (inspection.core.report)")
    json_file = models.FileField(upload_to=_report_path, max_length=300)
    html_file = models.FileField(upload_to=_report_path, max_length=300)
    pdf_file = models.FileField(upload_to=_report_path, max_length=300)
    job = models.ForeignKey("processing.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    signed_off_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["survey", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="inspection_report_unique_version"),
            models.CheckConstraint(condition=Q(number__gte=1), name="inspection_report_positive"),
        ]

    def __str__(self) -> str:
        return f"report v{self.number} of survey {self.survey_id}"

    @property
    def is_signed(self) -> bool:
        return self.signed_off_at is not None
